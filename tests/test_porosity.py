"""Pore columns of CIFs outside CoRE: Zeo++ through pyzeo (void fraction, LCD and PLD close to the
Zeo++ numbers CoRE ships), the grid estimate as fallback, and a Zeo++ crash that costs one cell
its Zeo++ numbers, never the batch."""

from __future__ import annotations

import math

import pytest

from gfa_ml.config import overridden, using
from gfa_ml.featurize import featurize_cif
from gfa_ml.featurize.cache import cache_key
from gfa_ml.structures import core_mof
from gfa_ml.structures.core_mof import iter_cifs

pytest.importorskip("pyzeo")

SET = "2019-ASR"
ZIF4 = "VEJYUF01_clean"
CRASH = "ACUFEK_clean"  # Zeo++ exit(): "Unable to add edge because nodes have not been added"


@pytest.fixture(scope="module")
def cifs() -> dict[str, str]:
    return dict(iter_cifs(SET, names=[ZIF4, CRASH]))


def test_a_cif_outside_core_gets_zeopp_pores_close_to_cores(cifs):
    """ZIF-4 read as a user's file (no CoRE look-up): Zeo++ void fraction, LCD and PLD within
    the non-high-accuracy tolerance of CoRE's (0.5648, 5.24 A, 2.60 A); the grid had no PLD."""
    row = featurize_cif(cifs[ZIF4], ZIF4, "my_export/VEJYUF01.cif")
    core = core_mof.properties(SET).loc[ZIF4]
    f = row.features
    assert "pore" not in row.nan_reasons
    assert f["pore_void_fraction"] == pytest.approx(core["AV_VF"], abs=0.01)
    assert f["pore_lcd"] == pytest.approx(core["LCD"], abs=0.3)
    assert f["pore_pld"] == pytest.approx(core["PLD"], abs=0.2)


def test_grid_backend_is_a_config_choice_and_part_of_the_cache_key(cifs):
    zeo_key = cache_key(cifs[ZIF4], ZIF4, "file.cif", 5000)
    with using(overridden(featurize={"pore_backend": "grid"})):
        row = featurize_cif(cifs[ZIF4], ZIF4, "file.cif")
        assert cache_key(cifs[ZIF4], ZIF4, "file.cif", 5000) != zeo_key
    assert math.isnan(row.features["pore_pld"]) and "percolation" in row.nan_reasons["pore"]
    assert 0.4 < row.features["pore_void_fraction"] < 0.7


def test_a_zeopp_crash_falls_back_to_the_grid_with_the_reason(cifs):
    row = featurize_cif(cifs[CRASH], CRASH, "file.cif")
    assert row.status == "ok", row.error
    assert "Zeo++ failed" in row.nan_reasons["pore"]
    assert math.isnan(row.features["pore_pld"]) and row.features["pore_lcd"] > 0


def test_core_mof_2014_cells_get_computed_pores_not_an_error() -> None:
    """The core-mof package's 2014 table lists names only (no Zeo++ columns): its CIFs were all
    errors (KeyError 'AV_VF'); they now get the computed estimate like any other CIF."""
    from gfa_ml.featurize import featurize_many
    from gfa_ml.structures.inputs import iter_inputs

    items = list(iter_inputs(["core-mof:2014"], names=["ABAVIJ_clean"]))
    row = featurize_many(items, n_jobs=1, cache=False, progress=False).iloc[0]
    assert row["status"] == "ok", row["error"]
    assert 0.0 < row["pore_void_fraction"] < 1.0 and row["pore_lcd"] > 2.0
