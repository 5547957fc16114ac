"""REST API and LibreTranslate compatibility against a real server on 127.0.0.1."""
import json
import urllib.error
import urllib.request

import pytest
from libretranslatepy import LibreTranslateAPI

from tests.test_ui.conftest import Running, make_service

PARAGRAPH = ("Harga beras di pasar tradisional naik lima persen pekan ini. Pedagang mengatakan pembeli "
             "mengurangi belanja.")


def call(url, path, body=None, *, headers=None, method=None, form=False):
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        if form:
            from urllib.parse import urlencode
            data = urlencode(body).encode()
        else:
            data = json.dumps(body).encode()
            hdrs["content-type"] = "application/json"
    req = urllib.request.Request(url + path, data=data, headers=hdrs, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null"), dict(err.headers)


def test_health_and_openapi(server):
    status, body, _ = call(server.url, "/health")
    assert status == 200 and body["status"] == "ok" and body["engine"] == "ct2"
    status, spec, _ = call(server.url, "/openapi.json")
    assert {"/api/process", "/api/translate", "/api/summarize", "/translate", "/detect", "/languages"} <= set(spec["paths"])


def test_process_article(server):
    status, body, _ = call(server.url, "/api/process", {"text": "Jakarta (ANTARA) - " + PARAGRAPH + "\n\nBaca juga: x"})
    assert status == 200
    assert body["lang"] == "id" and body["dateline"] == "Jakarta (ANTARA) -"
    assert len(body["translation"]) == len(body["sentences"]) == 2
    # a 2-sentence article: a 1-sentence summary (at most half), the English of exactly the chosen sentence
    assert len(body["summary_src"]) == 1 and body["summary_src"][0] in body["sentences"]
    assert body["summary_en"] == [body["translation"][body["sentences"].index(body["summary_src"][0])]]
    assert [r["rule"] for r in body["removed"]] == ["read_also", "dateline"]
    assert "translate" in body["timings"]


def test_translate_and_summarize(server):
    status, body, _ = call(server.url, "/api/translate", {"text": [PARAGRAPH, "Satu.\nDua."]})
    assert status == 200 and len(body["translation"]) == 2 and body["translation"][1].count("\n") == 1
    status, body, _ = call(server.url, "/api/summarize", {"text": PARAGRAPH, "sentences": 1})
    assert status == 200 and body["lang"] == "id" and body["indices"] == [0]


def test_libretranslate_client(server):
    lt = LibreTranslateAPI(server.url)
    codes = {lang["code"] for lang in lt.languages()}
    assert codes == {"id", "en"}
    detected = lt.detect(PARAGRAPH)
    assert detected[0]["language"] == "id" and 0 < detected[0]["confidence"] <= 100
    english = lt.translate(PARAGRAPH, "id", "en")
    assert isinstance(english, str) and english
    assert lt.translate("The bank kept its rate unchanged.", "auto", "en") == "The bank kept its rate unchanged."


def test_deep_translator_libretranslator(server):
    """deep-translator sends q, source and target in the query string of a POST (LibreTranslate accepts that)."""
    from deep_translator import LibreTranslator

    english = LibreTranslator(source="id", target="en", custom_url=server.url + "/", api_key="any").translate(
        PARAGRAPH)
    assert isinstance(english, str) and english.strip() and english != PARAGRAPH
    same = LibreTranslator(source="auto", target="en", custom_url=server.url + "/",
                           api_key="any").translate("The bank kept its rate unchanged.")
    assert same == "The bank kept its rate unchanged."


def test_frontend_settings_for_libretranslate_clients(server):
    status, body, _ = call(server.url, "/frontend/settings")
    assert status == 200 and body["charLimit"] == 3000 and body["keyRequired"] is False
    assert body["language"]["target"]["code"] == "en"


@pytest.mark.parametrize("body,status,error", [
    ({"source": "id", "target": "en"}, 400, "Invalid request: missing q parameter"),
    ({"q": "Halo", "target": "en"}, 400, "Invalid request: missing source parameter"),
    ({"q": "Halo", "source": "id", "target": "fr"}, 400, "fr is not supported"),
    ({"q": "Halo", "source": "de", "target": "en"}, 400, "de is not supported"),
])
def test_libretranslate_errors(server, body, status, error):
    got_status, got, _ = call(server.url, "/translate", body, form=True)
    assert (got_status, got) == (status, {"error": error})


def test_libretranslate_list_and_html(server):
    status, body, _ = call(server.url, "/translate", {"q": ["Satu.", "Dua."], "source": "id", "target": "en"})
    assert status == 200 and len(body["translatedText"]) == 2
    status, body, _ = call(server.url, "/translate", {"q": "<p>Harga <b>naik</b>.</p>", "source": "id",
                                                      "target": "en", "format": "html"})
    assert status == 200 and body["translatedText"].startswith("<p>") and "<b>" in body["translatedText"]


def test_over_long_request_gets_413_and_server_keeps_serving(server):
    status, body, _ = call(server.url, "/translate", {"q": "kata " * 1000, "source": "id", "target": "en"})
    assert status == 413 and "limit is 3000" in body["error"]
    status, body, _ = call(server.url, "/api/process", {"text": "x" * 100_000})
    assert status == 413 and "exceeds the limit" in body["error"]
    assert call(server.url, "/health")[0] == 200


def test_bad_json_fields_give_400(server):
    status, body, _ = call(server.url, "/api/process", {"title": "no text"})
    assert status == 400 and "text" in body["error"]


@pytest.mark.parametrize("fields, error", [
    ({"text": ""}, "Invalid request: text is blank: send the article's text"),
    ({"text": " \n\t "}, "Invalid request: text is blank"),
    ({"url": "ftp://example.org/a"}, "Invalid request: url must be an http:// or https:// address"),
])
def test_a_field_that_misses_its_pattern_is_said_in_words(server, fields, error):
    status, body, _ = call(server.url, "/api/process", fields)
    assert status == 400 and body["error"].startswith(error), body
    assert "pattern" not in body["error"] and "\\S" not in json.dumps(body["error"])


def test_api_keys_required_when_configured(translators):
    running = Running(make_service(translators("marian", "ct2"), api_keys="secret-1,secret-2"), with_ui=False)
    try:
        assert call(running.url, "/api/translate", {"text": "Satu."})[0] == 403
        assert call(running.url, "/api/translate", {"text": "Satu."}, headers={"X-API-Key": "secret-2"})[0] == 200
        assert call(running.url, "/api/translate", {"text": "Satu."},
                    headers={"Authorization": "Bearer secret-1"})[0] == 200
        assert call(running.url, "/translate", {"q": "Satu.", "source": "id", "target": "en"}, form=True)[0] == 403
        assert LibreTranslateAPI(running.url, api_key="secret-1").translate("Satu.", "id", "en")
        for wrong in ("\ud800", "s\u00e9cret-1", "secret-1\udfff"):  # lone surrogates, non-ASCII: wrong keys
            status, body, _ = call(running.url, "/translate", {"q": "Satu.", "source": "id", "target": "en",
                                                               "api_key": wrong})
            assert status == 403 and body == {"error": "Invalid API key"}
        assert call(running.url, "/health")[0] == 200
    finally:
        running.stop()


def _multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = "kabar" + "x" * 20
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _translate_file(server, source: str, filename: str, content: bytes) -> tuple[str, str]:
    """POST /translate_file as LibreTranslate clients do, then download the result: (its URL, its text)."""
    body, kind = _multipart({"source": source, "target": "en"}, filename, content)
    req = urllib.request.Request(server.url + "/translate_file", data=body, headers={"content-type": kind})
    with urllib.request.urlopen(req, timeout=60) as resp:
        url = json.loads(resp.read())["translatedFileUrl"]
    with urllib.request.urlopen(url, timeout=60) as resp:
        return url, resp.read().decode()


@pytest.mark.parametrize("filename, content", [
    ("berita.txt", "Harga beras naik lima persen.\n\nPedagang mengeluh pekan ini.\n"),
    ("berita.html", "<p onclick='x()'>Harga beras naik.</p><script>alert(1)</script><p>Pedagang mengeluh.</p>"),
])
def test_translate_file_like_libretranslate(server, filename, content):
    url, translated = _translate_file(server, "id", filename, content.encode())
    assert url.startswith(server.url + "/download_file/") and url.endswith(filename)
    assert translated.strip() and translated != content
    if filename.endswith(".txt"):
        assert translated.count("\n") == content.count("\n")  # one line out for each line in
    else:
        assert "<script" not in translated and "onclick" not in translated and translated.count("<p>") == 2


PAGE = ("<!DOCTYPE html>\n<html lang='id'><head><meta charset='utf-8'><title>Harga beras naik lima persen</title>"
        "<script>steal()</script><link rel='stylesheet' href='https://evil.example/x.css'>"
        "<meta http-equiv='refresh' content='0;url=https://evil.example/'></head>"
        "<body><nav>Menu utama</nav><p onclick='x()'>Pedagang mengeluh pekan ini.</p></body></html>")


@pytest.mark.parametrize("source", ["id", "en"])
def test_translate_file_keeps_a_pages_structure(server, source):
    """A whole page comes back a whole page: doctype, charset, the title translated in its place (English:
    kept), the body's markup kept and sanitised; nothing from the head that could run or redirect."""
    _, page = _translate_file(server, source, "halaman.html", PAGE.encode())
    assert page.startswith("<!doctype html>\n<html lang=\"en\">") and '<meta charset="utf-8">' in page
    head, _, rest = page.partition("</head>")
    title = head.split("<title>")[1].split("</title>")[0]
    assert title.strip() and (title == "Harga beras naik lima persen") == (source == "en")
    assert "Harga beras" not in rest and rest.index("<body>") < rest.index("<nav>") < rest.index("<p>")
    for bad in ("<script", "steal()", "evil.example", "onclick", "refresh"):
        assert bad not in page, bad
    if source == "en":
        assert "<p>Pedagang mengeluh pekan ini.</p>" in page


@pytest.mark.parametrize("page", [
    "<html><body>" + "<div>" * 550 + "Dalam." + "</div>" * 10,                     # deep nesting, never closed
    "<!doctype html><title>" + "&lt;script&gt;" * 40 + "</title><body><p>Ya.</p>",  # markup-like title text
    "<!DOCTYPE html>" + "\x00\ufffd<" * 300,                                       # no page inside at all
])
def test_translate_file_survives_hostile_pages(server, page):
    """Hostile pages under the text limit come back as a sanitised page: a 200, never a 500 or a stall."""
    _, served = _translate_file(server, "en", "jahat.html", page.encode())
    assert served.startswith("<!doctype html>") and "<script" not in served.lower()


@pytest.mark.parametrize("name", ["../../etc/passwd", "0" * 32 + ".missing.txt", "x.txt", "%2e%2e%2fsecret",
                                  "%2e%2e%2f" * 24 + "etc%2fpasswd", "..%2f" * 24 + "etc%2fpasswd",
                                  "0" * 32 + ".%2e%2e%2f" + "..%2f" * 24 + "etc%2fpasswd"])
def test_download_file_only_serves_translated_files(server, name):
    """Encoded ``../`` climbs far enough to reach /etc/passwd from any temp folder: still a 404 (the folder
    exists first, as it does once any file was translated: a path through a missing folder fails anyway)."""
    (server.service.temp_dir / "translated-files").mkdir(parents=True, exist_ok=True)
    status, body, _ = call(server.url, "/download_file/" + name)
    assert status == 404 and "error" in body


def test_download_file_never_follows_a_link(server, tmp_path):
    """A link planted in the translated-files folder under a valid name is not served (nor what it points to)."""
    secret = tmp_path / "secret.txt"
    secret.write_text("not for clients")
    folder = server.service.temp_dir / "translated-files"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / ("f" * 32 + ".secret.txt")
    link.symlink_to(secret)
    try:
        status, body, _ = call(server.url, "/download_file/" + link.name)
    finally:
        link.unlink()
    assert status == 404 and "not for clients" not in json.dumps(body)


@pytest.mark.parametrize("fields, status, error", [
    ({"source": "\ud800"}, 400, "\ufffd is not supported"),         # lone surrogates in every text field
    ({"target": "\ud800x"}, 400, "\ufffdx is not supported"),
    ({"format": "\udfff"}, 400, "\ufffd format is not supported"),
    ({"source": "x" * 5000}, 400, "x" * 40 + " is not supported"),  # a long value is not echoed whole
    ({"alternatives": "\u00b2"}, 400, "Invalid request: wrong type for alternatives"),  # a digit to isdigit, not to int()
    ({"alternatives": "9" * 5000}, 400, "Invalid request: wrong type for alternatives"),  # past int()'s digit limit
    ({"alternatives": "4"}, 200, None),
])
def test_hostile_field_values_are_400s_never_500s(server, fields, status, error):
    got, body, _ = call(server.url, "/translate", {"q": PARAGRAPH, "source": "id", "target": "en", **fields})
    assert got == status, body
    if error:
        assert body["error"].startswith(error) and len(body["error"]) < 200, body


@pytest.mark.parametrize("source, q", [
    ("en", '<p onclick="steal()">Prices rose.<script>alert(1)</script><img src=x onerror=alert(2)></p>'),
    ("auto", '<p onclick="steal()">The central bank kept its benchmark rate unchanged on Thursday.'
             '<script>alert(1)</script></p>'),
])
def test_english_html_is_sanitised_like_any_other(server, source, q):
    """English is passed through, never re-translated, but HTML from any language goes through the sanitiser."""
    status, body, _ = call(server.url, "/translate", {"q": q, "source": source, "target": "en", "format": "html"})
    assert status == 200, body
    out = body["translatedText"]
    for bad in ("<script", "onclick", "onerror", "alert("):
        assert bad not in out, (bad, out)
    assert "Prices rose." in out or "The central bank kept its benchmark rate unchanged on Thursday." in out
    _, served = _translate_file(server, "en", "page.html", q.encode())
    assert "<script" not in served and "onclick" not in served and "<p>" in served


@pytest.mark.parametrize("origin, form, status", [
    ("http://evil.example", True, 403),   # a web page elsewhere posting a form: refused
    (None, True, 200),                    # programs send no Origin: libretranslatepy, curl
    ("same", True, 200),                  # the server's own pages
    ("http://evil.example", False, 200),  # JSON: a browser would need a CORS preflight the server never grants
])
def test_cross_origin_form_posts_are_refused(server, origin, form, status):
    headers = {} if origin is None else {"Origin": server.url if origin == "same" else origin}
    got, body, _ = call(server.url, "/translate", {"q": "Satu.", "source": "id", "target": "en"}, headers=headers,
                        form=form)
    assert got == status, body
    if status == 403:
        assert body["error"].startswith("Cross-origin form post from http://evil.example refused")


def test_translate_file_rejects_other_formats(server):
    body, kind = _multipart({"source": "id", "target": "en"}, "berita.pdf", b"%PDF-1.4")
    req = urllib.request.Request(server.url + "/translate_file", data=body, headers={"content-type": kind})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=60)
    assert err.value.code == 400 and "format is not supported" in json.loads(err.value.read())["error"]


def test_libretranslate_alternatives_from_the_engines_nbest(server):
    status, body, _ = call(server.url, "/translate", {"q": PARAGRAPH, "source": "id", "target": "en",
                                                      "alternatives": 2})
    assert status == 200 and isinstance(body["alternatives"], list) and 1 <= len(body["alternatives"]) <= 2
    assert all(a and a != body["translatedText"] for a in body["alternatives"])
    status, body, _ = call(server.url, "/translate", {"q": [PARAGRAPH, "The bank kept its rate."], "source": "auto",
                                                      "target": "en", "alternatives": 1})
    assert status == 200 and len(body["alternatives"]) == 2 and body["alternatives"][1] == []  # English: none
    status, body, _ = call(server.url, "/translate", {"q": "Halo", "source": "id", "target": "en", "alternatives": 9})
    assert status == 400 and "alternatives" in body["error"]


@pytest.mark.parametrize("content, status, message", [
    ("kata " * 1000, 413, "limit"),            # over the server's 3,000-character limit
    (b"Harga \xff\xfe naik.", 400, "not UTF-8"),  # bytes that are not text
])
def test_translate_file_refuses_oversize_and_binary_uploads(server, content, status, message):
    data = content.encode() if isinstance(content, str) else content
    body, kind = _multipart({"source": "id", "target": "en"}, "berita.txt", data)
    req = urllib.request.Request(server.url + "/translate_file", data=body, headers={"content-type": kind})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=60)
    assert err.value.code == status and message in json.loads(err.value.read())["error"]


FLOOD = ("Cuaca pagi ini cerah. Banjir merendam ratusan rumah warga di Jakarta Timur. Warga Jakarta Timur mengungsi "
         "karena banjir merendam rumah. Petugas mengevakuasi warga korban banjir di Jakarta Timur. Pasar buka seperti "
         "biasa.")


def test_summarizer_chosen_per_request(server):
    """/api/summarize and /api/process take a summarizer; the learned model skips the weather line lead keeps."""
    picks = {}
    for name in ("learned", "textrank", "lead"):
        status, body, _ = call(server.url, "/api/summarize", {"text": FLOOD, "sentences": 1, "summarizer": name})
        assert status == 200, body
        picks[name] = body["indices"]
    assert picks["lead"] == [0] and picks["learned"] == [1]
    status, body, _ = call(server.url, "/api/process", {"text": FLOOD, "summarizer": "lead", "sentences": 2})
    assert status == 200 and body["summary_src"] == body["sentences"][:2]
    status, body, _ = call(server.url, "/api/process", {"text": FLOOD, "sentences": "1"})
    assert status == 200 and body["summary_src"] == [body["sentences"][1]]  # the server's default: learned
    for bad in ({"text": FLOOD, "summarizer": "gpt"}, {"text": FLOOD, "summarizer": ["lead"]}):
        status, body, _ = call(server.url, "/api/summarize", bad)
        assert status == 400 and "summarizer" in json.dumps(body), body  # validation errors are 400s here


def test_the_servers_default_summarizer_is_the_configured_one(translators, monkeypatch):
    """The default lives in news/config.py alone: changing it changes what the API picks without a summarizer."""
    from news import config

    monkeypatch.setattr(config, "DEFAULT_SUMMARIZER", "lead")
    running = Running(make_service(translators("marian", "ct2"), api_keys=""), with_ui=False)
    try:
        status, body, _ = call(running.url, "/api/summarize", {"text": FLOOD, "sentences": 1})
    finally:
        running.stop()
    assert status == 200 and body["indices"] == [0]  # lead's pick; the learned model picks [1]


@pytest.mark.parametrize("path", ["/api/process", "/api/summarize"])
@pytest.mark.parametrize("sentences, status", [
    ("\ud956x", 400),  # a lone surrogate: not a number
    ("0", 400),        # zero sentences as text
    (0, 400),          # zero sentences as a number
    (-3, 400),         # negative
    ("12%%", 400),     # a malformed percentage
    (10**30, 200),     # a huge number is all the sentences
])
def test_bad_summary_length_is_a_named_400(server, path, sentences, status):
    """A length the server cannot use is a 400 naming the field; a huge one is every sentence."""
    got, body, _ = call(server.url, path, {"text": FLOOD, "sentences": sentences})
    assert got == status, body
    if status == 400:
        assert "summary length" in body["error"] and "Accepted: auto" in body["error"], body
    else:
        assert len(body.get("summary_src", body.get("summary"))) == 5
