"""The screening list's links to the measured table (issue #21), on the shipped list and real
CoRE CIFs: a `measured_id` means the same phase, and the new entries are new compositions."""

from __future__ import annotations

import pytest

from gfa_ml.config import get_settings
from gfa_ml.data import structure_match as sm
from gfa_ml.data.measured import load_measured, training_table
from gfa_ml.screen.enrichment import load_known
from gfa_ml.structures.core_mof import iter_cifs

TERE = "[O-]C(=O)c1ccc(cc1)C([O-])=O"


@pytest.fixture(scope="module")
def known():
    return load_known()


@pytest.fixture(scope="module")
def table():
    return training_table(load_measured(get_settings().paths.measured_csv))


def test_wrong_phase_entries_are_gone_and_imidzb10_is_unlinked(known) -> None:
    ids = set(known["core_id"])
    assert "jacs.6b02030_ja6b02030_si_003_clean" not in ids  # a MOF-74 isomer, not MOF-74
    assert "VOLQOD_clean" not in ids  # a denser Zn-BTB phase, not MOF-177
    imidzb10 = known.set_index("core_id").loc["IMIDZB10_clean"]
    assert imidzb10.isna()["measured_id"]  # sod Zn(Im)2 is not the zni row (refcode IMIDZB)
    assert "zif-zni-zn" in imidzb10["note"]


def test_linked_entries_share_the_net_of_the_measured_structure(known, table) -> None:
    """Each listed entry of a measured material with a CIF has that CIF's metal net."""
    linked = known.dropna(subset=["measured_id"])
    cif_of = {m: table.loc[m, "cif_path"].rsplit("/", 1)[1] for m in set(linked["measured_id"])
              if sm.has_cif(table.loc[[m]]).iloc[0]}
    assert {"zif-4-zn", "zif-8", "cpo-27-zn", "mof-177", "zif-4-co"} <= set(cif_of)
    names = set(linked["core_id"]) | set(cif_of.values())
    nets = {n: sm.coordination_sequence(t) for n, t in iter_cifs("2019-ASR", names)}
    odd = {row.core_id for row in linked.itertuples()
           if row.measured_id in cif_of and nets[row.core_id] != nets[cif_of[row.measured_id]]}
    assert odd == {"WIZDEP_clean"}  # MOF-74 cell; one long Zn-O contact changes its net


def test_new_entries_are_compositions_outside_the_measured_table(known, table) -> None:
    new = known[known["group"].isin(["MIL-53(Al)", "UiO-66"])]
    assert len(new) == 22 and new["measured_id"].isna().all()
    assert set(new["melts"]) == {"no"} and set(new["support"]) == {"inferred"}
    trained = {sm.composition(r.metals, r.ligand_smiles) for r in table.itertuples()}
    assert sm.composition("Al", TERE) not in trained
    assert sm.composition("Zr", TERE) not in trained
