"""Quality from the newsroom's own work: what editors changed in Kabar's translations (``kabar eval postedits``).

Every sentence Kabar translated for an article is recorded once beside the translation memory (its machine English,
model, article, outlet, the checks that flagged it, its QE score: :meth:`TranslationMemory.record`); an editor's
correction is stored in the memory with the English it replaced. Joined on the source sentence, they give what
translation teams measure production quality with:

- **share corrected**: translated sentences whose English an editor replaced by something else;
- **HTER**: TER of the machine English against its post-edited version (sacrebleu's TER, corpus level, with a
  bootstrap 95% interval), over the corrected sentences, and over every sentence with the uncorrected ones taken
  as accepted (0 edits); **chrF** of the same pairs;
- **warnings**: for each check (numbers, names, untranslated, repetition, length) and for a low QE score, its
  precision (of the sentences it flagged, the share editors corrected) and recall (of the corrected sentences,
  the share it flagged);
- **QE vs HTER**: Spearman's rank correlation of the QE score with per-sentence HTER (a useful QE is negative);
- **two models compared** on the corrected sentences both translated, with ``kabar eval``'s paired test.

Caveats, said in every report: editors correct style and house conventions as well as errors, so HTER is an upper
bound on the model's errors; an uncorrected sentence was not necessarily right (nobody may have read it); a
post-edit made from one model's output favours that model when another is scored against it.
"""
from __future__ import annotations

import datetime as dt
import html
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eval.metrics import DEFAULT_BOOTSTRAP, corpus_score
from eval.significance import paired_pvalues, verdict
from news.errors import ConfigError
from translate.memory import TranslationMemory, memory_key

CHECKS = ("numbers", "names", "untranslated", "repetition", "length")  # eval.checks' families, in report order
QE_LOW = "qe-low"
ANY = "any warning"
MOST_EDITED = 10  # sentences listed in the reports' table (postedits.json has every corrected sentence)
CORRECTING = ("correction", "suggestion")  # memory entries that are an editor's verdict (imports are not)
CAVEATS = (
    "Editors correct style and house conventions as well as errors: HTER is an upper bound on the model's errors.",
    "An uncorrected sentence is not necessarily right: nobody may have read it. Share corrected and recall are "
    "lower bounds.",
    "A post-edit made from one model's output favours that model when another model is scored against it.",
)


@dataclass(frozen=True)
class Sentence:
    """One translated sentence of the period, with the correction that replaced its English, if any."""

    key: str
    machine: str
    model: str
    article: str
    outlet: str | None
    recorded: str
    checks: tuple[str, ...]
    qe: float | None
    qe_low: bool
    post_edit: str | None = None  # the editor's English, when it differs from the machine's
    editor: str | None = None

    @property
    def corrected(self) -> bool:
        return self.post_edit is not None

    @property
    def week(self) -> str:
        year, week, _ = dt.date.fromisoformat(self.recorded[:10]).isocalendar()
        return f"{year}-W{week:02d}"

    def warnings(self) -> set[str]:
        return set(self.checks) | ({QE_LOW} if self.qe_low else set())


def check_period(start: str | None, end: str | None, *, names: tuple[str, str] = ("from", "to")
                 ) -> tuple[str | None, str | None]:
    """``start`` and ``end`` as given when each is empty or a real date written exactly YYYY-MM-DD (not 20261201,
    not a week date), and not after one another; a ConfigError naming the bad one otherwise."""
    days = []
    for name, value in zip(names, (start, end)):
        value = (value or "").strip()
        if value:
            shaped = len(value) == 10 and value.isascii() and value[4] == value[7] == "-" \
                and (value[:4] + value[5:7] + value[8:]).isdigit()
            try:
                dt.date.fromisoformat(value) if shaped else None
            except ValueError:
                shaped = False
            if not shaped:
                raise ConfigError(f"--{name} {value[:40]!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-12-01.")
        days.append(value or None)
    if days[0] and days[1] and days[0] > days[1]:
        raise ConfigError(f"The --from date ({days[0]}) is after the --to date ({days[1]}).")
    return days[0], days[1]


def collect(memory: TranslationMemory, start: str | None = None, end: str | None = None, *,
            newest: int | None = None) -> list[Sentence]:
    """The sentences translated from ``start`` to ``end`` (YYYY-MM-DD, both days included), each joined with the
    correction of its source sentence (an editor's or a suggestion; an imported entry is not a verdict on Kabar);
    with ``newest``, only that many of the most recent (what a server request may read)."""
    from collections import deque

    corrections = {}
    for entry in memory.entries():
        if entry.origin in CORRECTING:
            corrections[memory_key(entry.source)] = entry
    out = []
    for row in deque(memory.translated(start, end), maxlen=newest):
        entry = corrections.get(row["key"])
        edited = entry is not None and memory_key(entry.target) != memory_key(row["machine"])
        out.append(Sentence(row["key"], row["machine"], row["model"], row["article"], row["outlet"], row["recorded"],
                            tuple(row["checks"]), row["qe"], bool(row["qe_low"]),
                            entry.target if edited else None, entry.editor if edited else None))
    return out


def sentence_chrf(machine: str, post_edit: str) -> float:
    """sacrebleu's chrF of one machine sentence against its post-edit."""
    from sacrebleu.metrics import CHRF

    return float(CHRF().sentence_score(machine, [post_edit]).score)


def sentence_hter(machine: str, post_edit: str | None) -> float:
    """TER (0-100+) of one machine sentence against its post-edit; 0 for an accepted sentence."""
    if post_edit is None:
        return 0.0
    from sacrebleu.metrics import TER

    return float(TER().sentence_score(machine, [post_edit]).score)


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation (ties get their average rank); None when either side is constant or n < 3."""
    import numpy as np

    if len(xs) < 3:
        return None

    def ranks(values):
        values = np.asarray(values, dtype=float)
        order = values.argsort(kind="mergesort")
        ranked = np.empty(len(values))
        ranked[order] = np.arange(1, len(values) + 1)
        for v in np.unique(values):  # ties: the mean of their ranks
            same = values == v
            ranked[same] = ranked[same].mean()
        return ranked

    rx, ry = ranks(xs), ranks(ys)
    if rx.std() == 0 or ry.std() == 0:
        return None
    return float(np.corrcoef(rx, ry)[0, 1])


def _scores(group: Sequence[Sentence], n_bootstrap: int) -> dict:
    """Counts, share corrected, HTER and chrF of a group of sentences."""
    pairs = [s for s in group if s.corrected]
    out = {"sentences": len(group), "corrected": len(pairs),
           "share_corrected": len(pairs) / len(group) if group else 0.0}
    if pairs:
        machine, edited = [s.machine for s in pairs], [s.post_edit for s in pairs]
        out["hter"] = corpus_score("ter", machine, edited, n_bootstrap=n_bootstrap).to_dict()
        out["chrf"] = corpus_score("chrf", machine, edited, n_bootstrap=n_bootstrap).to_dict()
    if group:  # every sentence, an accepted one as its own post-edit
        out["hter_all"] = corpus_score("ter", [s.machine for s in group],
                                       [s.post_edit if s.corrected else s.machine for s in group],
                                       n_bootstrap=n_bootstrap).to_dict()
    return out


def _warning_rows(sentences: Sequence[Sentence]) -> list[dict]:
    corrected = sum(s.corrected for s in sentences)
    rows = []
    for name in (*CHECKS, QE_LOW, ANY):
        flagged = [s for s in sentences if (s.warnings() if name == ANY else name in s.warnings())]
        hits = sum(s.corrected for s in flagged)
        rows.append({"warning": name, "flagged": len(flagged), "flagged_and_corrected": hits,
                     "precision": hits / len(flagged) if flagged else None,
                     "recall": hits / corrected if corrected else None})
    return rows


def compare_models(sentences: Sequence[Sentence], first: str, second: str, *, n_bootstrap: int = DEFAULT_BOOTSTRAP
                   ) -> dict:
    """HTER and chrF of two models on the corrected sentences both translated (each against the editor's English),
    and ``kabar eval``'s paired bootstrap test of the second against the first."""
    by_model: dict[str, dict[str, Sentence]] = defaultdict(dict)
    post: dict[str, str] = {}
    for s in sentences:
        by_model[s.model].setdefault(s.key, s)
        if s.corrected:
            post[s.key] = s.post_edit
    for name in (first, second):
        if name not in by_model:
            known = ", ".join(sorted(by_model)) or "none"
            raise ConfigError(f"--compare {name!r}: no sentence of the period was translated by it (models: {known})")
    shared = [k for k in by_model[first] if k in by_model[second] and k in post]
    out = {"baseline": first, "system": second, "sentences": len(shared)}
    if len(shared) < 2:
        out["verdict"] = "too few corrected sentences translated by both models to compare (need at least 2)"
        return out
    refs = [post[k] for k in shared]
    hyps = {m: [by_model[m][k].machine for k in shared] for m in (first, second)}
    for name in (first, second):
        out[name] = {"hter": corpus_score("ter", hyps[name], refs, n_bootstrap=n_bootstrap).to_dict(),
                     "chrf": corpus_score("chrf", hyps[name], refs, n_bootstrap=n_bootstrap).to_dict()}
    p = paired_pvalues((first, hyps[first]), [(second, hyps[second])], refs, ["ter", "chrf"])[second]
    out["p_values"] = p
    out["verdict"] = "; ".join(
        f"{metric}: {verdict(p[metric], delta=out[second][key]['score'] - out[first][key]['score'], metric=metric)}"
        for metric, key in (("ter", "hter"), ("chrf", "chrf")))
    return out


def report(sentences: Sequence[Sentence], *, start: str | None = None, end: str | None = None,
           n_bootstrap: int = DEFAULT_BOOTSTRAP, compare: tuple[str, str] | None = None) -> dict:
    """Everything ``kabar eval postedits`` reports about ``sentences``, as one JSON-ready dict."""
    out = {"period": {"from": start, "to": end}, **_scores(sentences, n_bootstrap)}
    for name, key in (("by_model", lambda s: s.model), ("by_outlet", lambda s: s.outlet or "(unknown)"),
                      ("by_week", lambda s: s.week)):
        groups: dict[str, list[Sentence]] = defaultdict(list)
        for s in sentences:
            groups[key(s)].append(s)
        out[name] = [{name[3:]: g, **_scores(groups[g], n_bootstrap)} for g in sorted(groups)]
    editors: dict[str, list[Sentence]] = defaultdict(list)
    for s in sentences:
        if s.corrected:
            editors[s.editor or "(unnamed)"].append(s)
    out["by_editor"] = [{"editor": e, "corrected": len(g),
                         "hter": corpus_score("ter", [s.machine for s in g], [s.post_edit for s in g],
                                              n_bootstrap=n_bootstrap).to_dict()} for e, g in sorted(editors.items())]
    out["warnings"] = _warning_rows(sentences)
    hter = {id(s): sentence_hter(s.machine, s.post_edit) for s in sentences if s.corrected}  # others: 0
    edited = [{"source": s.key, "machine": s.machine, "post_edit": s.post_edit, "model": s.model,
               "editor": s.editor, "article": s.article, "hter": hter[id(s)],
               "chrf": sentence_chrf(s.machine, s.post_edit), "warnings": sorted(s.warnings())}
              for s in sentences if s.corrected]
    out["corrected_sentences"] = sorted(edited, key=lambda e: -e["hter"])  # the most edited first
    scored = [s for s in sentences if s.qe is not None]
    rho = spearman([s.qe for s in scored], [hter.get(id(s), 0.0) for s in scored])
    out["qe_vs_hter"] = {"spearman": rho, "sentences": len(scored)}
    if compare:
        out["comparison"] = compare_models(sentences, *compare, n_bootstrap=n_bootstrap)
    out["caveats"] = list(CAVEATS)
    return out


# -- showing it --------------------------------------------------------------------------------------------------
def _pct(value) -> str:
    return "-" if value is None else f"{value:.1%}"


def _score(scores: dict, key: str) -> str:
    s = scores.get(key)
    return "-" if not s else f"{s['score']:.2f} [{s['ci'][0]:.2f}, {s['ci'][1]:.2f}]"


def tables(result: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every table of the report, in order."""
    def group_rows(name: str):
        return [[g[name], str(g["sentences"]), str(g["corrected"]), _pct(g["share_corrected"]), _score(g, "hter"),
                 _score(g, "chrf"), _score(g, "hter_all")] for g in result[f"by_{name}"]]

    scores = ["sentences", "corrected", "share corrected", "HTER (corrected)", "chrF (corrected)", "HTER (all)"]
    out = [("Overall", scores, [[str(result["sentences"]), str(result["corrected"]), _pct(result["share_corrected"]),
                                 _score(result, "hter"), _score(result, "chrf"), _score(result, "hter_all")]])]
    for name in ("model", "outlet", "week"):
        out.append((f"By {name}", [name] + scores, group_rows(name)))
    out.append(("By editor", ["editor", "corrections", "HTER"],
                [[e["editor"], str(e["corrected"]), _score(e, "hter")] for e in result["by_editor"]]))
    out.append((f"Most edited sentences (the {MOST_EDITED} with the highest HTER)",
                ["source", "machine", "post-edit", "HTER", "chrF", "warnings"],
                [[e["source"], e["machine"], e["post_edit"], f"{e['hter']:.1f}", f"{e['chrf']:.1f}",
                  ", ".join(e["warnings"]) or "-"] for e in result["corrected_sentences"][:MOST_EDITED]]))
    out.append(("Warnings against corrections", ["warning", "flagged", "flagged and corrected", "precision", "recall"],
                [[w["warning"], str(w["flagged"]), str(w["flagged_and_corrected"]), _pct(w["precision"]),
                  _pct(w["recall"])] for w in result["warnings"]]))
    return out


def summary_lines(result: dict) -> list[str]:
    """The sentences under the tables: QE correlation, the comparison, the caveats."""
    qe = result["qe_vs_hter"]
    lines = [f"QE vs per-sentence HTER: Spearman {qe['spearman']:.3f} over {qe['sentences']} sentences (a useful QE "
             "is negative: lower confidence, more edits)." if qe["spearman"] is not None else
             f"QE vs per-sentence HTER: not computed ({qe['sentences']} sentences with a QE score; QE is on with "
             "--qe, and both sides must vary)."]
    cmp_ = result.get("comparison")
    if cmp_:
        lines.append(f"{cmp_['system']} vs {cmp_['baseline']} on {cmp_['sentences']} corrected sentences both "
                     f"translated: {cmp_['verdict']}.")
    return lines + list(result["caveats"])


def _period(result: dict) -> str:
    p = result["period"]
    return f"{p['from'] or 'the first record'} to {p['to'] or 'today'}"


def to_markdown(result: dict) -> str:
    from eval.report import _md_table

    lines = ["# Kabar quality from corrections", "",
             f"Translated sentences recorded from {_period(result)}, joined with the editors' corrections. HTER and "
             "chrF: sacrebleu, machine English against its post-edit, with 95% bootstrap intervals.", ""]
    for title, header, rows in tables(result):
        lines += [f"## {title}", ""] + _md_table(header, rows) + [""]
    lines += [f"- {line}" for line in summary_lines(result)]
    lines += ["", "![HTER per week](hter_weekly.png)", "", "![Warnings](warnings.png)"]
    return "\n".join(lines) + "\n"


def to_html(result: dict) -> str:
    from eval.report import _html_page, _html_table

    esc = html.escape
    body = (f"<p>Translated sentences recorded from {esc(_period(result))}, joined with the editors' corrections. "
            "HTER and chrF: sacrebleu, machine English against its post-edit, with 95% bootstrap intervals.</p>")
    for title, header, rows in tables(result):
        body += f"<h2>{esc(title)}</h2>{_html_table(header, rows)}"
    body += "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in summary_lines(result)) + "</ul>"
    body += ("<p><img src='hter_weekly.png' alt='HTER and share corrected per week'></p>"
             "<p><img src='warnings.png' alt='Precision and recall of each warning'></p>")
    return _html_page("Kabar quality from corrections", body)


def plot(result: dict, out_dir: Path) -> list[Path]:
    """hter_weekly.png (HTER with its interval, and the share corrected, per week) and warnings.png (precision and
    recall of each warning)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from eval.report import _ci_bars

    weeks = [w for w in result["by_week"]]
    fig, ax = plt.subplots(figsize=(max(5.3, 0.9 * len(weeks)), 4))
    xs = list(range(len(weeks)))
    with_hter = [(x, w["hter"]) for x, w in zip(xs, weeks) if "hter" in w]
    if with_hter:
        vals = [h["score"] for _, h in with_hter]
        ax.errorbar([x for x, _ in with_hter], vals, yerr=_ci_bars(vals, [h["ci"] for _, h in with_hter]),
                    marker="o", capsize=3, color="#4a7ab5", label="HTER of corrected sentences")
    ax.set_ylabel("HTER")
    ax.set_xticks(xs, [w["week"] for w in weeks], fontsize=8, rotation=30, ha="right")
    share = ax.twinx()
    share.bar(xs, [100 * w["share_corrected"] for w in weeks], alpha=0.25, color="#b5834a", label="% corrected")
    share.set_ylabel("% of sentences corrected")
    ax.set_zorder(share.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.set_title("Post-editing per week")
    fig.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    weekly = out_dir / "hter_weekly.png"
    fig.savefig(weekly, dpi=100)
    plt.close(fig)

    rows = result["warnings"]
    fig, ax = plt.subplots(figsize=(6.4, 4))
    width = 0.4
    for k, (key, label, color) in enumerate((("precision", "precision", "#4a7ab5"), ("recall", "recall", "#b5834a"))):
        vals = [100 * (w[key] or 0) for w in rows]
        bars = ax.bar([i + k * width for i in range(len(rows))], vals, width=width, label=label, color=color)
        ax.bar_label(bars, labels=[_pct(w[key]) for w in rows], fontsize=6)
    ax.set_xticks([i + width / 2 for i in range(len(rows))], [w["warning"] for w in rows], fontsize=8, rotation=20,
                  ha="right")
    ax.set_ylim(0, 110)
    ax.set_ylabel("%")
    ax.set_title("Warnings against the sentences editors corrected")
    ax.legend(fontsize=7)
    fig.tight_layout()
    warnings = out_dir / "warnings.png"
    fig.savefig(warnings, dpi=100)
    plt.close(fig)
    return [weekly, warnings]


def write_report(result: dict, out_dir: str | Path) -> list[Path]:
    """report.md, report.html, postedits.json and the two plots in ``out_dir``; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(to_markdown(result), encoding="utf-8")
    (out / "report.html").write_text(to_html(result), encoding="utf-8")
    (out / "postedits.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return [out / "report.md", out / "report.html", out / "postedits.json", *plot(result, out)]
