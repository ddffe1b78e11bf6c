"""``gfa tct``: topological-constraint-theory Tg, fragility and rigidity for records or CIFs."""

from __future__ import annotations

from pathlib import Path

import typer

from gfa_ml.cli.render import console, df_table, err_console


def tct(
    cifs: list[Path] = typer.Argument(None, help="CIF files whose bond graph is counted."),
    records: Path | None = typer.Option(
        None, "--records",
        help="CSV with id, metal (or metals), and linker_fractions (e.g. Im=1.75;bIm=0.25) or "
        "one ligand_smiles; family is inferred from the ligands when blank.",
    ),
    output: Path | None = typer.Option(None, "--output", help="Write the results to this CSV."),
    family: str | None = typer.Option(
        None, "--family",
        help="Glass family of the CIF structures (default: inferred from their metals and "
        "linkers, e.g. Zn/Co + imidazolates -> ZIF; a structure no family fits is refused).",
    ),
    measured: Path | None = typer.Option(
        None, "--measured", help="Calibration table (default: datasets/measured/measured.csv)."
    ),
    validate: bool = typer.Option(
        False, "--validate",
        help="Nested leave-one-out on the curated ZIF series (minutes); writes "
        "experiments/tct_results.md and experiments/figures/tct_tg_vs_fraction.png.",
    ),
) -> None:
    """Predict Tg from temperature-dependent constraint counting (Gupta-Mauro), calibrated on
    the family's measured glasses; prints Tg, n at Tg and the reference glass. A CIF is read
    exactly as `gfa predict` reads it (same bond graph, disorder handling and linkers).

    TCT says what Tg a ZIF-type glass would have if it vitrifies; it does not say whether the
    crystal melts (that is p_meltable in gfa predict).

    Example, the mixed-linker ZIF-62 glass Zn(Im)1.75(bIm)0.25 written as a record:

        gfa tct --records zif62.csv

    with zif62.csv:

        id,metal,linker_fractions
        zif-62,Zn,Im=1.75;bIm=0.25
    """
    import pandas as pd

    from gfa_ml.config import get_settings
    from gfa_ml.data.measured import load_measured, training_table

    training = None
    if measured is not None:
        training = training_table(load_measured(measured)).reset_index()
    if validate:
        from gfa_ml.tct.report import write_outputs
        from gfa_ml.tct.validate import run_loo

        result = run_loo(training)
        md, fig = write_outputs(result, get_settings().paths.experiments, training)
        mae, n = result.mae()
        rmae, rn = result.rule_mae()
        console.print(f"TCT Tg, mixed-linker ZIF series, LOO MAE: {mae:.1f} K (n = {n}) "
                      "(nested: variant chosen inside each training fold)")
        console.print(f"2/3·Tm rule, same materials: MAE {rmae:.1f} K (n = {rn})")
        console.print(f"wrote {md} and {fig}")
        if not (records or cifs):
            return
    if not (records or cifs):
        err_console.print("give --records FILE.csv, CIF files, or --validate")
        raise typer.Exit(2)

    from gfa_ml.tct.cif import glass_from_cif
    from gfa_ml.tct.predict import (
        FRAGILITY_NOTE,
        SERVED_NOTE,
        glasses_from_frame,
        predict_glass_list,
    )

    glasses = []
    if records is not None:
        glasses += glasses_from_frame(pd.read_csv(records, dtype=str, keep_default_na=False))
    for path in cifs or []:
        try:
            text = path.read_text(errors="replace")
        except OSError as exc:
            text = ""
            err_console.print(f"{path}: {exc.strerror}")
        glasses.append(glass_from_cif(text, path.stem, family))
    out = predict_glass_list(glasses, training).drop(columns="fragility")
    served = out["Tg_tct_K"].notna()
    out.loc[served, "reason"] = SERVED_NOTE
    console.print(df_table(out.set_index("id"), "TCT Tg (Gupta-Mauro constraint counting)"))
    console.print(f"note: {FRAGILITY_NOTE}")
    if output is not None:
        from gfa_ml.io.atomic import write_csv_atomic

        write_csv_atomic(out, output)
        console.print(f"wrote {output}")
