"""Hand-made mutants: bugs a user would care about, each applied to a copy of the project, with the tests that
should catch it run against the copy (``python -m tests.mutants [--only NAME]``; not part of the suite).

mutmut cannot fork a process that has loaded PyTorch or CTranslate2 (docs/testing.md), so the modules whose tests
need a model get these instead. Each mutant names one line or expression and how it is changed; the script checks
that the original text occurs exactly once (a mutant that no longer applies is an error, not a pass), copies the
working tree to a temporary folder, applies the change there, and runs the listed test files with ``-x``. A mutant
is killed when the tests fail. The table it prints is the one in docs/testing.md.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ["tests/test_translate/test_glossary.py"]
MEMORY = ["tests/test_translate/test_memory.py", "tests/test_eval/test_postedits.py"]
EXCHANGE = ["tests/test_translate/test_exchange.py"]
SEARCH = ["tests/test_kabar/test_archive.py"]
GROUPING = ["tests/test_ui/test_grouping.py"]
CORRECTIONS = ["tests/test_kabar/test_corrections.py", "tests/test_translate/test_memory.py"]
POSTEDITS = ["tests/test_eval/test_postedits.py", "tests/test_ui/test_quality.py"]
OPERATIONS = ["tests/test_ui/test_operations.py"]

# (name, file, original, mutated, tests)
MUTANTS = [
    ("glossary: the clitic -pun forgotten", "translate/glossary.py",
     'CLITICS = ("nya", "lah", "kah", "pun")', 'CLITICS = ("nya", "lah", "kah")', GLOSSARY),
    ("glossary: a clitic stripped from a short word", "translate/glossary.py",
     "len(word) - len(clitic) >= 3", "len(word) - len(clitic) >= 1", GLOSSARY),
    ("glossary: the shortest term wins an overlap", "translate/glossary.py",
     "for n in range(min(longest, len(words) - i), 0, -1):", "for n in range(1, min(longest, len(words) - i) + 1):",
     GLOSSARY),
    ("glossary: English plurals in -es not recognised", "translate/glossary.py",
     'forms += [last[:-2]] if last.endswith("es") else []', "forms += []", GLOSSARY),
    ("memory: a corrected entry takes the new creation time", "translate/memory.py",
     "created=MIN(memory.created, excluded.created)", "created=excluded.created", MEMORY),
    ("memory: a second correction replaces the first machine translation", "translate/memory.py",
     "machine=COALESCE(memory.machine, excluded.machine)", "machine=excluded.machine", MEMORY),
    ("memory: an import on a tie replaces the memory's entry", "translate/memory.py",
     '" WHERE excluded.updated > memory.updated"', '" WHERE excluded.updated >= memory.updated"', EXCHANGE + MEMORY),
    ("memory: an entry without a note erases the note", "translate/memory.py",
     "note=COALESCE(excluded.note, memory.note)", "note=excluded.note", EXCHANGE + MEMORY),
    ("exchange: the TSV header 'id en' read as an entry", "translate/exchange.py",
     '["source", "target"], ["id", "en"]):', '["source", "target"]):', EXCHANGE),
    ("exchange: a TSV row without 'updated' gets no time", "translate/exchange.py",
     "row[5], row[6] or row[5], row[7] or None)", "row[5], row[6], row[7] or None)", EXCHANGE),
    ("search: --from excludes its own day", "kabar/search.py",
     'clauses.append(f"{alias}.day >= ?")', 'clauses.append(f"{alias}.day > ?")', SEARCH),
    ("search: --to excludes its own day", "kabar/search.py",
     'clauses.append(f"{alias}.day <= ?")', 'clauses.append(f"{alias}.day < ?")', SEARCH),
    ("search: undated articles always included with dates", "kabar/search.py",
     "if (q.date_from is not None or q.date_to is not None) and not q.undated:", "if False:", SEARCH),
    ("search: the RRF constant changed", "kabar/search.py", "RRF_K = 60", "RRF_K = 6", SEARCH),
    ("archive: the story window only looks back", "kabar/archive.py",
     "(day - STORY_WINDOW_DAYS, day + STORY_WINDOW_DAYS)", "(day - STORY_WINDOW_DAYS, day)", SEARCH),
    ("grouping: only the first request of a failed group gets the error", "ui/service.py",
     "            for j in group:\n                j.error = exc", "            group[0].error = exc", GROUPING),
    ("grouping: a group one sentence short of its cap", "ui/service.py",
     "size + len(self._pending[0].sentences) <= self.group_sentences",
     "size + len(self._pending[0].sentences) < self.group_sentences", GROUPING),
    ("article cache: a changed correction not seen", "kabar/pipeline.py",
     '(match is not None) != (origin == "human") or (origin == "human" and english != match)',
     '(match is not None) != (origin == "human")', CORRECTIONS),
    ("article cache: the headline's correction not checked", "kabar/pipeline.py",
     "            made.append((result.title_source, result.title, result.title_origin))", "            pass",
     CORRECTIONS + ["tests/test_kabar/test_headline.py"]),
    ("postedits: an imported entry counted as a correction", "eval/postedits.py",
     'CORRECTING = ("correction", "suggestion")', 'CORRECTING = ("correction", "suggestion", "import")', POSTEDITS),
    ("postedits: an entry saved unchanged counted as corrected", "eval/postedits.py",
     'edited = entry is not None and memory_key(entry.target) != memory_key(row["machine"])',
     "edited = entry is not None", POSTEDITS),
    ("postedits: recall over all sentences", "eval/postedits.py",
     '"recall": hits / corrected if corrected else None', '"recall": hits / len(sentences) if sentences else None',
     POSTEDITS),
    ("record: a rerun records the same sentence again", "translate/memory.py",
     "INSERT OR IGNORE INTO translated", "INSERT OR REPLACE INTO translated", POSTEDITS),
    ("record: the cap drops the newest rows", "translate/memory.py",
     "ORDER BY recorded, rowid LIMIT ?", "ORDER BY recorded DESC, rowid DESC LIMIT ?", POSTEDITS),
    ("record: the period's last day left out", "translate/memory.py",
     '(end + "U") if end else', "end if end else", POSTEDITS),
    ("record: sentences from the memory recorded as machine output", "kabar/pipeline.py",
     'if origin == "machine":\n                    checks =', 'if origin in ("machine", "human"):\n                    checks =',
     POSTEDITS),
    ("metrics: a 128-character request id refused", "ui/metrics.py",
     "0 < len(text) <= MAX_REQUEST_ID", "0 < len(text) < MAX_REQUEST_ID", OPERATIONS),
    ("metrics: an unknown path becomes its own series", "ui/metrics.py",
     "                return getattr(route, \"path_format\", None) or getattr(route, \"path\", None) or UNMATCHED\n"
     "        return UNMATCHED", "                return getattr(route, \"path_format\", None) or getattr(route, \"path\", None) or "
     "UNMATCHED\n        return scope.get(\"path\", UNMATCHED)", OPERATIONS),
    ("metrics: /metrics served without its key", "ui/server.py", "        if keys:\n            auth =",
     "        if False:\n            auth =", OPERATIONS),
    ("readiness: /ready 200 while the model loads", "ui/starting.py",
     "await _json(send, 503, {\"ready\": False,", "await _json(send, 200, {\"ready\": False,", OPERATIONS),
    ("readiness: /ready ignores a full queue", "ui/api.py",
     "        if service.saturated:\n            return JSONResponse", "        if False:\n            return JSONResponse",
     OPERATIONS),
]


def _copy(dest: Path) -> None:
    """The working tree (tracked and untracked files git does not ignore) copied to ``dest``."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        src = ROOT / name.decode()
        if src.is_file():
            target = dest / name.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def run(only: str | None = None, timeout: int = 900) -> list[tuple[str, str, str]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="kabar-mutants-") as tmp:
        copy = Path(tmp) / "kabar"
        _copy(copy)
        if (ROOT.parent / "shared").exists() and not (copy.parent / "shared").exists():
            os.symlink(ROOT.parent / "shared", copy.parent / "shared")
        for name, file, original, mutated, tests in MUTANTS:
            if only and only not in name:
                continue
            path = copy / file
            text = path.read_text(encoding="utf-8")
            if text.count(original) != 1:
                raise SystemExit(f"{name}: the original text occurs {text.count(original)} times in {file}")
            path.write_text(text.replace(original, mutated), encoding="utf-8")
            start = time.monotonic()
            try:
                proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-rf", "-p", "no:cacheprovider", *tests],
                                      cwd=copy, capture_output=True, text=True, timeout=timeout,
                                      env={**os.environ, "PYTHONPATH": str(copy)})
                failed = [line for line in proc.stdout.splitlines() if line.startswith("FAILED")]
                verdict = "killed" if proc.returncode != 0 else "SURVIVED"
                by = failed[0].removeprefix("FAILED ").split(" - ")[0] if failed else ""
            except subprocess.TimeoutExpired:
                verdict, by = "killed (timeout)", ""
            finally:
                path.write_text(text, encoding="utf-8")
            rows.append((name, verdict, by))
            print(f"{verdict:8} {time.monotonic() - start:6.1f}s  {name}  {by}", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run the mutants whose name contains this")
    args = parser.parse_args()
    rows = run(args.only)
    print("\n| mutant | verdict | first failing test |\n| --- | --- | --- |")
    for name, verdict, by in rows:
        print(f"| {name} | {verdict} | {f'`{by}`' if by else '-'} |")
    survived = sum(v == "SURVIVED" for _, v, _ in rows)
    print(f"\n{len(rows) - survived} of {len(rows)} killed", file=sys.stderr)


if __name__ == "__main__":
    main()
