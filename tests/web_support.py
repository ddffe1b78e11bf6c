"""Shared by the web tests: a project home with trained models, real CoRE MOF CIFs on disk and
real `gfa screen` output folders under it; uvicorn on 127.0.0.1 and headless Chromium for the
browser tests."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gfa_ml.structures.core_mof import iter_cifs
from tests.conftest import project_home

#: ZIF-4, ZIF-8 and HKUST-1 in CoRE MOF 2019-ASR
ZIF4, ZIF8, HKUST1 = "VEJYUF01_clean", "OFERUN_clean", "FIQCEN_clean"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def web_home(root: Path) -> Iterator[Path]:
    """``root`` as project home: xgb models (meltable, Tm, Td), ``cifs/`` with the three CIFs
    and ``screens/zifs``, a screen of them."""
    from gfa_ml.screen.executor import ExecutorSpec
    from gfa_ml.screen.predictor import ModelPredictor
    from gfa_ml.screen.run import run_screen

    with project_home(root) as home:
        cifs = home / "cifs"
        cifs.mkdir()
        for name, text in iter_cifs("2019-ASR", names=[ZIF4, ZIF8, HKUST1]):
            (cifs / f"{name}.cif").write_text(text)
        run_screen([str(cifs)], home / "screens" / "zifs", ModelPredictor.load(),
                   executor=ExecutorSpec("local", 1))
        yield home


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server() -> Iterator[str]:
    """uvicorn serving `create_app()` (the project home in force) on a free 127.0.0.1 port, in
    a thread; yields its URL."""
    import uvicorn

    from gfa_ml.web.app import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@contextmanager
def chromium_page() -> Iterator[object]:
    """A Playwright page in headless Chromium from the distribution's packages."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser.new_context(accept_downloads=True).new_page()
        finally:
            browser.close()


#: screenshots of the pages, for a person to look at (not compared)
ARTEFACTS = Path(__file__).resolve().parents[1] / "test-output"


def screenshot(page: object, name: str, full_page: bool = True) -> None:
    """Save a screenshot of the page under test-output/."""
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / name), full_page=full_page)


def click_download(page: object, selector: str, path: Path) -> Path:
    """Click a download button and save what the browser receives at ``path``."""
    with page.expect_download() as download:
        page.click(selector)
    download.value.save_as(path)
    return path

