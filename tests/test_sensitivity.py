"""The sensitivity table (issue #22): what must change the model's input, and what must not.

Each "must differ" pair is two materials a chemist knows behave differently (CuCl vs CuBr vs
CuI polymers of one linker, Cu(I) vs Cu(II), a counter-cation or lattice water more or less, Zn
vs Cd); each "must match" pair is one material spelled two ways. Compared on the columns the
meltability and Tm models read (their feature set) and on the CIF-comparable ``shared`` set: a
change that makes a "must differ" pair identical, or splits a "must match" pair, fails here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gfa_ml.config import get_settings
from gfa_ml.featurize import featurize
from gfa_ml.models.features import declared_features
from gfa_ml.models.targets import TARGETS

PYZ = "c1cnccn1"  # pyrazine
PPH3 = "c1ccc(cc1)P(c1ccccc1)c1ccccc1"
C4C1PY = "CCCC[n+]1ccc(C)cc1"  # 1-butyl-4-methylpyridinium, (C4C1py)[Cu(SCN)2]
FEATURE_SETS = sorted({TARGETS["meltable"].feature_set, TARGETS["Tm_K"].feature_set, "shared"})


def _rec(metal: str, smiles: str, **extra: str) -> dict[str, str]:
    return {"id": "x", "metal": metal, "ligand_smiles": smiles, **extra}


MUST_DIFFER = {
    "CuCl vs CuBr (pyrazine)": (_rec("Cu", f"{PYZ};[Cl-]"), _rec("Cu", f"{PYZ};[Br-]")),
    "CuCl vs CuI (pyrazine)": (_rec("Cu", f"{PYZ};[Cl-]"), _rec("Cu", f"{PYZ};[I-]")),
    "CuBr vs CuI (pyrazine)": (_rec("Cu", f"{PYZ};[Br-]"), _rec("Cu", f"{PYZ};[I-]")),
    "CuCl(L) vs CuCl2(L)": (_rec("Cu", f"{PYZ}.[Cl-]"), _rec("Cu", f"{PYZ}.[Cl-].[Cl-]")),
    "Cu(I) vs Cu(II) written": (_rec("Cu(I)", f"{PYZ};[Cl-]"), _rec("Cu(II)", f"{PYZ};[Cl-]")),
    "Cu(I) thiocyanate with vs without counter-cation": (
        _rec("Cu(I)", f"[S-]C#N;{C4C1PY}"), _rec("Cu(I)", "[S-]C#N")),
    "Ag cyanide with vs without K+ (K[Ag(CN)2] vs AgCN)": (
        _rec("Ag", "[C-]#N;[K+]"), _rec("Ag", "[C-]#N")),
    "CuCl2(pyz) dihydrate vs anhydrous (formula)": (
        _rec("Cu", f"{PYZ}.[Cl-].[Cl-]", formula="CuCl2(C4H4N2)·2H2O"),
        _rec("Cu", f"{PYZ}.[Cl-].[Cl-]", formula="CuCl2(C4H4N2)")),
    "aqua ligand vs none": (_rec("Zn", "c1c[n-]cn1;O"), _rec("Zn", "c1c[n-]cn1")),
    "Zn vs Cd imidazolate": (_rec("Zn", "c1c[n-]cn1"), _rec("Cd", "c1c[n-]cn1")),
}
MUST_MATCH = {
    "imidazole vs imidazolate (ZIF-4 linker)": (_rec("Zn", "c1cnc[nH]1"), _rec("Zn", "c1c[n-]cn1")),
    "1,2,4-triazolate resonance forms": (_rec("Zn", "c1nc[n-]n1"), _rec("Zn", "[n-]1cnnc1")),
    "'.' vs ';' between ligands (Cu4I4(PPh3)4)": (_rec("Cu", f"[I-].{PPH3}"),
                                                  _rec("Cu", f"[I-];{PPH3}")),
    "repeated chloride, '.' vs ';'": (_rec("Cu", f"{PYZ}.[Cl-].[Cl-]"),
                                      _rec("Cu", f"{PYZ};[Cl-];[Cl-]")),
    "Cu(I) vs Cu+": (_rec("Cu(I)", f"{PYZ};[Cl-]"), _rec("Cu+", f"{PYZ};[Cl-]")),
    "Cu(II) vs Cu2+": (_rec("Cu(II)", f"{PYZ};[Cl-]"), _rec("Cu2+", f"{PYZ};[Cl-]")),
    "Cu(I) written vs oxidation_state column": (
        _rec("Cu(I)", f"{PYZ};[Cl-]"), _rec("Cu", f"{PYZ};[Cl-]", oxidation_state="1")),
    "Cu(I) written vs inferred from CuCl(L)": (_rec("Cu(I)", f"{PYZ};[Cl-]"),
                                               _rec("Cu", f"{PYZ};[Cl-]")),
}


def _vector(record: dict[str, str], feature_set: str) -> np.ndarray:
    row = featurize(record)
    assert row.status == "ok", row.error
    return np.array([row.features[c] for c in declared_features(feature_set)], dtype=float)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


@pytest.mark.parametrize("feature_set", FEATURE_SETS)
@pytest.mark.parametrize("pair", sorted(MUST_DIFFER))
def test_must_differ(pair: str, feature_set: str) -> None:
    a, b = MUST_DIFFER[pair]
    assert not _same(_vector(a, feature_set), _vector(b, feature_set)), pair


@pytest.mark.parametrize("feature_set", FEATURE_SETS)
@pytest.mark.parametrize("pair", sorted(MUST_MATCH))
def test_must_match(pair: str, feature_set: str) -> None:
    a, b = MUST_MATCH[pair]
    assert _same(_vector(a, feature_set), _vector(b, feature_set)), pair


@pytest.mark.skipif(not get_settings().paths.measured_csv.exists(),
                    reason="curated measured table not present")
def test_the_models_do_not_answer_one_thing_for_every_copper_halide(tmp_path) -> None:
    """Cu + pyrazine with Cl-, Br-, I-, 2 Cl- or nothing: untuned models trained on the measured
    table do not give all five one P(meltable) and one Tm (they could only, before #22)."""
    from gfa_ml.models.predict import load_models, predict_frame
    from tests.conftest import project_home

    smiles = [f"{PYZ}.[Cl-]", f"{PYZ}.[Br-]", f"{PYZ}.[I-]", f"{PYZ}.[Cl-].[Cl-]", PYZ]
    records = pd.DataFrame({"id": [f"cu-pyz-{k}" for k in range(5)], "metal": "Cu",
                            "ligand_smiles": smiles})
    with project_home(tmp_path, train=("meltable", "Tm_K")):
        pred = predict_frame(records, load_models(), tct=False)
    assert pred["p_meltable"].notna().all() and pred["Tm_K"].notna().all()
    assert pred["p_meltable"].nunique() > 1 and pred["Tm_K"].nunique() > 1
