"""sacrebleu's corpus metrics, each score with its signature and a bootstrap 95% confidence interval."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from news.errors import choices_error

DEFAULT_METRICS = ("bleu", "chrf", "chrf++", "ter")
DEFAULT_BOOTSTRAP = 1000  # sacrebleu's default number of bootstrap resamples


def make_metric(name: str):
    """A fresh sacrebleu metric object for ``name`` (bleu, chrf, chrf++, ter)."""
    from sacrebleu.metrics import BLEU, CHRF, TER

    factories = {"bleu": BLEU, "chrf": CHRF, "chrf++": lambda: CHRF(word_order=2), "ter": TER}
    if name not in factories:
        raise choices_error("metric", name, factories)
    return factories[name]()


def parse_metrics(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """Parse ``"bleu,chrf"`` into a tuple of known metric names (validated)."""
    if not text:
        return DEFAULT_METRICS
    names = [n.strip().lower() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    for name in names:
        make_metric(name)
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class MetricScore:
    """One corpus score: value, sacrebleu signature and 95% bootstrap interval (same 0-100 scale)."""

    metric: str
    score: float
    signature: str
    ci: tuple[float, float]

    def to_dict(self) -> dict:
        """JSON-ready form: ``{"score", "signature", "ci"}``."""
        return {"score": self.score, "signature": self.signature, "ci": list(self.ci)}


def corpus_score(name: str, hypotheses: Sequence[str], references: Sequence[str], *,
                 n_bootstrap: int = DEFAULT_BOOTSTRAP) -> MetricScore:
    """Score a system with sacrebleu; the point score equals ``sacrebleu.corpus_<metric>`` exactly."""
    metric = make_metric(name)
    point = metric.corpus_score(list(hypotheses), [list(references)])
    signature = metric.get_signature().format()
    if n_bootstrap > 1 and len(hypotheses) > 1:
        boot = make_metric(name).corpus_score(list(hypotheses), [list(references)], n_bootstrap=n_bootstrap)
        ci = (boot._mean - boot._ci, boot._mean + boot._ci)
    else:
        ci = (point.score, point.score)
    return MetricScore(name, float(point.score), signature, (float(ci[0]), float(ci[1])))
