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
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'ray[data]')")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_run_equals_local_run(local_ray, tiny_marian, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in EXAMPLES.iterdir():
        (inputs / path.name).write_bytes(path.read_bytes())
    (inputs / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n")
    # batch size 1: a sentence's translation cannot depend on which others share its batch
    args = ["--model", str(tiny_marian), "--quiet", "--no-cache", "--batch-size", "1"]
    assert main(["run", str(inputs), "--out", str(tmp_path / "local")] + args) == 1
    assert main(["run", str(inputs), "--out", str(tmp_path / "ray"), "--ray", "--ray-actors", "2"] + args) == 1
    local, on_ray = _records(tmp_path / "local"), _records(tmp_path / "ray")
    assert len(local) == 5 and local == on_ray
    assert on_ray["broken"]["status"] == "error"
    assert len(list((tmp_path / "ray" / "articles").glob("*.md"))) == 4
