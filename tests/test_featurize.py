"""Featurizer on real CoRE MOF 2019-ASR structures and on SMILES-only records.

The shared columns (metal_*, node_cn, node_donor_*, net_dim, lig_*) must come out identical
whether a ZIF is described by its CIF or by 'Zn + ligand SMILES'.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gfa_ml.featurize import (
    SHARED_GROUPS,
    FeatureRow,
    feature_labels,
    featurize,
    featurize_many,
    featurize_records,
    groups,
)
from gfa_ml.structures.core_mof import iter_cifs

ZIF8, HKUST1, ZIF4, ZNI = "OFERUN_clean", "FIQCEN_clean", "VEJYUF_clean", "IMIDZB10_clean"
# Verified by inspection: both stay low-dimensional with metal-ligand tolerances up to 1.0 A,
# DUQRUD's periodic translations all lie in the ab plane (Cd anthracenedicarboxylate layers
# capped by chelating pyridylpyrazole); BIRGIU is a Mn/azide/bromide chain.
LOW_DIM = {"2D": "DUQRUD_clean", "1D": "BIRGIU_clean"}
NAMES = [ZIF8, HKUST1, ZIF4, ZNI, *LOW_DIM.values()]
SET = "2019-ASR"
SOURCE = f"core-mof:{SET}"

MIM = "Cc1ncc[n-]1"  # 2-methylimidazolate
IM = "c1c[n-]cn1"  # imidazolate
BIM = "c1ccc2[n-]cnc2c1"  # benzimidazolate
BTC = "O=C([O-])c1cc(C(=O)[O-])cc(C(=O)[O-])c1"  # benzene-1,3,5-tricarboxylate
KEY_LIG = (
    "lig_heavy_atoms",
    "lig_rings",
    "lig_aromatic_rings",
    "lig_n_N",
    "lig_n_O",
    "lig_donor_sites",
    "lig_has_methyl",
    "lig_charge",
)


@pytest.fixture(scope="module")
def cifs() -> dict[str, str]:
    found = dict(iter_cifs(SET, names=NAMES))
    assert set(found) == set(NAMES)
    return found


@pytest.fixture(scope="module")
def rows(cifs) -> dict[str, FeatureRow]:
    return {name: featurize((name, text, SOURCE)) for name, text in cifs.items()}


def _shared(row: FeatureRow) -> dict[str, float]:
    cols = [c for g in SHARED_GROUPS for c in groups()[g]]
    return {c: row.features[c] for c in cols}


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_zif8_node_network_and_linker(rows):
    f = rows[ZIF8].features
    assert rows[ZIF8].status == "ok", rows[ZIF8].error
    assert f["metal_Z"] == 30 and f["metal_ox"] == 2 and f["metal_d_electrons"] == 10
    assert f["node_cn"] == 4
    assert f["node_donor_N"] == 1 and f["node_donor_O"] == 0
    assert f["node_nuclearity"] == 1 and f["net_connectivity"] == 4
    assert f["net_dim"] == 3
    assert 1.95 < f["node_bond_mean"] < 2.05  # Zn-N ~2.0 A
    assert f["pore_lcd"] == pytest.approx(11.5, abs=0.1)  # CoRE metadata


def test_crystal_rows_name_their_metals_and_linkers(rows):
    """The text labels screens filter on: ZIF-8 = Zn + 2-methylimidazolate, HKUST-1 = Cu + BTC,
    ZIF-4 = Zn + imidazolate; they are not model features."""
    from gfa_ml.featurize.batch import output_columns
    from gfa_ml.models.features import declared_features

    # linker instances per cell: Zn6(mIm)12, Cu12(BTC)8 (Cu3(BTC)2), zni Zn6(Im)12
    assert rows[ZIF8].labels == {"metals": "Zn", "linkers": MIM, "linker_counts": "12"}
    assert rows[HKUST1].labels == {"metals": "Cu", "linkers": BTC, "linker_counts": "8"}
    assert rows[ZNI].labels == {"metals": "Zn", "linkers": IM, "linker_counts": "12"}
    assert {"metals", "linkers", "linker_counts"} <= set(output_columns())
    assert not {"metals", "linkers", "linker_counts"} & set(declared_features("all"))


def test_zif8_cif_and_smiles_record_share_identical_features(rows):
    record = featurize(
        {"id": "zif-8", "metal": "Zn", "oxidation_state": 2, "coordination_number": 4,
         "donor_atoms": "N", "dimensionality": "3D", "ligand_smiles": MIM}
    )
    cif, rec = _shared(rows[ZIF8]), _shared(record)
    assert [k for k in cif if not _same(cif[k], rec[k])] == []
    assert rec["lig_heavy_atoms"] == 6 and rec["lig_has_methyl"] == 1


def test_zif4_linker_is_imidazolate_despite_disordered_rings(rows):
    row = rows[ZIF4]
    assert row.status == "ok", row.error
    assert "disorder" in row.nan_reasons  # 8 of 32 rings overlap in this CIF
    lig_cif = {k: row.features[k] for k in KEY_LIG}
    lig_rec = {k: featurize({"id": "im", "metal": "Zn", "ligand_smiles": IM}).features[k]
               for k in KEY_LIG}
    assert lig_cif == lig_rec
    assert row.features["net_dim"] == 3 and row.features["node_cn"] == 4


def test_hkust1_paddlewheel_and_btc(rows):
    row = rows[HKUST1]
    f = row.features
    assert row.status == "ok", row.error
    assert f["metal_Z"] == 29 and f["metal_ox"] == 2
    assert f["node_nuclearity"] == 2  # Cu2 paddlewheel
    assert f["node_donor_O"] == 1 and f["node_donor_N"] == 0
    assert f["net_dim"] == 3
    btc = featurize({"id": "btc", "metal": "Cu", "ligand_smiles": BTC}).features
    assert {k: f[k] for k in KEY_LIG} == {k: btc[k] for k in KEY_LIG}
    assert f["lig_heavy_atoms"] == 15 and f["lig_grp_carboxylate"] == 1 and f["lig_charge"] == -3


@pytest.mark.parametrize("dim, name", [(2, LOW_DIM["2D"]), (1, LOW_DIM["1D"])])
def test_low_dimensional_networks(rows, dim, name):
    row = rows[name]
    assert row.status == "ok", row.error
    assert row.features["net_dim"] == dim


@pytest.mark.parametrize(
    "smiles, rings, aromatic, n_N, heavy",
    [(IM, 1, 1, 2, 5), (BIM, 2, 2, 2, 9), (MIM, 1, 1, 2, 6)],
)
def test_smiles_records_ring_and_heteroatom_counts(smiles, rings, aromatic, n_N, heavy):
    row = featurize({"id": "x", "metals": "Zn", "ligand_smiles": smiles})
    f = row.features
    assert row.status == "ok"
    assert (f["lig_rings"], f["lig_aromatic_rings"], f["lig_n_N"], f["lig_heavy_atoms"]) == (
        rings, aromatic, n_N, heavy
    )
    assert f["lig_n_O"] == 0 and f["lig_grp_azolate"] == 1 and f["lig_donor_sites"] == 2
    # structure-only groups are NaN for a record, and the record says why
    assert math.isnan(f["struct_density"]) and "struct" in row.nan_reasons


def test_mixed_linker_record_weights_by_fraction():
    df = pd.DataFrame(
        [{"id": "zif-62", "metals": "Zn", "oxidation_states": "2", "ligands": "Im;bIm",
          "ligand_smiles": f"{IM};{BIM}", "linker_fractions": "Im=1.75;bIm=0.25",
          "dimensionality": "3D", "coordination_number": "4", "donor_atoms": "N"}]
    )
    out = featurize_records(df)
    assert out.loc[0, "status"] == "ok"
    assert out.loc[0, "lig_heavy_atoms"] == pytest.approx(0.875 * 5 + 0.125 * 9)
    assert out.loc[0, "lig_n_distinct"] == 2 and out.loc[0, "net_dim"] == 3
    assert list(out.columns[1:-3]) == feature_labels()


def test_bad_records_are_error_rows_not_exceptions():
    df = pd.DataFrame(
        [{"id": "a", "metals": "", "ligand_smiles": IM},
         {"id": "b", "metals": "Zn", "ligand_smiles": "c1c[n-"},
         {"id": "c", "metals": "Xq", "ligand_smiles": IM}]
    )
    out = featurize_records(df)
    assert out["status"].tolist() == ["error"] * 3
    assert all(isinstance(e, str) and e and "\n" not in e for e in out["error"])


def test_determinism(cifs, rows):
    again = featurize((ZIF8, cifs[ZIF8], SOURCE))
    a = np.array([rows[ZIF8].features[k] for k in feature_labels()])
    b = np.array([again.features[k] for k in feature_labels()])
    np.testing.assert_array_equal(a, b)


def test_batch_cache_hits_and_no_cache_recomputes(cifs, tmp_path):
    items = [(n, cifs[n], SOURCE) for n in (ZIF8, ZNI)] + [("junk", "not a cif", "x.cif")]
    first = featurize_many(items, n_jobs=1, cache_dir=tmp_path, progress=False)
    assert first.attrs["cache_hits"] == 0
    assert first["status"].tolist() == ["ok", "ok", "error"]
    warm = featurize_many(items, n_jobs=1, cache_dir=tmp_path, progress=False)
    assert warm.attrs["cache_hits"] == 3
    pd.testing.assert_frame_equal(first, warm, check_dtype=False)
    cold = featurize_many(items, n_jobs=1, cache=False, cache_dir=tmp_path, progress=False)
    assert cold.attrs["cache_hits"] == 0
    pd.testing.assert_frame_equal(first, cold, check_dtype=False)


def test_process_pool_matches_serial(cifs, tmp_path):
    items = [(n, cifs[n], SOURCE) for n in (ZIF8, HKUST1, ZNI)]
    serial = featurize_many(items, n_jobs=1, cache=False, cache_dir=tmp_path, progress=False)
    pooled = featurize_many(items, n_jobs=2, cache=False, cache_dir=tmp_path, progress=False)
    pd.testing.assert_frame_equal(serial, pooled)
    assert pooled["id"].tolist() == [ZIF8, HKUST1, ZNI]


@pytest.mark.parametrize(
    "text, reason",
    [
        ("data_x\n_cell_length_a 10\n_cell_length_b 10\n_cell_length_c 10\n"
         "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
         "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n"
         "_atom_site_fract_y\n_atom_site_fract_z\nC1 C 0 0 0\nO1 O 0.113 0 0\n", "no metal"),
    ],
)
def test_no_metal_is_error(text, reason):
    row = featurize(("co", text, "x.cif"))
    assert row.status == "error" and reason in row.error


def test_max_atoms_and_missing_hydrogens(cifs):
    big = featurize((ZIF8, cifs[ZIF8], SOURCE), max_atoms=100)
    assert big.status == "error" and "max_atoms=100" in big.error
    lines = [ln for ln in cifs[ZIF8].splitlines() if ln.split()[1:2] != ["H"]]
    no_h = featurize(("noH", "\n".join(lines), "x.cif"))
    # ZIF-8 without H: the node and the structure are still there, the ligand is not perceived
    assert no_h.status == "partial" and "hydrogens missing" in no_h.error
    assert np.isnan(no_h.features["lig_mw"]) and no_h.features["node_cn"] == 4.0


def test_isolated_solvent_is_ignored_for_ligands(cifs):
    # add one free water molecule far from the framework atoms' bonds: ligands unchanged
    water = ("Ow O 0.0000 0.0000 0.0000 0.01 Uiso 1.00\n"
             "Hw1 H 0.0650 0.0000 0.0000 0.01 Uiso 1.00\n"
             "Hw2 H 0.0000 0.0650 0.0000 0.01 Uiso 1.00\n")
    wet = featurize(("wet", cifs[ZIF8].rstrip() + "\n" + water, "x.cif"))
    dry = featurize(("dry", cifs[ZIF8], "x.cif"))
    assert wet.status == "ok", wet.error
    assert wet.features["struct_n_atoms"] == dry.features["struct_n_atoms"] + 3
    assert {k: wet.features[k] for k in KEY_LIG} == {k: dry.features[k] for k in KEY_LIG}


@pytest.mark.parametrize(
    "smiles",
    [MIM, IM, BIM, BTC, "N#C[N-]C#N", "N#C[S-]", "[C-]#N", "O=S(=O)([O-])c1ccccc1",
     "O=C([O-])c1ccc([N+](=O)[O-])cc1", "O=P([O-])([O-])c1ccccc1", "C[N+](C)(C)C",
     "c1cc(-c2ccncc2)ccn1", "O=C([O-])C(=O)[O-]", "[O-]c1ccccc1",
     "O=C([O-])c1cc(C(=O)[O-])cc(N2C(=O)c3ccc4c5c(ccc(c35)C2=O)C(=O)N(c2cc(C(=O)[O-])cc"
     "(C(=O)[O-])c2)C4=O)c1"],
)
def test_bond_orders_recovered_from_connectivity_alone(smiles):
    from rdkit import Chem

    from gfa_ml.featurize.linkers import to_smiles

    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    symbols = [a.GetSymbol() for a in mol.GetAtoms()]
    bonds = [(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in mol.GetBonds()]
    got, charge = to_smiles(symbols, bonds)
    assert got == Chem.CanonSmiles(smiles)
    assert charge == Chem.GetFormalCharge(mol)


@pytest.mark.parametrize("smiles", [MIM, IM, BIM, BTC])
def test_hydrogen_free_linkers_are_rejected(smiles):
    from rdkit import Chem

    from gfa_ml.featurize.linkers import BondOrderError, to_smiles

    mol = Chem.MolFromSmiles(smiles)
    symbols = [a.GetSymbol() for a in mol.GetAtoms()]
    bonds = [(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in mol.GetBonds()]
    with pytest.raises(BondOrderError, match="hydrogens missing"):
        to_smiles(symbols, bonds)


def test_pymatgen_structure_and_matminer_contract(cifs, rows):
    from gfa_ml.featurize import GFAFeaturizer
    from gfa_ml.structures.cif import parse_structure

    structure = parse_structure(cifs[ZIF8], ZIF8)
    from_structure = featurize(structure)
    assert from_structure.status == "ok"
    a, b = _shared(from_structure), _shared(rows[ZIF8])
    assert [k for k in a if not _same(a[k], b[k])] == []
    fz = GFAFeaturizer()
    values = fz.featurize(structure)
    assert len(values) == len(fz.feature_labels()) == len(feature_labels())
    assert fz.citations() and fz.implementors()
