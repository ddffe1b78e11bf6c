"""Run the protocol end to end: study -> MLflow (parent + child per model) -> figures -> report.

Shared by ``gfa evaluate`` (default models, writes ``experiments/results.md``) and
``gfa compare`` (chosen models, writes its own markdown), so both log and plot the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.evaluation import plots
from gfa_ml.evaluation.cv import CVResult
from gfa_ml.evaluation.protocol import Study, run_study
from gfa_ml.evaluation.report import render
from gfa_ml.evaluation.splits import data_version
from gfa_ml.io.atomic import write_parquet_atomic, write_text_atomic
from gfa_ml.models import tracking
from gfa_ml.models.targets import TARGETS, Target
from gfa_ml.models.training_data import FeatureSource, TrainingSet


@dataclass
class ExperimentOutput:
    study: Study
    report: Path
    figures: dict[str, list[Path]]
    run_id: str


def _answers(study: Study, schemes: tuple[str, ...], stack: bool, log) -> list:
    """The served answer (:mod:`gfa_ml.evaluation.answer`) per scheme, when the study holds the
    classifier and both regressors it needs; [] otherwise."""
    from gfa_ml.evaluation.answer import served_answer
    from gfa_ml.models.targets import by_role, classifier
    from gfa_ml.models.training import default_variant

    cls, melt, dec = classifier(), by_role("melting"), by_role("decomposition")
    if None in (cls, melt, dec):
        return []
    sets = {cls.name: study.sets.get((cls.name, default_variant(cls))),
            melt.name: study.sets.get((melt.name, "")), dec.name: study.sets.get((dec.name, ""))}
    if any(ts is None for ts in sets.values()):
        return []
    return [served_answer(sets, scheme, stack=stack, log=log)
            for scheme in schemes if scheme in cls.schemes]


def _figures(study: Study, fig_dir: Path, tag: str) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for (target, variant) in study.sets:
        if variant:
            continue
        figs: list[Path] = []
        t = TARGETS[target]
        if t.task == "classification":
            for scheme in ("grouped", "lofo"):
                rs = [r for r in study.results if r.target == target and r.scheme == scheme]
                if rs:
                    figs.append(plots.roc(rs, fig_dir / f"{tag}_{target}_roc_{scheme}.png",
                                          f"{t.label} ROC, {scheme} (out of fold)"))
                    figs.append(plots.reliability(
                        rs, fig_dir / f"{tag}_{target}_reliability_{scheme}.png",
                        f"{t.label} reliability, {scheme}"))
        else:
            for scheme in ("grouped", "lofo"):
                tab = study.table(target, scheme)
                if tab.empty:
                    continue
                best = tab.sort_values(t.metric, ascending=not t.higher_is_better).iloc[0]["model"]
                for model in dict.fromkeys([best, "xgb"]):
                    r = study.get(target, scheme, model)
                    if r is not None and len(r.served):
                        figs.append(plots.parity(
                            r, fig_dir / f"{tag}_{target}_{scheme}_{model}_parity.png", t.unit))
        if (shap := _shap_by_family(study, target, fig_dir, tag)) is not None:
            figs.append(shap)
        out[target] = figs
    return out


def _shap_by_family(study: Study, target: str, fig_dir: Path, tag: str) -> Path | None:
    """Mean |SHAP| per feature family (in a chemist's words) of the xgb model fitted on the
    whole training set of the variant a chemist gets (``gfa train``'s default), over its
    labelled materials; None when xgboost is not one of the target's models."""
    from gfa_ml.evaluation.cv import ModelSpec, build_model
    from gfa_ml.models.explain import mean_abs_by_family
    from gfa_ml.models.training import default_variant
    from gfa_ml.models.tuning import fit_model

    t = TARGETS[target]
    ts = study.sets.get((target, default_variant(t))) or study.sets.get((target, ""))
    if ts is None or "xgb" not in t.models:
        return None
    use = ts.fit_rows
    model = fit_model(build_model(ModelSpec("xgb"), t), ts.X[use], ts.y[use],
                      None if ts.weight is None else ts.weight[use])
    labelled = ts.X[use & ~ts.train_only]
    series = mean_abs_by_family(model.contributions(labelled))
    unit = "log-odds" if t.task == "classification" else t.unit
    return plots.importances(series, fig_dir / f"{tag}_{target}_shap_families.png",
                             f"{t.label}: what xgb learns from\n(mean |SHAP| per feature "
                             f"family, {unit}, n = {len(labelled)})")


def run_experiment(
    name: str, command: str, targets: list[Target], table: pd.DataFrame,
    proxy: pd.DataFrame | None, models: dict[str, list[str]] | None = None,
    schemes: tuple[str, ...] = ("grouped", "lofo"), trials: int | None = None,
    report_path: Path | None = None, fig_dir: Path | None = None,
    tracking_uri: str | None = None, features: FeatureSource | None = None,
    feature_note: str | None = None, log=print, fig_tag: str | None = None,
    answer: bool = False, stack: bool = False,
) -> ExperimentOutput:
    """Figures, per-table CSVs and out-of-fold predictions go to ``fig_dir`` (default: a
    ``figures/`` folder beside the report) named ``<fig_tag>_...`` (default: ``name``), so two
    reports never overwrite each other's figures. ``answer``: also score the served answer
    (p_meltable, p_window, agreement through ``predict_frame``; ``stack``: and a stacked
    probability) on the meltability folds."""
    paths = get_settings().paths
    if feature_note is None:
        from gfa_ml.models.features import declared_features

        sets: dict[str, list[str]] = {}
        for t in targets:
            sets.setdefault(t.feature_set, []).append(t.label)
        feature_note = "`gfa_ml.featurize` (sets in `gfa_ml/models/features.py`): " + "; ".join(
            f"{', '.join(labels)}: `{fs}` ({len(declared_features(fs))} columns)"
            for fs, labels in sets.items()) + (
            ". `shared` = computed alike from a CIF and a metal + ligand-SMILES record; "
            "`measured` adds the crystal's density, node geometry and porosity (NaN for records); "
            "`all` adds composition statistics and the bond-strength group.")
    report_path = report_path or paths.experiments / "results.md"
    fig_dir = fig_dir or report_path.parent / "figures"
    tag = fig_tag or name
    version = data_version(table, proxy if proxy is not None else pd.DataFrame())
    params = {"targets": ",".join(t.name for t in targets), "schemes": ",".join(schemes),
              "trials": trials if trials is not None else get_settings().models.tuning_trials,
              "models": str(models or "default"), "command": command}
    with tracking.mlflow_run(name, tracking_uri, params=params,
                             tags={"data_version": version, "kind": name}) as parent:

        def child(res: CVResult, ts: TrainingSet) -> None:
            label = "/".join(x for x in (res.target, res.scheme, res.model, res.variant) if x)
            with tracking.mlflow_run(label, nested=True, params={
                "model": res.model, "target": res.target, "scheme": res.scheme,
                "variant": res.variant or "measured", "tuned_params": res.params,
            }, tags={"data_version": ts.version}):
                tracking.log_metrics(res.overall())
                for _, row in res.per_fold().iterrows():
                    tracking.log_metrics(row.drop("fold").to_dict(), prefix="fold_",
                                         step=int(row["fold"]))

        study = run_study(targets, table, proxy, features or FeatureSource(), models=models,
                          schemes=schemes, trials=trials, on_result=child, log=log)
        figures = _figures(study, fig_dir, tag)
        answers = _answers(study, schemes, stack, log) if answer else []
        for ev in answers:
            write_parquet_atomic(ev.rows.reset_index(),
                                 fig_dir / f"{tag}_answer_{ev.scheme}.parquet")
        text = render(study, command, version, tracking.git_commit(), figures, feature_note,
                      report_path.parent, answers)
        write_text_atomic(text, report_path)
        oof = pd.concat([r.oof.assign(model=r.model, target=r.target, scheme=r.scheme,
                                      variant=r.variant) for r in study.results])
        write_parquet_atomic(oof.reset_index(), fig_dir / f"{tag}_oof_predictions.parquet")
        for target, variant in study.sets:
            for scheme in ("grouped", "lofo"):
                tab = study.table(target, scheme, variant)
                if not tab.empty:
                    suffix = f"_{variant}" if variant else ""
                    tab.to_csv(fig_dir / f"{tag}_{target}_{scheme}{suffix}.csv", index=False)
        tracking.log_artifacts(report_path)
        tracking.log_artifacts(fig_dir, "figures")
        return ExperimentOutput(study, report_path, figures, parent.info.run_id)
