"""Fetching news pages and feeds over HTTP: politely, within limits, and without becoming an SSRF hole.

One :class:`Fetcher` serves a whole run (or a whole server). It

- names Kabar in its User-Agent, asks for gzip/deflate, and follows at most ``max_redirects`` redirects,
  each one checked like the first request;
- enforces connect/read timeouts and a size cap *while streaming*: bytes are counted on the wire and again
  after decompression, which Kabar does itself in bounded steps, so a 5 GB body or a gzip bomb stops at the
  cap with no more than the cap in memory; only the encodings it asks for (gzip, deflate), one layer, are
  accepted (``gzip, gzip`` or ``br`` is refused by name);
- retries 429 and 5xx answers with exponential backoff, honouring ``Retry-After`` (seconds or a date);
- sends at most one request at a time to a host, with ``host_delay`` seconds between two of them;
- with ``allow_private=False`` (the server's default), refuses every address that is not globally
  routable: loopback, private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT,
  multicast, reserved and IPv4-mapped forms of them. The check is made on the addresses the connection
  really uses (resolved once, then connected to), so a DNS answer that changes between check and use
  cannot slip through, and it covers every redirect hop.

Every failure is a :class:`FetchError` with a ``kind`` (dns, connect, timeout, http, too-big, not-html,
not-feed, refused-address, bad-url, redirects) and a message that names the URL and the fix.
"""
from __future__ import annotations

import email.utils
import ipaddress
import re
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from news.errors import InputError
from news.text import normalize_text

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIMEOUT = 20.0
DEFAULT_PAGE_DEADLINE = 60.0  # seconds for a whole page: redirects, retries and a body that arrives byte by byte
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_RETRIES = 2
DEFAULT_HOST_DELAY = 1.0
MAX_RETRY_AFTER = 60.0  # a server asking for a longer pause gets a named error instead of a stalled batch
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml",
              "application/feed+json")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ACCEPTED_ENCODINGS = ("gzip", "deflate")  # what Kabar asks for, and so all it accepts (one layer)
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


def user_agent() -> str:
    """Kabar's User-Agent: the product and version, so a site's operator can tell who is asking."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        number = version("kabar")
    except PackageNotFoundError:
        number = "dev"
    return f"Kabar/{number} (news translation bot; one request at a time per site)"


class FetchError(InputError):
    """A URL could not be fetched or is not what was asked for; ``kind`` names the failure."""

    def __init__(self, url: str, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(url, message)


class _Refused(Exception):
    """Raised inside the connection layer; turned into a :class:`FetchError` by the fetcher."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


def address_refusal(ip: str) -> str | None:
    """Why a connection to ``ip`` is refused in guarded mode, or None when it is a public address."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return f"{ip} is not an IP address"
    if isinstance(addr, ipaddress.IPv6Address):
        mapped = addr.ipv4_mapped or addr.sixtofour or (addr.teredo[1] if addr.teredo else None)
        if mapped is not None:
            return address_refusal(str(mapped)) or None
    for test, what in ((addr.is_loopback, "loopback"), (addr.is_link_local, "link-local (cloud metadata)"),
                       (addr.is_private, "private"), (getattr(addr, "is_site_local", False), "site-local"),
                       (addr.is_multicast, "multicast"),
                       (addr.is_unspecified, "unspecified"), (addr.is_reserved, "reserved")):
        if test:
            return f"{addr} is a {what} address"
    if not addr.is_global:
        return f"{addr} is not a public address"
    return None


def _guarded_backend(allow_private: bool, trusted: frozenset[str] = frozenset()):
    """An httpcore network backend that resolves each host once, checks every address, and connects to the
    checked address (TLS still verifies the host name: httpcore passes it as the server name)."""
    import httpcore

    class Backend(httpcore.SyncBackend):
        def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except socket.gaierror as exc:
                raise _Refused("dns", f"cannot resolve host {host!r} ({exc.strerror}); check the address") from None
            addresses = list(dict.fromkeys(info[4][0] for info in infos))
            if not allow_private:
                reasons = [None if a in trusted else address_refusal(a) for a in addresses]
                if any(reasons):  # one private answer is enough to refuse: round-robin could pick it later
                    why = next(r for r in reasons if r)
                    raise _Refused("refused-address", f"host {host!r} resolves to {why}; this server does not "
                                   "fetch private, loopback or link-local addresses (the operator can allow them "
                                   "with --allow-private-urls)")
            last: Exception | None = None
            for address in addresses:
                try:
                    return super().connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                               socket_options=socket_options)
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                    last = exc
            raise last or _Refused("dns", f"host {host!r} has no address")

    return Backend()


@dataclass(frozen=True)
class Page:
    """A fetched body: the URL asked for, the URL it ended at, and the decoded text."""

    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    text: str


@dataclass
class FetchSettings:
    """The limits of a :class:`Fetcher` (every one has a command-line option)."""

    timeout: float = DEFAULT_TIMEOUT
    page_deadline: float = DEFAULT_PAGE_DEADLINE
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    retries: int = DEFAULT_RETRIES
    backoff: float = 1.0
    host_delay: float = DEFAULT_HOST_DELAY
    allow_private: bool = True
    trusted_addresses: tuple[str, ...] = ()  # exact IPs allowed even when private ones are refused (an intranet
    #                                          mirror the operator runs; the tests' 127.0.0.1 server)


class Fetcher:
    """A polite, bounded HTTP client for pages and feeds (thread-safe)."""

    def __init__(self, settings: FetchSettings | None = None, **overrides) -> None:
        import httpx

        self.settings = settings or FetchSettings()
        for name, value in overrides.items():
            setattr(self.settings, name, value)
        s = self.settings
        transport = httpx.HTTPTransport(retries=0)
        transport._pool._network_backend = _guarded_backend(s.allow_private, frozenset(s.trusted_addresses))  # every connection goes through it
        # A proxy from the environment would make the connection to the proxy, not the checked address: a
        # guarded fetcher ignores proxy settings.
        self._client = httpx.Client(transport=transport, follow_redirects=False, trust_env=s.allow_private,
                                    timeout=httpx.Timeout(s.timeout, connect=s.connect_timeout),
                                    headers={"User-Agent": user_agent(), "Accept-Encoding": "gzip, deflate",
                                             "Accept-Language": "id, en;q=0.8"})
        self._lock = threading.Lock()
        self._hosts: dict[str, tuple[threading.Lock, list[float]]] = {}
        self.requests = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _host_slot(self, host: str) -> tuple[threading.Lock, list[float]]:
        with self._lock:
            return self._hosts.setdefault(host, (threading.Lock(), [0.0]))

    def get_page(self, url: str) -> Page:
        """Fetch an HTML page (raises :class:`FetchError` with kind ``not-html`` for anything else)."""
        return self.get(url, accept=HTML_TYPES, what="an HTML page", kind="not-html")

    def get_feed(self, url: str) -> Page:
        """Fetch an RSS or Atom feed."""
        return self.get(url, accept=FEED_TYPES + ("text/html", "text/plain"), what="an RSS or Atom feed",
                        kind="not-feed")

    def get(self, url: str, *, accept: tuple[str, ...], what: str, kind: str) -> Page:
        """GET ``url`` following redirects (each one checked), retrying 429/5xx; the body decoded to text."""
        current = _check_url(url)
        deadline = time.monotonic() + self.settings.page_deadline
        for _ in range(self.settings.max_redirects + 1):
            status, headers, body = self._request_with_retries(url, current, deadline)
            if status in (301, 302, 303, 307, 308) and headers.get("location"):
                current = _check_url(urljoin(current, headers["location"]), origin=url)
                continue
            if status >= 400:
                raise FetchError(url, "http", f"the server answered HTTP {status}"
                                 + (" (not found)" if status == 404 else "")
                                 + (f" after following redirects to {current}" if current != url else ""))
            content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if content_type and content_type not in accept and not content_type.endswith("+xml"):
                raise FetchError(url, kind, f"is {content_type}, not {what}")
            return Page(url, current, status, content_type, body, decode_body(body, headers.get("content-type", "")))
        raise FetchError(url, "redirects", f"more than {self.settings.max_redirects} redirects; open the URL in a "
                         "browser to see where it leads, and pass the final address")

    def _request_with_retries(self, url: str, current: str, deadline: float):
        import httpx

        s = self.settings
        for attempt in range(s.retries + 1):
            try:
                status, headers, body = self._request(url, current, deadline)
            except httpx.TimeoutException:
                if attempt < s.retries and time.monotonic() + s.backoff * 2 ** attempt < deadline:
                    time.sleep(s.backoff * 2 ** attempt)
                    continue
                raise FetchError(url, "timeout", f"no answer within {s.timeout:g} s ({s.retries + 1} tries); "
                                 "the site may be down or slow: try again later or raise --fetch-timeout") from None
            if status in RETRY_STATUSES and attempt < s.retries:
                wait = _retry_after(headers.get("retry-after"))
                if wait is not None and wait > MAX_RETRY_AFTER:
                    raise FetchError(url, "http", f"the server answered HTTP {status} and asks to wait {wait:.0f} s "
                                     "before retrying; try again later")
                pause = wait if wait is not None else s.backoff * 2 ** attempt
                if time.monotonic() + pause >= deadline:
                    raise _too_slow(url, s.page_deadline)
                time.sleep(pause)
                continue
            return status, headers, body
        raise AssertionError("unreachable")

    def _request(self, url: str, current: str, deadline: float):
        """One GET, streamed, under the host's slot (one request at a time per host, ``host_delay`` apart),
        ended when the page's deadline passes however slowly the bytes come."""
        import httpx

        s = self.settings
        host = urlsplit(current).hostname or ""
        lock, last = self._host_slot(host)
        with lock:
            pause = last[0] + s.host_delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            left = deadline - time.monotonic()
            if left <= 0:
                raise _too_slow(url, s.page_deadline)
            try:
                self.requests += 1
                timeout = httpx.Timeout(min(s.timeout, left), connect=min(s.connect_timeout, left))
                with self._client.stream("GET", current, timeout=timeout) as response:
                    headers = {k.lower(): v for k, v in response.headers.items()}
                    declared = headers.get("content-length", "")
                    if response.status_code < 300 and declared.isdigit() and int(declared) > s.max_bytes:
                        raise _too_big(url, s.max_bytes)
                    body = b""
                    if response.status_code < 300:
                        body = _read_bounded(url, response, headers.get("content-encoding", ""), s.max_bytes,
                                             deadline, s.page_deadline)
                    return response.status_code, headers, body
            except _Refused as exc:
                raise FetchError(url, exc.kind, str(exc)) from None
            except httpx.TimeoutException:
                raise
            except httpx.TransportError as exc:
                raise FetchError(url, "connect", f"cannot connect ({type(exc).__name__}: {exc or 'no detail'}); "
                                 "check the address and your network") from None
            finally:
                last[0] = time.monotonic()


def _read_bounded(url: str, response, encoding: str, limit: int, deadline: float, page_deadline: float) -> bytes:
    """The body of ``response``, decompressed here: at most ``limit`` bytes read off the wire and at most
    ``limit`` bytes of output, each decompression step asked for no more than the room left; a body still
    arriving at ``deadline`` (monotonic time) is abandoned."""
    import zlib

    layers = [e.strip().lower() for e in encoding.split(",") if e.strip() and e.strip().lower() != "identity"]
    if len(layers) > 1 or (layers and layers[0] not in ACCEPTED_ENCODINGS):
        raise FetchError(url, "http", f"the server sent the body as {encoding.strip()!r}; Kabar asks for "
                         f"{' or '.join(ACCEPTED_ENCODINGS)} (one layer) and reads nothing else")
    # gzip, or zlib-wrapped deflate (wbits 32+: either header); raw deflate is tried when the header is missing
    inflater = zlib.decompressobj(32 + zlib.MAX_WBITS) if layers else None
    out, wire, size = [], 0, 0
    for raw in response.iter_raw():  # each piece as it comes off the socket (a chunk size would wait to fill it)
        wire += len(raw)
        if wire > limit:
            raise _too_big(url, limit)
        if time.monotonic() > deadline:
            raise _too_slow(url, page_deadline)
        if inflater is None:
            piece = raw
        else:
            try:
                try:
                    piece = inflater.decompress(raw, limit - size + 1)  # never more than one byte over the cap
                except zlib.error:
                    if size or layers[0] != "deflate":
                        raise
                    inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # deflate sent without its zlib header
                    piece = inflater.decompress(raw, limit - size + 1)
            except zlib.error:
                raise FetchError(url, "http", f"the body could not be decompressed (damaged {layers[0]} data)") from None
        size += len(piece)
        if size > limit:
            raise _too_big(url, limit)
        out.append(piece)
        if inflater is not None and inflater.eof:
            break  # the end of the compressed stream: whatever follows is not part of the body
    if inflater is not None and not inflater.eof and size == 0 and wire:
        raise FetchError(url, "http", f"the body could not be decompressed (truncated {layers[0]} data)")
    return b"".join(out)


def _too_slow(url: str, seconds: float) -> FetchError:
    return FetchError(url, "timeout", f"the page did not arrive whole within {seconds:g} s (the site sends it too "
                      "slowly); try again later, or save the page and pass the file")


def _too_big(url: str, limit: int) -> FetchError:
    return FetchError(url, "too-big", f"the page is larger than {limit / 1e6:g} MB; Kabar stops reading there "
                      "(raise --max-page-mb if it really is one article)")


def _check_url(url: str, *, origin: str | None = None) -> str:
    """``url`` if it is an http(s) URL with a host; a FetchError (kind bad-url) otherwise."""
    import httpx

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
        host = httpx.URL(url).host  # what the client will parse: control characters, bad IDNA host names
        if host and not host.startswith("["):
            host.encode("idna")  # what the resolver will be asked: empty or over-long labels (a..b)
    except (ValueError, httpx.InvalidURL) as exc:  # UnicodeError and idna's errors are ValueErrors
        raise FetchError(origin or url, "bad-url", f"is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        where = f"redirects to {url}, " if origin else ""
        raise FetchError(origin or url, "bad-url", f"{where}only http:// and https:// URLs are fetched")
    if not parts.hostname:
        raise FetchError(origin or url, "bad-url", "has no host name")
    return url


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (a number or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def decode_body(body: bytes, content_type: str) -> str:
    """Text of a body: the charset from the header, else from a ``<meta>`` or XML declaration near the top,
    else UTF-8 (Windows-1252 when that fails, as browsers do)."""
    candidates = []
    match = _CHARSET.search(content_type.encode("ascii", "replace"))
    if match:
        candidates.append(match.group(1).decode("ascii"))
    match = _CHARSET.search(body[:4096]) or re.search(rb"""encoding=["']([A-Za-z0-9_.:-]{1,40})""", body[:200])
    if match:
        candidates.append(match.group(1).decode("ascii"))
    for charset in candidates + ["utf-8"]:
        try:
            return normalize_text(body.decode(charset))
        except (LookupError, UnicodeError, ValueError):  # unknown, or a codec that refuses ("undefined", "punycode")
            continue
    return normalize_text(body.decode("cp1252", errors="replace"))
