"""Corrections through the server: Kabar's /api/corrections, LibreTranslate's POST /suggest (from a browser, as
LibreTranslate's own web page sends it), request glossaries, and an editor correcting a flagged sentence in the
Article tab of headless Chromium, then seeing it marked human on the next run."""
import json
import urllib.error
import urllib.request

import pytest

from kabar.pipeline import Pipeline
from tests.test_ui.conftest import Running, gradio_temp_dir_kept
from translate.glossary import parse_glossary
from translate.memory import TranslationMemory
from ui.service import KabarService

ARTICLE = ("Banjir melanda Kota Bekasi pada Senin pagi.\n\n"
           "Tim Basarnas mengevakuasi 120 warga dari rumah mereka.\n\n"
           "Wali kota meminta warga tetap waspada.")


def _server(translators, tmp_path, *, suggestions=True, keys="", glossary=None, with_ui=False):
    memory = TranslationMemory(tmp_path / "tm.sqlite")
    service = KabarService(Pipeline(translators("marian", "ct2"), memory=memory, glossary=glossary),
                           max_chars=5000, api_keys=keys, suggestions=suggestions, temp_dir=tmp_path / "srv")
    return Running(service, with_ui=with_ui)


def _post(url, body, *, form=False, headers=None):
    data = (urllib.parse.urlencode(body).encode() if form else json.dumps(body).encode())
    kind = "application/x-www-form-urlencoded" if form else "application/json"
    request = urllib.request.Request(url, data=data, headers={"Content-Type": kind, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _get(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def served(translators, tmp_path_factory):
    with gradio_temp_dir_kept():
        running = _server(translators, tmp_path_factory.mktemp("corrections"), with_ui=True)
        yield running
        running.stop()


def test_api_correction_is_used_on_the_next_run(served):
    status, first = _post(served.url + "/api/process", {"text": ARTICLE})
    assert status == 200 and first["origin"] == ["machine"] * 3
    status, entry = _post(served.url + "/api/corrections", {
        "source": first["sentences"][1], "english": "Basarnas rescuers evacuated 120 residents from their homes.",
        "machine": first["translation"][1], "editor": "Sari"})
    assert status == 200 and entry["origin"] == "correction" and entry["editor"] == "Sari"
    assert entry["english"] == entry["target"] == "Basarnas rescuers evacuated 120 residents from their homes."
    status, again = _post(served.url + "/api/process", {"text": ARTICLE})
    assert again["origin"] == ["machine", "human", "machine"]
    assert again["translation"][1] == "Basarnas rescuers evacuated 120 residents from their homes."
    assert again["paragraphs_en"][1] == again["translation"][1]
    page = _get(served.url + "/api/corrections?limit=10")
    assert page["total"] >= 1 and any(e["editor"] == "Sari" for e in page["entries"])
    assert all(e["english"] == e["target"] for e in page["entries"])  # one name both ways; target kept as an alias
    # /translate and /api/translate use the memory too
    assert _post(served.url + "/api/translate", {"text": first["sentences"][1]})[1]["translation"] == \
        "Basarnas rescuers evacuated 120 residents from their homes."


@pytest.mark.parametrize("body,status,message", [
    ({"source": "Baik.", "english": "   "}, 400, "the English is empty"),
    ({"source": "Baik.", "english": "x" * 4001}, 400, "check english"),
    ({"source": "x" * 2001, "english": "Good."}, 400, "check source"),
    ({"source": "Baik.", "english": 5}, 400, "check english"),
    ({"source": "Baik."}, 400, "check english"),
])
def test_bad_corrections_are_refused(served, body, status, message):
    got, reply = _post(served.url + "/api/corrections", body)
    assert got == status and message in reply["error"], reply


def test_suggest_like_libretranslate(served, translators, tmp_path):
    q = "Harga cabai naik tajam di Bekasi."
    status, reply = _post(served.url + "/suggest", {"q": q, "s": "Chili prices rose sharply in Bekasi.",
                                                    "source": "id", "target": "en"}, form=True)
    assert (status, reply) == (200, {"success": True})
    status, out = _post(served.url + "/translate", {"q": q, "source": "id", "target": "en"})
    assert out["translatedText"] == "Chili prices rose sharply in Bekasi."
    entry = TranslationMemory(served.service.memory.path).get(q)
    assert entry.origin == "suggestion"
    assert _get(served.url + "/frontend/settings")["suggestions"] is True
    for body, want in (({"s": "x", "source": "id", "target": "en"}, "missing q parameter"),
                       ({"q": "x", "source": "id", "target": "en"}, "missing s parameter"),
                       ({"q": "x", "s": "y", "source": "id", "target": "fr"}, "fr is not supported"),
                       ({"q": "x", "s": "y", "source": "de", "target": "en"}, "de is not supported")):
        status, reply = _post(served.url + "/suggest", body)
        assert status == 400 and want in reply["error"], reply
    status, reply = _post(served.url + "/suggest", {"q": "x", "s": "y" * 6000, "source": "id", "target": "en"})
    assert status == 413
    off = _server(translators, tmp_path / "off", suggestions=False)
    try:
        status, reply = _post(off.url + "/suggest", {"q": q, "s": "Chili.", "source": "id", "target": "en"})
        assert (status, reply) == (403, {"error": "Suggestions are disabled on this server."})
        assert _get(off.url + "/frontend/settings")["suggestions"] is False
        assert len(off.service.memory) == 0
    finally:
        off.stop()


def test_suggest_and_corrections_need_the_key(translators, tmp_path):
    keyed = _server(translators, tmp_path, keys="s3cret")
    try:
        body = {"q": "Baik.", "s": "Good.", "source": "id", "target": "en"}
        assert _post(keyed.url + "/suggest", body) == (403, {"error": "Invalid API key"})
        assert _post(keyed.url + "/api/corrections", {"source": "Baik.", "english": "Good."})[0] == 403
        assert len(keyed.service.memory) == 0
        assert _post(keyed.url + "/suggest", {**body, "api_key": "s3cret"}) == (200, {"success": True})
        assert _post(keyed.url + "/api/corrections", {"source": "Baik.", "english": "Fine."},
                     headers={"X-API-Key": "s3cret"})[0] == 200
    finally:
        keyed.stop()


def test_request_glossary_and_server_glossary(translators, tmp_path):
    running = _server(translators, tmp_path, glossary=parse_glossary("wali kota,mayor\n"))
    try:
        status, out = _post(running.url + "/api/process", {"text": ARTICLE})
        assert status == 200
        placed = [t["term"] for t in out["terms"][2]]
        flagged = [c for c in out["checks"][2] if c["check"] == "glossary"]
        assert placed == ["wali kota"] or (flagged and "'wali kota' should be 'mayor'" in flagged[0]["reason"])
        status, out = _post(running.url + "/api/process", {"text": ARTICLE, "glossary": [
            {"source": "Basarnas", "target": "National Search and Rescue Agency"}]})
        assert status == 200 and out["terms"][2] == [] and not [c for c in out["checks"][2] if c["check"] == "glossary"]
        assert out["terms"][1] or [c for c in out["checks"][1] if c["check"] == "glossary"]
        status, out = _post(running.url + "/api/process", {"text": ARTICLE, "glossary": [{"source": "!!", "target": "x"}]})
        assert status == 400 and "a term needs at least one letter" in out["error"]
        status, out = _post(running.url + "/api/process", {"text": ARTICLE, "glossary": [
            {"source": f"t{n}", "target": "x"} for n in range(501)]})
        assert status == 400 and "check glossary" in out["error"]
    finally:
        running.stop()


def test_libretranslate_web_page_suggestion_from_a_browser(browser, served):
    """The request LibreTranslate's own page sends (app.js: FormData q, s, source, target, api_key; XHR POST)."""
    page = browser.new_page()
    page.goto(served.url + "/health")
    reply = page.evaluate("""async () => new Promise(done => {
        const data = new FormData();
        data.append("q", "Jalan tol Jakarta-Cikampek macet total.");
        data.append("s", "The Jakarta-Cikampek toll road was gridlocked.");
        data.append("source", "id"); data.append("target", "en"); data.append("api_key", "");
        const request = new XMLHttpRequest();
        request.open("POST", "/suggest", true);
        request.onload = function () { done({status: this.status, body: JSON.parse(this.response)}); };
        request.send(data);
    })""")
    page.close()
    assert reply == {"status": 200, "body": {"success": True}}
    assert served.service.memory.get_many(["Jalan tol Jakarta-Cikampek macet total."]) == {
        "Jalan tol Jakarta-Cikampek macet total.": "The Jakarta-Cikampek toll road was gridlocked."}


def test_editor_corrects_a_flagged_sentence_in_the_browser(browser, served):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.url + "/ui/", wait_until="domcontentloaded")
    text = ("Harga bawang merah di Pasar Kramat Jati naik 40 persen menjadi Rp45.000 per kilogram.\n\n"
            "Pedagang menyebut pasokan dari Brebes berkurang karena hujan.")
    page.locator("#article-input textarea").fill(text)
    page.locator("#run-article").click()
    page.locator("#side-by-side table").wait_for(timeout=60_000)
    pick = page.locator("#correct-sentence")
    pick.locator("input").click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=10_000)
    labels = [options.nth(i).inner_text().split("\n")[-1] for i in range(options.count())]  # no "✓" mark
    assert len(labels) == 2 and labels[0].split(". ", 1)[1].startswith("["), labels  # a flagged sentence first
    chosen = labels[0]
    options.first.click()
    english = "Shallot prices at Kramat Jati market rose 40 percent to Rp45,000 <b>per kilogram</b>."
    box = page.locator("#correct-english textarea")
    page.wait_for_function("document.querySelector('#correct-english textarea').value.length > 0", timeout=10_000)
    box.fill(english)
    page.locator("#correct-editor input").fill("Sari")
    page.locator("#save-correction").click()
    page.wait_for_function("document.querySelector('#correct-status')?.innerText.includes('Saved for sentence')",
                           timeout=30_000)
    index = int(chosen.split(".")[0]) - 1
    source = served.service.memory.get(_split(text)[index])
    assert source is not None and source.target == english and source.editor == "Sari" and source.machine
    page.locator("#run-article").click()
    page.wait_for_function("document.querySelector('#side-by-side')?.innerText.includes('[human')", timeout=60_000)
    side = page.locator("#side-by-side")
    assert english in side.inner_text()  # shown as text: the tags are not markup
    assert side.locator("b").count() == 0 and side.locator(".kabar-human").count() == 1
    assert "from the translation memory" in page.locator("#out-lang").inner_text()
    page.locator("#correct-sentence input").click()
    assert any("[human]" in o for o in page.get_by_role("option").all_inner_texts())
    page.close()


def _split(text):
    from news.article import clean_and_split

    return clean_and_split(text)[1]


def test_save_correction_is_callable_from_gradio_client(served, translators, tmp_path):
    """gradio_client: /run_article, then /save_correction with the sentence's number (the dropdown's choices are
    filled by a step clients never call); on a server without --suggestions the call is refused and the Article
    tab has no correction panel."""
    from gradio_client import Client

    client = Client(served.url + "/", verbose=False)
    client.predict(text=ARTICLE, summary_length="1", api_name="/run_article")
    saved = client.predict(index=2, english="The mayor asked residents to remain alert.", editor="Sari",
                           api_name="/save_correction")
    assert "Saved for sentence 3" in saved
    entry = served.service.memory.get("Wali kota meminta warga tetap waspada.")
    assert entry.target == "The mayor asked residents to remain alert." and entry.editor == "Sari" and entry.machine
    served.service.suggestions = False  # the operator's switch, read on every call
    try:
        with pytest.raises(Exception, match="Corrections are disabled"):
            client.predict(index=0, english="Anything.", editor="Mallory", api_name="/save_correction")
        assert served.service.memory.get("Banjir melanda Kota Bekasi pada Senin pagi.") is None
    finally:
        served.service.suggestions = True
    from ui.app import build_app  # without the switch, the Article tab has no correction panel

    closed = KabarService(Pipeline(translators("marian", "ct2")), api_keys="", temp_dir=tmp_path / "srv")
    box = next(c for c in build_app(closed).config["components"] if c.get("props", {}).get("elem_id") == "correct-box")
    assert box["props"]["visible"] is False


def test_with_keys_the_ui_records_the_signed_in_keys_name(translators, tmp_path):
    from gradio_client import Client

    with gradio_temp_dir_kept():
        keyed = _server(translators, tmp_path, keys="sari:key-one", with_ui=True)
    try:
        client = Client(keyed.url + "/", auth=("anyone", "key-one"), verbose=False)
        client.predict(text=ARTICLE, summary_length="1", api_name="/run_article")
        client.predict(index=0, english="Floods hit Bekasi on Monday morning.", editor="Mallory",
                       api_name="/save_correction")
        assert keyed.service.memory.get("Banjir melanda Kota Bekasi pada Senin pagi.").editor == "sari"
    finally:
        keyed.stop()
