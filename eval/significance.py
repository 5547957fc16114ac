"""Paired significance of systems against a baseline, with sacrebleu's own paired tests."""
from __future__ import annotations

from collections.abc import Sequence

from eval.metrics import make_metric

TEST_TYPES = {"bs": "paired bootstrap resampling", "ar": "approximate randomization"}
ALPHA = 0.05


def paired_pvalues(baseline: tuple[str, Sequence[str]], systems: Sequence[tuple[str, Sequence[str]]],
                   references: Sequence[str], metrics: Sequence[str], *, test_type: str = "bs",
                   n_samples: int = 0) -> dict[str, dict[str, float]]:
    """p-values of each system vs the baseline, per metric: ``{system: {metric: p}}``.

    Uses ``sacrebleu.significance.PairedTest`` (seeded by ``SACREBLEU_SEED``, 12345 by default).
    """
    from sacrebleu.significance import PairedTest

    out: dict[str, dict[str, float]] = {}
    # Outputs identical to the baseline's differ in nothing: p = 1. (sacrebleu's bootstrap would report
    # 1/(n+1) there, because no resample shows a difference larger than the observed zero.)
    for name, hyps in systems:
        if list(hyps) == list(baseline[1]):
            out[name] = {m: 1.0 for m in metrics}
    systems = [(n, h) for n, h in systems if n not in out]
    if not systems:
        return out
    named = [(baseline[0], list(baseline[1]))] + [(n, list(h)) for n, h in systems]
    test = PairedTest(named, {m: make_metric(m) for m in metrics}, [list(references)], test_type=test_type,
                      n_samples=n_samples)
    _, scores = test()
    columns = [key for key in scores if key != "System"]  # sacrebleu's display names, in metric order
    for row, name in enumerate(scores["System"]):
        if row == 0:
            continue
        out[name] = {m: float(scores[col][row].p_value) for m, col in zip(metrics, columns)}
    return out


LOWER_IS_BETTER = frozenset({"ter"})


def verdict(p_value: float, alpha: float = ALPHA, *, delta: float | None = None, metric: str = "") -> str:
    """Plain words for a p-value: "better", "worse" (by the sign of ``delta`` = system - baseline, TER
    read the other way round) or "no significant difference"."""
    if p_value >= alpha or delta == 0:
        return f"no significant difference (p={p_value:.4f})"
    if delta is None:
        return f"significant (p={p_value:.4f})"
    better = delta < 0 if metric in LOWER_IS_BETTER else delta > 0
    return f"{'better' if better else 'worse'} (p={p_value:.4f})"
