"""``gfa data``: check, extend and summarise the curated measured data."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from gfa_ml.cli.help import MARKUP
from gfa_ml.cli.render import console, df_table, err_console, say
from gfa_ml.config import ValidationLimits, get_settings

_LIMITS = ValidationLimits()

app = typer.Typer(
    help="Curated measured Tm / Td / Tg / ΔHf data: validate it, add your own lab "
    "measurements, and see what the models can learn from.",
    no_args_is_help=True,
    rich_markup_mode=MARKUP,
)


@app.command()
def validate(
    paths: list[Path] = typer.Argument(
        None, help="Measured-format CSV file(s). Default: the shipped curated table and the lab "
        "additions (datasets/measured/measured.csv, lab.csv)."
    ),
) -> None:
    """Check a measured-data table: columns, units (kelvin), chemistry and physics.

    Catches temperatures outside 100–1500 K or that look like °C, Tg not below Tm, a
    'meltable' material whose Tm is not below its Td, ΔHf ≤ 0, unknown elements, SMILES RDKit
    cannot read, and rows without a source. Exit code 0 = clean; 1 = problems (one line each).

    Example:

        gfa data validate datasets/measured/measured.csv my_lab.csv
    """
    from gfa_ml.data.validate import validate_file

    if not paths:
        settings = get_settings().paths
        paths = [p for p in (settings.measured_csv, settings.lab_csv) if p.exists()]
        paths = paths or [settings.measured_csv]
    n_problems = 0
    for path in paths:
        if not path.exists():
            say(f"{path}: file not found", err=True)
            n_problems += 1
            continue
        problems = validate_file(path)
        for p in problems:
            err_console.print(str(p), markup=False, highlight=False)
        n_problems += len(problems)
        if not problems:
            console.print(f"[green]✓[/green] {escape(str(path))}: clean")
    if n_problems:
        err_console.print(f"{n_problems} problem(s)")
        raise typer.Exit(1)


@app.command()
def add(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, metavar="FILE.csv",
                                help="CSV of new measurements (same columns as the table)."),
    on_conflict: str = typer.Option(
        "keep", help="keep: store a disagreeing value beside the existing one, with both "
        "sources; refuse: write nothing if any value disagrees."),
    table: Path = typer.Option(None, help="Table to add to (default: datasets/measured/lab.csv, "
                               "checked against the curated table too)."),
    force: bool = typer.Option(False, "--force", help="Accept values far outside their "
                               "family's measured range (checked: more than "
                               f"{_LIMITS.family_margin_K:g} K outside)."),
) -> None:
    """Add your lab's DSC/TGA measurements to the measured table (atomic, never loses rows).

    Each row needs an `id` (an existing material's id re-uses its chemistry columns), numbers
    in kelvin, a `date` (YYYY-MM-DD) and a `lab_notebook_id` or `source_doi`. Everything is
    validated first; on any problem nothing is written. A value more than 150 K (settings
    limits.family_margin_K) outside the range its family's measured materials span (°C typed
    as K, most often) is refused unless `--force`. A row already in the table (same id, source and
    numbers) is skipped; the same value under a new lab_notebook_id is an independent
    replication and is kept.

    Example: ZIF-62 (already in the table, so its chemistry is re-used) melted again on your
    DSC, in lab.csv:

        id,Tm_K,Tg_K,lab_notebook_id,date
        zif-62-zn,712.0,590.5,NB-17-042,2026-11-02

        gfa data add lab.csv
    """
    from gfa_ml.data.ingest import add_measurements

    if on_conflict not in ("keep", "refuse"):
        say(f"--on-conflict must be keep or refuse, not {on_conflict!r}", err=True)
        raise typer.Exit(2)
    rep = add_measurements(file, table, on_conflict=on_conflict,  # type: ignore[arg-type]
                           force=force)
    for p in rep.problems:
        say(str(p), err=True)
    for c in rep.conflicts:
        say(f"conflict: {c}", err=True)
    for d in rep.duplicates:
        say(f"skipped, already in the table: {d}")
    if rep.problems:
        err_console.print("nothing written")
        raise typer.Exit(1)
    if rep.conflicts and on_conflict == "refuse":
        err_console.print("conflicts with --on-conflict refuse: nothing written")
        raise typer.Exit(1)
    kept = " (conflicting values kept side by side)" if rep.conflicts else ""
    console.print(f"added {len(rep.added)} row(s){kept}; skipped {len(rep.duplicates)}")


@app.command()
def summary(
    plot: Path = typer.Option(None, help="Also write a PNG of the Tg/Tm distribution here."),
    table: Path = typer.Option(None, help="Measured table (default: the shipped one)."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the counts block of the "
                                  "data card (datasets/README.md) as markdown instead."),
    card: Path = typer.Option(None, "--card", help="Rewrite the counts block of this data card "
                              "(e.g. datasets/README.md) from the table."),
) -> None:
    """Counts per family and target, how each meltable label is supported (measured / stated /
    inferred), value ranges, and the Tg/Tm distribution.

    Example:

        gfa data summary --plot tg_over_tm.png
    """
    from gfa_ml.data.summary import card_markdown, plot_tg_over_tm, strength_counts, summarize

    train, counts, ranges = summarize(table)
    if card is not None:
        from gfa_ml.data.summary import update_card

        try:
            say(f"updated {update_card(card, train)}")
        except (OSError, ValueError) as exc:
            say(f"error: {card}: {exc}", err=True)
            raise typer.Exit(1) from None
        return
    if markdown:
        typer.echo(card_markdown(train))
        return
    console.print(df_table(counts, "Usable materials per family (training view)"))
    console.print(df_table(strength_counts(train), "Meltable labels by support"))
    console.print(df_table(ranges, "Target ranges"))
    if plot:
        console.print(f"plot: {plot_tg_over_tm(train, plot)}")


@app.command()
def curate(
    td_proxy: bool = typer.Option(True, help="Also rebuild the Td proxy table (reads the "
                                  "core-mof tarball once to resolve every structure)."),
) -> None:
    """Rebuild the measured table from the per-source curation sheets (and the Td proxy set).

    A material reported by several papers keeps the row of the best source (primary article >
    review tables > secondary review); gaps are filled from the next source and traced in
    source_location. Writes are atomic.

    Example (measured table only, without re-reading the CoRE tarball):

        gfa data curate --no-td-proxy
    """
    from gfa_ml.data.curate import build_measured
    from gfa_ml.data.td_proxy import build_td_proxy

    measured = build_measured()
    out = get_settings().paths.measured_csv
    console.print(f"measured table: {len(measured)} materials -> {out}")
    if td_proxy:
        df = build_td_proxy()
        found = int((df["cif_path"] != "").sum())
        console.print(
            f"Td proxy: {len(df)} rows, {found} resolved to CoRE 2019-ASR structures "
            f"({100 * found / len(df):.1f}%), {df['group'].nunique()} leakage groups"
        )
