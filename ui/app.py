"""The Gradio Blocks app: Article, Batch, Evaluate, Search (with an archive) and Model tabs. Callbacks only
convert types."""
from __future__ import annotations

import html
import re
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import gradio as gr

from kabar.pipeline import SOURCE_LANGS, Result
from kabar.search import DEFAULT_MODE, MODES
from kabar.writers import ResultStore, loop_summary, original_title, still_looping, web_url
from news.errors import KabarError
from news.read import read_inputs
from ui.service import KabarService

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
CSS = """.kabar-side table{width:100%;border-collapse:collapse;table-layout:fixed;overflow-wrap:anywhere}.kabar-side td,.kabar-side th{vertical-align:top;
border-top:1px solid #ddd;padding:6px;width:50%}.kabar-low{background:#fde2e2;border-bottom:2px dotted #c00}
.kabar-check{background:#fff3cd;border-bottom:2px dotted #a60}.kabar-why{color:#a60}
.kabar-human{background:#e2f0e2;border-bottom:2px solid #2a7a2a}.kabar-by{color:#2a7a2a}
.kabar-summary li,.kabar-status{overflow-wrap:anywhere}
.kabar-table table{width:100%;border-collapse:collapse;font-size:.9em}
.kabar-table th,.kabar-table td{text-align:left;vertical-align:top;padding:4px 6px;border-top:1px solid #ddd;overflow-wrap:anywhere}
.kabar-table th{overflow-wrap:normal;word-break:keep-all}
@media (max-width:700px){.kabar-table thead{display:none}.kabar-table tr{display:block;border-top:2px solid #bbb;padding:4px 0}
.kabar-table td{display:grid;grid-template-columns:7em minmax(0,1fr);gap:6px;border:0;padding:2px 4px}
.kabar-table td::before{content:attr(data-label);font-weight:600;overflow-wrap:normal}
#eval-plots .grid-container{grid-template-columns:minmax(0,1fr)!important}
#eval-plots .grid-wrap{max-height:none!important;height:auto!important;overflow:visible!important}}
.kabar-hits li{margin:.7em 0;overflow-wrap:anywhere}.kabar-hits li>div{display:block;margin:.15em 0}.kabar-meta{color:#666;font-size:.9em}
.kabar-reports{color:#2a5a8a;font-weight:600}.kabar-match mark,.kabar-match-src mark{background:#fff2a8}
.kabar-match-src{color:#555;font-style:italic}"""


def _examples() -> list[list[str]]:
    paths = sorted(EXAMPLES_DIR.glob("*.txt")) + sorted(EXAMPLES_DIR.glob("*.md"))
    return [[p.read_text(encoding="utf-8")] for p in paths]


def _english_sentence(result: Result, i: int, flagged: set[int], checked: dict) -> str:
    """One English sentence as escaped HTML; a sentence QE rates low and/or a translation check flags is marked,
    and the reasons are written beside it (not only in a tooltip or a colour)."""
    esc = html.escape
    text = esc(result.translation[i])
    if result.origin and i < len(result.origin) and result.origin[i] == "human":
        return (f'<span class="kabar-human" title="an editor\'s correction">{text}</span>'
                '<small class="kabar-by"> [human: from the translation memory]</small>')
    classes, notes = [], []
    if i in flagged:
        classes.append("kabar-low")
        notes.append(f"low confidence: quality estimate {result.quality[i]:.2f}")
    if i in checked:
        classes.append("kabar-check")
        notes.append("check " + "; ".join(f"{c}: {why}" for c, why in checked[i]))
    if not classes:
        return text
    note = esc("; ".join(notes))
    return f'<span class="{" ".join(classes)}" title="{note}">{text}</span><small class="kabar-why"> [{note}]</small>'


def side_by_side_html(result: Result) -> str:
    """Original and English paragraph by paragraph; sentences QE or a translation check flags are marked, with
    the reason beside them."""
    from kabar.writers import sentences_to_check

    esc = html.escape
    flagged = set(result.flagged)
    checked = dict(sentences_to_check(result))
    rows = []
    by_para: dict[int, list[int]] = {}
    for i, p in enumerate(result.paragraph_of):
        by_para.setdefault(p, []).append(i)
    for idxs in by_para.values():
        src = " ".join(esc(result.sentences[i]) for i in idxs)
        tgt = " ".join(_english_sentence(result, i, flagged, checked) for i in idxs) if result.translation else ""
        rows.append(f"<tr><td>{src}</td><td>{tgt}</td></tr>")
    return (f'<div class="kabar-side" id="side-by-side"><table><tr><th>Original ({esc(result.lang or "?")})</th>'
            f"<th>English</th></tr>{''.join(rows)}</table></div>")


def summary_html(result: Result) -> str:
    """The summary in English and in the original language, as escaped HTML (article text is never markup)."""
    if not result.sentences:
        return ""
    esc = html.escape

    def bullets(heading: str, sentences) -> str:
        return f"<h3>{esc(heading)}</h3><ul>" + "".join(f"<li>{esc(s)}</li>" for s in sentences) + "</ul>"

    parts = [bullets("Summary (English)", result.summary_en or result.summary_src)]
    if result.lang != "en":
        parts.append(bullets(f"Summary ({result.lang})", result.summary_src))
    return f'<div class="kabar-summary">{"".join(parts)}</div>'


def status_html(result: Result) -> str:
    """The detected language, counts and any warnings, as escaped HTML."""
    esc = html.escape
    parts = []
    if result.title:
        parts.append(f'<p class="kabar-title"><b>{esc(result.title)}</b></p>')
        original = original_title(result)
        if original:  # the headline as the article gave it, beneath the English one
            parts.append(f'<p class="kabar-title-source" lang="{esc(result.lang or "")}"><i>{esc(original)}</i></p>')
    byline = " · ".join(esc(v) for v in (result.date, result.author) if v and v.strip())
    link = web_url(result.url)
    if link:
        parts.append(f'<p><b>Source:</b> <a href="{esc(link)}" rel="nofollow noopener noreferrer" target="_blank">'
                     f"{esc(result.url or '')}</a>{' · ' + byline if byline else ''}</p>")
    elif byline:
        parts.append(f"<p>{byline}</p>")
    parts.append(f"<p><b>Detected language:</b> <code>{esc(str(result.lang))}</code> ({result.lang_confidence:.2f})"
                 f" · {len(result.sentences)} sentences · {len(result.removed)} boilerplate lines removed</p>")
    parts += [f"<blockquote>{esc(e)}</blockquote>" for e in result.errors]
    if result.flagged:
        parts.append(f"<p>{len(result.flagged)} sentence(s) marked as low-confidence translations (red, with the "
                     "quality estimate beside each).</p>")
    checked = sum(1 for flags in result.checks if flags)
    if checked:
        parts.append(f"<p>{checked} sentence(s) to check (numbers, names, length, repetition, untranslated, glossary); "
                     "the reason is beside each one.</p>")
    if result.repaired or still_looping(result):
        parts.append(f"<p>{esc(loop_summary(result))}</p>")
    human = sum(1 for o in result.origin if o == "human")
    if human:
        parts.append(f"<p>{human} sentence(s) from the translation memory (an editor's English, marked human, in "
                     "green).</p>")
    placed = sum(len(t) for t in result.terms)
    missing = sum(1 for flags in result.checks for f in flags if f.get("check") == "glossary")
    if placed or missing:
        parts.append(f"<p>Glossary: {placed} term(s) placed" + (f", {missing} could not be placed (flagged)"
                                                                 if missing else "") + ".</p>")
    return f'<div class="kabar-status">{"".join(parts)}</div>'


BATCH_COLUMNS = ("file", "language", "sentences", "status", "error")


def search_html(hits, total: int, query: str, *, filters: str = "", outlets=()) -> str:
    """Search hits as HTML: every text from the archive escaped; the matching sentence's query words in <mark>
    (the hit's ``highlight`` is built escaped, see kabar.search). With no hit, the filters set and the outlets
    the archive knows are named."""
    esc = html.escape
    if not hits:
        known = f" Outlets in this archive: {esc(', '.join(outlets[:20]))}." if outlets else ""
        return (f'<div class="kabar-hits" id="search-results"><p class="kabar-none">No article in the archive '
                f"({total} articles) matches {esc(query)}{' with ' + esc(filters) if filters else ''}.{known}"
                "</p></div>")
    items = []
    for h in hits:
        link = web_url(h.url)
        title = esc(h.title or h.id)
        heading = (f'<a href="{esc(link)}" rel="nofollow noopener noreferrer" target="_blank">{title}</a>' if link
                   else title)
        meta = " · ".join(esc(str(v)) for v in (h.date or "undated", h.outlet, h.lang) if v)
        story = (f'<span class="kabar-reports">{h.reports} reports: {esc(", ".join(h.outlets) or "outlet unknown")}'
                 "</span>" if h.reports > 1 else "")
        found = ", ".join(f"{how} #{rank}" for how, rank in (("keywords", h.keyword_rank),
                                                             ("meaning", h.embedding_rank)) if rank)
        original = (f'<div class="kabar-hit-title-source"><i>{esc(h.title_source)}</i></div>'
                    if h.title_source and h.title_source != h.title else "")
        parts = [f'<li class="kabar-hit" data-id="{esc(h.id)}"><div class="kabar-hit-title"><b>{heading}</b></div>'
                 + original,
                 f'<div class="kabar-meta">{meta}{" · " if meta else ""}found by {esc(found)} {story}</div>',
                 f'<div class="kabar-match">{h.highlight}</div>']
        if h.highlight_src and h.sentence_src != h.sentence:
            parts.append(f'<div class="kabar-match-src">{h.highlight_src}</div>')
        items.append("".join(parts) + "</li>")
    return (f'<div class="kabar-hits" id="search-results"><p>{len(hits)} stories from {total} archived articles'
            f'</p><ol>{"".join(items)}</ol></div>')


def correction_labels(result: Result) -> list[tuple[str, int]]:
    """(label, index) for every translated sentence: those a check or QE flagged first, then the rest in order;
    each label says why the sentence is flagged, or that it is already an editor's."""
    from kabar.writers import sentences_to_check

    checked = dict(sentences_to_check(result))
    flagged = set(result.flagged)
    out = []
    for i, origin in enumerate(result.origin):
        if origin not in ("machine", "human"):
            continue
        why = [c for c, _ in checked.get(i, [])] + (["low confidence"] if i in flagged else [])
        tag = "human" if origin == "human" else ", ".join(dict.fromkeys(why))
        text = result.sentences[i]
        label = f"{i + 1}. " + (f"[{tag}] " if tag else "") + (text if len(text) <= 90 else text[:89] + "…")
        out.append((0 if why and origin != "human" else 1, i, label))
    return [(label, i) for _, i, label in sorted(out)]


def table_html(frame, elem_id: str) -> str:
    """A table (pandas DataFrame) as escaped HTML that wraps every cell and, on a narrow screen, shows each
    row as a card of "column: value" lines: no column is cut or pushed off screen, whatever its length."""
    esc = html.escape
    if frame is None or not len(getattr(frame, "columns", ())):
        return ""
    header = [str(c) for c in frame.columns]
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td data-label="{esc(h)}">{esc(str(v))}</td>' for h, v in zip(header, row))
                   + "</tr>" for row in frame.itertuples(index=False))
    return f'<div class="kabar-table" id="{esc(elem_id)}"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'

# Gradio gives every file input the same accessible name ("File upload"): a screen reader (and Playwright's
# get_by_label) could not tell the article upload from the glossary upload. On load, and whenever Gradio renders
# more, each upload takes the visible label of its block as its name.
LABEL_UPLOADS_JS = """() => {
  const label = () => document.querySelectorAll('input[type=file]').forEach((input) => {
    const block = input.closest('.block');
    const text = block && block.querySelector('[data-testid="block-label"]');
    const name = text ? text.textContent.trim() : '';
    if (!name) return;
    if (input.getAttribute('aria-label') !== name) input.setAttribute('aria-label', name);
    const button = block.querySelector('button.upload-container');
    if (button && button.getAttribute('aria-label') !== name + ': click to upload or drop files') {
      button.setAttribute('aria-label', name + ': click to upload or drop files');
    }
  });
  label();
  new MutationObserver(label).observe(document.body, {childList: true, subtree: true});
}"""

# One Evaluate run from the UI is a request like any other: bounded in test sets and segments (translated in
# pieces of the server's text limit, each in a work slot, within its deadline). The CLI has no such bounds.
MAX_EVAL_SETS = 4
MAX_EVAL_SEGMENTS = 500


def _sentence_index(value) -> int | None:
    """The sentence number the correction dropdown (or a gradio_client call) gives: an int, or its digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 7:
        return int(value.strip())
    return None


def _server_folders(root: Path) -> re.Pattern:
    """What hides the server's folders in texts shown to a client: ``root`` and any folders below it."""
    return re.compile(re.escape(str(root)) + r"/(?:[^/\n]+/)*")  # segments cannot overlap: linear


def _as_uploaded(doc, hide: re.Pattern) -> object:
    """``doc`` with the server's folders cut from its source and error: the uploaded file names remain (one pass
    per text, however many files a batch has)."""
    import dataclasses

    error = hide.sub("", doc.error) if doc.error else doc.error
    return dataclasses.replace(doc, source=hide.sub("", doc.source), error=error)  # url, date, author kept


# A browser session's state is a short token; what the correction panel needs of the last article (its
# sentences, English and labels) is kept here, for at most RECENT_RESULTS articles and RECENT_SECONDS each,
# so thousands of sessions cost a few kilobytes each, never a copy of every article they translated.
RECENT_RESULTS = 256
RECENT_SECONDS = 900
STATE_SESSIONS = 1000  # Gradio's per-session store (its default is 10,000)


class RecentResults:
    """The last articles translated in the UI, by token: bounded in count and age (oldest dropped first)."""

    def __init__(self, capacity: int = RECENT_RESULTS, seconds: float = RECENT_SECONDS):
        import collections
        import threading

        self.capacity, self.seconds = capacity, seconds
        self._items: collections.OrderedDict[str, tuple[float, dict]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def put(self, value: dict) -> str:
        import secrets

        token = secrets.token_urlsafe(12)
        with self._lock:
            self._items[token] = (time.monotonic(), value)
            self._expire()
        return token

    def get(self, token) -> dict:
        with self._lock:
            self._expire()
            item = self._items.get(token) if isinstance(token, str) else None
        return item[1] if item else {}

    def __len__(self) -> int:
        return len(self._items)

    def _expire(self) -> None:
        now = time.monotonic()
        while self._items and (len(self._items) > self.capacity
                               or now - next(iter(self._items.values()))[0] > self.seconds):
            self._items.popitem(last=False)


class Callbacks:
    """What the app's buttons do; each is a short adapter over the shared :class:`KabarService`."""

    def __init__(self, service: KabarService):
        self.service = service
        self.recent = RecentResults()

    def run_article(self, text: str = "", upload: str | None = None, source_lang: str = "auto",
                    summary_length: str = "auto", url: str = "", summarizer: str | None = None,
                    glossary: str | None = None):
        """Translate and summarize one pasted, uploaded or linked article (with an uploaded glossary, if any)."""
        try:
            terms = self._glossary(glossary)
            if url and url.strip():
                result = self.service.process_url(url, route="ui/article", source_lang=source_lang,
                                                  summary_length=summary_length, summarizer=summarizer, glossary=terms)
                if result.status == "error":
                    raise gr.Error("; ".join(result.errors))
                return self._article_outputs(result)
            if upload:
                hide = _server_folders(self.service.temp_dir)  # errors name the file, never the server's folder
                docs = [_as_uploaded(d, hide) for d in read_inputs([self.service.own_file(upload)])]
                if not docs or not docs[0].ok:
                    raise gr.Error(docs[0].error if docs else "The file holds no article.")
                text = docs[0].text
            if not text or not text.strip():
                raise gr.Error("Paste an article or upload a file first.")
            result = self.service.process(text, route="ui/article", source_lang=source_lang,
                                          summary_length=summary_length, summarizer=summarizer, glossary=terms)
        except gr.Error:
            raise
        except Exception as exc:  # shown to the user, never a traceback
            raise gr.Error(str(exc)) from None
        if result.status == "error":
            raise gr.Error("; ".join(result.errors))
        return self._article_outputs(result)

    def _glossary(self, upload: str | None):
        """The uploaded glossary (None: the server's); errors name the file, never the server's folder."""
        if not upload:
            return None
        from translate.glossary import glossary_from_bytes

        path = self.service.own_file(upload)
        return glossary_from_bytes(path.read_bytes(), name=Path(str(upload)).name)

    def _article_outputs(self, result: Result) -> tuple:
        state = self.recent.put({"sentences": list(result.sentences), "translation": list(result.translation),
                                 "origin": list(result.origin), "labels": correction_labels(result)})
        return (status_html(result), side_by_side_html(result), summary_html(result), self.model_markdown(),
                "\n\n".join(result.paragraphs(result.translation)) if result.translation else "",
                self._result_files(result), state)

    def correction_choices(self, state):
        """The sentences an editor may correct (flagged first), for the correction dropdown."""
        labels = self.recent.get(state).get("labels") or []
        return gr.update(choices=[(label, i) for label, i in labels], value=labels[0][1] if labels else None)

    def english_of(self, index, state) -> str:
        """The current English of the chosen sentence (to edit)."""
        translation = self.recent.get(state).get("translation") or []
        index = _sentence_index(index)
        return translation[index] if index is not None and 0 <= index < len(translation) else ""

    def save_correction(self, index, english: str, editor: str = "", state=None, request: gr.Request = None) -> str:
        """Store the editor's English for the chosen sentence (its number from 0, as the dropdown's value, so a
        gradio_client call may name it); the next run of the article uses it. Only on a server whose operator
        allowed corrections (--suggestions); with API keys the editor is the name of the key signed in with."""
        try:
            self.service.require_memory_access()
        except KabarError as exc:
            raise gr.Error(str(exc)) from None
        kept = self.recent.get(state)
        sentences = kept.get("sentences") or []
        index = _sentence_index(index)
        if index is None or not 0 <= index < len(sentences):
            raise gr.Error("Translate an article, then choose one of its sentences to correct (an article translated "
                           f"more than {RECENT_SECONDS // 60} minutes ago must be translated again).")
        # correcting a correction: the memory keeps the machine translation it first replaced
        machine = None if kept["origin"][index] == "human" else kept["translation"][index]
        if self.service.api_keys:
            editor = self.service.editor(user=getattr(request, "username", None), given=editor)
        try:
            entry = self.service.correct(sentences[index], english or "", machine=machine, editor=editor or None)
        except KabarError as exc:
            raise gr.Error(str(exc)) from None
        return (f'<p class="kabar-saved">Saved for sentence {index + 1}: <q>{html.escape(entry.target)}</q>. '
                "Translate the article again to see it marked human.</p>")

    def _result_files(self, result: Result) -> list[str]:
        """This article's result as a Markdown page and as JSON, in a job folder of the server's temp folder."""
        import json

        from kabar.writers import to_markdown

        folder = self.service.work_dir("article-")
        (folder / "kabar-article.md").write_text(to_markdown(result), encoding="utf-8", errors="replace")
        (folder / "kabar-article.json").write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1),
                                                   encoding="utf-8", errors="replace")
        return [str(folder / "kabar-article.md"), str(folder / "kabar-article.json")]

    def run_batch(self, files, progress=gr.Progress()):  # noqa: B008 (Gradio injects progress through this default)
        if not files:
            raise gr.Error("Upload one or more .txt/.md/.html/.jsonl files.")
        try:
            paths = [self.service.own_file(f) for f in files]
        except KabarError as exc:
            raise gr.Error(str(exc)) from None
        out = self.service.work_dir("batch-")
        store = ResultStore(out / "run")
        hide = _server_folders(self.service.temp_dir)
        rows, failed, docs = [], 0, [_as_uploaded(doc, hide) for doc in read_inputs(paths)]
        for n, doc in enumerate(docs):
            progress((n, len(docs)), desc=f"article {n + 1} of {len(docs)}")
            try:
                self.service.check_size(doc.text)
                with self.service.bounded(len(doc.text or ""), f"article {doc.source}"), \
                        self.service.slot("ui/batch"):
                    result = self.service.pipeline.process(doc)
            except KabarError as exc:  # over the size limit, the queue full or past the deadline: this article only
                result = Result(doc.id, doc.source, "error", title=doc.title, errors=(f"{doc.source}: {exc}",))
            store.write(result)
            failed += result.status == "error"
            rows.append([result.source, result.lang or "", len(result.sentences), result.status,
                         "; ".join(result.errors)])
        store.close()
        zip_path = out / "kabar-markdown.zip"
        with zipfile.ZipFile(zip_path, "w") as archive:
            for md in sorted((out / "run" / "articles").glob("*.md")):
                archive.write(md, md.name)
        summary = f"{len(docs) - failed} of {len(docs)} articles processed" + (f"; {failed} failed" if failed else "")
        import pandas as pd

        table = pd.DataFrame(rows, columns=list(BATCH_COLUMNS))
        return [str(out / "run" / "results.jsonl"), str(zip_path), str(out / "run" / "index.html")], summary, table

    def _translate_bounded(self, sentences: list[str], deadline: float) -> list[str]:
        """Translate in pieces of at most the server's text limit, taking a work slot for each piece (REST
        requests get their turn between pieces), and stop at the request deadline."""
        out: list[str] = []
        piece: list[str] = []
        size = 0
        for sentence in [*sentences, None]:
            if piece and (sentence is None or size + len(sentence) > self.service.max_chars):
                if time.monotonic() > deadline:
                    raise gr.Error(f"The evaluation took longer than the server's deadline ({self.service.deadline:g}"
                                   " s); choose fewer test sets or fewer segments")
                with self.service.bounded(size, "the evaluation"), self.service.slot("ui/evaluate"):
                    out += self.service.pipeline.translator.translate(piece)
                piece, size = [], 0
            if sentence is not None:
                piece.append(sentence)
                size += len(sentence)
        return out

    def run_eval(self, names: list[str], hyp_files: list[str] | None = None, use_model: bool = True,
                 limit: float | None = 100):
        """Score the chosen test sets with the loaded model and/or uploaded hypothesis files (at most
        ``MAX_EVAL_SEGMENTS`` segments a set, within the server's limits, queue and deadline)."""
        from eval import testsets
        from eval.report import leaderboard_rows, write_report
        from eval.scoring import score_systems
        from eval.textio import check_parallel, read_lines

        if not names:
            raise gr.Error("Choose at least one test set.")
        if not hyp_files and not use_model:
            raise gr.Error("Choose the loaded model or upload hypothesis files.")
        reports, hypotheses = [], {}
        deadline = time.monotonic() + self.service.deadline
        try:
            chosen = testsets.get(",".join(names))
            if len(chosen) > MAX_EVAL_SETS:
                raise gr.Error(f"Choose at most {MAX_EVAL_SETS} test sets at a time (the CLI, kabar eval run, takes "
                               "any number).")
            for ts in chosen:
                src, refs = read_lines(ts.source), read_lines(ts.reference)
                n = min(int(limit), MAX_EVAL_SEGMENTS) if limit and limit > 0 else MAX_EVAL_SEGMENTS
                src, refs = src[:n], refs[:n]
                systems = {}
                if use_model:
                    systems["kabar"] = self._translate_bounded(src, deadline)
                for f in hyp_files or []:
                    systems[Path(f).stem] = read_lines(self.service.own_file(f))[:n]
                check_parallel({k: v for k, v in systems.items()}, ts.name, refs)
                reports.append(score_systems(refs, systems, testset=ts.name, n_bootstrap=200, sources=src))
                hypotheses[ts.name] = systems
        except gr.Error:
            raise
        except Exception as exc:
            raise gr.Error(str(exc)) from None
        out = self.service.work_dir("eval-")
        write_report(reports, out, hypotheses)
        import pandas as pd

        header, rows = leaderboard_rows(reports)  # the header goes in as column names, never as a data row
        return pd.DataFrame(rows, columns=header), [str(out / p) for p in ("scores.png", "testsets.png",
                                                                          "length_ratio.png")]

    def run_quality(self, date_from: str = "", date_to: str = ""):
        """Quality from the editors' corrections over a period (GET /api/quality's report): its tables as escaped
        HTML and its two plots."""
        import pandas as pd

        from eval.postedits import plot, summary_lines, tables

        try:
            result = self.service.quality(date_from or None, date_to or None)
        except KabarError as exc:
            raise gr.Error(str(exc)) from None
        parts = []
        for k, (title, header, rows) in enumerate(tables(result)):
            parts.append(f"<h3>{html.escape(title)}</h3>" + table_html(pd.DataFrame(rows, columns=header),
                                                                         f"quality-table-{k}"))
        notes = summary_lines(result)
        if result.get("limited_to_newest"):
            notes.insert(0, f"The newest {result['limited_to_newest']:,} translated sentences of the period (kabar "
                            "eval postedits reads them all).")
        if not result["sentences"]:
            notes.insert(0, "No translated sentence is recorded for this period (kabar run and kabar watch record "
                            "them while the translation memory is on; this server with --record-translations).")
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
        out = self.service.work_dir("quality-")
        return "".join(parts), [str(p) for p in plot(result, out)]

    def search(self, query: str = "", date_from: str = "", date_to: str = "", outlet: str | None = "",
               mode: str = "hybrid", undated: bool = False) -> str:
        """The archive's hits for a query, as escaped HTML (one entry a story); with no hit, the filters that were
        set and the archive's outlets are named."""
        try:
            hits, total = self.service.search(query or "", mode=mode or None, date_from=date_from or None,
                                              date_to=date_to or None, outlet=outlet or None, undated=bool(undated))
        except KabarError as exc:
            raise gr.Error(str(exc)) from None
        filters = [f"from {date_from}" if date_from else "", f"to {date_to}" if date_to else "",
                   f"outlet {outlet}" if outlet else ""]
        outlets = self.service.outlets() if not hits and outlet else []
        return search_html(hits, total, " ".join(str(query or "").split()), filters=", ".join(f for f in filters if f),
                           outlets=outlets)

    def outlet_choices(self):
        """The outlet filter's choices: every outlet of the archive (it grows while kabar watch runs)."""
        return gr.Dropdown(choices=[""] + self.service.outlets())

    def model_markdown(self):
        info = self.service.info()
        return "\n".join(f"- **{k.replace('_', ' ')}**: " + (f"`{v}`" if v not in (None, "") else "—")
                         for k, v in info.items())

    @staticmethod
    def testset_names():
        from eval import testsets

        try:
            return list(testsets.discover())
        except Exception:
            return []


def summarizer_choices() -> list[tuple[str, str]]:
    """(label, name) of every summarizer in the registry (summarize.SUMMARIZERS), for the dropdown."""
    from summarize import SUMMARIZERS

    return [(getattr(cls, "label", name), name) for name, cls in SUMMARIZERS.items()]


def _article_tab(default_summarizer: str, corrections: bool = False) -> SimpleNamespace:
    with gr.Tab("Article", id="article"):
        with gr.Row():
            text = gr.Textbox(label="Article text", lines=12, elem_id="article-input",
                              placeholder="Paste an Indonesian (or English) news article")
            with gr.Column():
                upload = gr.File(label="…or upload an article file (.txt, .md, .html)", type="filepath",
                                 file_types=[".txt", ".md", ".html"],
                                 elem_id="article-upload")
                url = gr.Textbox(value="", label="…or an article's URL", elem_id="article-url", max_lines=1,
                                 placeholder="https://www.antaranews.com/berita/...")
                glossary = gr.File(label="Glossary (CSV/TSV: Indonesian term, English term, note)", type="filepath",
                                   file_types=[".csv", ".tsv", ".txt"], elem_id="article-glossary")
        with gr.Row():
            lang = gr.Dropdown(list(SOURCE_LANGS), value="auto", label="Source language", elem_id="source-lang",
                               info="auto: detected; id: translate even if detection disagrees; en: pass through")
            length = gr.Dropdown(["auto", "1", "2", "3", "4", "5", "20%", "30%"], value="auto",
                                 label="Summary length", elem_id="summary-length", allow_custom_value=True,
                                 info="auto: the learned length (1-5 sentences), a number, or a share")
            summarizer = gr.Dropdown(summarizer_choices(), value=default_summarizer, label="Summarizer",
                                     elem_id="summarizer", info="how the summary's sentences are chosen")
            with gr.Column():
                run = gr.Button("Translate and summarize", variant="primary", elem_id="run-article", size="lg")
                progress = gr.HTML(elem_id="article-progress", min_height=60)  # the progress shows here
        gr.Examples(_examples(), inputs=[text], label="Sample articles")
        out = SimpleNamespace(text=text, upload=upload, url=url, source_lang=lang, length=length, summarizer=summarizer,
                              run=run, progress=progress, glossary=glossary,
                              state=gr.State(None, time_to_live=RECENT_SECONDS),
                              lang=gr.HTML(label="Detected language", elem_id="out-lang"),
                              summary=gr.HTML(label="Summary", elem_id="out-summary"),
                              side=gr.HTML(label="Original and English", elem_id="out-side"))
        with gr.Row():
            out.english = gr.Textbox(label="English (to copy)", lines=4, buttons=["copy"], elem_id="out-english",
                                     interactive=False)
            out.files = gr.File(label="Download this result (Markdown, JSON)", file_count="multiple",
                                elem_id="out-files")
        # shown only where the operator lets clients write the translation memory (kabar serve --suggestions)
        with gr.Accordion("Correct a sentence (remembered for every later run)", open=True, elem_id="correct-box",
                          visible=corrections):
            out.pick = gr.Dropdown([], label="Sentence (flagged ones first)", elem_id="correct-sentence",
                                   interactive=True, allow_custom_value=True)
            with gr.Row():
                out.fix = gr.Textbox(label="English", lines=2, elem_id="correct-english", max_length=4000)
                out.editor = gr.Textbox(label="Editor (optional)", max_lines=1, elem_id="correct-editor",
                                        max_length=100)
            out.save = gr.Button("Save correction", elem_id="save-correction")
            out.saved = gr.HTML(label="Correction", elem_id="correct-status")
        return out


def _batch_tab() -> SimpleNamespace:
    with gr.Tab("Batch", id="batch"):
        files = gr.File(label="Articles (.txt, .md, .html, .jsonl)", file_count="multiple", type="filepath",
                        elem_id="batch-files")
        run = gr.Button("Run batch", variant="primary", elem_id="run-batch")
        status = gr.Markdown(label="Status", elem_id="batch-status")  # the label names it in gradio_client
        # the data (for gradio_client) in a hidden Dataframe; on screen an HTML table that wraps (table_html)
        table = gr.Dataframe(headers=list(BATCH_COLUMNS), label="Per file", elem_id="batch-data", interactive=False,
                             visible=False)
        shown = gr.HTML(label="Per file", elem_id="batch-table-box")
        downloads = gr.File(label="Downloads: results.jsonl, Markdown zip, HTML", file_count="multiple",
                            elem_id="batch-downloads")
        return SimpleNamespace(files=files, run=run, status=status, table=table, shown=shown, downloads=downloads)


def _evaluate_tab(names: list[str], corrections: bool = False) -> SimpleNamespace:
    with gr.Tab("Evaluate", id="evaluate"):
        sets = gr.CheckboxGroup(choices=names, label="Test sets (../shared/data or KABAR_DATA)", elem_id="eval-sets")
        use_model = gr.Checkbox(value=True, label="Translate with the loaded model")
        hyps = gr.File(label="Hypothesis files (one line per segment; the file name is the system name)",
                       file_count="multiple", type="filepath")
        limit = gr.Number(value=100, precision=0, label=f"First N segments (0 = {MAX_EVAL_SEGMENTS}, the most)",
                          elem_id="eval-limit")
        run = gr.Button("Score", variant="primary", elem_id="run-eval")
        table = gr.Dataframe(label="Scores with 95% CIs", elem_id="eval-data", interactive=False, visible=False)
        shown = gr.HTML(label="Scores with 95% CIs", elem_id="eval-table-box")
        plots = gr.Gallery(label="Plots (click one to see it whole)", columns=3, object_fit="contain", height="auto",
                           elem_id="eval-plots")
        # shown only where the operator opened the translation memory to clients (kabar serve --suggestions)
        with gr.Accordion("From corrections: quality without references", open=False, visible=corrections,
                          elem_id="quality"):
            gr.Markdown("What editors changed in Kabar's translations: share corrected, HTER (TER of the machine "
                        "English against its post-edit), chrF, how often each warning pointed at a corrected "
                        "sentence, and QE against HTER. Editors correct style as well as errors, and an uncorrected "
                        "sentence is not necessarily right.")
            with gr.Row():
                quality_from = gr.Textbox(label="From (YYYY-MM-DD)", elem_id="quality-from", max_lines=1,
                                          max_length=10)
                quality_to = gr.Textbox(label="To (YYYY-MM-DD)", elem_id="quality-to", max_lines=1, max_length=10)
                quality_run = gr.Button("Report", elem_id="run-quality")
            quality_shown = gr.HTML(label="Quality from corrections", elem_id="quality-box")
            quality_plots = gr.Gallery(label="Per week, and each warning", columns=2, object_fit="contain",
                                       height="auto", elem_id="quality-plots")
        return SimpleNamespace(sets=sets, use_model=use_model, hyps=hyps, limit=limit, run=run, table=table,
                               shown=shown, plots=plots, quality_from=quality_from, quality_to=quality_to,
                               quality_run=quality_run, quality_shown=quality_shown, quality_plots=quality_plots)


def _search_tab() -> SimpleNamespace:
    with gr.Tab("Search", id="search"):
        with gr.Row():
            query = gr.Textbox(label="Search the archive", elem_id="search-query", max_lines=1, max_length=500,
                               placeholder="flood Bekasi, banjir Bekasi, inflation …", scale=3)
            run = gr.Button("Search", variant="primary", elem_id="run-search", scale=1)
        with gr.Row():
            date_from = gr.Textbox(label="From (YYYY-MM-DD)", elem_id="search-from", max_lines=1, max_length=10)
            date_to = gr.Textbox(label="To (YYYY-MM-DD)", elem_id="search-to", max_lines=1, max_length=10)
            outlet = gr.Dropdown([""], value="", label="Outlet", elem_id="search-outlet", allow_custom_value=True)
            mode = gr.Radio(list(MODES), value=DEFAULT_MODE, label="Ranking",
                            elem_id="search-mode", info="keywords and meaning fused; or one of them")
            undated = gr.Checkbox(False, label="With dates set, include undated articles", elem_id="search-undated")
        results = gr.HTML(label="Results", elem_id="search-box")
        return SimpleNamespace(query=query, run=run, date_from=date_from, date_to=date_to, outlet=outlet, mode=mode,
                               undated=undated, results=results)


def build_app(service: KabarService) -> gr.Blocks:
    """The Blocks app: Article, Batch, Evaluate, Search (when the server has an archive) and Model tabs over one
    service."""
    calls = Callbacks(service)
    with gr.Blocks(title="Kabar", analytics_enabled=False) as demo:
        gr.Markdown("# Kabar\nIndonesian news in; a clean English translation and a summary in both languages out.")
        with gr.Tabs():
            article = _article_tab(service.pipeline.summarizer.name, corrections=service.suggestions)
            batch = _batch_tab()
            evaluate = _evaluate_tab(calls.testset_names(), corrections=service.suggestions)
            search = _search_tab() if service.archive_dir is not None else None
            with gr.Tab("Model", id="model"):
                info = gr.Markdown(calls.model_markdown(), elem_id="model-info", label="Model")
                gr.Button("Refresh").click(calls.model_markdown, outputs=info)
        results = [article.lang, article.side, article.summary, article.english, article.files, article.state,
                   article.saved]
        # the previous article's results go first, so an error never stands above another article's results
        article.run.click(lambda: ("",) * 4 + (None, None, ""), outputs=results, api_name=False, queue=False).then(
            calls.correction_choices, inputs=[article.state], outputs=[article.pick], api_name=False, queue=False).then(
            calls.run_article, inputs=[article.text, article.upload, article.source_lang, article.length, article.url,
                                       article.summarizer, article.glossary],
            outputs=[article.lang, article.side, article.summary, info, article.english, article.files, article.state],
            api_name="run_article", show_progress_on=[article.progress]).then(
            calls.correction_choices, inputs=[article.state], outputs=[article.pick], api_name=False)
        article.pick.change(calls.english_of, inputs=[article.pick, article.state], outputs=[article.fix],
                            api_name=False, queue=False)
        article.save.click(calls.save_correction, inputs=[article.pick, article.fix, article.editor, article.state],
                           outputs=[article.saved], api_name="save_correction")
        batch.run.click(lambda: ("", None), outputs=[batch.shown, batch.downloads], api_name=False, queue=False).then(
            calls.run_batch, inputs=[batch.files], outputs=[batch.downloads, batch.status, batch.table],
            api_name="run_batch").then(lambda frame: table_html(frame, "batch-table"), inputs=[batch.table],
                                       outputs=[batch.shown], api_name=False)
        evaluate.run.click(lambda: ("", None), outputs=[evaluate.shown, evaluate.plots], api_name=False,
                           queue=False).then(
            calls.run_eval, inputs=[evaluate.sets, evaluate.hyps, evaluate.use_model, evaluate.limit],
            outputs=[evaluate.table, evaluate.plots], api_name="run_eval").then(
            lambda frame: table_html(frame, "eval-table"), inputs=[evaluate.table], outputs=[evaluate.shown],
            api_name=False)
        evaluate.quality_run.click(lambda: ("", None), outputs=[evaluate.quality_shown, evaluate.quality_plots],
                                   api_name=False, queue=False).then(
            calls.run_quality, inputs=[evaluate.quality_from, evaluate.quality_to],
            outputs=[evaluate.quality_shown, evaluate.quality_plots], api_name="run_quality")
        if search is not None:
            inputs = [search.query, search.date_from, search.date_to, search.outlet, search.mode, search.undated]
            # the earlier results go first, so a search that fails never leaves them standing as its answer
            for trigger, api_name in ((search.run.click, "search"), (search.query.submit, False)):
                trigger(lambda: "", outputs=[search.results], api_name=False, queue=False).then(
                    calls.search, inputs=inputs, outputs=[search.results], api_name=api_name)
            demo.load(calls.outlet_choices, outputs=[search.outlet], api_name=False, queue=False)
    demo.state_session_capacity = STATE_SESSIONS
    return demo


__all__ = ["CSS", "build_app", "search_html", "side_by_side_html", "status_html", "summary_html"]
