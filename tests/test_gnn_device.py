"""``--device cuda`` without a GPU: one clear line, before any graph is built or epoch run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from gfa_ml.gnn.model_adapter import GNNScratch
from gfa_ml.gnn.train import DeviceError, resolve_device

no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is visible here")


def test_cpu_resolves_and_unknown_devices_fail_in_one_line() -> None:
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(DeviceError, match="unknown device 'gpu'") as err:
        resolve_device("gpu")
    assert "\n" not in str(err.value)


@no_gpu
def test_cuda_without_gpu_is_a_clear_error() -> None:
    with pytest.raises(DeviceError, match=r"torch.cuda.is_available\(\) is False") as err:
        resolve_device("cuda")
    assert "\n" not in str(err.value)
    # the adapter checks before building graphs (ZIF-4 as metal + imidazolate record)
    X = pd.DataFrame({"cif_path": [""], "metals": ["Zn"], "oxidation_states": ["2"],
                      "ligand_smiles": ["c1c[n-]cn1"]})
    with pytest.raises(DeviceError, match="use --device cpu"):
        GNNScratch(device="cuda", epochs=1).fit(X, np.array([565.0]))


@no_gpu
def test_cli_pretrain_on_cuda_without_gpu_prints_one_line() -> None:
    from typer.testing import CliRunner

    from gfa_ml.cli.main import app

    res = CliRunner().invoke(app, ["gnn", "pretrain", "--device", "cuda", "--limit", "4"])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: device 'cuda' requested"), res.output
    assert "Traceback" not in res.output


@no_gpu
@pytest.mark.parametrize("command", [["train", "-t", "Tg", "-m", "gnn"],
                                     ["compare", "-m", "xgb,gnn", "-t", "Tg"]])
def test_cli_train_and_compare_refuse_cuda_without_gpu(command: list[str]) -> None:
    """The check runs before any data is loaded or model fitted: exit 1, one line."""
    from typer.testing import CliRunner

    from gfa_ml.cli.main import app

    res = CliRunner().invoke(app, [*command, "--device", "cuda"])
    assert res.exit_code == 1
    assert "torch.cuda.is_available() is False" in res.output
    assert "Traceback" not in res.output


def test_cli_train_epochs_caps_the_network_training(tmp_path) -> None:
    """``gfa train -m gnn_scratch --epochs 2`` on the curated Tg glasses: every fit (five CV
    folds and the final one) stops at 2 epochs, where the settings default would run 30."""
    from typer.testing import CliRunner

    from gfa_ml.cli.main import app
    from gfa_ml.config import get_settings
    from gfa_ml.models.store import latest_dir, load_bundle
    from tests.conftest import project_home

    with project_home(tmp_path, train=()) as home:
        default = get_settings().gnn.epochs
        res = CliRunner().invoke(app, ["train", "-t", "Tg", "-m", "gnn_scratch", "--epochs", "2",
                                       "--trials", "0", "--tracking-uri",
                                       f"sqlite:///{home / 'mlruns.db'}"])
        assert res.exit_code == 0, res.output
        bundle = load_bundle(latest_dir("Tg_K", "gnn_scratch"))
        assert default > 2 and len(bundle.model.history_) == 2
        assert np.isfinite(bundle.meta.interval["q"])
