"""``gfa train | evaluate | predict | compare``: fit, score honestly, and use the GFA models."""

from __future__ import annotations

import shlex
from pathlib import Path

import pandas as pd
import typer

from gfa_ml.cli.render import console, df_table, err_console

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
    err_console.print(f"[red]error:[/red] {msg}")
    raise typer.Exit(1)


def _tables(measured: Path | None, no_proxy: bool):
    from gfa_ml.models.training_data import load_tables

    try:
        table, proxy = load_tables(measured)
    except FileNotFoundError as exc:
        _fail(f"{exc.filename}: measured table not found (curate it with `gfa data`)")
    return table, None if no_proxy else proxy


def _use_gnn(device: str | None, epochs: int | None = None) -> None:
    """Point graph-network training at ``device`` for ``epochs`` (None: keep the settings),
    failing in one line if the device is unusable."""
    from gfa_ml.config import get_settings

    if epochs is not None:
        get_settings().gnn.epochs = epochs
    if device is None:
        return
    from gfa_ml.gnn.train import DeviceError, resolve_device

    try:
        resolve_device(device)
    except DeviceError as exc:
        _fail(str(exc))
    get_settings().gnn.device = device


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
    """
    from gfa_ml.models import plots, tracking
    from gfa_ml.models.evaluation import ModelSpec, serves
    from gfa_ml.models.training import default_variant, train_target
    from gfa_ml.models.training_data import (
        FeatureSource,
        build_training_set,
        targets_available,
    )

    _use_gnn(device, epochs)
    table, proxy = _tables(measured, no_proxy)
    wanted = _targets(target)
    targets = targets_available(table, wanted)
    for t in wanted:
        if t not in targets:
            err_console.print(f"skipped {t.name}: fewer than 5 labelled materials")
    spec = ModelSpec.parse(model)
    rows = []
    for t in targets:
        if not serves(spec, t):
            err_console.print(f"skipped {t.name}: model {model} does not serve it")
            continue
        variant = default_variant(t)
        ts = build_training_set(t, table, proxy, FeatureSource(), variant=variant)
        params = {"target": t.name, "model": model, "variant": variant or "measured",
                  "n_train": int((~ts.train_only).sum()), "command": _command(ctx)}
        with tracking.mlflow_run(f"train {t.name} {model}", tracking_uri, params=params,
                                 tags={"data_version": ts.version, "kind": "train"}) as run:
            out = train_target(ts, model, trials=trials)
            tracking.log_metrics(out.cv.overall(), prefix="cv_")
            for _, row in out.cv.per_fold().iterrows():
                tracking.log_metrics(row.drop("fold").to_dict(), "fold_", int(row["fold"]))
            fig = out.path / "cv_plot.png"
            if t.task == "classification":
                plots.roc([out.cv], fig, f"{t.name} {model}: grouped CV")
            else:
                plots.parity(out.cv, fig, "" if t.name == "Tg_over_Tm" else "K")
            imp = getattr(out.bundle.model, "feature_importances", None)
            if imp is not None:
                series = imp()
                series.to_csv(out.path / "feature_importances.csv", header=["importance"])
                plots.importances(series, out.path / "feature_importances.png",
                                  f"{t.name} {model}: feature importance")
            out.bundle.meta.mlflow_run_id = run.info.run_id
            tracking.log_artifacts(out.path, "model")
            version = tracking.register_model(run.info.run_id, "model", t.name)
        console.print(out.summary() + f" (MLflow gfa-{t.name} v{version})")
        m = out.cv.overall()
        rows.append({"target": t.name, "model": model, "version": out.bundle.meta.version,
                     "n": int(m["n"]), "cv_metric": m["auc" if t.name == "meltable" else "mae"]})
    if rows:
        console.print(df_table(pd.DataFrame(rows), "trained (grouped-CV: AUC or MAE)",
                               index=False))


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
) -> None:
    """Run the evaluation protocol and write experiments/results.md with figures.

    Baselines (dummy, 2/3 rule, ridge, random forest, best single feature) and xgboost are
    scored on identical stored folds: grouped K-fold and leave-one-family-out; 90 % conformal
    interval coverage is reported for every regressor.
    """
    if blind is not None:
        _blind(blind, model)
        return
    from gfa_ml.models.experiment import run_experiment

    table, proxy = _tables(measured, no_proxy)
    out = run_experiment(
        "evaluate", _command(ctx), _targets(targets), table, proxy,
        schemes=tuple(s.strip() for s in schemes.split(",")), trials=trials,
        report_path=output, tracking_uri=tracking_uri, log=err_console.print,
    )
    console.print(f"wrote {out.report} (MLflow run {out.run_id})")


def _blind(path: Path, model: str | None) -> None:
    from gfa_ml.models.blind import score_blind
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
    markdown table and plots."""
    from gfa_ml.config import get_settings
    from gfa_ml.models.experiment import run_experiment
    from gfa_ml.models.registry import get_model_class

    _use_gnn(device, epochs)
    names = [m.strip() for m in models.split(",") if m.strip()]
    try:
        for n in names:
            get_model_class(n.partition(":")[0])
    except (KeyError, ImportError) as exc:
        _fail(str(exc).strip("'\""))
    table, proxy = _tables(measured, no_proxy)
    tlist = _targets(targets)
    report = output or get_settings().paths.experiments / "compare.md"
    out = run_experiment(
        "compare", _command(ctx), tlist, table, proxy, models={t.name: names for t in tlist},
        schemes=tuple(s.strip() for s in schemes.split(",")), trials=trials,
        report_path=report, tracking_uri=tracking_uri, log=err_console.print,
        fig_tag=report.stem,
    )
    for t in tlist:
        for scheme in ("grouped", "lofo"):
            tab = out.study.table(t.name, scheme)
            if tab.empty:
                continue
            key = "auc" if t.name == "meltable" else "mae"
            tab = tab.sort_values(key, ascending=key == "mae")
            console.print(df_table(tab[["model", "variant", "n", "n_total", key,
                                        f"{key}_fold_std"]],
                                   f"{t.name}, {scheme}", index=False))
    console.print(f"wrote {out.report} (MLflow run {out.run_id})")


def predict(
    inputs: list[str] = typer.Argument(None, metavar="INPUT...", help="CIF files, folders, "
                                       "globs, a CoRE set (core-mof:2019-ASR) or one CoRE "
                                       "structure (core-mof:2019-ASR/VEJYUF_clean)."),
    records: Path | None = typer.Option(None, "--records", help="CSV of materials without a "
                                        "CIF: id, metal, ligand_smiles (+ optional "
                                        "oxidation_state, coordination_number, dimensionality, "
                                        "donor_atoms, ligands, linker_fractions)."),
    output: Path = typer.Option(..., "--output", "-o", help="Predictions CSV to write."),
    model: str | None = typer.Option(None, "--model", "-m", help="Model name (latest version "
                                     "of each target) or a saved model directory."),
    explain: bool = typer.Option(True, "--explain/--no-explain", help="Add the top 3 feature "
                                 "contributions behind each prediction (xgboost SHAP)."),
) -> None:
    """Predict P(meltable), Tm, Td, Tg and Tg/Tm with 90 % intervals and a domain flag.

    Output columns (stable): id, p_meltable, Tm_K, Tm_K_lo, Tm_K_hi, Td_K, Td_K_lo, Td_K_hi,
    Tg_K, Tg_K_lo, Tg_K_hi, Tg_over_Tm, Tg_over_Tm_lo, Tg_over_Tm_hi, in_domain,
    nearest_known, status, error, Tg_tct_K, Tg_tct_reason, models_used (+ per-target extras).
    A target the requested model was never trained for is served by the default model.
    status=partial: a CIF with simple disorder (resolved to its major / first alternative) or
    with ligands whose bond orders cannot be perceived (missing H; ligand columns empty) is
    still predicted, with wider intervals sized on such rows; error says what is missing.
    Tg_tct_K is filled where a TCT family fits (inferred: Zn/Co + imidazolates -> ZIF).
    """
    from gfa_ml.io.atomic import write_csv_atomic
    from gfa_ml.models.predict import fallback_note, load_models, predict_frame
    from gfa_ml.models.store import ModelFileError
    from gfa_ml.models.training_data import cif_items
    from gfa_ml.structures.inputs import InputError, iter_inputs

    if not inputs and records is None:
        _fail("give CIF inputs and/or --records FILE.csv")
    try:
        bundles = load_models(model)
    except ModelFileError as exc:
        _fail(str(exc))
    if note := fallback_note(model, bundles):
        err_console.print(f"note: {note}")
    frames = []
    if records is not None:
        if not records.is_file():
            _fail(f"{records}: no such file")
        recs = pd.read_csv(records, dtype=str, keep_default_na=False)
        if "id" not in recs.columns:
            _fail(f"{records}: needs an 'id' column")
        frames.append(predict_frame(recs, bundles, explain=explain))
    if inputs:
        named = [i for i in inputs if i.startswith("core-mof:") and "/" in i]
        try:
            items = list(iter_inputs([i for i in inputs if i not in named]))
            refs = pd.Series(named, index=[n.rsplit("/", 1)[1] for n in named], dtype=object)
            items += list(cif_items(refs))
        except (InputError, ValueError) as exc:
            _fail(str(exc))
        frames.append(predict_frame(items, bundles, explain=explain))
    out = pd.concat(frames, ignore_index=True)
    write_csv_atomic(out, output)
    show = out[["id", "p_meltable", "Tm_K", "Td_K", "Tg_K", "Tg_over_Tm", "in_domain",
                "status"]].set_index("id")
    console.print(df_table(show, f"predictions ({len(out)} materials) -> {output}"))
    bad = out[out["status"] == "error"]
    for _, r in bad.head(10).iterrows():
        err_console.print(f"{r['id']}: {r['error']}")
