"""``kabar eval score|run|summ|qe|check|postedits|testsets``: thin doors onto the harness."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from news import config

TRANSLATE_CHUNK = 64  # segments translated per call in `eval run` (one progress step)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Fill the parser of ``kabar eval`` with its subcommands."""
    from eval.metrics import DEFAULT_BOOTSTRAP
    from eval.significance import TEST_TYPES

    sub = parser.add_subparsers(dest="eval_command", required=True, metavar="COMMAND")

    def common(p):
        p.add_argument("--metrics", default="bleu,chrf,chrf++,ter", help="comma-separated: bleu,chrf,chrf++,ter")
        p.add_argument("--bootstrap", type=int, default=DEFAULT_BOOTSTRAP, help="resamples for the 95%% CIs")
        p.add_argument("--test", choices=sorted(TEST_TYPES), default="bs",
                       help="paired test: bs (bootstrap) or ar (approximate randomization)")
        p.add_argument("--json", action="store_true", help="print JSON instead of a table")
        p.add_argument("--out", metavar="DIR", help="write report.md, report.html, scores.json and plots")
        p.add_argument("--quiet", action="store_true", help="no progress bars on standard error")

    score = sub.add_parser("score", formatter_class=parser.formatter_class, help="score hypothesis files against a reference")
    score.add_argument("--ref", required=True, metavar="FILE", help="reference translations, one segment a line")
    score.add_argument("--hyp", action="append", required=True, metavar="NAME=FILE",
                       help="a system's output, one segment a line; repeat to compare systems")
    score.add_argument("--src", help="source file (checked for the same line count)")
    score.add_argument("--baseline", help="system the others are tested against (default: the first)")
    common(score)

    run = sub.add_parser("run", formatter_class=parser.formatter_class, help="translate test sets with Kabar, then score")
    run.add_argument("--testset", required=True, help="comma-separated names (see `kabar eval testsets`)")
    run.add_argument("--model", action="append", help="model reference; repeat to compare models")
    run.add_argument("--engine", help="ct2 or transformers")
    run.add_argument("--limit", type=int, help="only the first N segments of each test set")
    run.add_argument("--baseline", help="model the others are tested against (default: the first --model)")
    run.add_argument("--data", help="data folder (default: $KABAR_DATA or ../shared/data)")
    common(run)

    summ = sub.add_parser("summ", formatter_class=parser.formatter_class, help="ROUGE of Kabar's summarizer vs LEAD-k and random")
    summ.add_argument("--data", required=True, help="JSONL with 'text' and 'summary' fields")
    summ.add_argument("--sentences", default=config.DEFAULT_SUMMARY_LENGTH,
                      help="summary length: auto (the summarizer decides) or a number of sentences")
    from summarize import SUMMARIZERS

    summ.add_argument("--summarizer", choices=list(SUMMARIZERS), default=config.DEFAULT_SUMMARIZER,
                      help="the summarizer scored as 'kabar'")
    summ.add_argument("--json", action="store_true", help="print JSON instead of a table")
    summ.add_argument("--out", metavar="DIR", help="write report.md, report.html, scores.json and rouge.png")
    summ.add_argument("--no-oracle", action="store_true",
                      help="leave out the greedy ROUGE oracle row (the slowest row on large files)")

    qe = sub.add_parser("qe", formatter_class=parser.formatter_class, help="validate the reference-free quality estimate against sentence chrF")
    qe.add_argument("--testset", required=True, help="one test set, e.g. flores200/devtest")
    qe.add_argument("--hyp", help="real translations of the test set (default: graded degradations of the "
                    "references, seeded)")
    qe.add_argument("--limit", type=int, help="only the first N segments")
    qe.add_argument("--data", help="data folder (default: $KABAR_DATA or ../shared/data)")
    qe.add_argument("--json", action="store_true", help="print JSON instead of a line of text")

    chk = sub.add_parser("check", formatter_class=parser.formatter_class,
                         help="per-sentence translation checks (numbers, untranslated, repetition, length, names)")
    chk.add_argument("--src", required=True, metavar="FILE", help="Indonesian source, one sentence a line")
    chk.add_argument("--hyp", required=True, metavar="FILE", help="English translations, aligned with --src")
    chk.add_argument("--json", action="store_true",
                     help='print {"sentences": [{"index", "flags": [{"check", "reason"}]}], "rates": {...}}')

    post = sub.add_parser("postedits", formatter_class=parser.formatter_class,
                          help="quality from the editors' corrections: share corrected, HTER, chrF, warnings' "
                               "precision and recall, QE vs HTER, two models compared (no references needed)")
    post.add_argument("--tm", metavar="FILE",
                      help="the translation memory (default: $KABAR_TM or memory.sqlite in the cache folder)")
    post.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first day of the period (included)")
    post.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last day of the period (included)")
    post.add_argument("--compare", nargs=2, metavar=("BASELINE", "MODEL"),
                      help="two models as the report names them (e.g. 'opus-mt-id-en (ct2)'): HTER and chrF of each on "
                           "the corrected sentences both translated, with the paired bootstrap test")
    post.add_argument("--bootstrap", type=int, default=DEFAULT_BOOTSTRAP, help="resamples for the 95%% CIs")
    post.add_argument("--json", action="store_true", help="print JSON instead of tables")
    post.add_argument("--out", metavar="DIR", help="write report.md, report.html, postedits.json and the plots")

    sets = sub.add_parser("testsets", formatter_class=parser.formatter_class, help="list the test sets found")
    sets.add_argument("--data", help="data folder (default: $KABAR_DATA or ../shared/data)")


def _print_rows(header, rows, *, right_from: int | None = None) -> None:
    """A plain-text table: each column as wide as its widest cell; columns from ``right_from`` on (numbers)
    right-aligned, the others left-aligned."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for row in [header] + rows:
        print("  ".join(str(c).rjust(w) if right_from is not None and k >= right_from else str(c).ljust(w)
                        for k, (c, w) in enumerate(zip(row, widths))).rstrip())


def _print_table(reports) -> None:
    from eval.report import leaderboard_rows

    _print_rows(*leaderboard_rows(reports))
    for m, s in next(iter(reports[0].systems.values())).scores.items():
        print(f"{m}: {s.signature}")


def _progress(args, total: int, desc: str):
    """A tqdm bar on standard error (silent with --quiet) and the ``progress(step, text)`` callback feeding it."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="step", file=sys.stderr, disable=args.quiet, dynamic_ncols=True)

    def update(step: int, text: str) -> None:
        bar.set_postfix_str(text, refresh=False)
        bar.update(step)
    return bar, update


def _score(args, refs, systems, **options):
    """score_systems with a progress bar: the significance tests, then each system x metric."""
    from eval.metrics import parse_metrics
    from eval.scoring import score_systems

    metrics = parse_metrics(args.metrics)
    bar, update = _progress(args, len(systems) * len(metrics) + (len(systems) > 1), "scoring")
    try:
        return score_systems(refs, systems, metrics=metrics, n_bootstrap=args.bootstrap, test_type=args.test,
                             progress=update, **options)
    finally:
        bar.close()


def _emit(args, reports, hypotheses) -> None:
    if args.out:
        from eval.report import write_report

        for path in write_report(reports, args.out, hypotheses):
            print(f"wrote {path}", file=sys.stderr)
    if args.json:
        payload = reports[0].to_dict() if len(reports) == 1 else {"testsets": [r.to_dict() for r in reports]}
        print(json.dumps(payload, indent=2))
    else:
        _print_table(reports)


def cmd_score(args) -> int:
    """Score hypothesis files."""
    from eval.textio import check_parallel, read_lines

    refs = read_lines(args.ref)
    systems = {}
    for item in args.hyp:
        name, sep, path = item.partition("=")
        if not sep:
            name, path = item, item
        systems[name] = read_lines(path)
    files = {f"{n} ({p.partition('=')[2] or p})": h for (n, h), p in zip(systems.items(), args.hyp)}
    if args.src:
        files[f"source ({args.src})"] = read_lines(args.src)
    check_parallel(files, args.ref, refs)
    report = _score(args, refs, systems, baseline=args.baseline,
                    sources=read_lines(args.src) if args.src else None)
    _emit(args, [report], {report.testset or Path(args.ref).stem: systems})
    return 0


def cmd_run(args) -> int:
    """Translate test sets, then score them."""
    from eval import testsets
    from eval.textio import read_lines
    from translate.registry import load_translator

    chosen = testsets.get(args.testset, args.data)
    models = args.model or [config.model_ref(None)]
    translators = {m: load_translator(m, args.engine) for m in models}
    reports, hypotheses = [], {}
    for ts in chosen:
        src, refs = read_lines(ts.source), read_lines(ts.reference)
        if args.limit:
            src, refs = src[:args.limit], refs[:args.limit]
        print(f"{ts.name}: translating {len(src)} segments with {len(translators)} model(s)", file=sys.stderr)
        systems = {}
        for m, t in translators.items():  # in chunks, so a long test set shows progress
            bar, update = _progress(args, len(src), f"{ts.name} · {m}")
            systems[m] = []
            for start in range(0, len(src), TRANSLATE_CHUNK):
                chunk = src[start:start + TRANSLATE_CHUNK]
                systems[m] += t.translate(chunk)
                update(len(chunk), "segments")
            bar.close()
        reports.append(_score(args, refs, systems, testset=ts.name, baseline=args.baseline, sources=src))
        hypotheses[ts.name] = systems
    _emit(args, reports, hypotheses)
    return 0


def cmd_summ(args) -> int:
    """ROUGE table for summaries."""
    from eval.rouge import evaluate_summaries, read_summ_data
    from summarize import SUMMARIZERS

    n = None if str(args.sentences).lower() == "auto" else config.positive_int("--sentences", args.sentences)
    result = evaluate_summaries(read_summ_data(args.data), n=n, summarizer=SUMMARIZERS[args.summarizer](),
                                oracle=not args.no_oracle)
    if args.out:
        from eval.report import write_summ_report

        for path in write_summ_report(result, args.out):
            print(f"wrote {path}", file=sys.stderr)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    from eval.report import summ_rows, summ_significance

    print(f"{result['n_articles']} articles, summarizer {result['summarizer']}, "
          f"{result['sentences'] or 'auto'} sentences per summary; ROUGE F1 with 95% bootstrap CI")
    _print_rows(*summ_rows(result), right_from=1)
    for line in summ_significance(result):
        print(line + " (paired bootstrap, one-sided)")
    return 0


def cmd_qe(args) -> int:
    """Spearman correlation of QE with sentence-level chrF on a test set."""
    from dataclasses import asdict

    from eval import testsets
    from eval.qe import EmbeddingQE, degraded_hypotheses, validate
    from eval.textio import check_parallel, read_lines

    chosen = testsets.get(args.testset, args.data)[0]
    src, refs = read_lines(chosen.source), read_lines(chosen.reference)
    hyps = read_lines(args.hyp) if args.hyp else degraded_hypotheses(refs)
    check_parallel({"hypotheses": hyps}, str(chosen.reference), refs)
    if args.limit:
        src, refs, hyps = src[:args.limit], refs[:args.limit], hyps[:args.limit]
    qe = EmbeddingQE()
    result = asdict(validate(qe, src, hyps, refs)) | {"testset": chosen.name, "flag_below": qe.flag_below,
                                                      "hypotheses": args.hyp or "degraded references (seed 12345)"}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{result['testset']}: {result['n']} sentences, hypotheses: {result['hypotheses']}")
        print(f"Spearman(QE, sentence chrF) = {result['spearman']:.3f}; flagged {100 * result['flagged_share']:.1f}% "
              f"(cos < {qe.flag_below}); mean chrF flagged {result['mean_chrf_flagged']:.1f} vs kept "
              f"{result['mean_chrf_kept']:.1f}")
    return 0


def cmd_testsets(args) -> int:
    """List test sets."""
    from eval import testsets

    found = testsets.discover(args.data)
    for name, ts in found.items():
        print(f"{name:40} {ts.size:6d} segments  {ts.source.parent}")
    return 0


def cmd_check(args) -> int:
    """Run the translation checks over two aligned files."""
    from eval.checks import check_pairs
    from eval.textio import check_parallel, read_lines

    src, hyp = read_lines(args.src), read_lines(args.hyp)
    check_parallel({f"hypotheses ({args.hyp})": hyp}, args.src, src)
    report = check_pairs(src, hyp)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    for item in report["sentences"]:
        i = item["index"]
        print(f"{i + 1}: {hyp[i]}")
        for flag in item["flags"]:
            print(f"    {flag['check']}: {flag['reason']}")
    rates = ", ".join(f"{k} {v:.1%}" for k, v in report["rates"].items())
    print(f"{len(report['sentences'])} of {report['total']} sentences flagged; {rates}", file=sys.stderr)
    return 0


def cmd_postedits(args) -> int:
    """Quality from corrections over a period (eval/postedits.py)."""
    from eval.postedits import check_period, collect, report, summary_lines, tables, write_report
    from translate.memory import TranslationMemory, memory_path

    start, end = check_period(args.date_from, args.date_to)
    memory = TranslationMemory(memory_path(args.tm, config.cache_dir()), readonly=True)
    try:
        sentences = collect(memory, start, end)
    finally:
        memory.close()
    result = report(sentences, start=start, end=end, n_bootstrap=args.bootstrap,
                    compare=tuple(args.compare) if args.compare else None)
    if args.out:
        for path in write_report(result, args.out):
            print(f"wrote {path}", file=sys.stderr)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    if not sentences:
        print("No translated sentence is recorded for this period: kabar run and kabar watch record what they "
              "translate while the translation memory is on (kabar serve with --record-translations).",
              file=sys.stderr)
    for title, header, rows in tables(result):
        print(f"\n{title}")
        _print_rows(header, rows, right_from=1)
    print()
    for line in summary_lines(result):
        print(line)
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the ``kabar eval`` subcommand in ``args``; library errors propagate to the caller."""
    handlers = {"score": cmd_score, "run": cmd_run, "summ": cmd_summ, "qe": cmd_qe, "testsets": cmd_testsets,
                "check": cmd_check, "postedits": cmd_postedits}
    return handlers[args.eval_command](args)
