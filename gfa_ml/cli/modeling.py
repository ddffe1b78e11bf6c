"""``gfa train | evaluate | predict | compare``: fit, score honestly, and use the GFA models."""

from __future__ import annotations

import shlex
from pathlib import Path

import pandas as pd
import typer
from rich.markup import escape

from gfa_ml.cli.help import PRIOR_HELP
from gfa_ml.cli.render import console, df_table, err_console, say
from gfa_ml.featurize.coordinated import CONVENTION_HELP

TARGET_HELP = "all, or a comma list of: meltable, Tm, Td, Tg, Tg_over_Tm."
TRACKING_HELP = ("MLflow tracking URI (default: sqlite:///<repo>/mlruns.db, or "
                 "$MLFLOW_TRACKING_URI).")
TRIALS_HELP = "Optuna trials per training fold (default from config; 0 = no tuning)."
DEVICE_HELP = "Where graph-network models train: cpu or cuda (default: settings gnn.device)."
EPOCHS_HELP = ("Most epochs a graph-network model trains (early stopping may end it sooner; "
               "default: settings gnn.epochs). Tree and linear models ignore it.")


def _command(ctx: typer.Context) -> str:
    """The command line that reproduces this run (rebuilt from the parsed options)."""
    words = ["gfa", ctx.info_name or ""]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.param_type_name != "option" or value is None or value == param.default:
            continue
        if param.is_flag:
            words.append(param.opts[0] if value else (param.secondary_opts or [""])[0])
        else:
            words += [param.opts[0], shlex.quote(str(value))]
    return " ".join(w for w in words if w)


def _fail(msg: str) -> None:
    err_console.print(f"[red]error:[/red] {escape(msg)}")
    raise typer.Exit(1)


def _tables(measured: Path | None, no_proxy: bool):
    from gfa_ml.models.training_data import load_tables

    try:
        table, proxy = load_tables(measured)
    except FileNotFoundError as exc:
        _fail(f"{exc.filename}: measured table not found (curate it with `gfa data`)")
    return table, None if no_proxy else proxy


def _gnn_settings(device: str | None, epochs: int | None = None):
    """A settings copy pointing graph-network training at ``device`` for ``epochs`` (None:
    keep the settings), failing in one line if the device is unusable."""
    from gfa_ml.config import overridden

    if device is not None:
        from gfa_ml.gnn.train import DeviceError, resolve_device

        try:
            resolve_device(device)
        except DeviceError as exc:
            _fail(str(exc))
    return overridden(gnn={"device": device, "epochs": epochs})


def _targets(spec: str):
    from gfa_ml.models.targets import resolve_targets

    try:
        return resolve_targets(spec)
    except ValueError as exc:
        _fail(str(exc))


def train(
    ctx: typer.Context,
    target: str = typer.Option("all", "--target", "-t", help=TARGET_HELP),
    model: str = typer.Option("xgb", "--model", "-m", help="Registered model name (xgb, rf, "
                              "ridge, gnn, tct...)."),
    trials: int | None = typer.Option(None, "--trials", help=TRIALS_HELP),
    measured: Path | None = typer.Option(None, "--measured", help="Measured table CSV "
                                         "(default datasets/measured/measured.csv)."),
    no_proxy: bool = typer.Option(False, "--no-proxy", help="Leave the 2,506 Td-proxy MOFs "
                                  "out (Td then trains on measured Td only)."),
    tracking_uri: str | None = typer.Option(None, "--tracking-uri", help=TRACKING_HELP),
    device: str | None = typer.Option(None, "--device", help=DEVICE_HELP),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help=EPOCHS_HELP),
) -> None:
    """Train the model for each target on all curated data and register it.

    Each run cross-validates on the stored grouped folds first (the metrics shown), fits the
    final model, calibrates its 90 % interval on out-of-fold residuals and saves it under
    models/<target>/<model>/v<N>/. If a previous version exists, it reports how the new one
    compares on the same folds (e.g. after `gfa data add lab.csv`).

    Example, after adding your own DSC data:

        gfa train --target Tm,Tg --model xgb
    """
    from gfa_ml.workflows import train_targets

    settings = _gnn_settings(device, epochs)
    table, proxy = _tables(measured, no_proxy)
    done = train_targets(_targets(target), model, table, proxy, trials=trials,
                         tracking_uri=tracking_uri, command=_command(ctx), settings=settings,
                         log=console.print, warn=err_console.print)
    if done:
        rows = pd.DataFrame([{"target": d.target, "model": d.model, "version": d.version,
                              "n": d.n, "cv_metric": d.cv_metric} for d in done])
        console.print(df_table(rows, "trained (grouped-CV: AUC or MAE)", index=False))


def evaluate(
    ctx: typer.Context,
    targets: str = typer.Option("all", "--targets", "-t", help=TARGET_HELP),
    schemes: str = typer.Option("grouped,lofo", "--schemes", help="grouped and/or lofo "
                                "(leave-one-family-out)."),
    trials: int | None = typer.Option(None, "--trials", help=TRIALS_HELP),
    output: Path | None = typer.Option(None, "--output", "-o", help="Report (default "
                                       "experiments/results.md)."),
    blind: Path | None = typer.Option(None, "--blind", help="Score a blind CSV instead: "
                                      "refcode/core_name/cif or id+metal+ligand_smiles, plus "
                                      "Td_C or Td_K (and/or Tm_K, Tg_K, meltable)."),
    model: str | None = typer.Option(None, "--model", "-m", help="For --blind: model name or "
                                     "saved model directory (default: latest xgb)."),
    measured: Path | None = typer.Option(None, "--measured", help="Measured table CSV."),
    no_proxy: bool = typer.Option(False, "--no-proxy", help="Leave the Td-proxy MOFs out."),
    tracking_uri: str | None = typer.Option(None, "--tracking-uri", help=TRACKING_HELP),
    stack: bool = typer.Option(False, "--stack", help="Also score a stacked probability "
                               "(classifier logit + the Tm/Td window) fitted on inner folds "
                               "(nested: several times slower)."),
) -> None:
    """Run the evaluation protocol and write experiments/results.md with figures.

    Baselines (dummy, 2/3 rule, ridge, random forest, best single feature) and xgboost are
    scored on identical stored folds: grouped K-fold and leave-one-family-out, every test fold
    served through the code gfa predict uses; no fold trains on a Td-proxy MOF that is a test
    material in disguise or shares a held-out family's chemistry. 90 % interval coverage is
    reported per family for every regressor, and the served answer (p_meltable, the Tm/Td
    models' p_window, their agreement) is scored as a whole on the meltability folds.

    Examples:

        gfa evaluate --targets Tg --schemes grouped
        gfa evaluate --blind my_blind_set.csv --model xgb
    """
    if blind is not None:
        _blind(blind, model)
        return
    from gfa_ml.evaluation.experiment import run_experiment

    table, proxy = _tables(measured, no_proxy)
    out = run_experiment(
        "evaluate", _command(ctx), _targets(targets), table, proxy,
        schemes=tuple(s.strip() for s in schemes.split(",")), trials=trials,
        report_path=output, tracking_uri=tracking_uri, log=err_console.print,
        answer=True, stack=stack,
    )
    console.print(f"wrote {out.report} (MLflow run {out.run_id})")


def _blind(path: Path, model: str | None) -> None:
    from gfa_ml.evaluation.blind import score_blind
    from gfa_ml.models.predict import load_models
    from gfa_ml.models.store import ModelFileError

    if not path.is_file():
        _fail(f"{path}: no such file")
    try:
        models = load_models(model)
    except ModelFileError as exc:
        _fail(str(exc))
    rows, metrics = score_blind(path, models)
    out = path.with_name(path.stem + "_scored.csv")
    rows.to_csv(out, index=False)
    console.print(df_table(metrics, f"blind set {path.name} (temperatures in K; Td MAE in K = "
                                    f"°C)", index=False))
    console.print(f"per-row predictions: {out}")


def compare(
    ctx: typer.Context,
    models: str = typer.Option(..., "--models", "-m", help="Comma list, e.g. xgb,rf,rule_2_3,"
                               "tct,gnn (single_feature:COLUMN for a one-descriptor model)."),
    targets: str = typer.Option("Tg", "--targets", "-t", help=TARGET_HELP),
    schemes: str = typer.Option("grouped,lofo", "--schemes", help="grouped and/or lofo."),
    trials: int | None = typer.Option(None, "--trials", help=TRIALS_HELP),
    output: Path | None = typer.Option(None, "--output", "-o", help="Markdown table (default "
                                       "experiments/compare.md)."),
    measured: Path | None = typer.Option(None, "--measured", help="Measured table CSV."),
    no_proxy: bool = typer.Option(False, "--no-proxy", help="Leave the Td-proxy MOFs out."),
    tracking_uri: str | None = typer.Option(None, "--tracking-uri", help=TRACKING_HELP),
    device: str | None = typer.Option(None, "--device", help=DEVICE_HELP),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help=EPOCHS_HELP),
) -> None:
    """Compare models on identical folds: one MLflow parent run, a child per model, a ranked
    markdown table and plots.

    Example:

        gfa compare --models xgb,rf,rule_2_3,tct --targets Tg
    """
    from gfa_ml.config import using
    from gfa_ml.evaluation.experiment import run_experiment
    from gfa_ml.models.registry import get_model_class

    settings = _gnn_settings(device, epochs)
    names = [m.strip() for m in models.split(",") if m.strip()]
    try:
        for n in names:
            get_model_class(n.partition(":")[0])
    except (KeyError, ImportError) as exc:
        _fail(str(exc).strip("'\""))
    table, proxy = _tables(measured, no_proxy)
    tlist = _targets(targets)
    report = output or settings.paths.experiments / "compare.md"
    with using(settings):
        out = run_experiment(
            "compare", _command(ctx), tlist, table, proxy,
            models={t.name: names for t in tlist},
            schemes=tuple(s.strip() for s in schemes.split(",")), trials=trials,
            report_path=report, tracking_uri=tracking_uri, log=err_console.print,
            fig_tag=report.stem,
        )
    for t in tlist:
        for scheme in ("grouped", "lofo"):
            tab = out.study.table(t.name, scheme)
            if tab.empty:
                continue
            key = t.metric
            tab = tab.sort_values(key, ascending=not t.higher_is_better)
            console.print(df_table(tab[["model", "variant", "n", "n_total", key,
                                        f"{key}_fold_std"]],
                                   f"{t.name}, {scheme}", index=False))
    console.print(f"wrote {out.report} (MLflow run {out.run_id})")


def predict(
    inputs: list[str] = typer.Argument(None, metavar="INPUT...", help="CIF files (.cif or "
                                       ".cif.gz; every data block of a multi-structure file), "
                                       "folders, globs, a CoRE set (core-mof:2019-ASR) or one "
                                       "CoRE structure (core-mof:2019-ASR/VEJYUF_clean)."),
    records: Path | None = typer.Option(
        None, "--records", metavar="FILE.csv",
        help="Materials without a CIF, one per line with a unique id: columns id, metal, "
        "ligand_smiles (optional: oxidation_state, coordination_number, dimensionality, "
        "donor_atoms, ligands, linker_fractions). Several ligands: separate them with ';' or "
        f"'.'. The file may be ',', ';' or tab separated. {CONVENTION_HELP}"),
    output: Path = typer.Option(..., "--output", "-o", metavar="FILE.csv",
                                help="Predictions CSV to write."),
    model: str | None = typer.Option(None, "--model", "-m", metavar="NAME|DIR",
                                     help="Model name (latest version of each target) or a "
                                     "saved model directory.  [default: xgb]"),
    explain: bool = typer.Option(True, "--explain/--no-explain", help="Add the top 3 feature "
                                 "contributions behind each prediction (xgboost SHAP, in the "
                                 "units of the value shown: logit of p_meltable, K)."),
    prior: float = typer.Option(0.5, "--prior", min=0.001, max=0.999, help=PRIOR_HELP),
) -> None:
    """Predict P(melts before decomposing), Tm, Td, Tg and Tg/Tm with 90 % intervals.

    Every value is its own model's best estimate with a row-wise 90 % interval (wider for a
    material far from the training data, or with part of its description missing); nothing is
    moved to agree with another model. p_meltable is P(melts before decomposing) at equal prior
    odds (--prior converts it to your set's base rate); meltable_call is the yes/no call at
    meltable_threshold. p_window is the Tm and Td models' own P(Tm < Td), and agreement says
    in words whether the classifier and the Tm/Td models agree, and which measurement settles
    it when they do not; flags marks values outside what their model was trained on, Tg not
    below Tm, or a Tg/Tm that disagrees with Tg_K / Tm_K.

    Output columns (stable): id, p_meltable, Tm_K, Tm_K_lo, Tm_K_hi, Td_K, Td_K_lo, Td_K_hi,
    Tg_K, Tg_K_lo, Tg_K_hi, Tg_over_Tm, Tg_over_Tm_lo, Tg_over_Tm_hi, meltable_call,
    meltable_threshold, p_meltable_prior, p_window, agreement, melt_window_K (Td - Tm),
    melt_window_K_lo, melt_window_K_hi, flags, in_domain, nearest_known, status, error,
    Tg_tct_K, Tg_tct_reason, models_used, then source (the file or records CSV a row came from)
    and per-target extras. status is ok, partial or error: partial = a CIF with simple disorder
    (resolved to its major / first alternative), ligands whose bond orders cannot be perceived
    (missing H), no metal-bound linker or no metal node perceived, a record without ligand
    SMILES, chemistry (metal, ligand class, donor) a model never saw, or a target with no
    trained model; error says which. in_domain is True only inside the domain of every model.
    A target the requested model was never trained for is served by the default model.
    Tg_tct_K is filled by the fitted TCT model (gfa train --model tct --target Tg) where a TCT
    family fits (inferred: Zn/Co + imidazolates -> ZIF). Exit code 0 when at least one material
    was predicted, 1 when none was.

    Example, ZIF-4 from its CIF and imidazolate zinc written as a record:

        gfa predict VEJYUF01.cif --records my_materials.csv -o preds.csv

    with my_materials.csv:

        id,metal,ligand_smiles
        zn-im2,Zn,c1c[n-]cn1
        cu4i4-pph3,Cu,[I-];c1ccc(cc1)P(c1ccccc1)c1ccccc1
    """
    from gfa_ml.featurize.records import RecordsError, read_records
    from gfa_ml.io.atomic import write_csv_atomic
    from gfa_ml.models.predict import fallback_note, load_models
    from gfa_ml.models.store import ModelFileError
    from gfa_ml.structures.inputs import InputError, structure_items
    from gfa_ml.workflows import predict_table

    if not inputs and records is None:
        _fail("give CIF inputs and/or --records FILE.csv")
    recs = None
    if records is not None:
        if not records.is_file():
            _fail(f"{records}: no such file")
        try:
            recs = read_records(records)
        except RecordsError as exc:
            _fail(str(exc))
    items = []
    if inputs:
        try:
            items = structure_items(inputs)
        except (InputError, ValueError) as exc:
            _fail(str(exc))
    ids = pd.Series([*(recs["id"] if recs is not None else []), *(it.id for it in items)])
    if ids.duplicated().any():
        _fail(f"id {ids[ids.duplicated()].iloc[0]!r} names two inputs (a record and a CIF, or "
              "the same structure twice): give each material its own id")
    try:
        bundles = load_models(model)
    except ModelFileError as exc:
        _fail(str(exc))
    if note := fallback_note(model, bundles):
        say(f"note: {note}", err=True)
    out = predict_table(recs, items, bundles, explain=explain, records_source=str(records),
                        prior=prior)
    write_csv_atomic(out, output)
    show = out[["id", "p_meltable", "meltable_call", "p_window", "Tm_K", "Td_K", "Tg_K",
                "Tg_over_Tm", "in_domain", "status"]].set_index("id")
    console.print(df_table(show, f"predictions ({len(out)} materials) -> {output}; p_meltable = "
                                 f"P(melts before decomposing) at base rate {prior:g}"))
    for _, r in out[out["agreement"].str.startswith("disagree")].head(10).iterrows():
        say(f"{r['id']}: {r['agreement']}", err=True)
    for _, r in out[out["flags"] != ""].head(10).iterrows():
        say(f"{r['id']}: flagged: {r['flags']}", err=True)
    for _, r in out[out["status"] != "ok"].head(10).iterrows():
        say(f"{r['id']}: {r['status']}: {r['error']}", err=True)
    if out["status"].eq("error").all():
        say(f"nothing predicted: all {len(out)} input(s) failed (reasons in the error column "
            f"of {output})", err=True)
        raise typer.Exit(1)


def learning_curve(
    ctx: typer.Context,
    targets: str = typer.Option("meltable,Tm,Tg", "--targets", "-t", help=TARGET_HELP),
    models: str = typer.Option("xgb,rf", "--models", "-m", help="Comma list of models "
                               "(untuned defaults)."),
    draws: int = typer.Option(5, "--draws", min=1, help="Random draws of training groups per "
                              "fraction."),
    output: Path = typer.Option(Path("experiments/learning_curve.md"), "--output", "-o",
                                help="Markdown report; the figure goes to figures/ beside it "
                                     "and the per-draw table to the same name .csv."),
) -> None:
    """Learning curves (25/50/75/100 % of the training study groups) on the seed papers'
    table and on the full measured table: tells whether more data or a better model is the
    lever.

    Example:

        gfa learning-curve --targets meltable,Tm,Tg --draws 5
    """
    from gfa_ml.evaluation.learning_curve import data_growth_curves

    out = data_growth_curves(_targets(targets), [m.strip() for m in models.split(",")], draws,
                             output, _command(ctx), log=err_console.print)
    say(f"wrote {out}")
