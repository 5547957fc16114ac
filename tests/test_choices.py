"""One list per choice (issue 42): a summarizer added to ``summarize.SUMMARIZERS`` appears in every command's
``--help``, in the OpenAPI schema and in the UI's dropdown, with nothing else edited; the same for search modes."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

PROBE = r'''
import argparse, json, sys
import summarize
from summarize.lead import Lead

class Fake(Lead):
    name = "fake-summarizer"
    label = "Fake summarizer for the test"

summarize.SUMMARIZERS["fake-summarizer"] = Fake
from kabar.cli import build_parser
from ui.api import ProcessRequest, SummarizeRequest
from ui.app import summarizer_choices

parser = build_parser()
subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
helps = {}
for name in ("run", "watch", "serve", "eval"):
    command = subparsers.choices[name]
    if name == "eval":
        command = next(a for a in command._actions if isinstance(a, argparse._SubParsersAction)).choices["summ"]
    helps[name] = command.format_help()
schema = {"process": ProcessRequest.model_json_schema(), "summarize": SummarizeRequest.model_json_schema()}
print(json.dumps({"helps": helps, "schema": schema, "ui": summarizer_choices()}))
'''


def test_a_new_summarizer_shows_up_everywhere_from_the_registry():
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = json.loads(proc.stdout)
    for name, text in found["helps"].items():
        assert "fake-summarizer" in text, f"kabar {name} --help does not offer the new summarizer"
    for name, schema in found["schema"].items():
        assert "fake-summarizer" in json.dumps(schema), f"the {name} request schema does not take it"
    assert ["Fake summarizer for the test", "fake-summarizer"] in found["ui"]


def test_search_modes_come_from_one_list():
    from kabar.search import MODES
    from ui.app import _search_tab  # noqa: F401 - the tab builds its radio from MODES

    probe = ("import json\nimport kabar.search as s\ns.MODES = s.MODES + ('fake-mode',)\n"
             "from ui.api import build_router\nfrom kabar.cli import build_parser\n"
             "import argparse\np = build_parser()\nsub = next(a for a in p._actions if isinstance(a, "
             "argparse._SubParsersAction))\nprint(json.dumps({'help': sub.choices['search'].format_help()}))\n")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "fake-mode" in json.loads(proc.stdout)["help"] and "fake-mode" not in MODES


def test_serve_takes_the_pipeline_options_of_run():
    """kabar serve declares no pipeline option of its own: model, engine, device, memory, glossary and summary
    options have the same choices, defaults and help as in kabar run (kabar/options.py)."""
    import argparse

    from kabar.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))

    def options(command):
        return {a.dest: (a.choices and list(a.choices), a.default, a.help) for a in sub.choices[command]._actions}

    run, serve = options("run"), options("serve")
    shared = ("model", "engine", "device", "tm", "no_tm", "glossary", "summarizer", "sentences")
    assert {name: serve[name] for name in shared} == {name: run[name] for name in shared}
