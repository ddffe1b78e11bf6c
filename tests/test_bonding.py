"""Bond-strength descriptors (hardness, ionicity, ligand pKa, counter-ions) on real chemistry:
the same numbers from a CoRE CIF and from the measured record of the same material."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from gfa_ml.config import get_settings
from gfa_ml.featurize import SHARED_GROUPS, GFAFeaturizer, featurize, featurize_records, groups
from gfa_ml.featurize.bonding import BOND_LABELS, BondFeaturizer, hardness, pka_class
from gfa_ml.structures.core_mof import iter_cifs

SET = "2019-ASR"
ZIF4, HKUST1, ZIF8 = "VEJYUF01_clean", "FIQCEN_clean", "OFERUN_clean"


@pytest.fixture(scope="module")
def cif_rows():
    found = dict(iter_cifs(SET, names=[ZIF4, HKUST1, ZIF8]))
    return {n: featurize((n, text, f"core-mof:{SET}")) for n, text in found.items()}


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    table = pd.read_csv(get_settings().paths.datasets / "measured" / "measured.csv", dtype=str,
                        keep_default_na=False)
    return featurize_records(table).set_index("id")


def test_bond_group_is_shared_by_cifs_and_records():
    assert "bond" in SHARED_GROUPS and groups()["bond"] == BOND_LABELS


def test_zif4_cif_and_its_measured_record_agree(cif_rows, records):
    """ZIF-4's CIF and the zif-4-zn record (Zn2+, imidazolate, N donors) give identical bond
    columns: Pearson's Zn2+ hardness, Zn-N dchi = 3.04 - 1.65, imidazole N-H pKa 14.52."""
    cif = cif_rows[ZIF4].features
    rec = records.loc["zif-4-zn"]
    assert cif_rows[ZIF4].status == "ok", cif_rows[ZIF4].error
    assert {k: cif[k] for k in BOND_LABELS} == {k: float(rec[k]) for k in BOND_LABELS}
    assert cif["metal_hardness_eV"] == pytest.approx(10.88, abs=0.01)
    assert cif["ml_delta_chi"] == pytest.approx(3.04 - 1.65)
    assert cif["ml_ionic_character"] == pytest.approx(1 - math.exp(-(1.39**2) / 4))
    assert cif["lig_pka_min"] == cif["lig_pka_mean"] == 14.52
    assert cif["lig_pka_coverage"] == 1.0 and cif["ion_counter_cation"] == 0.0


def test_zif8_methylimidazolate_is_a_more_basic_class_than_imidazolate(cif_rows, records):
    assert cif_rows[ZIF8].features["lig_pka_mean"] == records.loc["zif-8", "lig_pka_mean"]
    assert records.loc["zif-8", "lig_pka_mean"] > records.loc["zif-4-zn", "lig_pka_mean"]
    assert pka_class("Cc1ncc[n-]1") == "2-alkylimidazolate"
    assert pka_class("c1ccc2[n-]cnc2c1") == "benzimidazolate"


def test_hkust1_is_a_carboxylate_of_softer_cu2(cif_rows):
    f = cif_rows[HKUST1].features
    assert pka_class("O=C([O-])c1cc(C(=O)[O-])cc(C(=O)[O-])c1") == "aryl carboxylate"
    assert f["lig_pka_mean"] == 4.20  # benzoic acid
    assert f["metal_hardness_eV"] == pytest.approx(8.27, abs=0.01)  # Pearson: Cu2+ 8.27
    assert f["ml_delta_chi"] == pytest.approx(3.44 - 1.90)  # Cu-O


@pytest.mark.parametrize(("ion", "eta"), [(("Zn", 2), 10.88), (("Cd", 2), 10.29),
                                          (("Cu", 1), 6.28), (("Mg", 2), 32.55),
                                          (("Al", 3), 45.77)])
def test_hardness_reproduces_pearsons_table(ion, eta):
    assert hardness(*ion) == pytest.approx(eta, abs=0.02)


def test_unknown_oxidation_state_or_class_is_nan_never_a_guess(records):
    assert math.isnan(hardness("Zn", float("nan"))) and math.isnan(hardness("Zn", 2.5))
    # 2-nitroimidazolate (N-H pKa far below imidazole's) and a dinitrile match no class
    assert pka_class("[O-][N+](=O)c1ncc[n-]1") is None and pka_class("N#CCCCCC#N") is None
    nitrile = featurize({"id": "x", "metal": "Li", "ligand_smiles": "N#CCCCCC#N;[I-]"})
    assert math.isnan(nitrile.features["lig_pka_mean"])
    assert nitrile.features["lig_pka_coverage"] == 0.0
    # Cu4I4(PPh3)4: PPh3 tabulated (2.73), iodide not: half the species covered
    assert records.loc["cu4i4-pph3", "lig_pka_mean"] == 2.73
    assert records.loc["cu4i4-pph3", "lig_pka_coverage"] == 0.5


def test_counter_cations_are_told_from_cationic_ligands(records):
    """Butylammonium in (BA)2PbI4 and [NEt4]+ balance charge; a pyridyl-pyridinium still binds
    through its free pyridine N."""
    assert records.loc["ba2-pbi4", "ion_counter_cation"] == 1.0
    assert records.loc["net4-eu-dbm4", "ion_counter_cation"] == 1.0
    assert records.loc["cu2-scn3-c2bpy", "ion_counter_cation"] == 0.0
    assert records.loc["zif-4-zn", "ion_counter_cation"] == 0.0


def test_featurizers_cite_their_sources():
    cites = BondFeaturizer().citations()
    assert any("Pearson" in c and "1988" in c for c in cites)
    assert any("Pauling" in c for c in cites) and any("CRC" in c for c in cites)
    assert set(cites) <= set(GFAFeaturizer().citations())
    assert BondFeaturizer().feature_labels() == list(BOND_LABELS)
