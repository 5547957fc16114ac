"""Score several systems on one test set: metrics with CIs, and paired significance against a baseline."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from eval.metrics import DEFAULT_BOOTSTRAP, DEFAULT_METRICS, MetricScore, corpus_score
from eval.significance import paired_pvalues
from news.errors import ConfigError


@dataclass(frozen=True)
class SystemScores:
    """All metric scores of one system, and its p-values against the baseline (empty for the baseline)."""

    name: str
    scores: dict[str, MetricScore]
    p_values: dict[str, float] = field(default_factory=dict)
    length_ratio: float = 0.0
    flag_rates: dict[str, float] = field(default_factory=dict)  # translation checks (eval.checks), with a source

    def to_dict(self) -> dict:
        """JSON form as documented in the README (``vs_baseline`` holds ``<metric>_p``)."""
        data = {m: s.to_dict() for m, s in self.scores.items()}
        data["vs_baseline"] = {f"{m}_p": p for m, p in self.p_values.items()}
        data["length_ratio"] = self.length_ratio
        if self.flag_rates:
            data["flag_rates"] = dict(self.flag_rates)
        return data


@dataclass(frozen=True)
class ScoreReport:
    """Scores of every system on one test set."""

    testset: str
    systems: dict[str, SystemScores]
    n_segments: int
    baseline: str | None
    metrics: tuple[str, ...]
    test_type: str

    def to_dict(self) -> dict:
        """``{"systems": {NAME: ...}, "n_segments": N, ...}``."""
        return {"testset": self.testset, "systems": {n: s.to_dict() for n, s in self.systems.items()},
                "n_segments": self.n_segments, "baseline": self.baseline, "metrics": list(self.metrics),
                "significance_test": self.test_type}


def length_ratio(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Hypothesis/reference length ratio in whitespace tokens."""
    ref = sum(len(r.split()) for r in references)
    return sum(len(h.split()) for h in hypotheses) / ref if ref else 0.0


def score_systems(references: Sequence[str], systems: Mapping[str, Sequence[str]], *,
                  metrics: Sequence[str] = DEFAULT_METRICS, baseline: str | None = None,
                  n_bootstrap: int = DEFAULT_BOOTSTRAP, test_type: str = "bs", testset: str = "",
                  n_samples: int = 0, progress=None, sources: Sequence[str] | None = None) -> ScoreReport:
    """Score ``systems`` against ``references``; with two or more systems, test each against ``baseline``.

    The baseline defaults to the first system. ``progress(step, description)`` (for example a tqdm bar's
    update) is called after the significance tests and after each system x metric score.
    """
    if not systems:
        raise ConfigError("No system to score: pass at least one --hyp NAME=FILE.")
    names = list(systems)
    if baseline is None:
        baseline = names[0]
    if baseline not in systems:
        raise ConfigError(f"{baseline!r} is not a valid baseline. Accepted values are: {', '.join(names)}.")
    p_values = {}
    if len(names) > 1:
        others = [(n, systems[n]) for n in names if n != baseline]
        p_values = paired_pvalues((baseline, systems[baseline]), others, references, metrics,
                                  test_type=test_type, n_samples=n_samples)
        if progress:
            progress(1, "significance")
    out = {}
    for name in names:
        scores = {}
        for m in metrics:
            scores[m] = corpus_score(m, systems[name], references, n_bootstrap=n_bootstrap)
            if progress:
                progress(1, f"{name} {m}")
        rates = {}
        if sources is not None:
            from eval.checks import check_pairs

            rates = check_pairs(sources, systems[name])["rates"]
        out[name] = SystemScores(name, scores, p_values.get(name, {}), length_ratio(systems[name], references), rates)
    return ScoreReport(testset, out, len(references), baseline if len(names) > 1 else None, tuple(metrics),
                       test_type)
