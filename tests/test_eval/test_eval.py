"""The evaluation harness: sacrebleu parity, significance, ROUGE baselines, reports and errors."""
import json

import pytest
import sacrebleu

from eval.metrics import corpus_score
from eval.rouge import evaluate_summaries, rouge_f1
from eval.scoring import score_systems
from kabar.cli import main
from tests.conftest import DATA, need_shared

REFS = ["The city opened a new bridge on Monday.", "Rice prices rose by five percent.",
        "Floods hit three villages after heavy rain.", "The president said work will continue next year.",
        "Officials used twelve rubber boats to evacuate residents.", "Inflation was 2.8 percent last month."]
HYPS = ["The city opened a bridge on Monday.", "Rice price rose five percent.",
        "Floods hit three villages after rain.", "The president says work continues next year.",
        "Officials used 12 boats to evacuate people.", "Inflation was 2.8 percent in the last month."]


def _degrade(lines):
    return [" ".join(line.split()[::2]) for line in lines]


@pytest.mark.parametrize("metric,reference_fn", [
    ("bleu", lambda h, r: sacrebleu.corpus_bleu(h, [r]).score),
    ("chrf", lambda h, r: sacrebleu.corpus_chrf(h, [r]).score),
    ("chrf++", lambda h, r: sacrebleu.corpus_chrf(h, [r], word_order=2).score),
    ("ter", lambda h, r: sacrebleu.corpus_ter(h, [r]).score),
])
def test_scores_equal_sacrebleu(metric, reference_fn):
    result = corpus_score(metric, HYPS, REFS, n_bootstrap=200)
    assert result.score == reference_fn(HYPS, REFS)
    assert "version:" in result.signature and "nrefs:1" in result.signature
    assert result.ci[0] <= result.ci[1]


@pytest.mark.parametrize("test_type", ["bs", "ar"])
def test_perfect_vs_degraded_is_significant_identical_is_not(test_type):
    refs = REFS * 10
    report = score_systems(refs, {"perfect": refs, "degraded": _degrade(refs), "same": list(refs)},
                           metrics=("bleu", "chrf"), n_bootstrap=100, n_samples=200, test_type=test_type)
    assert report.systems["degraded"].p_values["bleu"] < 0.05
    assert report.systems["degraded"].p_values["chrf"] < 0.05
    assert report.systems["same"].p_values["bleu"] >= 0.05
    assert report.systems["perfect"].scores["bleu"].score == pytest.approx(100.0)
    bad = _degrade(refs)
    a = [bad[i] if i % 3 == 0 else r for i, r in enumerate(refs)]
    b = [bad[i] if i % 3 == 1 else r for i, r in enumerate(refs)]
    close = score_systems(refs, {"a": a, "b": b}, metrics=("chrf",), n_bootstrap=50, n_samples=200,
                          test_type=test_type)
    assert close.systems["b"].p_values["chrf"] >= 0.05, "equally degraded systems do not differ significantly"


def test_rouge_identical_is_100():
    scores = rouge_f1(["harga beras naik lima persen"], ["harga beras naik lima persen"])
    assert all(v == [pytest.approx(100.0)] for v in scores.values())


def test_summ_has_every_baseline_and_lead_uses_first_sentences():
    records = [{"text": "Satu kalimat pertama di sini. Kalimat kedua berbeda isinya. Kalimat ketiga lain lagi. "
                        "Kalimat keempat penutup berita.",
                "summary": "Satu kalimat pertama di sini."}] * 3
    result = evaluate_summaries(records, n=2)
    assert set(result["systems"]) == {"kabar", "lead1", "lead2", "lead3", "random", "oracle"}  # kabar is TextRank
    assert result["systems"]["oracle"]["rouge1"]["f"] == pytest.approx(100.0)  # the oracle finds sentence 1 alone
    assert result["systems"]["oracle"]["sentences"] == 1 and result["systems"]["lead2"]["sentences"] == 2
    assert result["systems"]["lead1"]["rouge1"]["f"] == pytest.approx(100.0)
    assert result["systems"]["lead2"]["rouge1"]["f"] < 100.0
    assert result["n_articles"] == 3


def _files(tmp_path):
    (tmp_path / "ref.txt").write_text("\n".join(REFS) + "\n")
    (tmp_path / "hyp.txt").write_text("\n".join(HYPS) + "\n")
    (tmp_path / "bad.txt").write_text("\n".join(_degrade(HYPS)) + "\n")
    return tmp_path


def test_score_cli_json_and_report(tmp_path, capsys):
    d = _files(tmp_path)
    code = main(["eval", "score", "--ref", str(d / "ref.txt"), "--hyp", f"good={d / 'hyp.txt'}", "--hyp",
                 f"bad={d / 'bad.txt'}", "--json", "--bootstrap", "100", "--out", str(d / "rep")])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n_segments"] == 6 and set(data["systems"]) == {"good", "bad"}
    good = data["systems"]["good"]
    assert set(good) >= {"bleu", "chrf", "chrf++", "ter", "vs_baseline"}
    assert good["bleu"]["score"] == sacrebleu.corpus_bleu(HYPS, [REFS]).score
    assert set(data["systems"]["bad"]["vs_baseline"]) == {"bleu_p", "chrf_p", "chrf++_p", "ter_p"}
    for png in ("scores.png", "testsets.png", "length_ratio.png"):
        assert (d / "rep" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| good |" in (d / "rep" / "report.md").read_text()
    report = (d / "rep" / "report.html").read_text()
    assert "Signatures" in report and "nrefs:1|case:mixed" in report  # as in report.md
    md = (d / "rep" / "report.md").read_text()
    bad_row = next(line for line in md.splitlines() if line.startswith("| bad |"))
    assert "bleu: worse (p=" in bad_row and "ter: worse (p=" in bad_row  # degraded: worse, TER read upside down
    assert json.loads((d / "rep" / "scores.json").read_text())[0]["n_segments"] == 6


@pytest.mark.parametrize("quiet", [False, True])
def test_score_cli_shows_progress_on_stderr_unless_quiet(tmp_path, capsys, quiet):
    d = _files(tmp_path)
    args = ["eval", "score", "--ref", str(d / "ref.txt"), "--hyp", f"good={d / 'hyp.txt'}", "--hyp",
            f"bad={d / 'bad.txt'}", "--bootstrap", "20"] + ["--quiet"] * quiet
    assert main(args) == 0
    err = capsys.readouterr().err
    assert ("scoring" in err and "9/9" in err) is not quiet  # 1 significance step + 2 systems x 4 metrics


@pytest.mark.parametrize("setup,message", [
    (lambda d: (d / "short.txt").write_text("one line\n"), r"has 6 lines but good \(.*short.txt\) has 1 lines"),
    (lambda d: (d / "short.txt").write_text(""), r"short.txt: is empty"),
    (lambda d: (d / "short.txt").write_bytes(b"ok\nCaf\xe9\n"), r"short.txt: line 2: not valid UTF-8"),
])
def test_score_cli_errors_name_file_and_line(tmp_path, capsys, setup, message):
    d = _files(tmp_path)
    setup(d)
    assert main(["eval", "score", "--ref", str(d / "ref.txt"), "--hyp", f"good={d / 'short.txt'}"]) == 2
    assert pytest.importorskip("re").search(message, capsys.readouterr().err)


def test_missing_data_folder_is_a_clear_message(tmp_path, capsys):
    assert main(["eval", "testsets", "--data", str(tmp_path)]) == 2
    assert "No test sets" in capsys.readouterr().err


def test_eval_run_with_tiny_model(tiny_marian, tmp_path, capsys):
    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    code = main(["eval", "run", "--testset", "flores200/devtest", "--model", str(tiny_marian), "--limit", "5",
                 "--bootstrap", "50", "--data", str(DATA), "--out", str(tmp_path / "rep"), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n_segments"] == 5 and data["testset"] == "flores200/devtest"
    assert (tmp_path / "rep" / "report.html").is_file()


def test_qe_prefers_faithful_translations():
    from eval.qe import EmbeddingQE, spearman

    qe = EmbeddingQE()
    src = ["Harga beras naik lima persen pekan ini.", "Banjir merendam ratusan rumah di Jakarta."]
    good = qe.score(src, ["Rice prices rose five percent this week.", "Floods submerged hundreds of homes in Jakarta."])
    bad = qe.score(src, ["The cat sleeps on the sofa all day.", "Football season starts in August."])
    assert all(g > b for g, b in zip(good, bad))
    assert qe.flag(good + bad) == [2, 3]
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)


def test_qe_in_the_pipeline(translators):
    from eval.qe import EmbeddingQE
    from kabar.pipeline import Pipeline
    from news.read import Document

    doc = Document("q", "q.txt", "Harga beras naik lima persen pekan ini. Banjir merendam ratusan rumah.\n"
                   "The central bank kept its benchmark interest rate unchanged on Thursday afternoon.")
    qe = EmbeddingQE()
    r = Pipeline(translators("marian", "ct2"), qe=qe).process(doc)
    assert len(r.quality) == len(r.sentences) == 3
    assert r.quality[2] is None and all(isinstance(q, float) for q in r.quality[:2])
    # flagged: exactly the translated sentences under the threshold (the English one passes through unscored)
    assert list(r.flagged) == [i for i, q in enumerate(r.quality) if q is not None and q < qe.flag_below]
    strict = Pipeline(translators("marian", "ct2"), qe=EmbeddingQE(flag_below=0.999)).process(doc)
    assert list(strict.flagged) == [0, 1] and strict.quality == r.quality
    # the estimate ranks a faithful English sentence above the random model's word salad for the same source
    faithful, salad = qe.score([doc.text.split(". ")[0]] * 2, ["Rice prices rose five percent this week.",
                                                               r.translation[0]])
    assert faithful > qe.flag_below and faithful > salad, (faithful, salad)


def test_qe_cli_on_a_test_set(capsys):
    need_shared(DATA / "mt" / "flores200", "FLORES-200")
    assert main(["eval", "qe", "--testset", "flores200/dev", "--limit", "40", "--data", str(DATA), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["n"] == 40 and data["spearman"] > 0.3


def test_python_m_entry_points_name_errors(tmp_path):
    """python -m eval / python -m summarize: a bad input is one 'error:' line and exit 2, never a traceback."""
    import subprocess
    import sys

    missing = tmp_path / "nope.jsonl"
    for argv in (["eval", "summ", "--data", str(missing)], ["summarize", str(missing)]):
        done = subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True, timeout=300)
        assert done.returncode in (1, 2) and "Traceback" not in done.stderr, done.stderr
        assert str(missing) in done.stderr or str(missing) in done.stdout
    done = subprocess.run([sys.executable, "-m", "summarize", "train", "--help"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m summarize train")


def test_report_counts_segments_keeps_hypotheses_and_one_precision(tmp_path):
    """The report says how many segments were scored, keeps each system's output beside it, and a small BLEU is
    written with the same two decimals as on the plot (never 0.0 for 0.02)."""
    from eval.report import leaderboard_rows, write_report
    from eval.scoring import score_systems

    d = _files(tmp_path)
    weak = ["the"] * len(REFS)
    report = score_systems(REFS, {"good": HYPS, "a/b": weak, "a_b": weak}, n_bootstrap=20, testset="flores200/dev")
    header, rows = leaderboard_rows([report])
    assert header[:3] == ["system", "test set", "segments"] and rows[0][:3] == ["good", "flores200/dev", "6"]
    bleu = rows[1][header.index("bleu")]
    assert bleu.split()[0] == f"{report.systems['a/b'].scores['bleu'].score:.2f}"
    written = write_report([report], d / "rep", {"flores200/dev": {"good": HYPS, "a/b": weak, "a_b": weak}})
    saved = d / "rep" / "hypotheses" / "flores200_dev"
    assert sorted(p.name for p in saved.iterdir()) == ["a_b-2.txt", "a_b.txt", "good.txt"]
    assert (saved / "good.txt").read_text(encoding="utf-8").splitlines() == HYPS
    assert saved / "good.txt" in written


def test_eval_score_cli_saves_the_hypotheses_beside_the_report(tmp_path, capsys):
    d = _files(tmp_path)
    assert main(["eval", "score", "--ref", str(d / "ref.txt"), "--hyp", f"good={d / 'hyp.txt'}", "--bootstrap", "20",
                 "--out", str(d / "rep")]) == 0
    assert (d / "rep" / "hypotheses" / "ref" / "good.txt").read_text(encoding="utf-8").splitlines() == HYPS
    assert "segments" in capsys.readouterr().out
