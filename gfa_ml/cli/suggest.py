"""``gfa suggest``: which materials to make and put in the DSC next."""

from __future__ import annotations

from pathlib import Path

import typer

from gfa_ml.cli.help import PRIOR_HELP
from gfa_ml.cli.render import console, df_table, say
from gfa_ml.config import SuggestSettings

_CFG = SuggestSettings()  # built-in defaults, shown in --help (settings suggest.*)


def _fail(msg: str) -> None:
    say(f"error: {msg}", err=True)
    raise typer.Exit(1)


def suggest(
    inputs: list[str] = typer.Argument(
        None, metavar="CANDIDATES...",
        help="A `gfa screen` output folder (its ranked.csv), or CIF files, folders, globs, a "
        "CoRE set or structure (core-mof:2019-ASR/NAME), as `gfa predict` reads them."),
    records: Path | None = typer.Option(
        None, "--records", metavar="FILE.csv",
        help="Candidates without a CIF: id, metal, ligand_smiles (as for `gfa predict`)."),
    budget: int = typer.Option(_CFG.budget, "--budget", "-n", min=1,
                               help="How many materials to suggest (one DSC/TGA round)."),
    strategy: str = typer.Option(
        _CFG.default_strategy, "--strategy", "-s", metavar="NAME",
        help="exploit (most likely melters), explore (what the model is least sure of: most "
        "bits per measurement), balanced (p + w·bits, w = settings "
        f"suggest.information_weight = {_CFG.information_weight:g}) or random. The default "
        "is the one the retrospective benchmark chose (experiments/active_learning.md)."),
    template: Path | None = typer.Option(
        None, "--template", metavar="LAB.csv",
        help="Also write the suggestions as measured-table rows to fill in with your DSC/TGA "
        "results (Tm_K, Td_K, Tg_K, meltable, glass_formed, lab_notebook_id, date), ready for "
        "`gfa data validate` and `gfa data add`."),
    output: Path | None = typer.Option(None, "--output", "-o", metavar="FILE.csv",
                                       help="Write the suggestions with every column."),
    include_known: bool = typer.Option(
        False, "--include-known", help="Also suggest materials whose composition or refcode "
        "is already in the measured table (left out by default)."),
    prior: float = typer.Option(0.5, "--prior", min=0.001, max=0.999, help=PRIOR_HELP),
    model: str | None = typer.Option(None, "--model", "-m", metavar="NAME|DIR",
                                     help="Model name or saved model directory (default: xgb)."),
    track: bool = typer.Option(True, "--track/--no-track",
                               help="Log the round as an MLflow run (inputs, strategy, model "
                               "versions, the suggestions)."),
) -> None:
    """Suggest which candidates to synthesize and measure next, and say why for each.

    Every candidate is predicted by the models in force (a screen folder is re-read, so a model
    retrained on your new data ranks it afresh). Materials already in the measured table (same
    composition or refcode) and candidates described only in part are left out, with a count.
    Each pick says its chance of melting before it decomposes (p_meltable, the calibrated
    classifier), what its measurement would teach the model (bits: 1 for a coin flip, near 0
    when the model is sure), whether the Tm/Td models agree, whether it is inside the model's
    domain, its nearest known materials and their family. Batches are diverse: at most
    settings suggest.max_per_composition per composition (metal + organic linkers), and a
    candidate close to one already picked loses score.

    Example, after `make demo` (which screens CoRE MOF 2019-ASR into demo_out/screen):

        gfa suggest demo_out/screen --budget 5 --template lab.csv

    then measure them, fill Tm_K / Td_K / meltable / glass_formed / lab_notebook_id / date in
    lab.csv, and close the loop:

        gfa data validate lab.csv && gfa data add lab.csv && gfa train
        gfa suggest demo_out/screen --budget 5
    """
    from gfa_ml.data.measured import load_measured, training_table
    from gfa_ml.io.atomic import write_csv_atomic
    from gfa_ml.models.predict import load_models
    from gfa_ml.models.store import ModelFileError
    from gfa_ml.suggest.acquisition import StrategyError, check_strategy
    from gfa_ml.suggest.batch import SuggestError, log_round
    from gfa_ml.suggest.batch import suggest as run_round
    from gfa_ml.suggest.candidates import CandidateError, load_candidates
    from gfa_ml.suggest.template import TO_FILL, lab_template, round_note

    try:
        check_strategy(strategy)
    except StrategyError as exc:
        _fail(str(exc))
    try:
        cands = load_candidates(list(inputs or []), records)
        bundles = load_models(model)
        table = training_table(load_measured())
        rnd = run_round(cands, bundles, table, strategy, budget, prior, include_known)
    except (CandidateError, SuggestError, ModelFileError) as exc:
        _fail(str(exc))
    if track:
        log_round(rnd, cands.label)
    s = rnd.suggestions
    if output is not None:
        write_csv_atomic(s, output)
    if template is not None:
        lab = lab_template(s, cands.features, table, round_note(rnd.strategy, rnd.run_id))
        write_csv_atomic(lab, template)
    show = s[["rank", "id", "p_meltable", "information_bits", "in_domain", "family",
              "composition"]].set_index("rank")
    console.print(df_table(show, f"{len(s)} to make next ({rnd.strategy}) of "
                                 f"{rnd.n_candidates} candidates; p_meltable = P(melts before "
                                 f"decomposing) at base rate {prior:g}"))
    for _, r in s.iterrows():
        say(f"{r['rank']}. {r['id']}: {r['reason']}")
    if len(rnd.left_out):
        say("left out: " + "; ".join(f"{n} {why}" for why, n in rnd.left_out_counts().items()))
    if len(s) < budget:
        say(f"only {len(s)} of the {budget} asked for: no other eligible candidate (one per "
            "composition)", err=True)
    if template is not None:
        say(f"lab template: {template} (fill {', '.join(TO_FILL)}; then `gfa data validate "
            f"{template}` and `gfa data add {template}`)")
    if rnd.run_id:
        say(f"MLflow run {rnd.run_id}")
