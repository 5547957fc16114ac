"""Article URLs through the server: fetched and processed, and never a way into the server's own network."""
import pytest

from news.fetch import FetchSettings
from tests.newsite import STORIES, NewsSite
from tests.test_ui.conftest import Running, make_service
from tests.test_ui.test_api import call


@pytest.fixture(scope="module")
def site():
    with NewsSite() as running:
        yield running


@pytest.fixture(scope="module")
def trusting(translators):
    """A server whose operator trusts exactly 127.0.0.1 (where the fixture site runs); private otherwise refused."""
    settings = FetchSettings(host_delay=0, retries=0, allow_private=False, trusted_addresses=("127.0.0.1",))
    running = Running(make_service(translators("marian", "ct2"), allow_private_urls=False, fetch_settings=settings),
                      with_ui=False)
    yield running
    running.stop()


def test_process_a_url(trusting, site):
    story = STORIES[4]
    status, body, _ = call(trusting.url, "/api/process", {"url": site.story_url(story)})
    assert status == 200, body
    assert body["title_source"] == story.title and body["title"] and body["author"] == story.author and body["url"] == site.story_url(story)
    assert body["dateline"] == f"{story.city} (Kabar Nusantara) -"
    assert len(body["sentences"]) == sum(p.count(". ") + 1 for p in story.paragraphs)
    assert not any("Baca juga" in s or "Pewarta" in s for s in body["sentences"])


@pytest.mark.parametrize("url", ["http://127.0.0.1:{port}/berita/x.html", "http://localhost:{port}/",
                                 "http://10.0.0.8/", "http://169.254.169.254/latest/meta-data/",
                                 "http://[::1]:{port}/"])
def test_default_server_refuses_private_addresses(server, site, url):
    before = len(site.requests)
    status, body, _ = call(server.url, "/api/process", {"url": url.format(port=site.base.rsplit(":", 1)[1])})
    assert status == 400 and "--allow-private-urls" in body["error"], body
    assert len(site.requests) == before


@pytest.mark.parametrize("into", ["http://10.0.0.8/", "http://169.254.169.254/latest/meta-data/",
                                  "http://127.0.0.2:{port}/berita/x.html", "http://[::1]:{port}/"])
def test_redirect_into_a_private_address_is_refused(trusting, site, into):
    target = into.format(port=site.base.rsplit(":", 1)[1])
    status, body, _ = call(trusting.url, "/api/process", {"url": site.url("/redirect?to=" + target)})
    assert status == 400 and "--allow-private-urls" in body["error"], body


@pytest.mark.parametrize(("body", "words"), [
    ({"url": "file:///etc/passwd"}, "url"),
    ({"url": "http://x/", "text": "Satu."}, "exactly one"),
    ({}, "exactly one"),
    ({"url": "http://x/" + "a" * 3000}, "url"),
])
def test_bad_url_requests(server, body, words):
    status, answer, _ = call(server.url, "/api/process", body)
    assert status == 400 and words in answer["error"]


def test_fetch_failures_are_named(trusting, site):
    status, body, _ = call(trusting.url, "/api/process", {"url": site.url("/pdf")})
    assert status == 400 and "application/pdf" in body["error"]
    status, body, _ = call(trusting.url, "/api/process", {"url": site.url("/empty")})
    assert status == 400 and "no article text found" in body["error"]


def test_article_tab_takes_a_url(trusting, site):
    from ui.app import Callbacks

    status, side, summary, _, english, files, _state = Callbacks(trusting.service).run_article(url=site.story_url(STORIES[6]))
    assert site.story_url(STORIES[6]) in status and STORIES[6].author in status
    assert 'rel="nofollow noopener noreferrer"' in status
    assert "Pasar Induk Kramat Jati" in side and english and len(files) == 2
