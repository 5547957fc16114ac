"""Batching by token budget, and splitting long sentences without losing text."""
from hypothesis import given, settings
from hypothesis import strategies as st

from translate.batching import plan_batches, split_long


def _words(text):
    return len(text.split())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=300), max_size=80), st.integers(min_value=50, max_value=2000))
def test_every_item_once_and_budget_kept(lengths, budget):
    batches = plan_batches(lengths, max_batch_tokens=budget, max_batch_size=16)
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= 16
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= budget


def test_split_long_prefers_clause_boundaries():
    text = "satu dua tiga; empat lima enam, tujuh delapan sembilan sepuluh"
    pieces = split_long(text, _words, 4)
    assert pieces == ["satu dua tiga;", "empat lima enam,", "tujuh delapan sembilan sepuluh"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["kata", "harga,", "naik;", "x" * 30]), min_size=1, max_size=200),
       st.integers(min_value=2, max_value=20))
def test_split_long_keeps_all_text_within_limit(words, limit):
    text = " ".join(words)
    pieces = split_long(text, len, limit * 5)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert all(len(p) <= limit * 5 for p in pieces)
