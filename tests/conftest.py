"""Session fixtures: tiny random Marian and NLLB models built on the fly, and the shared seeds."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
# One documented variable: KABAR_DATA names the data folder (default ../shared/data); the seeds sit beside it.
DATA = Path(os.environ.get("KABAR_DATA") or ROOT.parent / "shared" / "data")
SEEDS = DATA.parent / "seeds"
REQUIRE_DATA = "KABAR_REQUIRE_DATA"  # set in CI: missing shared data fails the tests instead of skipping them


def need_shared(path: Path, what: str) -> Path:
    """``path`` if it exists; else skip with a message, or fail when ``KABAR_REQUIRE_DATA`` is set (CI)."""
    if path.exists():
        return path
    message = (f"{what} not found at {path}; put the shared folder beside the project or set KABAR_DATA "
               "to its data folder")
    if os.environ.get(REQUIRE_DATA):
        pytest.fail(f"{message} ({REQUIRE_DATA} is set)")
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Every test run gets its own Kabar cache and never reaches the model hub."""
    old = {k: os.environ.get(k) for k in ("KABAR_CACHE", "HF_HUB_OFFLINE", "KABAR_MODEL", "KABAR_ENGINE")}
    os.environ["KABAR_CACHE"] = str(tmp_path_factory.mktemp("kabar-cache"))
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.pop("KABAR_MODEL", None)
    os.environ.pop("KABAR_ENGINE", None)
    yield
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _corpus() -> list[str]:
    lines: list[str] = []
    for folder in (EXAMPLES, SEEDS):
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                lines += path.read_text(encoding="utf-8").splitlines()
    return lines


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory) -> Path:
    """A random Marian model laid out like Helsinki-NLP/opus-mt-id-en, with its own sentencepiece model."""
    from bench.random_model import build_marian

    return build_marian(tmp_path_factory.mktemp("tiny-marian"), _corpus())


@pytest.fixture(scope="session")
def tiny_nllb(tmp_path_factory) -> Path:
    """A random M2M100 model with an NLLB tokenizer (ind_Latn -> eng_Latn)."""
    from bench.random_model import build_nllb

    return build_nllb(tmp_path_factory.mktemp("tiny-nllb"), _corpus())


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The five seed articles in ../shared/seeds (skipped with a message when absent)."""
    need_shared(SEEDS, "the seed articles")
    assert len(list(SEEDS.glob("*.txt"))) == 5, f"expected the five seed articles in {SEEDS}"
    return SEEDS


@pytest.fixture(scope="session")
def translators(tiny_marian, tiny_nllb):
    """One loaded translator per (model kind, engine), shared by the tests."""
    from translate.registry import load_translator

    cache = {}

    def get(kind: str, engine: str, **options):
        key = (kind, engine, tuple(sorted(options.items())))
        if key not in cache:
            model = tiny_marian if kind == "marian" else tiny_nllb
            cache[key] = load_translator(str(model), engine, beam_size=2, **options)
        return cache[key]
    return get
