"""Model references: a hub id or a local folder, resolved to a local folder with a content fingerprint."""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from news.errors import ModelNotAvailableError

MODEL_KINDS = {"marian": "marian", "m2m_100": "nllb"}
_FINGERPRINT_FILES = ("config.json", "generation_config.json", "vocab.json", "source.spm", "target.spm",
                      "sentencepiece.bpe.model", "tokenizer.json", "tokenizer_config.json")
_WEIGHT_SUFFIXES = (".safetensors", ".bin")
_fingerprints: dict[tuple, str] = {}


@dataclass(frozen=True)
class ResolvedModel:
    """A model reference resolved to a local folder."""

    ref: str
    path: Path
    kind: str
    fingerprint: str
    max_positions: int


def _hf_cache_dir() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


def _download(ref: str) -> Path:
    """Find a hub model in the local Hugging Face cache, downloading it if the hub can be reached."""
    try:
        from huggingface_hub import snapshot_download
    except ImportError as exc:  # pragma: no cover - huggingface_hub comes with transformers
        raise ModelNotAvailableError("huggingface_hub is not installed: pip install -r requirements.txt") from exc
    patterns = ["*.json", "*.spm", "*.model", "*.safetensors", "*.txt"]
    try:
        return Path(snapshot_download(ref, allow_patterns=patterns, local_files_only=True))
    except Exception:
        pass
    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes")
    if not offline:
        try:
            return Path(snapshot_download(ref, allow_patterns=patterns))
        except Exception as exc:  # network down, hub unreachable, repo missing, no safetensors...
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        try:  # older repos ship only pytorch_model.bin
            return Path(snapshot_download(ref, allow_patterns=patterns + ["pytorch_model.bin"]))
        except Exception:
            pass
    else:
        reason = "HF_HUB_OFFLINE is set"
    raise ModelNotAvailableError(
        f"Model {ref!r} is not available offline and could not be downloaded ({reason}). "
        f"Looked in the Hugging Face cache at {_hf_cache_dir()} and on the hub. "
        f"Fix: run once where the hub is reachable (the model is then cached), or download it elsewhere "
        f"(`hf download {ref} --local-dir PATH`) and pass --model PATH or set KABAR_MODEL=PATH."
    )


def _fingerprint_file() -> Path:
    from news import config

    return config.cache_dir() / "fingerprints.json"


def fingerprint(path: Path) -> str:
    """A content hash of a model folder's config, tokenizer and weights.

    Hashing a 300 MB model takes about half a second, so results are remembered per (file, size,
    mtime) in memory and in ``<cache>/fingerprints.json``; a changed file changes the stamp.
    """
    files = [path / name for name in _FINGERPRINT_FILES if (path / name).is_file()]
    files += sorted(p for p in path.iterdir() if p.suffix in _WEIGHT_SUFFIXES and p.is_file())
    stamp = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    key = hashlib.blake2b(repr(stamp).encode(), digest_size=16).hexdigest()
    if stamp in _fingerprints:
        return _fingerprints[stamp]
    stored: dict = {}
    try:
        stored = json.loads(_fingerprint_file().read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        pass
    if not isinstance(stored, dict):  # a damaged or foreign file ([] or "x"): start it afresh
        stored = {}
    if isinstance(stored.get(key), str):
        _fingerprints[stamp] = stored[key]
        return stored[key]
    digest = hashlib.blake2b(digest_size=16)
    for f in files:
        digest.update(f.name.encode())
        with open(f, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    _fingerprints[stamp] = digest.hexdigest()
    stored[key] = _fingerprints[stamp]
    try:  # best effort: a read-only cache only costs the hashing next time
        target = _fingerprint_file()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}")
        tmp.write_text(json.dumps(stored), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        pass
    return _fingerprints[stamp]


def resolve_model(ref: str) -> ResolvedModel:
    """Resolve a hub id or local folder to a :class:`ResolvedModel`, or raise a clear error.

    Raises:
        ModelNotAvailableError: the folder does not exist or is not a supported model, or a hub model
            is neither cached nor downloadable.
    """
    candidate = Path(ref).expanduser()
    looks_local = candidate.exists() or ref.startswith((".", "/", "~")) or os.sep + os.sep in ref
    if looks_local:
        if not candidate.is_dir():
            raise ModelNotAvailableError(f"Model folder {ref!r} does not exist. Pass --model with a folder that "
                                         "holds config.json, the weights and the tokenizer files, or a hub id.")
        path = candidate.resolve()
    else:
        path = _download(ref)
    config_file = path / "config.json"
    if not config_file.is_file():
        raise ModelNotAvailableError(f"{path} has no config.json: it is not a transformers model folder. "
                                     "Pass --model with a Marian (opus-mt) or NLLB-200 model folder or hub id.")
    config = json.loads(config_file.read_text(encoding="utf-8"))
    model_type = config.get("model_type")
    if model_type not in MODEL_KINDS:
        raise ModelNotAvailableError(
            f"{ref!r} is a {model_type!r} model; Kabar translates with Marian (model_type 'marian') or "
            "NLLB-200 (model_type 'm2m_100') models.")
    weights = [p.name for p in path.iterdir() if p.suffix in _WEIGHT_SUFFIXES and p.is_file()]
    if not weights:
        hub = ref if not looks_local else ("Helsinki-NLP/opus-mt-id-en" if model_type == "marian"
                                           else "facebook/nllb-200-distilled-600M")
        raise ModelNotAvailableError(
            f"{path} holds the {model_type} configuration and tokenizer but no weights: model.safetensors (or "
            "pytorch_model.bin) is missing. Fix: download the whole model where the hub is reachable "
            f"(`hf download {hub} --local-dir {path}`), or build random weights of the same shape to try the "
            f"plumbing (from a Kabar checkout: `python -m bench.random_model DIR --like {path}`).")
    return ResolvedModel(ref=ref, path=path, kind=MODEL_KINDS[model_type], fingerprint=fingerprint(path),
                         max_positions=int(config.get("max_position_embeddings") or 512))
