"""The client snippets in the README, run as written against a real server (only the address changes)."""
from __future__ import annotations

import contextlib
import io
import re

import pytest

from tests.conftest import ROOT

README_ADDRESS = "http://127.0.0.1:7860/"


def _snippets() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"<!-- client-snippet: ([\w-]+) -->\n```python\n(.*?)\n```", readme, flags=re.S)
    return dict(found)


def test_the_readme_has_a_snippet_per_client():
    assert set(_snippets()) == {"libretranslatepy", "deep-translator", "gradio_client", "httpx"}
    assert all(README_ADDRESS in code for code in _snippets().values())


@pytest.mark.parametrize("name", ["libretranslatepy", "deep-translator", "gradio_client", "httpx"])
def test_readme_snippet_runs_as_written(name, server):
    code = _snippets()[name].replace(README_ADDRESS, server.url + "/")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, f"README.md ({name})", "exec"), {"__name__": f"readme_{name.replace('-', '_')}"})
    lines = printed.getvalue().strip()
    assert lines and "Banjir merendam" not in lines, lines  # English (from the tiny model), not the source echoed


def test_gradio_client_at_the_root_reaches_the_ui_and_names_every_output(server):
    """Client(root) reads the UI's config through /config and sends its calls below /ui; no output is an
    anonymous value_N."""
    import httpx
    from gradio_client import Client

    config = httpx.get(server.url + "/config", timeout=30).json()
    assert config["api_prefix"].startswith("/ui/")
    assert httpx.get(server.url + "/nosuch/config", timeout=30).status_code == 404  # only the root is aliased
    client = Client(server.url, verbose=False)  # no trailing slash either
    api = client.view_api(print_info=False, return_format="dict")
    names = [r["label"] for endpoint in api["named_endpoints"].values() for r in endpoint["returns"]]
    assert names and not [n for n in names if re.fullmatch(r"value_\d+", n or "")], names
    assert set(api["named_endpoints"]) >= {"/run_article", "/run_batch", "/run_eval"}
