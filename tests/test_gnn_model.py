"""Crystal-graph network: wiring (overfit), invariances, determinism, transfer adapter, MLflow."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from torch_geometric.data import Batch

from gfa_ml.config import GNNConfig
from gfa_ml.data.td_proxy import load_td_proxy
from gfa_ml.gnn import checkpoint, train
from gfa_ml.gnn.crystal_graph import crystal_graph
from gfa_ml.gnn.model import CrystalGNN
from gfa_ml.gnn.model_adapter import GNNFineTuned, GNNFrozen, GNNScratch
from gfa_ml.models.registry import get_model_class
from gfa_ml.models.targets import TARGETS
from gfa_ml.structures.cif import parse_structure
from gfa_ml.structures.core_mof import iter_cifs

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# twenty of the smallest Td-proxy cells (20-28 atoms), real TGA Td targets
SMALL = ["LUFQUZ_clean", "PEWFII_clean", "SAYTUJ_clean", "JEXWUF_clean", "JEXXAM_clean",
         "KAPHAL_clean", "NIWZIE12_clean", "RUGGIL_clean", "RUGGOR_clean", "RUGGUX_clean",
         "RUGHOS_clean", "RUGHUY_clean", "RUGJAG_clean", "RUGJEK_clean", "SUCLOT_clean",
         "AHOKIR_clean", "IQUNAJ_clean", "IZIKOT02_clean", "MILQIJ_clean", "MUPYIG_clean"]
SMALL_CFG = GNNConfig(hidden=32, n_conv=2, epochs=4, patience=2, batch_max_atoms=400)


@pytest.fixture(scope="module")
def small_set():
    texts = dict(iter_cifs("2019-ASR", names=SMALL))
    td = load_td_proxy().set_index("core_name")["Td_K"]
    graphs = [crystal_graph(parse_structure(texts[n], n)) for n in SMALL]
    return graphs, td.loc[SMALL].to_numpy(dtype=float), texts


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GFA_CACHE", str(tmp_path / "cache"))


def test_overfits_twenty_structures(small_set):
    graphs, y, _ = small_set
    ys = (y - y.mean()) / y.std()
    model = CrystalGNN(hidden=32, n_conv=2)
    cfg = SMALL_CFG.model_copy(update={"epochs": 150, "lr": 3e-3})
    history = train.fit(model, graphs, ys, cfg, val_fraction=0.0)
    first, last = history[0]["train_loss"], history[-1]["train_loss"]
    assert last < 0.1 * first
    pred = train.predict(model, graphs, 400, "cpu")[:, 0] * y.std() + y.mean()
    assert np.mean(np.abs(pred - y)) < 0.3 * np.mean(np.abs(y - y.mean()))


def test_prediction_invariant_to_translation_and_supercell(small_set):
    _, _, texts = small_set
    s = parse_structure(texts["LUFQUZ_clean"], "LUFQUZ_clean")
    moved = s.copy()
    moved.translate_sites(list(range(len(s))), [0.3, -1.2, 2.45], frac_coords=True,
                          to_unit_cell=False)
    torch.manual_seed(0)
    model = CrystalGNN(hidden=16, n_conv=2).eval()
    batch = Batch.from_data_list([crystal_graph(x) for x in (s, moved, s * (1, 2, 1))])
    with torch.no_grad():
        out = model(batch)[:, 0]
    torch.testing.assert_close(out, out[:1].expand(3), atol=1e-4, rtol=1e-4)


def _frame(names: list[str]) -> pd.DataFrame:
    """Material frame: CIF rows and record-only rows (metal + ligand SMILES), as measured."""
    rows = [{"cif_path": f"core-mof:2019-ASR/{n}", "metals": "", "oxidation_states": "",
             "ligand_smiles": ""} for n in names]
    rows += [
        {"cif_path": "", "metals": "Zn", "oxidation_states": "2", "ligand_smiles": "c1c[n-]cn1"},
        {"cif_path": "", "metals": "Co", "oxidation_states": "2",
         "ligand_smiles": "c1c[n-]cn1;c1ccc2[n-]cnc2c1"},
        {"cif_path": "", "metals": "", "oxidation_states": "", "ligand_smiles": ""},
    ]
    return pd.DataFrame(rows, index=[f"m{i}" for i in range(len(rows))])


def test_scratch_adapter_serves_crystal_and_record_rows_deterministically(small_set):
    _, y, _ = small_set
    X = _frame(SMALL[:8])
    target = np.concatenate([y[:8], [560.0, 600.0, 650.0]])
    preds = [GNNScratch(seed=3, epochs=3).fit(X, target).predict(X) for _ in range(2)]
    np.testing.assert_array_equal(preds[0], preds[1])
    fitted = GNNScratch(seed=3, epochs=1).fit(X, target)
    restored = pickle.loads(pickle.dumps(fitted))  # what `gfa train` stores via joblib
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    assert np.isfinite(preds[0][:-1]).all() and np.isnan(preds[0][-1])
    reasons = fitted.nan_reasons(X)
    assert reasons.iloc[:-1].eq("").all() and "no metals" in reasons.iloc[-1]


def test_pretrained_adapters_transfer_the_encoder(tmp_path, small_set):
    graphs, y, _ = small_set
    torch.manual_seed(0)
    pre = CrystalGNN(hidden=32, n_conv=2)
    path = tmp_path / "pre.pt"
    checkpoint.save(pre, path, cutoff_A=8.0, max_neighbors=12, y_mean=0.0, y_std=1.0)
    X = _frame(SMALL[:6])
    melt = np.array([0, 0, 1, 0, 1, 0, 1, 1, 0], dtype=float)
    frozen = GNNFrozen(task="classification", epochs=3, checkpoint_path=str(path)).fit(X, melt)
    for key, value in pre.encoder.state_dict().items():
        torch.testing.assert_close(frozen.model_.encoder.state_dict()[key], value)
    p = frozen.predict(X)
    assert np.all((p[:-1] > 0) & (p[:-1] < 1))
    tuned = GNNFineTuned(epochs=3, checkpoint_path=str(path)).fit(X, np.arange(9.0) * 10 + 500)
    w0 = pre.encoder.convs[0].node_lin.weight
    assert not torch.equal(tuned.model_.encoder.convs[0].node_lin.weight, w0)
    td = TARGETS["Td_K"]  # the pretrained encoder has seen the Td-proxy labels
    assert not GNNFineTuned.serves(td) and not GNNFrozen.serves(td) and GNNScratch.serves(td)
    with pytest.raises(FileNotFoundError, match="gfa gnn pretrain"):
        GNNFineTuned(checkpoint_path=str(tmp_path / "absent.pt")).fit(X, melt)


def test_registry_exposes_gnn_variants():
    assert get_model_class("gnn") is GNNFineTuned
    assert get_model_class("gnn_scratch") is GNNScratch


def test_pretrain_logs_to_mlflow_and_saves_checkpoint(tmp_path):
    import mlflow

    from gfa_ml.gnn.pretrain import pretrain

    uri = f"sqlite:///{tmp_path / 'mlruns.db'}"
    out = tmp_path / "gnn" / "td.pt"
    r = pretrain(SMALL_CFG.model_copy(update={"epochs": 2}), limit=12, out=out, tracking_uri=uri)
    assert out.is_file() and r.n_train + r.n_test == 12 - len(r.skipped)
    assert np.isfinite(r.test_mae_K) and r.test_mae_K < 1000
    model, meta = checkpoint.load(out)
    assert meta["target"] == "Td_K" and meta["cutoff_A"] == 8.0
    torch.manual_seed(12345)  # a different global RNG state must not change the result
    again = pretrain(SMALL_CFG.model_copy(update={"epochs": 2}), limit=12,
                     out=tmp_path / "again.pt", tracking_uri=uri)
    assert again.test_mae_K == r.test_mae_K
    for key, value in checkpoint.load(tmp_path / "again.pt")[0].state_dict().items():
        torch.testing.assert_close(value, model.state_dict()[key])
    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(search_all_experiments=True)
    assert "metrics.test_mae_K" in runs.columns and len(runs) == 2
