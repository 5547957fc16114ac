"""Reports: ``report.md``, ``report.html``, ``scores.json`` and PNG plots, from score reports."""
from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

from eval.scoring import ScoreReport
from eval.significance import verdict

SCORE_DECIMALS = 2  # one precision for the tables and the numbers on the plots (BLEU 0.02 is not shown as 0.0)


def _num(value: float) -> str:
    return f"{value:.{SCORE_DECIMALS}f}"


def _fmt(score) -> str:
    return f"{_num(score.score)} [{_num(score.ci[0])}, {_num(score.ci[1])}]"


def _flags(rates: dict) -> str:
    """Share of sentences any translation check flags, and the checks that flag most ("12.0% (names 8.1%, ...)")."""
    if not rates:
        return "-"
    top = sorted(((v, k) for k, v in rates.items() if k != "any" and v > 0), reverse=True)[:3]
    detail = ", ".join(f"{k} {v:.1%}" for v, k in top)
    return f"{rates.get('any', 0):.1%}" + (f" ({detail})" if detail else "")


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table's lines."""
    return ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table with every cell escaped."""
    esc = html.escape
    table = "<table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"
    return table + "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows) + "</table>"


def _html_page(title: str, body: str) -> str:
    """A whole report page around ``body`` (already HTML), titled ``title`` (escaped)."""
    title = html.escape(title)
    return ("<!doctype html><html><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>"
            "body{font-family:system-ui,sans-serif;margin:2rem}td,th{border:1px solid #ccc;padding:.3rem}"
            f"table{{border-collapse:collapse}}</style></head><body><h1>{title}</h1>{body}</body></html>\n")


def _ci_bars(values: Sequence[float], cis: Sequence[Sequence[float]]) -> list[list[float]]:
    """Matplotlib ``yerr`` (below, above) for values with 95% intervals."""
    return [[max(0.0, v - ci[0]) for v, ci in zip(values, cis)], [max(0.0, ci[1] - v) for v, ci in zip(values, cis)]]


def leaderboard_rows(reports: Sequence[ScoreReport]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a system x (test set, metric) table; each cell "score [lo, hi]"."""
    metrics = list(reports[0].metrics) if reports else []
    checked = any(sys.flag_rates for rep in reports for sys in rep.systems.values())
    header = ["system", "test set", "segments"] + metrics + ["len ratio"] + ["flagged"] * checked + ["vs baseline"]
    rows = []
    for rep in reports:
        for name, sys_scores in rep.systems.items():
            base = rep.systems.get(rep.baseline) if rep.baseline else None
            versus = "baseline" if name == rep.baseline else "; ".join(
                f"{m}: {verdict(p, delta=sys_scores.scores[m].score - base.scores[m].score if base else None, metric=m)}"
                for m, p in sys_scores.p_values.items())
            rows.append([name, rep.testset or "-", str(rep.n_segments)] + [_fmt(sys_scores.scores[m]) for m in metrics]
                        + [f"{sys_scores.length_ratio:.3f}"]
                        + [_flags(sys_scores.flag_rates)] * checked + [versus or "-"])
    return header, rows


def to_markdown(reports: Sequence[ScoreReport]) -> str:
    """A Markdown leaderboard with signatures."""
    header, rows = leaderboard_rows(reports)
    lines = ["# Kabar evaluation", "", "Scores with 95% bootstrap confidence intervals (sacrebleu).", ""]
    lines += _md_table(header, rows) + ["", "## Signatures", ""]
    if reports:
        first = next(iter(reports[0].systems.values()))
        lines += [f"- {m}: `{s.signature}`" for m, s in first.scores.items()]
    test = reports[0].test_type if reports else "bs"
    lines += ["", f"Significance: sacrebleu paired {'bootstrap resampling' if test == 'bs' else 'approximate randomization'}"
              " against the baseline; p < 0.05 is called significant.", ""]
    for png in ("scores.png", "testsets.png", "length_ratio.png"):
        lines.append(f"![{png}]({png})")
    return "\n".join(lines) + "\n"


def to_html(reports: Sequence[ScoreReport]) -> str:
    """The same table as HTML, with the plots."""
    header, rows = leaderboard_rows(reports)
    esc = html.escape
    imgs = "".join(f'<p><img src="{p}" alt="{p}"></p>' for p in ("scores.png", "testsets.png", "length_ratio.png"))
    signatures = ""
    if reports:  # as in report.md: how to reproduce every score
        first = next(iter(reports[0].systems.values()))
        signatures = "<h2>Signatures</h2><ul>" + "".join(
            f"<li>{esc(m)}: <code>{esc(sc.signature)}</code></li>" for m, sc in first.scores.items()) + "</ul>"
    return _html_page("Kabar evaluation", f"{_html_table(header, rows)}{signatures}{imgs}")


def plot(reports: Sequence[ScoreReport], out_dir: Path) -> list[Path]:
    """Write scores.png (per system, CI bars), testsets.png (per test set) and length_ratio.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    metrics = list(reports[0].metrics)
    labels = [f"{n}\n{r.testset}" if len(reports) > 1 else n for r in reports for n in r.systems]
    entries = [s for r in reports for s in r.systems.values()]
    # A 2-column grid of 4:3 panels (not one long row): every plot reads at gallery-thumbnail size too.
    cols = min(2, len(metrics))
    rows = -(-len(metrics) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    for ax, m in zip(axes.flat, metrics):
        vals = [e.scores[m].score for e in entries]
        bars = ax.bar(range(len(vals)), vals, yerr=_ci_bars(vals, [e.scores[m].ci for e in entries]), capsize=4,
                      color="#4a7ab5")
        ax.bar_label(bars, labels=[_num(v) for v in vals], fontsize=7, label_type="center", color="white")
        ax.set_xticks(range(len(vals)), labels, fontsize=7, rotation=30, ha="right")
        ax.set_title(m.upper() if m != "chrf++" else "chrF++")
    fig.tight_layout()
    written.append(out_dir / "scores.png")
    fig.savefig(written[-1], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(max(5.3, 1.5 * len(reports)), 4))
    systems = list(dict.fromkeys(n for r in reports for n in r.systems))
    width = 0.8 / max(1, len(systems))
    for k, name in enumerate(systems):
        xs = [i + k * width for i, r in enumerate(reports) if name in r.systems]
        ys = [r.systems[name].scores[metrics[0]].score for r in reports if name in r.systems]
        bars = ax.bar(xs, ys, width=width, label=name)
        ax.bar_label(bars, labels=[_num(v) for v in ys], fontsize=7)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(reports))], [r.testset or "-" for r in reports],
                  fontsize=8)
    ax.set_ylabel(metrics[0])
    ax.legend(fontsize=7)
    fig.tight_layout()
    written.append(out_dir / "testsets.png")
    fig.savefig(written[-1], dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(max(5.3, 0.8 * len(entries)), 4))
    bars = ax.bar(range(len(entries)), [e.length_ratio for e in entries], color="#b5834a")
    ax.bar_label(bars, labels=[f"{e.length_ratio:.3f}" for e in entries], fontsize=7)  # as in the table
    ax.axhline(1.0, color="#333", linewidth=0.8)
    ax.set_xticks(range(len(entries)), labels, fontsize=7, rotation=30, ha="right")
    ax.set_title("hypothesis / reference length")
    fig.tight_layout()
    written.append(out_dir / "length_ratio.png")
    fig.savefig(written[-1], dpi=100)
    plt.close(fig)
    return written


SUMM_LABELS = {"kabar": "Kabar", "lead1": "LEAD-1", "lead2": "LEAD-2", "lead3": "LEAD-3", "random": "random",
               "textrank": "TextRank", "oracle": "oracle (upper bound)"}
ROUGE_NAMES = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L"}


def summ_rows(result: dict) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the ROUGE table of ``kabar eval summ``: "F1 [lo, hi]" per ROUGE type."""
    header = ["system", "sentences"] + list(ROUGE_NAMES.values())
    rows = []
    for name, scores in result["systems"].items():
        label = SUMM_LABELS.get(name, name) + (f" ({result['summarizer']})" if name == "kabar" else "")
        rows.append([label, f"{scores['sentences']:.2f}"] + [
            f"{scores[t]['f']:.2f} [{scores[t]['ci'][0]:.2f}, {scores[t]['ci'][1]:.2f}]" for t in ROUGE_NAMES])
    return header, rows


def summ_significance(result: dict) -> list[str]:
    """One sentence per rival: Kabar's one-sided paired-bootstrap p-values for each ROUGE type."""
    kabar = result["systems"]["kabar"]
    out = []
    for rival in ("lead3", "textrank"):
        ps = [(ROUGE_NAMES[t], kabar[t][f"p_vs_{rival}"]) for t in ROUGE_NAMES if f"p_vs_{rival}" in kabar[t]]
        if ps:
            out.append(f"Kabar better than {SUMM_LABELS[rival]}: " + ", ".join(
                f"{t} p = {p:.3f}{' (significant)' if p < 0.05 else ''}" for t, p in ps))
    return out


def plot_summ(result: dict, out_dir: Path) -> Path:
    """rouge.png: every system's ROUGE-1/2/L F1 with 95% CI bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["systems"])
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(names)), 4))
    width = 0.8 / len(ROUGE_NAMES)
    for k, (t, label) in enumerate(ROUGE_NAMES.items()):
        vals = [result["systems"][n][t]["f"] for n in names]
        ax.bar([i + k * width for i in range(len(names))], vals, width=width, capsize=3, label=label,
               yerr=_ci_bars(vals, [result["systems"][n][t]["ci"] for n in names]))
    ax.set_xticks([i + width for i in range(len(names))], [SUMM_LABELS.get(n, n) for n in names], fontsize=8,
                  rotation=20, ha="right")
    ax.set_ylabel("F1")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    ax.set_title(f"ROUGE on {result['n_articles']} articles (95% bootstrap CI)")
    fig.tight_layout()
    path = out_dir / "rouge.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_summ_report(result: dict, out_dir: str | Path) -> list[Path]:
    """Write report.md, report.html, scores.json and rouge.png for ``kabar eval summ``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    header, rows = summ_rows(result)
    intro = (f"{result['n_articles']} articles; Kabar's summarizer: {result['summarizer']}, "
             f"{result['sentences'] or 'auto'} sentences per summary. ROUGE F1 (rouge-score, no stemming) with "
             "95% bootstrap confidence intervals over articles; the oracle reads the human summary (upper bound).")
    notes = summ_significance(result)
    md = ["# Kabar summaries", "", intro, ""] + _md_table(header, rows) + [""] + [f"- {n}" for n in notes]
    (out / "report.md").write_text("\n".join(md + ["", "![rouge.png](rouge.png)"]) + "\n", encoding="utf-8")
    esc = html.escape
    (out / "report.html").write_text(_html_page("Kabar summaries", (
        f"<p>{esc(intro)}</p>{_html_table(header, rows)}<ul>{''.join(f'<li>{esc(n)}</li>' for n in notes)}</ul>"
        "<p><img src='rouge.png' alt='ROUGE per system'></p>")), encoding="utf-8")
    (out / "scores.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return [out / "report.md", out / "report.html", out / "scores.json", plot_summ(result, out)]


def _file_name(name: str) -> str:
    """``name`` as one safe file name (letters, digits, ``.``, ``-``, ``_``; at most 100 characters)."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name)[:100].strip(".")
    return cleaned or "_"


def write_hypotheses(hypotheses: dict[str, dict[str, Sequence[str]]], out_dir: str | Path) -> list[Path]:
    """Write each system's output, one segment a line, as ``hypotheses/TESTSET/SYSTEM.txt`` under ``out_dir``
    (``hypotheses`` maps a test set's name to its systems' lines), so a score can be checked or recomputed."""
    written = []
    for testset, systems in hypotheses.items():
        folder = Path(out_dir) / "hypotheses" / _file_name(testset or "testset")
        folder.mkdir(parents=True, exist_ok=True)
        used: set[str] = set()
        for name, lines in systems.items():
            stem = base = _file_name(name)
            n = 1
            while stem in used:  # two names that differ only in characters a file name cannot hold
                n += 1
                stem = f"{base}-{n}"
            used.add(stem)
            path = folder / f"{stem}.txt"
            path.write_text("".join(line.replace("\n", " ") + "\n" for line in lines), encoding="utf-8",
                            errors="replace")
            written.append(path)
    return written


def write_report(reports: Sequence[ScoreReport], out_dir: str | Path,
                 hypotheses: dict[str, dict[str, Sequence[str]]] | None = None) -> list[Path]:
    """Write report.md, report.html, scores.json and the plots into ``out_dir``, and with ``hypotheses``
    (test set -> system -> lines) each system's output beside them; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.md").write_text(to_markdown(reports), encoding="utf-8")
    (out / "report.html").write_text(to_html(reports), encoding="utf-8")
    (out / "scores.json").write_text(json.dumps([r.to_dict() for r in reports], indent=2), encoding="utf-8")
    return ([out / "report.md", out / "report.html", out / "scores.json"] + plot(reports, out)
            + write_hypotheses(hypotheses or {}, out))
