"""Kabar, the product: the pipeline and its results, the article cache, writers, Ray scale-out and the ``kabar`` command.

Layers, from the ground up (imports only look down): ``news`` (the article) < ``translate``, ``summarize``
(one capability each) < ``eval`` (metrics, ROUGE, QE, reports) < ``kabar`` (the product) < ``ui`` (the
server) < ``kabar.cli`` (the one command, the front door onto every layer).
"""

__version__ = "0.2.0"
