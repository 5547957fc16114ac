"""The layers only look down (news < translate, summarize < eval < kabar < ui < kabar.cli) and no import circles.

Every ``import`` in every module is read with ``ast`` (imports inside functions too), so a lazy upward
import counts the same as one at the top of a file.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Rank of each package; a module may import its own package or a package of a lower rank.
RANK = {"news": 0, "translate": 1, "summarize": 1, "eval": 2, "kabar": 3, "ui": 4}
# The one command sits above every layer: it fills its subcommands from each layer's CLI module.
FRONT_DOOR = {"kabar.cli": 5, "kabar.__main__": 5}


def module_name(path: Path) -> str:
    """The dotted name of a module file under ROOT."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def rank_of(module: str) -> int:
    """The layer rank of a Kabar module."""
    return FRONT_DOOR.get(module, RANK[module.split(".")[0]])


def kabar_imports(path: Path) -> set[str]:
    """The Kabar modules that ``path`` imports, anywhere in the file (resolved to module names)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from eval import metrics" imports the module eval.metrics when it is one
            names = [f"{node.module}.{a.name}" if (ROOT / node.module.replace(".", "/") / f"{a.name}.py").exists()
                     else node.module for a in node.names]
        else:
            continue
        found.update(n for n in names if n.split(".")[0] in RANK)
    return found


def graph() -> dict[str, set[str]]:
    """Module -> the Kabar modules it imports, for every module of every layer."""
    return {module_name(p): kabar_imports(p) for package in RANK for p in (ROOT / package).rglob("*.py")}


def test_every_import_looks_down():
    upward = [f"{source} (rank {rank_of(source)}) imports {target} (rank {rank_of(target)})"
              for source, targets in graph().items() for target in targets
              if target.split(".")[0] != source.split(".")[0] and rank_of(target) >= rank_of(source)]
    assert not upward, "imports that do not look down:\n" + "\n".join(sorted(upward))


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import circle among ``edges`` as a list of modules, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    for start in sorted(edges):
        if state.get(start):
            continue
        path, stack = [start], [iter(sorted(edges.get(start, ())))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt) and nxt in edges:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(edges[nxt])))
    return None


def test_no_import_circle():
    modules = graph()
    edges = {source: {t for t in targets if t in modules} for source, targets in modules.items()}
    cycle = find_cycle(edges)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


@pytest.mark.parametrize("edges, expected", [
    ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),           # a two-module circle is found
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),           # a chain is not a circle
    ({"a": {"a"}}, ["a", "a"]),                             # a module importing itself
])
def test_find_cycle_finds_circles(edges, expected):
    assert find_cycle(edges) == expected


def test_an_upward_import_would_fail(tmp_path):
    """The checker sees a lazy upward import inside a function (news importing kabar)."""
    bad = tmp_path / "probe.py"
    bad.write_text("def f():\n    from kabar.pipeline import Pipeline\n    import ui.app\n")
    assert kabar_imports(bad) == {"kabar.pipeline", "ui.app"}
    assert rank_of("kabar.pipeline") > rank_of("news.read")
