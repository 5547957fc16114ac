"""Length-sorted batching by token budget, and splitting of over-long sentences at clause boundaries."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

DEFAULT_MAX_BATCH_TOKENS = 4096
DEFAULT_MAX_BATCH_SIZE = 64
# Clause boundaries tried in order: strong punctuation, then commas, then any space.
_CLAUSE_BREAKS = (re.compile(r"(?<=[;:])\s+"), re.compile(r"(?<=[,\u2013\u2014)])\s+|\s+(?=[(\u2013\u2014])"),
                  re.compile(r"\s+"))


def plan_batches(lengths: Sequence[int], *, max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS,
                 max_batch_size: int = DEFAULT_MAX_BATCH_SIZE) -> list[list[int]]:
    """Group item indices into batches of similar length.

    Items are sorted by length (longest first, so memory peaks early) and a batch is closed when its
    padded size ``len(batch) * longest`` would pass ``max_batch_tokens`` or it holds
    ``max_batch_size`` items. Every index appears exactly once; an item longer than the budget gets
    a batch of its own.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        width = max(longest, lengths[i], 1)
        if current and (width * (len(current) + 1) > max_batch_tokens or len(current) >= max_batch_size):
            batches.append(current)
            current, width = [], max(lengths[i], 1)
        current.append(i)
        longest = width
    if current:
        batches.append(current)
    return batches


def split_long(sentence: str, count_tokens: Callable[[str], int], max_tokens: int) -> list[str]:
    """Split ``sentence`` into pieces of at most ``max_tokens`` tokens at clause boundaries.

    Breaks are tried at ``;``/``:``, then commas and dashes, then between words; a single word longer
    than the limit is cut by characters as a last resort. Joining the pieces with spaces gives back
    the sentence with its runs of space folded: nothing is dropped.
    """
    if count_tokens(sentence) <= max_tokens:
        return [sentence]
    return _split(sentence.strip(), count_tokens, max_tokens, 0)


def _split(text: str, count: Callable[[str], int], limit: int, level: int) -> list[str]:
    if count(text) <= limit:
        return [text]
    if level >= len(_CLAUSE_BREAKS):
        half = max(1, len(text) // 2)
        return _split(text[:half], count, limit, level) + _split(text[half:], count, limit, level)
    parts = [p for p in _CLAUSE_BREAKS[level].split(text) if p]
    if len(parts) == 1:
        return _split(text, count, limit, level + 1)
    pieces: list[str] = []
    current = ""
    for part in parts:
        joined = f"{current} {part}" if current else part
        if current and count(joined) > limit:
            pieces.append(current)
            current = part
        else:
            current = joined
    if current:
        pieces.append(current)
    out: list[str] = []
    for piece in pieces:
        out.extend(_split(piece, count, limit, level + 1) if count(piece) > limit else [piece])
    return out
