"""`gfa serve` in a real browser (issue #16): headless Chromium from the distribution's
packages, driven by Playwright, against uvicorn on 127.0.0.1. The Predict page reads the ZIF-4
CIF and shows P(melts before decomposing) with intervals; its CSV download is what `gfa predict`
writes for the same file; Known glasses filters to the ZIFs. Screenshots go to test-output/."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from gfa_ml.cli.main import app as cli
from tests.web_support import (
    CHROMIUM,
    ZIF4,
    chromium_page,
    click_download,
    live_server,
    screenshot,
    web_home,
)

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(sync_playwright is None, reason="playwright not installed (dev extra)"),
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="headless Chromium not installed: "
                       "apt-get install chromium (.ci/run does)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """uvicorn serving `create_app()` on a free 127.0.0.1 port, in a thread."""
    with web_home(tmp_path_factory.mktemp("home")) as home, live_server() as url:
        yield home, url


@pytest.fixture(scope="module")
def page(server):
    with chromium_page() as pg:
        yield pg


def test_predict_page_reads_zif4_and_its_csv_is_gfa_predict_output(server, page, tmp_path,
                                                                   monkeypatch) -> None:
    home, url = server
    page.goto(f"{url}/ui/predict")
    page.set_input_files("#files", str(home / "cifs" / f"{ZIF4}.cif"))
    page.click("#run")
    row = page.locator(f'#results tr[data-id="{ZIF4}"]')
    row.wait_for(timeout=60_000)
    value, call = row.locator('td[data-col="p_meltable"]').inner_text().split("\n", 1)
    assert 0.5 < float(value) <= 1.0  # ZIF-4 melts before it decomposes (a measured glass former)
    assert call.startswith("call: yes (threshold ")
    assert row.locator("td.long div").first.inner_text().startswith(("agree", "disagree",
                                                                      "undecided"))
    tm = row.locator('td[data-col="Tm_K"]').inner_text()
    value, interval = tm.split("\n", 1)
    lo, hi = (float(v) for v in interval.removeprefix("90 %: ").split(" – "))
    assert lo < float(value) < hi
    assert "zif" in row.locator("td a").first.inner_text()
    assert row.locator(".bars .main-svg").count() >= 1  # top-feature bars drawn
    screenshot(page, "predict_page.png")
    got = click_download(page, "#csv", tmp_path / "download.csv")
    monkeypatch.chdir(home / "cifs")
    res = CliRunner().invoke(cli, ["predict", f"{ZIF4}.cif", "-o", str(tmp_path / "cli.csv")])
    assert res.exit_code == 0, res.output
    assert got.read_text() == (tmp_path / "cli.csv").read_text()


def test_known_glasses_filters_to_the_zifs(server, page) -> None:
    from gfa_ml.data.measured import load_measured

    _, url = server
    table = load_measured()
    zifs = int(((table["family"] == "ZIF") & (table["exclude_reason"].fillna("") == "")).sum())
    page.goto(f"{url}/ui/glasses")
    page.select_option("#family", "ZIF")
    shown = page.locator("#materials tbody tr:visible")
    assert shown.count() == zifs > 20
    families = set(pd.Series(shown.evaluate_all("rs => rs.map(r => r.dataset.family)")))
    assert families == {"ZIF"}
    assert page.locator("#shown").inner_text() == f"{zifs} shown"
    assert page.locator("#tg-tm .main-svg").count() >= 1  # the Tg vs Tm plot
    page.fill("#search", "zif-4")
    assert 0 < page.locator("#materials tbody tr:visible").count() < zifs
    screenshot(page, "known_glasses.png", full_page=False)
