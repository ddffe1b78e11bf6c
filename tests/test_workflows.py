"""Workflows are library functions the CLI calls; settings overrides are scoped copies."""

from __future__ import annotations

from typer.testing import CliRunner

from gfa_ml import workflows
from gfa_ml.cli.main import app
from gfa_ml.config import get_settings, overridden, using
from gfa_ml.models.targets import TARGETS


def test_overrides_are_copies_scoped_to_a_block():
    defaults = get_settings()
    epochs, device = defaults.gnn.epochs, defaults.gnn.device
    copy = overridden(gnn={"epochs": epochs + 7, "device": None})
    assert copy.gnn.device == device  # None keeps the field
    with using(copy):
        assert get_settings().gnn.epochs == epochs + 7
        assert get_settings().paths.home == defaults.paths.home
    assert get_settings() is defaults
    assert (defaults.gnn.epochs, defaults.gnn.device) == (epochs, device)


def test_train_command_runs_the_workflow_under_its_overrides(monkeypatch, tmp_path):
    """``gfa train --epochs 2``: the training sees 2 epochs; the process defaults never change
    (the next command in the same process, e.g. in ``gfa demo``, gets the configured value)."""
    seen = []

    def fake_train_one(t, model, *args):
        seen.append((t.name, model, get_settings().gnn.epochs, get_settings().gnn.device))
        return workflows.Trained(t.name, model, "v1", 12, 50.0, f"trained {t.name}")

    monkeypatch.setattr(workflows, "_train_one", fake_train_one)
    before = get_settings().gnn.epochs
    result = CliRunner().invoke(app, ["train", "--target", "Tg", "--model", "dummy",
                                      "--epochs", "2", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert seen == [("Tg_K", "dummy", 2, "cpu")]
    assert get_settings().gnn.epochs == before
    assert "trained Tg_K" in result.output


def test_train_targets_skips_what_the_model_cannot_serve(monkeypatch):
    from gfa_ml.models.training_data import load_tables

    monkeypatch.setattr(workflows, "_train_one", lambda t, m, *a: workflows.Trained(
        t.name, m, "v1", 1, 0.0, t.name))
    warned: list[str] = []
    table, _ = load_tables()
    done = workflows.train_targets([TARGETS["meltable"], TARGETS["Tg_K"]], "rule_2_3", table,
                                   None, log=lambda s: None, warn=warned.append)
    assert [d.target for d in done] == ["Tg_K"]
    assert warned == ["skipped meltable: model rule_2_3 does not serve it"]
