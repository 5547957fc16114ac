"""The batch job on a local Ray instance gives the same results.jsonl content as the local run."""
import json

import pytest

from kabar.cli import main
from tests.conftest import EXAMPLES

VOLATILE = {"timings"}


def _records(out):
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    return {r["id"]: {k: v for k, v in r.items() if k not in VOLATILE} for r in rows}


@pytest.fixture(scope="module")
def local_ray():
    import signal

    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'ray[data]')")
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
    for sig, handler in handlers.items():  # Ray's handlers must not outlive it: a later SIGTERM would exit pytest
        signal.signal(sig, handler)
    assert all(signal.getsignal(sig) is handler for sig, handler in handlers.items())


def test_ray_run_equals_local_run(local_ray, tiny_marian, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in EXAMPLES.iterdir():
        (inputs / path.name).write_bytes(path.read_bytes())
    (inputs / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n")
    (inputs / "wire.jsonl").write_text(json.dumps({  # what a document carries besides its text reaches the actors
        "id": "wire", "text": "Bekasi (ANTARA) - Banjir merendam rumah warga.\n\nWarga mengungsi ke masjid.",
        "title": "Banjir Bekasi", "url": "https://www.antaranews.com/berita/1", "date": "2026-11-20",
        "outlet": "ANTARA Megapolitan"}) + "\n", encoding="utf-8")
    # batch size 1: a sentence's translation cannot depend on which others share its batch
    args = ["--model", str(tiny_marian), "--quiet", "--no-cache", "--batch-size", "1"]
    assert main(["run", str(inputs), "--out", str(tmp_path / "local")] + args) == 1
    assert main(["run", str(inputs), "--out", str(tmp_path / "ray"), "--ray", "--ray-actors", "2"] + args) == 1
    local, on_ray = _records(tmp_path / "local"), _records(tmp_path / "ray")
    assert len(local) == 6 and local == on_ray
    assert (on_ray["wire"]["url"], on_ray["wire"]["date"], on_ray["wire"]["outlet"]) == \
        ("https://www.antaranews.com/berita/1", "2026-11-20", "ANTARA Megapolitan")
    assert on_ray["broken"]["status"] == "error"
    assert len(list((tmp_path / "ray" / "articles").glob("*.md"))) == 5


def test_starting_ray_leaves_the_callers_signal_handlers_in_place(monkeypatch):
    """Ray installs SIGINT/SIGTERM handlers when it starts; kabar run's own start gives the caller's back."""
    import signal

    ray = pytest.importorskip("ray")
    from kabar import scaleout

    def start_like_ray(_ray, _address):
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(SystemExit(15)))

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(scaleout, "_start", start_like_ray)
    before = signal.getsignal(signal.SIGTERM)
    scaleout._init("local")
    assert signal.getsignal(signal.SIGTERM) is before
