"""One feature engine and one CIF-reference resolver behind train, predict, screen and the GNN."""

from __future__ import annotations

import pandas as pd
import pytest

from gfa_ml.featurize import featurize_many
from gfa_ml.featurize.engine import FeatureEngine, compute_rows, output_columns
from gfa_ml.screen.filters import Filters
from gfa_ml.screen.task import ChunkTask
from gfa_ml.structures.core_mof import iter_cifs
from gfa_ml.structures.inputs import CifItem, InputError, resolve_refs

SET = "2019-ASR"
ZIF8, ZIF4 = "OFERUN_clean", "VEJYUF_clean"


@pytest.fixture(scope="module")
def cifs() -> dict[str, str]:
    return dict(iter_cifs(SET, names=[ZIF8, ZIF4]))


def test_resolver_keeps_caller_ids_for_core_structures_and_files(cifs, tmp_path):
    (tmp_path / "cifs").mkdir()
    (tmp_path / "cifs" / "zif8.cif").write_text(cifs[ZIF8])
    refs = [("zif-4", f"core-mof:{SET}/{ZIF4}"), ("zif-8", "cifs/zif8.cif"),
            ("zif-4-again", f"core-mof:{SET}/{ZIF4}")]
    items = {it.id: it for it in resolve_refs(refs, home=tmp_path)}
    assert set(items) == {"zif-4", "zif-4-again", "zif-8"}
    assert items["zif-4"].cif_text == items["zif-4-again"].cif_text == cifs[ZIF4]
    assert items["zif-4"].source == f"core-mof:{SET}"
    assert items["zif-8"].cif_text == cifs[ZIF8]
    assert items["zif-8"].source == str(tmp_path / "cifs" / "zif8.cif")


def test_resolver_is_strict_or_leaves_the_unreadable_out(tmp_path):
    with pytest.raises(InputError, match="no such CIF file"):
        list(resolve_refs([("x", "missing.cif")], home=tmp_path))
    with pytest.raises(InputError, match="unknown CoRE MOF set"):
        list(resolve_refs([("x", "core-mof:1999/ABC")], home=tmp_path))
    refs = [("x", "missing.cif"), ("y", "core-mof:1999/ABC"), ("z", f"core-mof:{SET}/NOPE")]
    assert list(resolve_refs(refs, home=tmp_path, strict=False)) == []


def test_batch_and_screen_share_keys_cache_and_rows(cifs, tmp_path, monkeypatch):
    """Rows featurize_many stored are the screen's cache hits, and the screen's own compute
    path gives the same features (ZIF-8: Zn, N-donor, 3D)."""
    monkeypatch.setenv("GFA_CACHE", str(tmp_path))
    items = [CifItem(n, cifs[n], f"core-mof:{SET}") for n in (ZIF8, ZIF4)]
    batch = featurize_many(items, n_jobs=1, progress=False)
    assert batch.attrs["cache_hits"] == 0

    engine = FeatureEngine()
    keys = [engine.key(it) for it in items]
    assert all(k in engine for k in keys)
    hits = engine.lookup(list(zip(keys, items, strict=True)))
    assert engine.hits == 2
    assert hits["source"].tolist() == [f"core-mof:{SET}"] * 2
    pd.testing.assert_frame_equal(hits[output_columns()], batch, check_dtype=False)

    fresh, to_store = ChunkTask(lambda f: f, Filters(), engine.max_atoms).featurize(items, keys)
    cols = [c for c in output_columns() if c != "nan_reasons"]
    pd.testing.assert_frame_equal(fresh[cols], batch[cols], check_dtype=False)
    assert to_store["cache_key"].tolist() == keys
    zif8 = batch.set_index("id").loc[ZIF8]
    assert (zif8["metals"], zif8["node_donor_N"], zif8["net_dim"]) == ("Zn", 1.0, 3.0)


def test_skipped_items_are_filtered_and_never_cached(cifs):
    item = CifItem(ZIF8, cifs[ZIF8], f"core-mof:{SET}")
    rows, fresh = compute_rows([item], ["k"], 5000, skip=lambda it: "max_atoms")
    assert rows == [{"id": ZIF8, "status": "filtered", "error": "max_atoms"}]
    assert fresh == []


def test_engine_writes_in_batches(cifs, tmp_path):
    engine = FeatureEngine(read=False, cache_dir=tmp_path, flush_rows=2)
    rows = [{"id": "a", "cache_key": "k1"}]
    engine.add(rows)
    assert engine.cache.parts() == []  # below the batch size: pending
    engine.add([{"id": "b", "cache_key": "k2"}])
    assert len(engine.cache.parts()) == 1
    engine.add(rows)
    engine.flush()
    assert len(engine.cache.parts()) == 2
    assert set(FeatureEngine(cache_dir=tmp_path).rows.index) == {"k1", "k2"}
