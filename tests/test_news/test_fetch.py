"""Fetching pages and feeds from a real HTTP server on 127.0.0.1: extraction quality, every failure kind,
politeness, and the SSRF guard."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from news.clean import clean
from news.extract import extract_page, feed_items
from news.fetch import Fetcher, FetchError, FetchSettings, address_refusal, decode_body
from news.read import read_feed, read_inputs, read_url, url_id
from news.split import split_paragraphs
from tests.newsite import STORIES, NewsSite, noise_texts, render


def _sentences(text: str) -> list[str]:
    return [s for _, s in split_paragraphs([p for p in text.split("\n") if p.strip()])]


@pytest.fixture(scope="module")
def site():
    with NewsSite() as running:
        yield running


@pytest.fixture()
def fetcher():
    with Fetcher(FetchSettings(host_delay=0, retries=2, backoff=0.01, timeout=1.0, connect_timeout=1.0)) as f:
        yield f


def test_extraction_keeps_the_article_and_drops_the_page_around_it():
    """Over the ten fixture pages (three layouts): share of the story's sentences kept after extraction and
    Kabar's cleaning, and share of what is kept that is not the story (menus, captions, related lists,
    comments, Baca juga, credits, footers)."""
    kept = total = 0
    noise_chars = all_chars = 0
    for n, story in enumerate(STORIES):
        url = f"https://kabar.example/berita/{story.slug}.html"
        found = extract_page(render(story, url, n % 3), url=url)
        assert found.title == story.title
        assert found.date == story.date and found.author == story.author and found.url == url
        out = _sentences(clean(found.text, title=found.title).text)
        article = set(_sentences("\n".join(story.paragraphs)))
        kept += len(article & set(out))
        total += len(article)
        all_chars += sum(len(s) for s in out)
        noise_chars += sum(len(s) for s in out if s not in article)
        for noise in noise_texts(story):
            assert all(noise not in s or s in article for s in out), (story.slug, noise)
    recall, noise_share = kept / total, noise_chars / all_chars
    print(f"extraction over {len(STORIES)} pages: article recall {recall:.3f}, non-article share {noise_share:.3f}")
    assert total >= 80
    assert recall >= 0.98
    assert noise_share <= 0.02


def test_a_page_a_feed_and_gzip_over_http(site, fetcher):
    story = STORIES[0]
    doc = read_url(site.story_url(story), fetcher=fetcher)
    assert doc.ok and doc.title == story.title and doc.url == site.story_url(story)
    assert doc.id == f"127.0.0.1/berita/{story.slug}" and doc.author == story.author
    assert story.paragraphs[1] in doc.text
    assert "Terpopuler" not in doc.text and "Kebijakan Privasi" not in doc.text
    assert read_feed(site.url("/rss.xml"), fetcher=fetcher) == [site.story_url(s) for s in STORIES[:5]]
    assert read_feed(site.url("/atom.xml"), fetcher=fetcher) == [site.story_url(s) for s in STORIES[5:]]
    gz = read_url(site.url("/gzip"), fetcher=fetcher)
    assert gz.ok and STORIES[2].paragraphs[1] in gz.text
    latin = read_url(site.url("/latin1"), fetcher=fetcher)
    assert latin.ok and "crème" in latin.text and "Rp30.000" in latin.text
    assert all(ua.startswith("Kabar/") for ua in site.user_agents)


@pytest.mark.parametrize(("path", "kind", "words"), [
    ("/404", "http", "HTTP 404"),
    ("/pdf", "not-html", "application/pdf"),
    ("/big", "too-big", "larger than"),
    ("/declared-big", "too-big", "larger than"),
    ("/busy", "http", "HTTP 429"),
    ("/wait-long", "http", "asks to wait 3600 s"),
    ("/loop", "redirects", "more than"),
    ("/slow", "timeout", "no answer within"),
    ("/redirect?to=ftp://127.0.0.1/x", "bad-url", "only http:// and https://"),
])
def test_every_failure_is_named(site, fetcher, path, kind, words):
    with pytest.raises(FetchError) as caught:
        fetcher.get_page(site.url(path))
    assert caught.value.kind == kind
    assert words in str(caught.value) and site.url(path) in str(caught.value)


@pytest.mark.parametrize("url", [
    "HTtP://\x07\xb1\U000eb475&!\x1ao",  # control characters (found by schemathesis through /api/process)
    "http://ex\x00ample.com/", "http://xn--a.com/", "http://a..b/", "http://" + "a" * 70 + ".com/",
    "http://\ud800.com/", "http://\xff\xff..com/", "http://example.com:99999/",
])
def test_malformed_urls_are_named_bad_url(url):
    """Every malformed address is a bad-url error before any request: no parser or resolver exception leaks."""
    from news.fetch import Fetcher, FetchSettings

    with pytest.raises(FetchError) as caught:
        Fetcher(FetchSettings(allow_private=False)).get_page(url)
    assert caught.value.kind == "bad-url" and "is not a valid URL" in str(caught.value)
    doc = read_url(url, fetcher=Fetcher(FetchSettings()))
    assert not doc.ok and "is not a valid URL" in doc.error


def test_more_failures_as_documents(site, fetcher):
    empty = read_url(site.url("/empty"), fetcher=fetcher)
    assert not empty.ok and "no article text found" in empty.error
    with pytest.raises(FetchError) as caught:
        read_feed(site.story_url(STORIES[0]), fetcher=fetcher)
    assert caught.value.kind == "not-feed"
    unresolvable = read_url("http://no-such-host.invalid/berita/x.html", fetcher=fetcher)
    assert not unresolvable.ok and "cannot resolve host" in unresolvable.error
    closed = read_url("http://127.0.0.1:9/x.html", fetcher=fetcher)  # discard port: nothing listens
    assert not closed.ok and "cannot connect" in closed.error


def test_retries_on_503_then_succeeds(site, fetcher):
    site.flaky_left = 2
    before = site.requests.count("/flaky")
    doc = read_url(site.url("/flaky"), fetcher=fetcher)
    assert doc.ok and site.requests.count("/flaky") - before == 3


def test_a_batch_with_failures_goes_on(site, fetcher, tmp_path):
    good = tmp_path / "a.txt"
    good.write_text("Petani panen padi di sawah.", encoding="utf-8")
    docs = list(read_inputs([site.url("/404"), str(good), site.story_url(STORIES[3]), site.url("/pdf")],
                            fetcher=fetcher))
    assert [d.ok for d in docs] == [False, True, True, False]


def test_one_request_at_a_time_per_host_with_a_delay(site):
    with Fetcher(FetchSettings(host_delay=0.3, retries=0)) as polite:
        start = time.monotonic()
        threads = [threading.Thread(target=polite.get_page, args=(site.story_url(s),)) for s in STORIES[:3]]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        assert time.monotonic() - start >= 0.6  # three requests, two pauses of 0.3 s between them


def test_size_cap_counts_decompressed_bytes(site):
    with Fetcher(FetchSettings(host_delay=0, max_bytes=2000)) as small:
        with pytest.raises(FetchError) as caught:
            small.get_page(site.url("/gzip"))  # about 6 KB once decompressed, far less on the wire
    assert caught.value.kind == "too-big"


@pytest.mark.parametrize("label, message", [
    ("gzip", "larger than 2 MB"),           # one layer, decompressed in steps: stops at the cap
    ("gzip, gzip", "reads nothing else"),   # stacked layers are refused before any decompression
    ("gzip,gzip", "reads nothing else"),
    ("br", "reads nothing else"),           # an encoding Kabar never asks for
    ("x-gzip, deflate", "reads nothing else"),
])
def test_decompression_bombs_stop_at_the_cap_in_bounded_memory(site, label, message):
    """256 MiB of zeros in about 1 KB (2 layers) or 255 KB (1 layer): refused or stopped at the 2 MB cap,
    with the fetch's traced memory peak within a few caps, never the bomb's size."""
    import tracemalloc

    url = site.url("/bomb?as=" + label.replace(" ", "%20"))
    with Fetcher(FetchSettings(host_delay=0, retries=0, max_bytes=2_000_000)) as f:
        tracemalloc.start()
        try:
            with pytest.raises(FetchError) as caught:
                f.get_page(url)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert caught.value.kind in ("too-big", "http") and message in str(caught.value), caught.value
    assert peak < 8_000_000, f"peak {peak / 1e6:.1f} MB while fetching a bomb"


def test_a_dripping_page_ends_at_the_page_deadline(site):
    """A byte every 0.2 s never trips the 5 s read timeout; the 1.5 s page deadline ends it (so the server's
    fetch threads no longer pile up behind such pages)."""
    with Fetcher(FetchSettings(host_delay=0, retries=0, timeout=5, page_deadline=1.5)) as f:
        with pytest.raises(FetchError) as caught:  # without the deadline: the whole page after 30 s, no error
            f.get_page(site.url("/drip"))
    assert caught.value.kind == "timeout" and "did not arrive whole within 1.5 s" in str(caught.value)


def test_tag_soup_is_refused_before_extraction(site, tmp_path):
    """A page with 261,004 tags (1 MB, 10 KB gzipped) is a named error at once, fetched or saved, instead of
    minutes of extraction."""
    import time

    started = time.process_time()
    with Fetcher(FetchSettings(host_delay=0, retries=0)) as f:
        doc = read_url(site.url("/tag-soup"), fetcher=f)
        saved = tmp_path / "soup.html"
        saved.write_bytes(f.get_page(site.url("/tag-soup")).body)
    assert doc.error and "261,004 tags, more than an article page has (at most 50,000)" in doc.error
    [from_file] = read_inputs([saved])
    assert from_file.error.startswith(str(saved)) and "more than an article page has" in from_file.error
    assert time.process_time() - started < 10  # CPU seconds; extracting the soup took about 20


@pytest.mark.parametrize("how", ["deflate", "rawdeflate"])
def test_deflate_bodies_with_and_without_their_header(site, how):
    with Fetcher(FetchSettings(host_delay=0, retries=0)) as f:
        page = f.get_page(site.url("/encoded?as=" + how))
    assert page.body.decode("utf-8") == site.page(STORIES[2].slug)


# -- the SSRF guard ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("ip", ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "::1",
                                "fe80::1", "fd00:ec2::254", "::ffff:127.0.0.1", "100.64.0.1", "0.0.0.0", "224.0.0.1"])
def test_non_public_addresses_are_refused(ip):
    assert address_refusal(ip)


@pytest.mark.parametrize("ip, why", [
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
    ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 wrapping the cloud metadata address
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo whose client (bits inverted) is 127.0.0.1
    ("fec0::1", "site-local"),  # deprecated site-local range, which ipaddress counts as global
])
def test_wrapped_and_old_style_addresses_are_refused(ip, why):
    """An IPv4 address smuggled inside an IPv6 one is judged as the IPv4 address it carries."""
    assert why in (address_refusal(ip) or "")


@pytest.mark.parametrize("ip", ["8.8.8.8", "2001:4860:4860::8888", "103.10.20.30", "2002:808:808::1"])
def test_public_addresses_pass(ip):
    assert address_refusal(ip) is None


@pytest.mark.parametrize("answers", [["8.8.8.8", "127.0.0.1"], ["127.0.0.1", "8.8.8.8"],
                                     ["2001:4860:4860::8888", "8.8.4.4", "10.0.0.7"]])
def test_guard_refuses_a_name_with_any_private_answer(monkeypatch, answers):
    """A name that resolves to public and private addresses is refused whatever the order: round-robin (or
    a DNS rebinding attacker) could hand the private one to the next connection."""
    from news.fetch import _guarded_backend, _Refused

    def resolve(host, port, *args, **kwargs):
        family = lambda a: socket.AF_INET6 if ":" in a else socket.AF_INET  # noqa: E731
        return [(family(a), socket.SOCK_STREAM, 6, "", (a, port)) for a in answers]
    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(_Refused) as caught:
        _guarded_backend(False).connect_tcp("mixed.example", 80, timeout=1)
    assert caught.value.kind == "refused-address" and "mixed.example" in str(caught.value)


@pytest.fixture()
def guarded():
    with Fetcher(FetchSettings(host_delay=0, retries=0, allow_private=False, timeout=2.0)) as f:
        yield f


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/berita/x.html", "http://localhost:{port}/",
                                    "http://[::1]:{port}/", "http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/",
                                    "http://0x7f000001:{port}/", "http://[::ffff:127.0.0.1]:{port}/"])
def test_guard_refuses_private_targets(site, guarded, target):
    url = target.format(port=site.base.rsplit(":", 1)[1])
    before = len(site.requests)
    with pytest.raises(FetchError) as caught:
        guarded.get_page(url)
    assert caught.value.kind in ("refused-address", "bad-url"), caught.value
    assert "--allow-private-urls" in str(caught.value) or caught.value.kind == "bad-url"
    assert len(site.requests) == before  # nothing reached the server


@pytest.mark.parametrize("into", ["http://127.0.0.2:{port}/berita/x.html", "http://10.0.0.1/",
                                  "http://169.254.169.254/latest/meta-data/", "http://[::1]:{port}/"])
def test_guard_checks_every_redirect(site, into):
    """The first hop is allowed (the operator trusts exactly 127.0.0.1); its redirect into a private address
    is refused like a first request would be."""
    port = site.base.rsplit(":", 1)[1]
    settings = FetchSettings(host_delay=0, retries=0, allow_private=False, trusted_addresses=("127.0.0.1",))
    with Fetcher(settings) as f:
        assert f.get_page(site.story_url(STORIES[0])).status == 200  # the trusted address itself works
        with pytest.raises(FetchError) as caught:
            f.get_page(site.url("/redirect?to=" + into.format(port=port)))
    assert caught.value.kind == "refused-address"


def test_guard_connects_to_the_address_it_checked(monkeypatch):
    """The guarded connection goes to the resolved, checked address (here a trusted 127.0.0.2, listened on only
    there), not to whatever the host name or a default would reach."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<html><body><p>Kabar dari cermin.</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.2", 0), Page)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: real("127.0.0.2" if host == "mirror.example"
                                                                            else host, *a, **k))
    try:
        settings = FetchSettings(host_delay=0, retries=0, allow_private=False, trusted_addresses=("127.0.0.2",))
        with Fetcher(settings) as f:
            page = f.get_page(f"http://mirror.example:{port}/berita")
    finally:
        server.shutdown()
        server.server_close()
    assert page.status == 200 and "Kabar dari cermin." in page.text


def test_feed_parsing_rejects_what_is_not_a_feed():
    with pytest.raises(ValueError):
        feed_items(b"just text, no feed", url="http://x/")
    title, items = feed_items(b'<rss version="2.0"><channel><title>T</title><item><link>/a.html</link></item>'
                              b"<item><link>javascript:alert(1)</link></item><item><link>/a.html</link></item>"
                              b"</channel></rss>", url="http://news.example/rss")
    assert title == "T" and [i.link for i in items] == ["http://news.example/a.html"]


@pytest.mark.parametrize("content_type, body", [
    ("text/html; charset=undefined", b"<p>Harga naik.</p>"),   # a codec that raises on any use
    ("text/html; charset=punycode", b"<p>Harga naik.</p>"),    # a codec whose errors are plain UnicodeError
    ("text/html; charset=rot13", b"<p>Harga naik.</p>"),       # a text-to-text codec
    ("text/html", b"<meta charset='undefined'><p>Harga naik.</p>"),
    ("text/html", b"<?xml version='1.0' encoding='punycode'?><p>Harga naik.</p>"),
])
def test_hostile_charsets_fall_back_to_utf8(content_type, body):
    assert "<p>Harga naik.</p>" in decode_body(body, content_type)


@pytest.mark.parametrize("label", ["undefined", "punycode", "rot13", "x" * 40])
def test_pages_labelled_with_a_hostile_charset_are_read(site, label):
    with Fetcher(FetchSettings(host_delay=0, retries=0)) as f:
        doc = read_url(site.url("/charset?as=" + label), fetcher=f)
    assert doc.ok and STORIES[1].paragraphs[0][:40] in doc.text


def test_charset_and_ids():
    assert decode_body("é".encode("latin-1"), "text/html; charset=ISO-8859-1") == "é"
    assert decode_body(b"<meta charset='windows-1252'>\x93x\x94", "text/html") == "<meta charset='windows-1252'>\u201cx\u201d"
    assert url_id("https://www.antaranews.com/berita/123/judul-berita?utm=x") == "antaranews.com/berita/123/judul-berita"
