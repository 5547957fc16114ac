"""Properties that hold for any text (hypothesis)."""
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabar.pipeline import Pipeline
from news.clean import clean, line_rule, normalize_space
from news.read import Document

WORDS = st.sampled_from(["harga", "beras", "naik", "Pemerintah", "kata", "Dr.", "5.000", "Rp1,8", "No.", "3",
                         "\"Kami", "siap.\"", "The", "price", "rose.", "Baca", "juga:", "Editor:", "©", "...",
                         "?", "!", "(ANTARA)", "-", "WIB.", "S.H.", "\u00a0", "😀"])
TEXT = st.lists(st.lists(WORDS, min_size=1, max_size=25).map(" ".join), min_size=1, max_size=8).map("\n".join)


def test_sentence_count_in_equals_out(translators):
    pipeline = Pipeline(translators("marian", "ct2"), source_lang="id")
    statuses: Counter = Counter()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(TEXT)
    def check(text):
        result = pipeline.process(Document("p", "p.txt", text))
        statuses[result.status] += 1
        if result.status == "ok":
            assert len(result.translation) == len(result.sentences) == len(result.paragraph_of)
            assert list(result.summary_en) == [result.translation[i] for i in result.summary_indices]

    check()
    assert statuses["ok"] >= 10, f"too few translated examples to say anything: {dict(statuses)}"


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_cleaning_removes_only_rule_matched_lines(text):
    cleaned = clean(text)
    ordered = [normalize_space(x) for x in text.split("\n") if x.strip()]
    lines = set(ordered)
    # a paragraph is a line, or consecutive lines re-joined where a sentence was hard-wrapped
    runs = {" ".join(ordered[i:j]) for i in range(len(ordered)) for j in range(i + 1, len(ordered) + 1)}
    kept_text = " ".join(cleaned.paragraphs)
    for removal in cleaned.removed:
        if removal.rule in ("dateline", "date"):
            continue  # prefixes of a line, not whole lines
        assert removal.text in runs
        if removal.rule in {"read_also", "credit", "copyright", "editor_code", "timestamp", "counter"}:
            assert line_rule(removal.text) == removal.rule
    for line in lines:
        if line_rule(line) is None and len(line) >= 25 and not any(line in r.text for r in cleaned.removed):
            assert line[-10:] in kept_text or line in kept_text


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TEXT)
def test_same_input_same_output(translators, text):
    pipeline = Pipeline(translators("marian", "ct2"))
    first = pipeline.process(Document("d", "d.txt", text)).to_dict()
    second = pipeline.process(Document("d", "d.txt", text)).to_dict()
    first.pop("timings"), second.pop("timings")
    assert first == second
