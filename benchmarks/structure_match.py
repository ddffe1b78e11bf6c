"""Which labelled measured materials have, or could get, a CoRE MOF crystal structure (issue #21).

    python benchmarks/structure_match.py [--sets 2019-ASR,2019-FSR,2014] [--out DIR]
        [--before measured_before.csv]

Prints the labelled rows, those with a CIF before (in ``--before``, an earlier measured.csv;
default the table as it is), every candidate CoRE entry (by refcode, by the screening list, by
composition) for the rows that had none, with the coordination sequence of its metal net, so the
curator can decide which match is certain (same compound and phase), then the accepted matches
(the candidate now in the row's ``cif_path``, written into the curation sheet by hand with the
reason in notes) and the rows with a CIF after. ``--out`` keeps the candidate table as CSV.
Reads each core-mof tarball twice (a few minutes in all on two cores).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from gfa_ml.data import structure_match as sm
from gfa_ml.data.measured import load_measured, training_table
from gfa_ml.io.atomic import write_csv_atomic
from gfa_ml.screen.enrichment import load_known
from gfa_ml.structures import core_mof


def _net(dataset: str, names: list[str]) -> dict[str, str]:
    out = {}
    for name, text in core_mof.iter_cifs(dataset, names):
        try:
            out[name] = ",".join(map(str, sm.coordination_sequence(text)))
        except Exception as exc:  # noqa: BLE001 - a structure the graph cannot read: say why
            out[name] = f"n/a ({type(exc).__name__})"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(core_mof.CORE_MOF_SETS))
    ap.add_argument("--before", type=Path, help="an earlier measured.csv to count CIFs in")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    table = training_table(load_measured())
    before = training_table(load_measured(args.before)) if args.before else table
    old = sm.labelled(before)
    rows = old[~sm.has_cif(old)]
    cands = pd.concat([
        sm.refcode_candidates(rows, sets),
        sm.list_candidates(rows, load_known()),
        sm.composition_candidates(rows, sets),
    ], ignore_index=True)
    cands = (cands.groupby(["id", "core_set", "core_name"], as_index=False)
             .agg(how=("how", lambda h: "+".join(sorted(set(h)))),
                  cif_linkers=("cif_linkers", "first")))
    nets: dict[tuple[str, str], str] = {}
    for dataset, grp in cands.groupby("core_set"):
        for name, seq in _net(dataset, grp["core_name"].tolist()).items():
            nets[(dataset, name)] = seq
    cands["net_cs"] = [nets.get((s, n), "") for s, n in zip(cands["core_set"],
                                                            cands["core_name"], strict=True)]
    now = table["cif_path"].fillna("").astype(str)
    cands["accepted"] = [now.get(m, "") == f"{core_mof.SOURCE_PREFIX}{s}/{n}" for m, s, n in zip(
        cands["id"], cands["core_set"], cands["core_name"], strict=True)]
    for key, value in sm.report(table, cands, before).items():
        print(f"{key}: {value}")
    with pd.option_context("display.width", 200, "display.max_colwidth", 60,
                           "display.max_rows", 1000):
        print(cands.to_string(index=False))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        write_csv_atomic(cands, args.out / "structure_candidates.csv")


if __name__ == "__main__":
    main()
