"""``gfa gnn``: pretrain the crystal-graph network on the Td proxy set."""

from __future__ import annotations

from pathlib import Path

import typer

from gfa_ml.cli.help import MARKUP
from gfa_ml.cli.render import console, say

app = typer.Typer(help="Crystal-graph neural network (CGCNN-style): Td pretraining.",
                  no_args_is_help=True, rich_markup_mode=MARKUP)


@app.command("pretrain")
def pretrain_cmd(
    epochs: int = typer.Option(None, help="maximum epochs (default: settings gnn.epochs)"),
    limit: int = typer.Option(None, help="use a random subset of this many Td structures"),
    device: str = typer.Option(None, help="cpu or cuda (default: settings gnn.device)"),
    seed: int = typer.Option(0, help="random seed (splits, init, batch order)"),
    out: Path = typer.Option(None, help="checkpoint path (default: models/gnn/td_pretrained.pt)"),
    tracking_uri: str = typer.Option(None, help="MLflow tracking URI"),
) -> None:
    """Pretrain on Td_K (grouped held-out split), save the encoder, print held-out MAE.

    Example, a quick CPU check on 200 structures:

        gfa gnn pretrain --limit 200 --epochs 2
    """
    from gfa_ml.config import get_settings
    from gfa_ml.gnn.pretrain import pretrain
    from gfa_ml.gnn.train import DeviceError, resolve_device

    overrides = {k: v for k, v in {"epochs": epochs, "device": device}.items() if v is not None}
    cfg = get_settings().gnn.model_copy(update=overrides)
    try:
        resolve_device(cfg.device)
    except DeviceError as exc:
        say(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    r = pretrain(cfg, limit=limit, seed=seed, out=out, tracking_uri=tracking_uri)
    console.print(
        f"Td held-out MAE {r.test_mae_K:.1f} K (train-mean baseline {r.baseline_mae_K:.1f} K); "
        f"{r.n_train} train / {r.n_test} test structures, {len(r.skipped)} skipped; "
        f"{r.epochs_run} epochs at {r.seconds_per_epoch:.1f} s/epoch "
        f"({r.cpu_seconds_per_epoch:.1f} CPU s), training "
        f"{r.train_seconds:.0f} s, graphs {r.graph_seconds:.0f} s, peak RSS {r.peak_rss_MB:.0f} MB"
    )
    console.print(f"checkpoint: {r.checkpoint}")
    for name, reason in r.skipped.items():
        console.print(f"skipped {name}: {reason}", markup=False, highlight=False)
