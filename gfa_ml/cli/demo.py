"""``gfa demo``: the main job on embedded defaults, end to end, on the bundled data."""

from __future__ import annotations

import typer

from gfa_ml.cli.render import console, df_table, err_console


def demo() -> None:
    """Run the whole pipeline on the bundled data: validate the curated measurements, summarise
    them, train and evaluate the models, and screen a CoRE MOF subset (local MLflow store)."""
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
    console.rule("2. what the data can teach")
    _, counts, ranges = summarize()
    console.print(df_table(counts, "Usable materials per family"))
    console.print(df_table(ranges, "Target ranges"))
