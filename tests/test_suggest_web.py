"""`POST /suggest` and the Suggest page of `gfa serve` (issue #23): the same round as
`gfa suggest`, from a screen folder under the screen root, uploaded CIFs or typed records; the
lab template validates once filled; bad requests get 4xx with one line; the page, driven by
headless Chromium, shows each pick with its reason and downloads the template."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gfa_ml.cli.main import app as cli
from gfa_ml.data.columns import COLUMNS
from gfa_ml.web.app import create_app
from tests.conftest import NEW_FRAMEWORKS, ZIF8_CIF, ZN_IM2_CIFS, add_screen
from tests.web_support import (
    CHROMIUM,
    HKUST1,
    chromium_page,
    click_download,
    live_server,
    screenshot,
    web_home,
)

LOCAL = "http://127.0.0.1"
SCREEN = "screens/candidates"

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    with web_home(tmp_path_factory.mktemp("home")) as root:
        add_screen(root, "candidates", [*NEW_FRAMEWORKS, *ZN_IM2_CIFS, ZIF8_CIF])
        yield root


@pytest.fixture(scope="module")
def client(home) -> TestClient:
    return TestClient(create_app(), base_url=LOCAL)


def _fill(template: str, path: Path) -> Path:
    """The template as a lab fills it: each material decomposed before melting at the median
    measured Td of its family (values of the measured table)."""
    from gfa_ml.data.measured import load_measured

    table = load_measured()
    td = table[table["Td_K"].notna()].groupby("family")["Td_K"].median()
    lab = pd.read_csv(io.StringIO(template), dtype=str, keep_default_na=False)
    lab["meltable"], lab["glass_formed"] = "no", "no"
    lab["Td_K"] = [f"{td.get(f, td.median()):.1f}" for f in lab["family"]]
    lab["lab_notebook_id"] = [f"NB-23-{i:03d}" for i in range(len(lab))]
    lab["date"] = "2026-05-04"
    lab.to_csv(path, index=False)
    return path


def test_a_screen_folder_gives_the_round_gfa_suggest_gives(client, home, tmp_path) -> None:
    res = client.post("/suggest?format=csv", json={"folder": SCREEN, "budget": 3})
    assert res.status_code == 200
    out = tmp_path / "cli.csv"
    ran = CliRunner().invoke(cli, ["suggest", str(home / SCREEN), "--budget", "3", "--no-track",
                                   "-o", str(out)])
    assert ran.exit_code == 0, ran.output
    assert res.text == out.read_text()  # byte for byte: ids, p, reasons, sources
    body = client.post("/suggest", json={"folder": SCREEN, "budget": 3}).json()
    s = pd.DataFrame(body["suggestions"])
    assert len(s) == 3 and s["composition"].is_unique and set(s["id"]) <= set(NEW_FRAMEWORKS)
    # ZIF-4 and its Zn(Im)2 polymorphs, and ZIF-8, are measured materials
    assert body["left_out"] == {"already measured": 4} and body["n_candidates"] == 8
    assert s["reason"].str.contains("P\\(melts before decomposing\\)").all()
    assert body["columns"] == list(pd.read_csv(out).columns)


def test_the_template_validates_once_filled(client, tmp_path) -> None:
    from gfa_ml.data.validate import validate_file

    res = client.post("/suggest?format=template",
                      json={"folder": SCREEN, "budget": 2, "strategy": "explore"})
    assert res.status_code == 200
    assert res.text.splitlines()[0].split(",") == list(COLUMNS)
    lab = _fill(res.text, tmp_path / "lab.csv")
    assert validate_file(lab) == []
    assert pd.read_csv(lab)["notes"].str.contains("suggested by gfa suggest \\(explore").all()


def test_records_and_uploads_are_candidates(client, home) -> None:
    # Co(Im)2 is ZIF-4(Co) of the measured table; Zn tetrazolate is not
    recs = [{"id": "co-im2", "metal": "Co", "ligand_smiles": "c1c[n-]cn1"},
            {"id": "zn-tz2", "metal": "Zn", "ligand_smiles": "c1nn[n-]n1"}]
    body = client.post("/suggest", json={"records": recs, "budget": 2}).json()
    assert [r["id"] for r in body["suggestions"]] == ["zn-tz2"]
    assert body["left_out"] == {"already measured": 1}
    files = [("files", (f"{n}.cif", (home / "cifs" / "candidates" / f"{n}.cif").read_bytes()))
             for n in (NEW_FRAMEWORKS[0], ZIF8_CIF)]
    res = client.post("/suggest", files=files, data={"budget": "2", "strategy": "random"})
    assert res.status_code == 200, res.text
    assert [r["id"] for r in res.json()["suggestions"]] == [NEW_FRAMEWORKS[0]]
    # the ZIF screen holds one composition nobody measured: HKUST-1
    zifs = client.post("/suggest", json={"folder": "screens/zifs", "budget": 3}).json()
    assert [r["id"] for r in zifs["suggestions"]] == [HKUST1]


def test_each_api_round_is_an_mlflow_run(client) -> None:
    import mlflow

    from gfa_ml.config import get_settings

    body = client.post("/suggest", json={"folder": SCREEN, "budget": 2,
                                         "strategy": "balanced"}).json()
    mlflow.set_tracking_uri(get_settings().paths.tracking_uri)
    run = mlflow.get_run(body["run_id"])
    assert run.data.params["candidates"] == SCREEN
    assert run.data.params["strategy"] == "balanced"


@pytest.mark.parametrize(("request_kwargs", "status", "detail"), [
    ({"json": {"folder": SCREEN, "strategy": "greedy"}}, 400, "strategy 'greedy': use one of"),
    ({"json": {"folder": SCREEN, "budget": 0}}, 400, "budget 0: between 1 and"),
    ({"json": {"folder": SCREEN, "budget": "five"}}, 400, "budget must be a whole number"),
    ({"json": {"folder": "../.."}}, 404, ""),
    ({"json": {"folder": SCREEN, "records": [{"id": "x", "metal": "Zn",
                                               "ligand_smiles": "c1nn[n-]n1"}]}}, 400,
     "give a screen folder or CIF files / records, not both"),
    ({"json": {}}, 400, "give CIF files and/or records"),
    ({"json": {"records": [{"id": "co-im2", "metal": "Co", "ligand_smiles": "c1c[n-]cn1"}]}},
     422, "nothing left to suggest from 1 candidate(s) (most common reason: already measured"),
])
def test_bad_requests_get_one_line_4xx(client, request_kwargs, status, detail) -> None:
    res = client.post("/suggest", **request_kwargs)
    assert res.status_code == status, res.text
    assert detail in res.json()["detail"] and "\n" not in res.json()["detail"]
    assert client.post("/suggest?format=xml", json={"folder": SCREEN}).status_code == 400
    assert client.get("/health").json()["status"] == "ok"


def test_the_page_lists_the_screens_and_strategies(client) -> None:
    page = client.get("/ui/suggest").text
    assert f'<option value="{SCREEN}">' in page and '<option value="screens/zifs">' in page
    for strategy in ("exploit", "explore", "balanced", "random"):
        assert f'<option value="{strategy}"' in page
    assert 'href="/ui/suggest" class="here"' in page


@pytest.mark.browser
@pytest.mark.skipif(sync_playwright is None, reason="playwright not installed (dev extra)")
@pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="headless Chromium not installed: "
                    "apt-get install chromium (.ci/run does)")
def test_suggest_page_in_a_browser_shows_reasons_and_downloads_the_template(home,
                                                                              tmp_path) -> None:
    from gfa_ml.data.validate import validate_file

    with live_server() as url, chromium_page() as page:
        page.goto(f"{url}/ui/suggest")
        page.select_option("#folder", SCREEN)
        page.fill("#budget", "3")
        page.select_option("#strategy", "explore")
        page.click("#run")
        rows = page.locator("#suggestions tbody tr")
        rows.first.wait_for(timeout=120_000)
        assert rows.count() == 3
        ids = rows.evaluate_all("rs => rs.map(r => r.dataset.id)")
        assert set(ids) <= set(NEW_FRAMEWORKS)
        for i in range(3):
            row = rows.nth(i)
            p = float(row.locator('td[data-col="p_meltable"]').inner_text().split("\n")[0])
            assert 0.0 <= p <= 1.0
            assert row.locator("td.reason").inner_text().startswith(
                "picked for what its measurement teaches")
            assert row.locator("td a").first.get_attribute("href").startswith("/ui/glasses#m-")
        assert "already measured" in page.locator("#summary").inner_text()
        screenshot(page, "suggest_page.png")
        got = click_download(page, "#template", tmp_path / "template.csv")
    tpl = pd.read_csv(got, dtype=str, keep_default_na=False)
    assert sorted(tpl["name"]) == sorted(ids)
    assert validate_file(_fill(got.read_text(), tmp_path / "lab.csv")) == []
