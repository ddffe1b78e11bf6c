"""Matching labelled materials to CoRE MOF structures: on real CoRE CIFs and real measured rows."""

from __future__ import annotations

import pandas as pd
import pytest

from gfa_ml.config import get_settings
from gfa_ml.data import structure_match as sm
from gfa_ml.data.measured import load_measured, training_table
from gfa_ml.featurize.featurizer import featurize_cif
from gfa_ml.structures.core_mof import iter_cifs

CAG = (4, 11, 24, 41, 63, 91)  # ZIF-4's net
SOD = (4, 10, 20, 34, 52, 74)  # ZIF-8's net
MOF74 = (21, 72, 163, 288, 451, 648)
NAMES = ["VEJYUF01_clean", "IMIDZB10_clean", "EQOCES01_clean", "WOBHEB_clean",
         "jacs.6b02030_ja6b02030_si_003_clean"]


@pytest.fixture(scope="module")
def cifs() -> dict[str, str]:
    return dict(iter_cifs("2019-ASR", NAMES))


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return training_table(load_measured(get_settings().paths.measured_csv))


def test_metal_net_tells_zn_im2_polymorphs_apart(cifs) -> None:
    assert sm.coordination_sequence(cifs["VEJYUF01_clean"]) == CAG  # ZIF-4, cag
    assert sm.coordination_sequence(cifs["IMIDZB10_clean"]) == SOD  # sod, not zni
    assert sm.coordination_sequence(cifs["EQOCES01_clean"]) == CAG  # ZIF-4(Co)


def test_a_zn2_dobdc_isomer_is_not_mof_74(cifs) -> None:
    assert sm.coordination_sequence(cifs["WOBHEB_clean"]) == MOF74
    assert sm.coordination_sequence(cifs["jacs.6b02030_ja6b02030_si_003_clean"]) != MOF74


def test_ligand_skeleton_ignores_charge_and_resonance_form() -> None:
    assert sm.skeleton("c1c[n-]cn1") == sm.skeleton("c1c[nH]cn1")
    # dobdc4- as curated vs the quinoid dianion the CIF's bond orders are read as
    assert sm.skeleton("[O-]C(=O)c1cc([O-])c(cc1[O-])C([O-])=O") == sm.skeleton(
        "O=C([O-])C1=CC(=O)C(C(=O)[O-])=CC1=O")
    assert sm.skeleton("Cc1ncc[n-]1") != sm.skeleton("c1c[n-]cn1")
    assert sm.skeleton("not a smiles") is None


def test_composition_candidates_find_the_right_metal_and_linkers(table) -> None:
    rows = table.loc[["zif-4-co", "cpo-27-zn", "zif-8"]]
    found = sm.composition_candidates(rows, ["2019-ASR"], NAMES)
    by_row = found.groupby("id")["core_name"].apply(set).to_dict()
    assert by_row["zif-4-co"] == {"EQOCES01_clean"}  # Co(Im)2; VEJYUF01 is Zn(Im)2
    # both Zn2(dobdc) files match by composition: only the net separates the phases
    assert by_row["cpo-27-zn"] == {"WOBHEB_clean", "jacs.6b02030_ja6b02030_si_003_clean"}
    assert "zif-8" not in by_row  # Zn(mIm)2 is not Zn(Im)2


def test_a_refcode_base_is_only_a_family_match(table) -> None:
    found = sm.refcode_candidates(table.loc[["zif-zni-zn"]], ["2019-ASR"])
    assert found[["core_name", "how"]].values.tolist() == [["IMIDZB10_clean",
                                                           "refcode family"]]


def test_every_measured_cif_has_its_rows_composition(table) -> None:
    """The accepted matches (and the seed CIFs) hold: the CoRE file's featurized metals and
    metal-bound linkers are the row's metals and ligands."""
    with_cif = table[sm.has_cif(table)]
    assert len(with_cif) >= 12
    names = {p.rsplit("/", 1)[1]: mid for mid, p in with_cif["cif_path"].items()}
    assert all(p.startswith("core-mof:2019-ASR/") for p in with_cif["cif_path"])
    for name, text in iter_cifs("2019-ASR", names):
        row = table.loc[names[name]]
        labels = featurize_cif(text, name, "core-mof:2019-ASR", None).labels
        assert sm.composition(labels["metals"], labels["linkers"]) == sm.composition(
            row["metals"], row["ligand_smiles"]), name


def test_report_counts_an_accepted_match_once(table) -> None:
    lab = sm.labelled(table)
    assert {"zif-4-zn", "cpo-27-zn", "cu-scn2"} <= set(lab.index)
    assert "zn-oac2" in lab.index  # Td only: still a label for the Td model
    before = table.copy()
    before.loc[["zif-4-co", "mof-177"], "cif_path"] = ""
    cands = pd.DataFrame({"id": ["zif-4-co", "zif-4-co", "mof-177"],
                          "core_set": "2019-ASR",
                          "core_name": ["EQOCES01_clean", "NAFGOR_clean", "VOLQOD_clean"],
                          "how": "composition"})
    counts = sm.report(table, cands, before)
    assert counts["labelled rows"] == len(lab)
    assert counts["labelled rows with a CIF after"] == int(sm.has_cif(lab).sum())
    assert counts["labelled rows with a CIF before"] == counts[
        "labelled rows with a CIF after"] - 2
    assert counts["rows with candidate structures"] == 2
    assert counts["candidate structures"] == 3
    # zif-4-co's CIF is one of its candidates; mof-177's (ERIRIG) was not offered here
    assert counts["accepted matches"] == 1
