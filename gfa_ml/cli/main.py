"""``gfa``: screen coordination polymers, MOFs and clusters for melting and glass formation."""

from __future__ import annotations

import typer

from gfa_ml.cli.help import MARKUP, use_readable_value_names

use_readable_value_names()
app = typer.Typer(
    name="gfa",
    help=(
        "Predict whether a coordination polymer, MOF or metal-cluster crystal melts before it "
        "decomposes (Tm < Td) and forms a glass; curate measured Tm/Td/Tg data; train, compare "
        "and screen."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=MARKUP,
    pretty_exceptions_show_locals=False,
)


def _register() -> None:
    """Attach each command group; every group lives in its own module under gfa_ml.cli."""
    from gfa_ml.cli import data as data_cli
    from gfa_ml.cli import gnn as gnn_cli
    from gfa_ml.cli import modeling  # train | evaluate | predict | compare
    from gfa_ml.cli.demo import demo
    from gfa_ml.cli.featurize import featurize_cmd
    from gfa_ml.cli.screen import screen
    from gfa_ml.cli.serve import serve
    from gfa_ml.cli.suggest import suggest
    from gfa_ml.cli.tct import tct

    app.command(name="demo")(demo)
    app.add_typer(data_cli.app, name="data")
    app.command(name="featurize")(featurize_cmd)
    for name in ("train", "evaluate", "predict", "compare"):
        app.command(name=name)(getattr(modeling, name))
    app.command(name="learning-curve")(modeling.learning_curve)
    app.command(name="tct")(tct)
    app.command(name="screen")(screen)
    app.command(name="suggest")(suggest)
    app.command(name="serve")(serve)
    app.add_typer(gnn_cli.app, name="gnn")


_register()

if __name__ == "__main__":  # pragma: no cover
    app()
