"""The greedy ROUGE oracle: the extractive summary that best matches a human one (training labels, upper bound)."""
from __future__ import annotations

from collections.abc import Sequence

ORACLE_SENTENCES = 5


def greedy_oracle(sentences: Sequence[str], summary: str, scorer=None, *,
                  max_sentences: int = ORACLE_SENTENCES) -> list[int]:
    """Indices (in article order) the greedy oracle picks: add the sentence that most raises ROUGE-1 + ROUGE-2
    F1 against ``summary``, while it rises, at most ``max_sentences``. ``scorer``: a rouge-score
    ``RougeScorer`` with rouge1 and rouge2 (one is made when None)."""
    if scorer is None:
        from rouge_score.rouge_scorer import RougeScorer

        scorer = RougeScorer(["rouge1", "rouge2"], use_stemmer=False)
    chosen: list[int] = []
    best = 0.0
    for _ in range(max_sentences):
        pick = None
        for j in range(len(sentences)):
            if j in chosen:
                continue
            scores = scorer.score(summary, " ".join(sentences[i] for i in sorted(chosen + [j])))
            value = scores["rouge1"].fmeasure + scores["rouge2"].fmeasure
            if value > best + 1e-9:
                best, pick = value, j
        if pick is None:
            break
        chosen.append(pick)
    return sorted(chosen)
