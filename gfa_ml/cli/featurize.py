"""``gfa featurize``: feature table for crystal structures (CIFs) and metal + ligand records."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from gfa_ml.cli.render import console, df_table, err_console, say
from gfa_ml.featurize.coordinated import CONVENTION_HELP


def featurize_cmd(
    inputs: list[str] = typer.Argument(
        None,
        metavar="INPUT...",
        help="CIF files (.cif or .cif.gz; every data block of a multi-structure file), folders "
        "of CIFs, globs ('cifs/*.cif') or a CoRE MOF set (core-mof:2014, core-mof:2019-ASR, "
        "core-mof:2019-FSR).",
    ),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Feature table to write: .parquet, or .csv by suffix."
    ),
    records: Path | None = typer.Option(
        None,
        "--records",
        metavar="FILE.csv",
        help="CSV of materials without a CIF, one per line with a unique id: columns id, "
        "metal(s), ligand_smiles; optional oxidation_state(s), coordination_number, "
        "donor_atoms, dimensionality (e.g. 3D), ligands + linker_fractions (Im=1.75;bIm=0.25), "
        f"formula, family. {CONVENTION_HELP}",
    ),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Recompute everything instead of reusing cached features."
    ),
    max_atoms: int | None = typer.Option(
        None, "--max-atoms", help="Skip unit cells with more atoms than this (default 5000)."
    ),
    jobs: int | None = typer.Option(
        None, "--jobs", "-j", help="Worker processes (default: all CPU cores)."
    ),
) -> None:
    """Describe each material by its metal ion, metal node, network and ligands.

    From a CIF the bond network is split into metal nodes and ligands; each ligand is
    rebuilt as a molecule (azolates and carboxylates as the anions they are in the crystal).
    A record gives the same metal/node/ligand columns from the metal symbol and the ligand
    SMILES, read as coordinated (see --records), so records and CIFs share one model.
    Composition, density, bond-length and pore columns need a structure and stay empty for
    records. Simple disorder (overlapping alternatives, PART 2, partial occupancies) is reduced
    to the major / first alternative, and a ligand whose bond orders cannot be perceived
    (hydrogens missing) leaves the ligand columns empty: such rows get status=partial and the
    reason in the error column. A structure that cannot be used at all (broken CIF, no metal,
    too many atoms) gets status=error and a one-line reason; the run carries on.

    Example:

        gfa featurize my_cifs/ core-mof:2019-ASR --records my_materials.csv -o features.parquet
    """
    import pandas as pd

    from gfa_ml.featurize import featurize_many, featurize_records
    from gfa_ml.featurize.records import RecordsError, read_records
    from gfa_ml.io.atomic import write_csv_atomic, write_parquet_atomic
    from gfa_ml.structures.core_mof import UnknownCoreSet
    from gfa_ml.structures.inputs import InputError, iter_inputs

    if not inputs and records is None:
        err_console.print("nothing to featurize: give INPUT... and/or --records FILE.csv")
        raise typer.Exit(2)
    if output.suffix.lower() not in (".parquet", ".csv"):
        say(f"--output must end in .parquet or .csv, not {output.suffix!r}", err=True)
        raise typer.Exit(2)
    start = time.perf_counter()
    frames = []
    hits = 0
    if inputs:
        try:
            items = iter_inputs(inputs)
        except (InputError, UnknownCoreSet) as exc:
            say(str(exc), err=True)
            raise typer.Exit(2) from None
        cif_df = featurize_many(
            items, n_jobs=jobs, cache=not no_cache, max_atoms=max_atoms, progress=True,
            total=len(items),
        )
        hits = cif_df.attrs.get("cache_hits", 0)
        frames.append(cif_df)
    if records is not None:
        if not records.is_file():
            say(f"--records {records}: no such file", err=True)
            raise typer.Exit(2)
        try:
            frames.append(featurize_records(read_records(records)))
        except RecordsError as exc:
            say(str(exc), err=True)
            raise typer.Exit(2) from None
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if output.suffix.lower() == ".csv":
        write_csv_atomic(out, output)
    else:
        write_parquet_atomic(out, output)
    _summary(out, hits, time.perf_counter() - start, output)


def _summary(df, hits: int, seconds: float, output: Path) -> None:
    import pandas as pd

    n = len(df)
    counts = df["status"].value_counts()
    ok, partial = int(counts.get("ok", 0)), int(counts.get("partial", 0))
    summary = pd.DataFrame(
        {
            "value": [
                n, ok, partial, n - ok - partial, hits, f"{seconds:.1f} s",
                f"{1000 * seconds / max(n, 1):.1f} ms", str(output),
            ]
        },
        index=["materials", "ok", "partial", "errors", "from cache", "wall time",
               "per material", "written"],
    )
    console.print(df_table(summary, "gfa featurize"))
    for status, title in (("error", "Most common errors"),
                          ("partial", "Most common partial reasons")):
        reasons = df.loc[df["status"] == status, "error"]
        if len(reasons):
            kinds = reasons.str.replace(r"[\d.]+", "N", regex=True).str.slice(0, 70)
            table = kinds.value_counts().head(8).rename("count").to_frame()
            table.index.name = f"{status} (numbers as N)"
            console.print(df_table(table, title))
