"""A fixture news site for URL and feed tests: pages that look like real Indonesian news pages.

The ten stories below were written for this project (no text from any real site). Each page wraps one of
them in the clutter real news pages carry: header and menu, breadcrumbs, a dateline, inline and block
"Baca juga" links, image captions, tags, related articles, popular lists, share buttons, comments, a
newsletter form, a footer and JSON-LD NewsArticle metadata, in three different layouts.

:class:`NewsSite` serves them on 127.0.0.1 (a real HTTP server in a thread), with RSS and Atom feeds
and routes that fail in every way a fetcher must survive.
"""
from __future__ import annotations

import gzip
import html
import json
import threading
import time
import zlib
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


@dataclass(frozen=True)
class Story:
    slug: str
    title: str
    city: str
    date: str  # ISO
    author: str
    paragraphs: tuple[str, ...]


STORIES = (
    Story("panen-raya-padi-karawang", "Petani Karawang mulai panen raya padi musim ini", "Karawang", "2026-03-12",
          "Dewi Lestari", (
              "Ribuan petani di Kabupaten Karawang mulai memanen padi pada pekan kedua Maret. Dinas Pertanian "
              "setempat memperkirakan hasil panen tahun ini naik sekitar delapan persen.",
              "Kepala Dinas Pertanian Karawang, Ahmad Sudrajat, mengatakan cuaca yang bersahabat membuat "
              "tanaman tumbuh dengan baik. Serangan hama wereng juga jauh lebih sedikit dibanding tahun lalu.",
              "Menurut dia, luas lahan yang dipanen bulan ini mencapai 42.000 hektare. Sisanya akan dipanen "
              "secara bertahap hingga akhir April.",
              "Harga gabah kering panen di tingkat petani saat ini berkisar Rp6.200 per kilogram. Petani berharap "
              "harga tersebut tidak turun ketika panen mencapai puncaknya.",
              "Pemerintah daerah menyiapkan gudang tambahan agar gabah bisa disimpan lebih lama. Bulog juga "
              "diminta menyerap hasil panen sesuai harga pembelian pemerintah.")),
    Story("kereta-cepat-penumpang-naik", "Penumpang kereta cepat naik 15 persen selama libur sekolah", "Jakarta",
          "2026-07-05", "Rudi Hartono", (
              "Jumlah penumpang kereta cepat Jakarta-Bandung naik 15 persen selama libur sekolah. Operator "
              "mencatat rata-rata 21.500 penumpang per hari dalam dua pekan terakhir.",
              "Direktur operasional perusahaan, Sinta Maharani, menyebut lonjakan terjadi terutama pada akhir "
              "pekan. Perusahaan menambah empat perjalanan setiap hari untuk menampung permintaan.",
              "Tiket kelas ekonomi premium dijual mulai Rp250.000 untuk sekali jalan. Penumpang dapat membeli "
              "tiket melalui aplikasi, situs resmi, atau loket di stasiun.",
              "Sinta meminta calon penumpang datang paling lambat tiga puluh menit sebelum keberangkatan. "
              "Pemeriksaan tiket dan barang bawaan kini dilakukan di pintu masuk peron.")),
    Story("banjir-rob-semarang", "Banjir rob rendam permukiman di pesisir Semarang", "Semarang", "2026-01-20",
          "Yulia Puspita", (
              "Banjir rob kembali merendam permukiman warga di pesisir utara Semarang pada Selasa pagi. "
              "Ketinggian air di beberapa gang mencapai 40 sentimeter.",
              "Badan Penanggulangan Bencana Daerah mencatat sedikitnya 1.200 rumah terdampak di tiga kelurahan. "
              "Tidak ada korban jiwa dalam kejadian tersebut.",
              "Petugas memasang pompa portabel untuk mempercepat surutnya air. Warga diminta memindahkan barang "
              "berharga ke tempat yang lebih tinggi.",
              "BMKG memperkirakan pasang air laut masih akan tinggi hingga akhir pekan. Warga di pesisir diminta "
              "tetap waspada terutama pada pagi dan sore hari.")),
    Story("ekspor-kopi-naik", "Ekspor kopi Lampung tembus 120 ribu ton", "Bandarlampung", "2026-05-02",
          "Hendra Wijaya", (
              "Ekspor kopi robusta dari Provinsi Lampung sepanjang tahun lalu mencapai 120 ribu ton. Nilai ekspor "
              "tersebut setara dengan 410 juta dolar AS.",
              "Kepala Dinas Perdagangan Lampung, Maria Ulfa, mengatakan permintaan terbesar datang dari Mesir, "
              "India dan Italia. Harga kopi di pasar dunia juga sedang tinggi.",
              "Dia menambahkan pemerintah provinsi terus mendorong petani meningkatkan mutu biji kopi. Pelatihan "
              "pascapanen diberikan kepada 3.000 petani di lima kabupaten.",
              "Para eksportir berharap jalur pengiriman melalui Pelabuhan Panjang semakin lancar. Antrean kapal "
              "sempat memperlambat pengapalan pada awal tahun.")),
    Story("vaksinasi-anak-bali", "Dinas Kesehatan Bali gelar imunisasi campak untuk anak", "Denpasar", "2026-08-14",
          "Made Surya", (
              "Dinas Kesehatan Provinsi Bali menggelar imunisasi campak dan rubela bagi anak usia sembilan bulan "
              "hingga lima belas tahun. Kegiatan berlangsung di sekolah, posyandu dan puskesmas selama sebulan.",
              "Kepala Dinas Kesehatan Bali, I Nyoman Darma, menargetkan cakupan imunisasi mencapai 95 persen. "
              "Tahun lalu cakupan baru sekitar 87 persen.",
              "Orang tua diminta membawa buku kesehatan anak saat datang ke lokasi imunisasi. Layanan tersebut "
              "diberikan tanpa biaya.",
              "Petugas kesehatan juga akan mendatangi desa-desa terpencil di Karangasem dan Bangli. Tim keliling "
              "disiapkan untuk anak yang tidak dapat datang ke puskesmas.")),
    Story("festival-film-makassar", "Festival film pendek Makassar hadirkan 60 karya", "Makassar", "2026-10-03",
          "Andi Rahman", (
              "Festival film pendek Makassar tahun ini menayangkan 60 karya dari sineas muda di seluruh Indonesia. "
              "Acara berlangsung selama empat hari di gedung kesenian kota.",
              "Ketua panitia, Nurul Hidayah, mengatakan jumlah karya yang mendaftar mencapai 450 judul. Juri "
              "memilih film yang mengangkat cerita lokal dengan cara bertutur yang segar.",
              "Selain pemutaran film, panitia menggelar kelas penulisan skenario dan diskusi bersama sutradara. "
              "Seluruh kegiatan terbuka untuk umum dan tidak dipungut biaya.",
              "Pemenang festival akan mendapat dana produksi untuk film berikutnya. Pengumuman pemenang dijadwalkan "
              "pada malam penutupan hari Minggu.")),
    Story("harga-cabai-turun", "Harga cabai rawit di Pasar Induk turun tajam", "Jakarta", "2026-02-27",
          "Siti Aminah", (
              "Harga cabai rawit merah di Pasar Induk Kramat Jati turun tajam dalam sepekan terakhir. Pedagang "
              "menjual cabai rawit seharga Rp38.000 per kilogram, dari sebelumnya Rp65.000.",
              "Seorang pedagang, Joko Santoso, mengatakan pasokan dari Jawa Tengah dan Jawa Timur melimpah. "
              "Dalam sehari pasar menerima lebih dari 150 ton cabai.",
              "Penurunan harga disambut baik oleh pemilik warung makan. Namun petani mengeluhkan harga jual yang "
              "hampir sama dengan biaya produksi.",
              "Kementerian Perdagangan akan memantau harga hingga menjelang bulan puasa. Pemerintah menyiapkan "
              "operasi pasar bila harga kembali melonjak.")),
    Story("gempa-cianjur-latihan", "Sekolah di Cianjur gelar simulasi gempa bumi", "Cianjur", "2026-09-09",
          "Asep Gunawan", (
              "Ratusan siswa sekolah dasar di Cianjur mengikuti simulasi gempa bumi pada Rabu pagi. Latihan ini "
              "digelar untuk membiasakan anak menyelamatkan diri dengan tenang.",
              "Siswa diajari berlindung di bawah meja lalu berjalan ke lapangan terbuka setelah guncangan "
              "berhenti. Guru memimpin setiap kelas menuju titik kumpul.",
              "Kepala pelaksana BPBD Cianjur, Rina Marlina, mengatakan simulasi akan digelar di 200 sekolah "
              "hingga akhir tahun. Wilayah Cianjur termasuk daerah rawan gempa.",
              "Orang tua murid menyambut baik kegiatan tersebut. Mereka berharap latihan serupa juga diadakan "
              "di lingkungan rumah.")),
    Story("bandara-baru-kulon-progo", "Penerbangan internasional di Kulon Progo bertambah", "Yogyakarta",
          "2026-06-18", "Bayu Prasetyo", (
              "Bandara di Kulon Progo akan melayani dua rute internasional baru mulai bulan depan. Rute tersebut "
              "menghubungkan Yogyakarta dengan Kuala Lumpur dan Singapura.",
              "General manager bandara, Teguh Santosa, mengatakan kedua rute diterbangkan empat kali seminggu. "
              "Maskapai memakai pesawat berkapasitas 180 kursi.",
              "Dinas Pariwisata berharap rute baru menambah kunjungan wisatawan mancanegara. Tahun lalu jumlah "
              "wisatawan asing yang datang ke Yogyakarta sekitar 450 ribu orang.",
              "Pengelola bandara juga menambah layanan bus menuju pusat kota. Perjalanan dari bandara ke Malioboro "
              "kini memakan waktu sekitar satu jam.")),
    Story("sampah-plastik-bank", "Bank sampah di Surabaya kumpulkan 80 ton plastik", "Surabaya", "2026-04-22",
          "Fitri Handayani", (
              "Jaringan bank sampah di Surabaya mengumpulkan 80 ton sampah plastik dalam tiga bulan pertama tahun "
              "ini. Warga menukar sampah yang sudah dipilah dengan tabungan.",
              "Koordinator bank sampah, Lukman Hakim, mengatakan jumlah nasabah kini lebih dari 25.000 orang. "
              "Sebagian besar adalah ibu rumah tangga.",
              "Sampah plastik yang terkumpul dijual kepada pabrik daur ulang di Gresik dan Sidoarjo. Hasil penjualan "
              "dibagikan kepada nasabah setiap akhir bulan.",
              "Pemerintah kota menargetkan setiap kelurahan memiliki bank sampah sendiri. Saat ini baru 120 "
              "kelurahan yang sudah menjalankannya.")),
)

# Text that is on every page but is not the article: none of it may reach the translation.
MENU = ("Beranda", "Politik", "Ekonomi", "Hukum", "Olahraga", "Hiburan", "Teknologi", "Video", "Foto",
        "Indeks Berita")
FOOTER = ("Tentang Kami", "Redaksi", "Pedoman Media Siber", "Kebijakan Privasi", "Kontak",
          "Hak cipta dilindungi undang-undang. Dilarang mengambil konten situs ini tanpa izin tertulis.")
COMMENTS = ("Semoga hasilnya bermanfaat bagi masyarakat banyak, terima kasih infonya admin.",
            "Kapan program seperti ini masuk ke kampung kami di daerah timur?",
            "Beritanya bagus, tolong diliput juga perkembangan selanjutnya ya.")
POPULAR = ("Jadwal lengkap pertandingan sepak bola akhir pekan ini",
           "Lima tips menjaga kesehatan saat musim hujan tiba",
           "Daftar tempat wisata baru yang ramai dikunjungi keluarga",
           "Cara mudah mengurus paspor secara daring dari rumah")
NEWSLETTER = "Dapatkan berita pilihan setiap pagi langsung di kotak masuk Anda."
SHARE = ("Bagikan", "Salin tautan")


def _related(story: Story) -> list[Story]:
    i = next(n for n, s in enumerate(STORIES) if s.slug == story.slug)
    return [STORIES[(i + k) % len(STORIES)] for k in (1, 2, 3)]


def caption(story: Story) -> str:
    return f"Suasana kegiatan di {story.city} yang berkaitan dengan berita ini. (Foto: Dokumentasi Redaksi)"


def noise_texts(story: Story) -> list[str]:
    """Every piece of page text that is not the story (what extraction must leave out)."""
    related = [r.title for r in _related(story)]
    return (list(MENU) + list(FOOTER) + list(COMMENTS) + list(POPULAR) + [NEWSLETTER, caption(story)]
            + related + [f"Baca juga: {related[0]}", f"Baca juga: {related[1]}"] + list(SHARE)
            + [f"Pewarta: {story.author}", "Editor: Redaksi Daerah", "Tags", "Berita Terkait", "Terpopuler",
               "Komentar"])


def json_ld(story: Story, url: str) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
            "datePublished": f"{story.date}T08:30:00+07:00", "author": {"@type": "Person", "name": story.author},
            "mainEntityOfPage": url, "publisher": {"@type": "Organization", "name": "Kabar Nusantara"}}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _head(story: Story, url: str) -> str:
    e = html.escape
    return (f'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{e(story.title)} - Kabar Nusantara'
            f'</title><link rel="canonical" href="{e(url)}"><meta property="og:title" content="{e(story.title)}">'
            f'<meta name="author" content="{e(story.author)}"><meta property="article:published_time" '
            f'content="{story.date}T08:30:00+07:00">{json_ld(story, url)}<style>body{{font-family:serif}}</style>'
            f'<script>window.dataLayer=[];function track(){{return 1}}</script></head>')


def _menu() -> str:
    return ("<header><div class=\"logo\">Kabar Nusantara</div><nav><ul>"
            + "".join(f'<li><a href="/kanal/{m.lower()}">{m}</a></li>' for m in MENU) + "</ul></nav></header>")


def _footer() -> str:
    return ("<footer><ul>" + "".join(f"<li><a href=\"/p/{i}\">{f}</a></li>" for i, f in enumerate(FOOTER[:-1]))
            + f"</ul><p>{FOOTER[-1]}</p></footer>")


def _comments() -> str:
    return ('<section class="comments" id="komentar"><h3>Komentar</h3>'
            + "".join(f'<div class="comment"><span class="user">pembaca{i}</span><p>{c}</p></div>'
                      for i, c in enumerate(COMMENTS)) + "</section>")


def _popular() -> str:
    return ('<aside class="sidebar"><h3>Terpopuler</h3><ol>'
            + "".join(f'<li><a href="/berita/pop-{i}">{p}</a></li>' for i, p in enumerate(POPULAR)) + "</ol></aside>")


def _related_list(story: Story) -> str:
    return ('<div class="related"><h3>Berita Terkait</h3><ul>'
            + "".join(f'<li><a href="/berita/{r.slug}.html">{r.title}</a></li>' for r in _related(story))
            + "</ul></div>")


def _body(story: Story, style: int) -> list[str]:
    """The story's paragraphs as HTML, with the dateline and two "Baca juga" links placed per layout."""
    related = _related(story)
    paras = [f"<p>{html.escape(p)}</p>" for p in story.paragraphs]
    paras[0] = f"<p><strong>{story.city} (Kabar Nusantara)</strong> - {html.escape(story.paragraphs[0])}</p>"
    inline = (f'<p>Baca juga: <a href="/berita/{related[0].slug}.html">{related[0].title}</a></p>' if style != 1 else
              f'<div class="baca-juga"><strong>Baca juga:</strong> <a href="/berita/{related[0].slug}.html">'
              f"{related[0].title}</a></div>")
    block = (f'<p><strong>Baca juga: </strong><a href="/berita/{related[1].slug}.html">{related[1].title}</a></p>')
    paras.insert(2, inline)
    paras.insert(len(paras) - 1, block)
    return paras


def render(story: Story, url: str, layout: int) -> str:
    """The page of ``story`` in one of three layouts (0: <article>, 1: <div> portal, 2: <main> with ads)."""
    e = html.escape
    figure = (f'<figure><img src="/img/{story.slug}.jpg" alt="{e(story.city)}"><figcaption>{e(caption(story))}'
              "</figcaption></figure>")
    share = '<div class="share">' + "".join(f"<button>{s}</button>" for s in SHARE) + "</div>"
    tags = ('<div class="tags"><span>Tags</span> ' + " ".join(f'<a href="/tag/{t}">{t}</a>'
                                                             for t in (story.city.lower(), "nasional")) + "</div>")
    credits = f'<p class="credit">Pewarta: {e(story.author)}<br>Editor: Redaksi Daerah</p>'
    crumbs = '<div class="breadcrumb"><a href="/">Beranda</a> &gt; <a href="/kanal/ekonomi">Ekonomi</a></div>'
    date = f'<time datetime="{story.date}T08:30:00+07:00">{story.date}</time>'
    body = "".join(_body(story, layout))
    newsletter = f'<form class="newsletter"><p>{NEWSLETTER}</p><input type="email"><button>Daftar</button></form>'
    if layout == 0:
        main = (f'{crumbs}<article><h1>{e(story.title)}</h1><div class="byline">Oleh {e(story.author)} · {date}'
                f'</div>{figure}{share}<div class="article-body">{body}{credits}</div>{tags}</article>'
                f"{_related_list(story)}{_comments()}{_popular()}")
    elif layout == 1:
        main = (f'<div class="container">{crumbs}<div class="col-main"><h1 class="title">{e(story.title)}</h1>'
                f'<div class="date">{date}</div>{figure}<div class="detail-text">{body}{credits}</div>{share}{tags}'
                f'{_related_list(story)}{_comments()}</div><div class="col-side">{_popular()}{newsletter}</div></div>')
    else:
        main = (f'<main><div class="ad">Iklan</div><h1>{e(story.title)}</h1><p class="meta">{e(story.author)} | '
                f'{date}</p>{figure}<section class="content">{body}</section>{credits}{tags}{share}'
                f'{_related_list(story)}{newsletter}{_comments()}</main>{_popular()}')
    return f"{_head(story, url)}<body>{_menu()}{main}{_footer()}</body></html>"


def rss(base: str, stories) -> str:
    items = "".join(f"<item><title>{html.escape(s.title)}</title><link>{base}/berita/{s.slug}.html</link>"
                    f"<guid>{base}/berita/{s.slug}.html</guid><pubDate>Thu, 12 Mar 2026 08:30:00 +0700</pubDate>"
                    "</item>" for s in stories)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Kabar Nusantara</title>'
            f"<link>{base}/</link><description>Berita terbaru</description>{items}</channel></rss>")


def atom(base: str, stories) -> str:
    entries = "".join(f'<entry><title>{html.escape(s.title)}</title><link href="{base}/berita/{s.slug}.html"/>'
                      f"<id>{base}/berita/{s.slug}.html</id><updated>{s.date}T08:30:00+07:00</updated></entry>"
                      for s in stories)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Kabar Nusantara</title><id>{base}/</id><updated>2026-10-03T08:30:00+07:00</updated>"
            f"{entries}</feed>")


BOMB_BYTES = 256 * 1024 * 1024


@lru_cache(maxsize=2)
def bomb(layers: int = 1) -> bytes:
    """``BOMB_BYTES`` zeros gzipped ``layers`` times (built once per run, in 1 MiB steps)."""
    if layers > 1:
        return gzip.compress(bomb(layers - 1), 9)
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    return b"".join(packer.compress(zeros) for _ in range(BOMB_BYTES // len(zeros))) + packer.flush()


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


class NewsSite:
    """The fixture site on 127.0.0.1, in a thread; ``with NewsSite() as site: site.url('/berita/x.html')``.

    Routes: ``/berita/<slug>.html`` (layout by story), ``/rss.xml``, ``/atom.xml``, ``/live.xml`` (the feed
    ``live`` holds, editable by the test), and failure routes: ``/404``, ``/slow`` (sleeps), ``/big``
    (streams past any cap, no Content-Length), ``/declared-big``, ``/pdf``, ``/empty``, ``/flaky`` (503
    with Retry-After: 0 twice, then the page), ``/busy`` (always 429), ``/loop`` (redirects to itself),
    ``/redirect?to=URL``, ``/gzip``, ``/latin1``, ``/encoded?as=deflate|rawdeflate`` (the page compressed that
    way) and ``/charset?as=NAME`` (a page labelled so), ``/drip`` (a byte every 0.2 s), ``/tag-soup`` (1 MB of nested tags) and ``/bomb?as=ENCODING`` (256 MiB of zeros gzipped once, or twice for ``gzip, gzip``: about 1 KB on
    the wire; any other label is sent on the once-gzipped bomb).
    """

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.user_agents: list[str] = []
        self.live: list[Story] = []
        self.edits: dict[str, str] = {}  # slug -> extra sentence appended to the first paragraph
        self.flaky_left = 2
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.handle_error = lambda request, address: None  # a client hanging up is not a test failure
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> NewsSite:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def story_url(self, story: Story) -> str:
        return f"{self.base}/berita/{story.slug}.html"

    def page(self, slug: str) -> str:
        story = next(s for s in STORIES if s.slug == slug)
        layout = STORIES.index(story) % 3
        if slug in self.edits:
            first = story.paragraphs[0] + " " + self.edits[slug]
            story = Story(story.slug, story.title, story.city, story.date, story.author,
                          (first,) + story.paragraphs[1:])
        return render(story, self.story_url(story), layout)

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def send(self, status: int, body: bytes | str, ctype: str = "text/html; charset=utf-8",
                     headers: dict | None = None) -> None:
                data = body.encode("utf-8") if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: C901 - one branch a route
                path, _, query = self.path.partition("?")
                site.requests.append(path)
                site.user_agents.append(self.headers.get("User-Agent", ""))
                if path.startswith("/berita/") and path.endswith(".html"):
                    slug = path[len("/berita/"):-len(".html")]
                    if any(s.slug == slug for s in STORIES):
                        return self.send(200, site.page(slug))
                    return self.send(404, "<h1>Halaman tidak ditemukan</h1>")
                if path == "/rss.xml":
                    return self.send(200, rss(site.base, STORIES[:5]), "application/rss+xml; charset=utf-8")
                if path == "/atom.xml":
                    return self.send(200, atom(site.base, STORIES[5:]), "application/atom+xml; charset=utf-8")
                if path == "/live.xml":
                    return self.send(200, rss(site.base, site.live), "application/rss+xml; charset=utf-8")
                if path == "/slow":
                    time.sleep(3)
                    return self.send(200, site.page(STORIES[0].slug))
                if path == "/big":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    try:
                        for _ in range(400):  # 400 x 64 KB = 25 MB, bounded
                            self.wfile.write(b"<p>" + b"a" * 65536 + b"</p>")
                    except OSError:
                        pass
                    return None
                if path == "/drip":  # one byte every 0.2 s, at most 150 of them (30 s, bounded)
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    try:
                        for byte in (b"<p>" + b"a" * 147)[:150]:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(0.2)
                    except OSError:
                        pass
                    return None
                if path == "/declared-big":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(50 * 1024 * 1024))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    return None
                if path == "/pdf":
                    return self.send(200, b"%PDF-1.4 not a page", "application/pdf")
                if path == "/empty":
                    return self.send(200, "<html><body><nav><a href='/'>Beranda</a></nav></body></html>")
                if path == "/flaky":
                    if site.flaky_left > 0:
                        site.flaky_left -= 1
                        return self.send(503, "busy", "text/plain", {"Retry-After": "0"})
                    return self.send(200, site.page(STORIES[1].slug))
                if path == "/busy":
                    return self.send(429, "slow down", "text/plain", {"Retry-After": "0"})
                if path == "/wait-long":
                    return self.send(503, "maintenance", "text/plain", {"Retry-After": "3600"})
                if path == "/loop":
                    return self.send(302, "", headers={"Location": "/loop"})
                if path == "/redirect":
                    target = query.partition("to=")[2]
                    return self.send(302, "", headers={"Location": unquote(target)})
                if path == "/gzip":
                    data = gzip.compress(site.page(STORIES[2].slug).encode("utf-8"))
                    return self.send(200, data, headers={"Content-Encoding": "gzip"})
                if path == "/encoded":
                    page = site.page(STORIES[2].slug).encode("utf-8")
                    how = query.partition("as=")[2]
                    data = zlib.compress(page) if how == "deflate" else _raw_deflate(page)
                    return self.send(200, data, headers={"Content-Encoding": "deflate"})
                if path == "/bomb":
                    label = unquote(query.partition("as=")[2]) or "gzip"
                    body = bomb(layers=label.count("gzip") if label.replace(" ", "") == "gzip,gzip" else 1)
                    return self.send(200, body, headers={"Content-Encoding": label})
                if path == "/charset":  # a story labelled with whatever charset the test names (header and <meta>)
                    label = unquote(query.partition("as=")[2])
                    page = site.page(STORIES[1].slug).replace("<head>", f"<head><meta charset='{label}'>", 1)
                    return self.send(200, page.encode("utf-8"), f"text/html; charset={label}")
                if path == "/tag-soup":  # 1 MB of nested tags in 10 KB of gzip: an extraction-time bomb
                    soup = "<html><body>" + "<p><b><i>x " * 87_000 + "</body></html>"
                    return self.send(200, gzip.compress(soup.encode(), 9), headers={"Content-Encoding": "gzip"})
                if path == "/latin1":
                    page = ("<html><head><meta charset='iso-8859-1'><title>Caf\u00e9</title></head><body><article>"
                            "<p>Jakarta - Kafe baru di Menteng menjual kopi cr\u00e8me seharga Rp30.000 per gelas. "
                            "Pemiliknya mengatakan pengunjung ramai setiap sore.</p></article></body></html>")
                    return self.send(200, page.encode("latin-1"), "text/html")
                return self.send(404, "not found", "text/plain")

        return Handler
