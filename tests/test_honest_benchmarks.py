"""Benchmarks that memory cannot pass: no known melter is a presumed negative, no fold trains on
its test material in disguise or, leaving a family out, on that family's chemistry."""

from __future__ import annotations

import numpy as np
import pytest

from gfa_ml.config import get_settings
from gfa_ml.evaluation.leakage import proxy_exclusions
from gfa_ml.models.fidelity import PROXY
from gfa_ml.models.identity import keys as identity_keys

ZN_IM2 = "Zn|c1c[n-]cn1"


@pytest.fixture(scope="module")
def melt_set():
    """The served meltability training set: measured labels + the Td-proxy MOFs."""
    from gfa_ml.models.targets import TARGETS
    from gfa_ml.models.training_data import FeatureSource, build_training_set, load_tables

    if not get_settings().paths.td_proxy_csv.exists():
        pytest.skip("Td proxy table not present")
    table, proxy = load_tables()
    return build_training_set(TARGETS["meltable"], table, proxy, FeatureSource(),
                              variant="proxy")


def test_composition_keys_see_through_refcodes_and_spellings() -> None:
    import pandas as pd

    rows = pd.DataFrame({"metals": ["Zn", "Zn", "Zn"],
                         "ligand_smiles": ["c1cnc[nH]1", "", ""],
                         "linkers": ["", "c1c[n-]cn1", "Cc1ncc[n-]1"]}, index=["rec", "cif", "z8"])
    k = identity_keys(rows)["composition"]
    assert k["rec"] == k["cif"] == ZN_IM2  # imidazole typed neutral = the CIF's imidazolate
    assert k["z8"] != ZN_IM2


def test_no_known_melter_is_a_presumed_negative(melt_set) -> None:
    """ZIF-4's Zn(Im)2 polymorphs sit in the Td-proxy set (HIFVOI, GOQSIQ, IMIDZB10 ...): none
    of them, and no row of the screening list that melts, may teach "decomposes first"."""
    from gfa_ml.screen.enrichment import load_known

    negatives = melt_set.X.index[melt_set.train_only]
    assert len(negatives) > 2000
    known = load_known()
    melters = set(known.loc[known["melts"] == "yes", "core_id"])
    assert {"HIFVOI_clean", "GOQSIQ_clean", "IMIDZB10_clean"} <= melters
    assert not melters & set(negatives)
    assert ZN_IM2 not in set(melt_set.keys.loc[negatives, "composition"])


def test_leaving_a_family_out_removes_its_chemistry_from_the_proxies(melt_set) -> None:
    folds = melt_set.folds("lofo")
    exclude = proxy_exclusions(melt_set, folds, "lofo")
    fold = folds.reindex(melt_set.X.index).to_numpy()
    fam = melt_set.families.to_numpy()
    proxy = (melt_set.source == PROXY).to_numpy()
    carb = int(np.unique(fold[fam == "carboxylate"])[0])
    kept = proxy & ~exclude[carb]
    # the carboxylate family's (metal, carboxylate) pairs leave with it: hundreds of MOFs
    # (Zn, Cu, Mg, Co ... carboxylates); other metals' carboxylates stay
    assert exclude[carb].sum() > 500
    pairs = frozenset().union(*melt_set.keys.loc[fam == "carboxylate", "chemistry"])
    assert not any(p & pairs for p in melt_set.keys.loc[kept, "chemistry"])
    zif = int(np.unique(fold[fam == "ZIF"])[0])
    left = melt_set.keys.loc[proxy & ~exclude[zif], "chemistry"]
    assert not any(("Zn", "azolate") in p or ("Co", "azolate") in p for p in left)


def test_a_grouped_fold_never_trains_on_its_test_material_in_disguise(melt_set) -> None:
    """alpha-Mg formate is a measured non-melter, and Mg(HCOO)2 sits in the proxy set under a
    dozen other refcodes: in the fold that tests it, none of them trains (elsewhere they do)."""
    folds = melt_set.folds("grouped")
    exclude = proxy_exclusions(melt_set, folds, "grouped")
    keys = melt_set.keys
    assert keys.loc["alpha-mg-formate", "composition"] == "Mg|O=C[O-]"
    k = int(folds["alpha-mg-formate"])
    twins = (keys["composition"] == "Mg|O=C[O-]").to_numpy() & melt_set.train_only
    assert twins.sum() >= 10
    assert exclude[k][twins].all()
    assert not any(exclude[f][twins].any() for f in exclude if f != k)


def test_a_cif_of_unknown_identity_is_taken_for_the_test_materials_twin() -> None:
    """The Td model trains on CIFs whose linkers were not perceived (no composition key, no
    ligand class): when ZIF-4 is the test material, every such CIF with zinc leaves training
    (it may be a Zn(Im)2 polymorph), and no such CIF without zinc does."""
    from gfa_ml.evaluation.answer import _held
    from gfa_ml.models.targets import TARGETS
    from gfa_ml.models.training_data import FeatureSource, build_training_set, load_tables

    if not get_settings().paths.td_proxy_csv.exists():
        pytest.skip("Td proxy table not present")
    ts = build_training_set(TARGETS["Td_K"], *load_tables(), FeatureSource())
    keys = ts.keys.reindex(ts.X.index)
    unknown = ts.partial & keys["composition"].eq("").to_numpy() & ts.fit_rows
    zinc = np.array(["Zn" in m for m in keys["metals"]])
    assert (unknown & zinc).sum() >= 10 and (unknown & ~zinc).sum() >= 10
    test = ts.X.index.isin(["zif-4-zn"])
    for scheme in ("grouped", "lofo"):
        held = _held(ts, ts.X.index[test], keys[test], set(ts.groups[test]),
                     set(ts.families[test]), scheme)
        assert held[unknown & zinc].all()
        assert not held[unknown & ~zinc].any()
