"""``gfa demo``: the main job on embedded defaults, end to end, on the bundled data.

It runs the same commands a chemist would type, in order, so the demo and the CLI never drift.
"""

from __future__ import annotations

import typer

from gfa_ml.cli.render import console, df_table, err_console

DEMO_OUT = "demo_out"
DEMO_SCREEN = ["core-mof:2019-ASR", "--metals", "Zn,Cd,Co,Cu", "--donor", "N",
               "--max-atoms", "500"]


def _run(ctx: typer.Context, args: list[str]) -> None:
    """Run ``gfa ARGS`` through the root command this demo was itself called from."""
    console.rule("gfa " + " ".join(args))
    try:
        code = ctx.find_root().command.main(args, prog_name="gfa", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code
    if code:  # a failed step stops the demo with its exit code (click returns typer.Exit's)
        raise typer.Exit(int(code))


def demo(
    ctx: typer.Context,
    trials: int = typer.Option(0, help="Optuna trials per training fold (0 = the model's "
                               "defaults; raise it for a slower, tuned run)."),
) -> None:
    """Run the whole pipeline on the bundled data: validate the curated measurements, train the
    models, compare them with the baselines on identical folds, and screen the CoRE MOF 2019-ASR
    N-donor Zn/Cd/Co/Cu frameworks (≤ 500 atoms) for melt-quench glass candidates.

    Example:

        gfa demo --trials 0
    """
    from gfa_ml.config import get_settings
    from gfa_ml.data.summary import summarize
    from gfa_ml.data.validate import validate_file

    paths = get_settings().paths
    console.rule("1. validate the curated measured data")
    problems = [p for f in (paths.measured_csv, paths.lab_csv) if f.exists()
                for p in validate_file(f)]
    for p in problems:
        err_console.print(str(p), markup=False, highlight=False)
    if problems:
        raise typer.Exit(1)
    console.print(f"[green]✓[/green] {paths.measured_csv} is clean")
    _, counts, _ = summarize()
    console.print(df_table(counts, "Usable materials per family"))
    console.rule("2. train (MLflow store: " + paths.tracking_uri + ")")
    _run(ctx, ["train", "--target", "all", "--trials", str(trials)])
    # the constraint-theory Tg beside the ML one is a fitted model too (prediction never fits)
    _run(ctx, ["train", "--target", "Tg", "--model", "tct"])
    console.rule("3. compare models on identical folds")
    _run(ctx, ["compare", "--models", "xgb,rf,ridge,dummy,rule_2_3,tct", "--targets", "Tg,Tm",
          "--schemes", "grouped", "--trials", str(trials), "--output",
          f"{DEMO_OUT}/compare.md"])
    console.rule("4. screen CoRE MOF 2019-ASR for melt-quench candidates")
    _run(ctx, ["screen", *DEMO_SCREEN, "--out", f"{DEMO_OUT}/screen"])
    console.print(f"report: {paths.home / DEMO_OUT / 'screen' / 'report.html'}")
