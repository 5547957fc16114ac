"""Reading hypothesis/reference files with errors that name the file and the line."""
from __future__ import annotations

from pathlib import Path

from news.errors import InputError


def read_lines(path: str | Path) -> list[str]:
    """Read one segment a line (UTF-8); empty files and undecodable bytes are named errors."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(str(path), f"line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                         "re-save the file as UTF-8") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise InputError(str(path), "is empty: expected one segment a line")
    return [line.rstrip("\r") for line in lines]


def check_parallel(named: dict[str, list[str]], reference_name: str, references: list[str]) -> None:
    """Raise if any file's line count differs from the references', naming every mismatch at once."""
    bad = [f"{name} has {len(lines)} lines" for name, lines in named.items() if len(lines) != len(references)]
    if bad:
        raise InputError(reference_name, f"has {len(references)} lines but " + "; ".join(bad) +
                         ". Every file must have one line per reference segment.")
