"""`gfa serve`'s REST API (issue #16), through FastAPI's TestClient: the same answers, columns
and one-line errors as `gfa predict`, on real CoRE MOF CIFs and curated records; bad uploads get
4xx and the server keeps serving; the token, size, file-count, time and path limits hold."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gfa_ml.cli.main import app as cli
from gfa_ml.config import overridden
from gfa_ml.web.app import create_app
from gfa_ml.web.security import BindError, check_bind
from tests.web_support import HKUST1, ZIF4, ZIF8, web_home

#: what a browser on this machine sends as Host (the server refuses other names)
LOCAL = "http://127.0.0.1"

@pytest.fixture(scope="module")
def home(tmp_path_factory):
    with web_home(tmp_path_factory.mktemp("home")) as root:
        yield root


@pytest.fixture(scope="module")
def client(home) -> TestClient:
    return TestClient(create_app(), base_url=LOCAL)


def _upload(home: Path, *names: str) -> list:
    return [("files", (f"{n}.cif", (home / "cifs" / f"{n}.cif").read_bytes())) for n in names]


def _cli_csv(home: Path, tmp_path: Path, monkeypatch, *args: str) -> str:
    """What `gfa predict ARGS -o out.csv` writes, run from the CIF folder (so `source` is the
    bare file name, as an upload's is)."""
    monkeypatch.chdir(home / "cifs")
    out = tmp_path / "cli.csv"
    res = CliRunner().invoke(cli, ["predict", *args, "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out.read_text()


def _healthy(client: TestClient, home: Path) -> None:
    """The server still answers, and still predicts ZIF-4."""
    assert client.get("/health").json()["status"] == "ok"
    res = client.post("/predict", files=_upload(home, ZIF4))
    assert res.status_code == 200 and res.json()["predictions"][0]["p_meltable"] > 0.5


def test_cif_upload_returns_exactly_what_gfa_predict_writes(client, home, tmp_path,
                                                            monkeypatch) -> None:
    names = (ZIF4, ZIF8, HKUST1)
    expected = _cli_csv(home, tmp_path, monkeypatch, *(f"{n}.cif" for n in names))
    res = client.post("/predict?format=csv", files=_upload(home, *names))
    assert res.status_code == 200
    assert res.text == expected  # byte for byte: same columns, order, values, sources
    body = client.post("/predict", files=_upload(home, *names)).json()
    assert body["columns"] == list(pd.read_csv(tmp_path / "cli.csv").columns)
    pred = pd.DataFrame(body["predictions"]).set_index("id")
    assert list(pred.index) == list(names)
    # partial only because Tg and Tg/Tm have no model in this home (the error column says so)
    assert (pred["status"] == "partial").all()
    assert pred["error"].str.contains("no trained model for Tg_K").all()
    # chemistry: ZIF-4 melts (a measured glass former, in domain near the ZIFs); ZIF-8 and the
    # Cu carboxylate HKUST-1 decompose first
    assert pred.loc[ZIF4, "p_meltable"] > 0.5 > pred.loc[HKUST1, "p_meltable"]
    assert pred.loc[ZIF4, "p_meltable"] > pred.loc[ZIF8, "p_meltable"]
    assert "zif" in pred.loc[ZIF4, "nearest_known"]
    assert pred.loc[ZIF4, "Tm_K_lo"] < pred.loc[ZIF4, "Tm_K"] < pred.loc[ZIF4, "Tm_K_hi"]


def test_json_records_are_read_and_predicted_as_the_cli_reads_a_records_file(
        client, home, tmp_path, monkeypatch) -> None:
    text = ("id,metal,ligand_smiles\nzn-im2,Zn,c1c[n-]cn1\n"
            "cu4i4-pph3,Cu,[I-];c1ccc(cc1)P(c1ccccc1)c1ccccc1\n")
    (tmp_path / "recs.csv").write_text(text)
    cli_out = pd.read_csv(pd.io.common.StringIO(_cli_csv(
        home, tmp_path, monkeypatch, "--records", str(tmp_path / "recs.csv"))))
    records = [{"id": "zn-im2", "metal": "Zn", "ligand_smiles": "c1c[n-]cn1"},
               {"id": "cu4i4-pph3", "metal": "Cu",
                "ligand_smiles": "[I-];c1ccc(cc1)P(c1ccccc1)c1ccccc1"}]
    res = client.post("/predict?format=csv", json={"records": records})
    assert res.status_code == 200
    api_out = pd.read_csv(pd.io.common.StringIO(res.text))
    assert list(api_out.columns) == list(cli_out.columns)
    assert (api_out["source"] == "records").all()
    pd.testing.assert_frame_equal(api_out.drop(columns="source"), cli_out.drop(columns="source"))


@pytest.mark.parametrize(("records", "message"), [
    ([{"id": "zn", "metal": "Zn"}], "records: needs the column(s) ligand_smiles"),
    ([{"id": "zn", "metal": "Zn", "ligand_smiles": "c1c[n-]cn1"},
      {"id": "zn", "metal": "Zn", "ligand_smiles": "c1cnc[nH]1"}],
     "records: id 'zn' is used more than once (lines 2, 3)"),
    ("Zn", "records must be a JSON list of objects"),
])
def test_bad_records_get_the_cli_message(client, home, records, message) -> None:
    res = client.post("/predict", json={"records": records})
    assert res.status_code == 400 and message in res.json()["detail"]
    _healthy(client, home)


@pytest.mark.parametrize(("name", "data", "status", "message"), [
    ("garbage.cif", bytes(range(256)) * 40, 422, "garbage: not a crystal CIF"),
    ("empty.cif", b"", 422, "empty: not a crystal CIF"),
    ("bad.cif.gz", b"not gzip at all", 422, "bad: not a crystal CIF"),
    ("notes.txt", b"data_x\n", 400, "notes.txt: not a .cif or .cif.gz file"),
])
def test_bad_uploads_get_4xx_with_the_cli_message(client, home, name, data, status,
                                                  message) -> None:
    res = client.post("/predict", files=[("files", (name, data))])
    assert res.status_code == status and message in res.json()["detail"]
    _healthy(client, home)


def test_a_bad_file_in_a_batch_costs_only_its_row_and_two_blocks_give_two_rows(
        client, home) -> None:
    zif4, zif8 = ((home / "cifs" / f"{n}.cif").read_text() for n in (ZIF4, ZIF8))
    both = zif4 + "\n" + zif8.replace("data_", "data_second", 1)
    files = [("files", ("two.cif", both.encode())), ("files", ("junk.cif", b"\x00\xff" * 50)),
             ("files", ("zif4.cif.gz", gzip.compress(zif4.encode())))]
    res = client.post("/predict", files=files)
    assert res.status_code == 200
    pred = pd.DataFrame(res.json()["predictions"]).set_index("id")
    assert pred.loc["junk", "status"] == "error"
    two = [i for i in pred.index if i.startswith("two#")]
    assert len(two) == 2 and (pred.loc[two, "status"] != "error").all()
    # the gzipped ZIF-4 and the first block (ZIF-4) are the same structure
    assert pred.loc[two[0], "p_meltable"] == pytest.approx(pred.loc["zif4", "p_meltable"])


def test_size_and_count_limits(home) -> None:
    settings = overridden(web={"max_upload_bytes": 100_000, "max_files": 2})
    small = TestClient(create_app(settings), base_url=LOCAL)
    big = (home / "cifs" / f"{HKUST1}.cif").read_bytes() * 10
    res = small.post("/predict", files=[("files", ("big.cif", big))])
    assert res.status_code == 413 and "limit of 0.1 MB" in res.json()["detail"]
    res = small.post("/predict", files=[("files", (f"{i}.cif", b"data_x\n")) for i in range(3)])
    assert res.status_code == 400 and "Maximum number of files is 2" in res.json()["detail"]
    res = small.post("/predict", files=_upload(home, ZIF4))
    assert res.status_code == 200


def _pathological_cif(hkust1: Path) -> str:
    """HKUST-1 as a 4x4x2 supercell (4,992 atoms, jiggled so it cannot be reduced) that still
    declares Fm-3m's 192 symmetry operations: reading it expands ~870,000 sites (~7 s here)."""
    import re

    from pymatgen.core import Structure
    from pymatgen.io.cif import CifWriter

    cell = Structure.from_file(hkust1)
    loop = r"loop_\n _symmetry_equiv_pos_site_id\n _symmetry_equiv_pos_as_xyz\n(  \d+  '[^']+'\n)+"
    fm3m = re.search(loop, str(CifWriter(cell, symprec=0.1))).group(0)
    cell.make_supercell([4, 4, 2])
    cell.perturb(0.05, min_distance=0.0)
    p1 = str(CifWriter(cell))
    return p1.replace(re.search(loop, p1).group(0), fm3m)


def test_a_cif_that_reads_too_long_is_stopped_and_the_server_keeps_serving(home) -> None:
    import multiprocessing

    slow = TestClient(create_app(overridden(web={"parse_timeout_s": 2.0})), base_url=LOCAL)
    text = _pathological_cif(home / "cifs" / f"{HKUST1}.cif")
    res = slow.post("/predict", files=[("files", ("huge.cif", text.encode()))])
    assert res.status_code == 422
    assert "took longer than 2 s" in res.json()["detail"]
    assert not [p for p in multiprocessing.active_children() if p.is_alive()]
    _healthy(slow, home)


def test_binding_beyond_localhost_needs_a_token_and_every_request_carries_it(home) -> None:
    check_bind("127.0.0.1", "")
    with pytest.raises(BindError, match="needs --token or GFA_TOKEN"):
        check_bind("0.0.0.0", "")
    env = {k: v for k, v in os.environ.items() if k != "GFA_TOKEN"}
    res = CliRunner(env=env).invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert res.exit_code == 1 and "needs --token or GFA_TOKEN" in res.output
    # a localhost server answers localhost names only: a page on another site that points its
    # own DNS name at 127.0.0.1 (DNS rebinding) is refused
    assert TestClient(create_app(), base_url="http://evil.example").get(
        "/health").status_code == 400
    guarded = TestClient(create_app(overridden(web={"token": "s3cret"})),
                         base_url="http://lab-server.example")
    assert guarded.get("/health").status_code == 401
    assert guarded.get("/health", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/health", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    res = guarded.post("/predict", files=_upload(home, ZIF4))
    assert res.status_code == 401 and "access token" in res.json()["detail"]
    # a browser opens a page once with ?token=, then the cookie carries it
    assert guarded.get("/ui/predict?token=s3cret").status_code == 200
    assert guarded.get("/materials").status_code == 200


def test_screen_folders_open_only_under_the_screen_root(client, home, tmp_path) -> None:
    assert client.get("/screens").json()["screens"] == ["screens/zifs"]
    ranked = client.get("/screens/ranked", params={"folder": "screens/zifs"}).json()
    assert {r["id"] for r in ranked["ranked"]} == {ZIF4, ZIF8, HKUST1}
    cif = client.get("/screens/cif", params={"folder": "screens/zifs", "id": ZIF8})
    assert cif.status_code == 200 and "_cell_length_a" in cif.text
    outside = tmp_path / "elsewhere"
    shutil.copytree(home / "screens" / "zifs", outside)
    (home / "screens" / "link").symlink_to(outside)
    for folder in ("..", "../..", str(outside), "screens/link", "screens/../../etc"):
        res = client.get("/screens/ranked", params={"folder": folder})
        assert res.status_code == 404 and "not a gfa screen output folder" in res.text
    # a ranked.csv naming a file outside the root never makes the server read it
    secret = tmp_path / "secret.cif"
    secret.write_text((home / "cifs" / f"{ZIF4}.cif").read_text())
    evil = home / "screens" / "evil"
    evil.mkdir()
    pd.DataFrame({"id": ["x"], "source": [str(secret)]}).to_csv(evil / "ranked.csv",
                                                                index=False)
    assert client.get("/screens/cif", params={"folder": "screens/evil", "id": "x"}
                      ).status_code == 404


def test_materials_filter_to_the_curated_zifs(client) -> None:
    from gfa_ml.data.measured import load_measured

    table = load_measured()
    usable = table[table["exclude_reason"].fillna("") == ""]
    body = client.get("/materials", params={"family": "ZIF"}).json()
    assert body["n"] == int((usable["family"] == "ZIF").sum()) > 20
    rows = {r["id"]: r for r in body["materials"]}
    assert {r["family"] for r in body["materials"]} == {"ZIF"}
    # ZIF-4: Tm 590 degC (863.15 K), Ma & Horike, Chem. Rev. 2022
    assert any(r["Tm_K"] == pytest.approx(863.15) and r["source_link"].startswith(
        "https://doi.org/10.") for i, r in rows.items() if i.startswith("zif-4"))
    hits = client.get("/materials", params={"q": "cu4i4"}).json()["materials"]
    assert hits and all("cu4i4" in r["id"].lower() or "cu4i4" in r["formula"].lower()
                        for r in hits)


def test_models_lists_the_served_versions_with_their_cv_metrics(client) -> None:
    found = client.get("/models").json()["models"]
    served = {m["target"]: m for m in found if m["serving"]}
    assert set(served) == {"meltable", "Tm_K", "Td_K"}
    assert "auc" in served["meltable"]["cv_metrics"]
    assert served["Tm_K"]["cv_metrics"]["mae"] > 0 and served["Tm_K"]["data_version"]


def test_pages_render_and_escape_user_strings(client, home) -> None:
    evil = home / "screens" / "html"
    evil.mkdir()
    ranked = pd.read_csv(home / "screens" / "zifs" / "ranked.csv")
    ranked.loc[0, "id"] = "<img src=x onerror=alert(1)>"
    ranked.to_csv(evil / "ranked.csv", index=False)
    page = client.get("/ui/screen", params={"folder": "screens/html"}).text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    for path in ("/ui/predict", "/ui/glasses", "/ui/models", "/ui/screen", "/docs"):
        assert client.get(path).status_code == 200, path
    assert client.get("/static/plotly.min.js").text.startswith("/**")


def test_prior_converts_p_and_the_answer_columns_travel_with_every_row(client, home) -> None:
    """p_meltable is at equal prior odds unless ?prior= says otherwise; the call does not move;
    the Tm/Td models' own P(Tm < Td) and the agreement in words come with every row."""
    even = client.post("/predict", files=_upload(home, ZIF4, ZIF8)).json()
    rare = client.post("/predict?prior=0.1", files=_upload(home, ZIF4, ZIF8)).json()
    a, b = (pd.DataFrame(x["predictions"]).set_index("id") for x in (even, rare))
    assert (b["p_meltable"] < a["p_meltable"]).all()
    assert (a["p_meltable_prior"] == 0.5).all() and (b["p_meltable_prior"] == 0.1).all()
    assert list(a["meltable_call"]) == list(b["meltable_call"]) == ["yes", "no"]
    assert a["p_window"].between(0, 1).all()
    assert a["agreement"].str.match(r"^(agree|disagree|undecided): ").all()
    bad = client.post("/predict?prior=1.5", files=_upload(home, ZIF4))
    assert bad.status_code == 400 and "prior" in bad.json()["detail"]


def test_screen_page_fits_the_page_and_links_every_column(client, home) -> None:
    page = client.get("/ui/screen", params={"folder": "screens/zifs"}).text
    head = page.split("<thead>")[1].split("</thead>")[0]
    assert "p_meltable" in head and "agreement" in head and "Tg_tct_reason" not in head
    full = client.get("/screens/ranked", params={"folder": "screens/zifs", "format": "csv"})
    assert full.status_code == 200
    assert "Tg_tct_reason" in full.text.splitlines()[0]
    assert full.text == (home / "screens" / "zifs" / "ranked.csv").read_text()
