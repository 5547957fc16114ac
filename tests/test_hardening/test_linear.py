"""Every text stage stays (near) linear on adversarial input, up to the server's request limit.

For each stage and each hostile string family, the time at 8n characters must be at most 12x the
time at n (best of three runs each, measured in this run), with 8n = the default request limit. The
families are the reviewer's findings (Ogham spaces after a time, runs of dots, "Dr. A " repeated,
"@" before letters, a Markdown heading padded with spaces, "[" and "</" runs, "<a " runs) and the
generic shapes that make backtracking regexes or quadratic slicing blow up.
"""
from __future__ import annotations

import gc
import json
import re
import time

import pytest

from news.article import clean_and_split
from news.clean import clean
from news.detect import detect, detect_paragraphs
from news.read import read_inputs
from news.split import split_paragraph
from news.text import normalize_text

LIMIT = 20_000  # the server's default KABAR_MAX_CHARS
N = LIMIT // 8
FLOOR = 0.002  # seconds: below this, timer noise dominates and no stage can stall anyway

FAMILIES = {
    "ogham spaces after a time": lambda n: "12:00" + "\u1680" * n + "x",
    "control whitespace after a time": lambda n: "12:00" + "\r\x0b\x0c\x1c\x85 " * (n // 6) + "x",
    "run of dots": lambda n: "." * n,
    "Dr. A repeated": lambda n: "Dr. A " * (n // 6),
    "initials": lambda n: "A. " * (n // 3),
    "@ then letters": lambda n: "@" + "a" * n,
    "dotted local part before @": lambda n: "a." * (n // 2) + "@",
    "heading padded with spaces": lambda n: "# a" + " " * n + "a",
    "open brackets": lambda n: "[" * n,
    "link openers": lambda n: "[a](" * (n // 4),
    "close-tag openers": lambda n: "</" * (n // 2),
    "unclosed tags": lambda n: "<a " * (n // 3),
    "emphasis markers": lambda n: "*a" * (n // 2),
    "underscores": lambda n: "_a" * (n // 2),
    "read-also then spaces": lambda n: "Baca juga" + " " * n + "x",
    "credit then spaces": lambda n: "Pewarta" + " " * n + ":x",
    "open parentheses": lambda n: "(" * n,
    "long link": lambda n: "http://" + "a" * n,
    "numbers with dots": lambda n: "1." * (n // 2),
    "hyphenated run": lambda n: "a-" * (n // 2),
    "day names": lambda n: "Senin, " * (n // 7),
    "short lines": lambda n: "a\n" * (n // 2),
    "blank lines with spaces": lambda n: "\n \n" * (n // 3),
    "dateline padding": lambda n: "A" + " " * n + "(ANTARA)",
    "section slashes": lambda n: "A / " * (n // 4),
    "quotes after dots": lambda n: ".\u201d" * (n // 2),
    "mojibake runs": lambda n: "KlÃ¶cker â€œ" * (n // 12),  # ftfy's repair (news.text.fix_mojibake)
    "mojibake lead bytes": lambda n: "Ã" * n,
}


def _reader(suffix: str, tmp_path):
    def read(text: str):
        path = tmp_path / f"input{suffix}"
        path.write_text(json.dumps({"text": text}) + "\n" if suffix == ".jsonl" else text, encoding="utf-8")
        return list(read_inputs([path]))
    return read


def _stages(tmp_path) -> dict:
    return {"normalize": normalize_text, "clean": clean, "split": split_paragraph, "detect": detect,
            "detect paragraphs": lambda t: detect_paragraphs([t], "id"), "clean and split": clean_and_split,
            **{f"read {s}": _reader(s, tmp_path) for s in (".txt", ".md", ".html", ".jsonl")}}


def _best_of_three(fn, text: str) -> float:
    """Best of three timings, with the garbage collector paused (its pauses grow with live objects, not with
    the algorithm's steps)."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(3):
            start = time.perf_counter()
            fn(text)
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_stage_scales_linearly(family, tmp_path):
    make = FAMILIES[family]
    slow = []
    for stage, fn in _stages(tmp_path).items():
        small, large = make(N), make(8 * N)
        assert len(large) <= LIMIT + 16
        t_small, t_large = _best_of_three(fn, small), _best_of_three(fn, large)
        if t_large > 12 * max(t_small, FLOOR):
            slow.append(f"{stage}: {t_small * 1000:.1f} ms at {len(small)} chars, {t_large * 1000:.1f} ms at "
                        f"{len(large)} chars ({t_large / max(t_small, 1e-9):.0f}x)")
    assert not slow, f"super-linear on {family!r}:\n" + "\n".join(slow)


def test_the_scaling_check_catches_a_quadratic_stage():
    """The same measurement flags a deliberately quadratic function (so the test above can fail)."""
    boundary = re.compile(r"([.!?]+)(\s+)")  # the splitter's old pattern: a run of dots is rescanned per position

    def quadratic(text: str) -> int:
        return sum(1 for _ in boundary.finditer(text))
    small, large = "." * N, "." * (8 * N)
    assert _best_of_three(quadratic, large) > 12 * max(_best_of_three(quadratic, small), FLOOR)
