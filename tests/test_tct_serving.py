"""TCT Tg in ``gfa predict`` comes from a fitted ``tct`` model bundle; predicting never fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import project_home

BTC = "O=C([O-])c1cc(C(=O)[O-])cc(C(=O)[O-])c1"
RECORDS = pd.DataFrame([
    {"id": "zn-im", "metal": "Zn", "ligand_smiles": "c1c[n-]cn1"},  # Zn(Im)2, ZIF-4's network
    {"id": "cu-btc", "metal": "Cu", "ligand_smiles": BTC},  # HKUST-1's: no TCT family
])


def _no_fitting(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("prediction fitted a TCT calibration")

    for module in ("gfa_ml.tct.predict", "gfa_ml.models.tct_model"):
        monkeypatch.setattr(f"{module}.fit_families", refuse)


@pytest.fixture(scope="module")
def home_with_tct(tmp_path_factory):
    with project_home(tmp_path_factory.mktemp("home"), train=("Tm_K",), tct=True) as home:
        yield home


def test_predict_serves_the_fitted_tct_model_without_fitting(home_with_tct, monkeypatch):
    from gfa_ml.models.predict import featurize_inputs, load_tct, predict_frame
    from gfa_ml.tct.predict import SERVED_NOTE, predict_tg

    bundle = load_tct()
    assert bundle is not None and bundle.meta.model == "tct" and bundle.meta.target == "Tg_K"
    # what predict computed before: a calibration on the measured table at predict time
    before = predict_tg(featurize_inputs(RECORDS).reset_index()).set_index("id")
    _no_fitting(monkeypatch)
    out = predict_frame(RECORDS, explain=False).set_index("id")
    assert out.loc["zn-im", "Tg_tct_K"] == pytest.approx(before.loc["zn-im", "Tg_tct_K"])
    assert 540 < out.loc["zn-im", "Tg_tct_K"] < 600  # ZIF-4 glass: Tg 565 K
    assert out.loc["zn-im", "Tg_tct_reason"] == SERVED_NOTE
    assert np.isnan(out.loc["cu-btc", "Tg_tct_K"])
    assert "no TCT family" in out.loc["cu-btc", "Tg_tct_reason"]


def test_without_a_fitted_tct_model_predict_says_so(tmp_path, monkeypatch):
    from gfa_ml.models.predict import NO_TCT_MODEL, load_tct, predict_frame

    with project_home(tmp_path, train=("Tm_K",)):
        assert load_tct() is None
        _no_fitting(monkeypatch)
        out = predict_frame(RECORDS, explain=False)
    assert out["Tg_tct_K"].isna().all()
    assert (out["Tg_tct_reason"] == NO_TCT_MODEL).all()


def test_records_of_families_without_a_constraint_table_get_a_reason():
    """A measured row of a family TCT has no table for (carboxylate) is a reason, not a
    KeyError that costs the whole table its TCT column."""
    from gfa_ml.tct.predict import predict_tg

    rows = pd.DataFrame([{"id": "cu-btc", "family": "carboxylate", "metals": "Cu",
                          "ligand_smiles": BTC}])
    out = predict_tg(rows, training=pd.DataFrame({"Tg_K": []})).set_index("id")
    assert np.isnan(out.loc["cu-btc", "Tg_tct_K"])
    assert "carboxylate" in out.loc["cu-btc", "reason"]
