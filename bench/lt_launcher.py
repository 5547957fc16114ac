"""Start LibreTranslate offline for ``bench/serve.py``: run with the Python of a LibreTranslate install.

    LT_PYTHON bench/lt_launcher.py PORT THREADS

LibreTranslate 1.9 splits sentences with MiniSBD, whose ONNX model for Indonesian (``id.onnx``) is
downloaded from GitHub on first use; nothing can be downloaded where this benchmark runs. This launcher
replaces MiniSBD's splitter with a one-line rule (split after ``.``, ``!`` or ``?`` followed by white space)
before LibreTranslate starts; everything else (Flask on waitress, its request handling, Argos Translate,
CTranslate2) is LibreTranslate's own. The rule is cheaper than the ONNX model it stands in for, so it can
only make LibreTranslate look faster. Packages come from ``ARGOS_PACKAGES_DIR``.
"""
from __future__ import annotations

import re
import sys

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def main() -> None:
    port, threads = sys.argv[1], sys.argv[2]
    from argostranslate import sbd

    def split_sentences(self, text: str) -> list[str]:
        return [s for s in SENTENCE_END.split(text.strip()) if s]

    sbd.MiniSBDSentencizer.split_sentences = split_sentences
    from libretranslate.main import main as libretranslate_main

    sys.argv = ["libretranslate", "--host", "127.0.0.1", "--port", port, "--threads", threads,
                "--load-only", "id,en", "--disable-web-ui", "--disable-files-translation"]
    libretranslate_main()


if __name__ == "__main__":
    main()
