"""Test sets found under ``../shared/data/mt`` (or ``$KABAR_DATA/mt``): ``NAME/SPLIT.ind`` + ``NAME/SPLIT.eng``."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from news import config
from news.errors import ConfigError


@dataclass(frozen=True)
class TestSet:
    """One line-aligned Indonesian source / English reference pair of files."""

    name: str  # "flores200/devtest"
    source: Path
    reference: Path

    @property
    def size(self) -> int:
        """Number of segments."""
        with open(self.source, "rb") as handle:
            return sum(1 for _ in handle)


def discover(data_dir: str | Path | None = None) -> dict[str, TestSet]:
    """All test sets under the data folder, by name; a missing folder gives a clear :class:`ConfigError`."""
    root = config.data_dir(data_dir) / "mt"
    if not root.is_dir():
        raise ConfigError(f"No test sets: {root} does not exist. Put the shared data folder beside the project "
                          "(../shared/data) or point KABAR_DATA at a folder holding mt/<name>/<split>.ind|.eng.")
    found = {}
    for src in sorted(root.glob("*/*.ind")):
        ref = src.with_suffix(".eng")
        if ref.is_file():
            name = f"{src.parent.name}/{src.stem}"
            found[name] = TestSet(name, src, ref)
    return found


def get(names: str, data_dir: str | Path | None = None) -> list[TestSet]:
    """Test sets named in a comma-separated list; a bare name means all its splits (``flores200``)."""
    found = discover(data_dir)
    chosen = []
    for name in [n.strip() for n in names.split(",") if n.strip()]:
        matches = [t for key, t in found.items() if key == name or key.split("/")[0] == name]
        if not matches:
            raise ConfigError(f"{name!r} is not a valid test set. Accepted values are: {', '.join(found)}.")
        chosen += [m for m in matches if m not in chosen]
    return chosen
