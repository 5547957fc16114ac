"""A real uvicorn server on 127.0.0.1 with the tiny model, and headless Chromium."""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """A server started in a thread; stopped by :meth:`stop` (bounded waits)."""

    def __init__(self, service, *, with_ui=True, **app_options):
        import uvicorn

        from ui.server import create_app

        self.service = service
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(create_app(service, with_ui=with_ui, **app_options), host="127.0.0.1",
                                                    port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(400):  # at most 20 s
            if self.server.started:
                return
            time.sleep(0.05)
        raise RuntimeError("server did not start within 20 s")

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=15)


@contextmanager
def gradio_temp_dir_kept():
    """Put GRADIO_TEMP_DIR back as it was afterwards: a UI app sets Gradio's upload folder for the whole process."""
    before = os.environ.get("GRADIO_TEMP_DIR")
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("GRADIO_TEMP_DIR", None)
        else:
            os.environ["GRADIO_TEMP_DIR"] = before


def make_service(translator, **options):
    from kabar.pipeline import Pipeline
    from ui.service import KabarService

    return KabarService(Pipeline(translator), **options)


@pytest.fixture(scope="session")
def server(translators):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    running = Running(make_service(translators("marian", "ct2"), max_chars=3000, api_keys=""))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM) or not shutil.which("chromium"):
        if os.environ.get("KABAR_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is required (KABAR_REQUIRE_BROWSER is set): apt-get install chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium) - browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
