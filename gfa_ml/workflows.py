"""Workflows as library functions: what ``gfa train`` and ``gfa predict`` do, callable without
the CLI (``gfa serve`` answers through the same ``predict_table`` as ``gfa predict``).

The CLI parses options, calls these and prints; a notebook or another tool calls them the same
way. Settings overrides (``--device``, ``--epochs``) come in as a settings copy
(:func:`gfa_ml.config.overridden`) the workflow runs under, never as a change to the defaults.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from gfa_ml.config import Settings, using
from gfa_ml.models.targets import Target

Log = Callable[[str], None]
#: turns CIF items into a feature frame (default in-process; ``gfa serve`` uses a worker)
Featurize = Callable[[list, bool], pd.DataFrame]


@dataclass
class Trained:
    """One target trained, saved and registered."""

    target: str
    model: str
    version: str
    n: int
    cv_metric: float
    summary: str


def train_targets(
    wanted: Iterable[Target],
    model: str,
    table: pd.DataFrame,
    proxy: pd.DataFrame | None,
    *,
    trials: int | None = None,
    tracking_uri: str | None = None,
    command: str = "",
    settings: Settings | None = None,
    features=None,
    log: Log = print,
    warn: Log = print,
) -> list[Trained]:
    """Train ``model`` for each wanted target on all curated data, one MLflow run each.

    Per target: the training set, grouped CV on the stored folds, the final fit with its 90 %
    interval and domain (``train_target``), the CV and importance plots beside the saved model,
    MLflow metrics, artifacts and a registered version. Targets with fewer than 5 labels or
    that the model does not serve are skipped with a ``warn`` line; each trained target gets a
    ``log`` line. ``settings``: run under this copy (e.g. GNN device and epochs).
    """
    from contextlib import nullcontext

    from gfa_ml.evaluation.cv import ModelSpec
    from gfa_ml.models.registry import get_model_class
    from gfa_ml.models.training_data import FeatureSource, targets_available

    wanted = list(wanted)
    spec = ModelSpec.parse(model)
    features = features or FeatureSource()
    done: list[Trained] = []
    with using(settings) if settings is not None else nullcontext():
        targets = targets_available(table, wanted)
        for t in wanted:
            if t not in targets:
                warn(f"skipped {t.name}: fewer than 5 labelled materials")
        for t in targets:
            if not get_model_class(spec.name).serves(t):
                warn(f"skipped {t.name}: model {model} does not serve it")
                continue
            done.append(_train_one(t, model, table, proxy, trials, tracking_uri, command,
                                   features))
            log(done[-1].summary)
    return done


def _train_one(
    t: Target, model: str, table: pd.DataFrame, proxy: pd.DataFrame | None,
    trials: int | None, tracking_uri: str | None, command: str, features,
) -> Trained:
    from gfa_ml.evaluation import plots
    from gfa_ml.models import tracking
    from gfa_ml.models.training import default_variant, train_target
    from gfa_ml.models.training_data import build_training_set

    variant = default_variant(t)
    ts = build_training_set(t, table, proxy, features, variant=variant)
    params = {"target": t.name, "model": model, "variant": variant or "measured",
              "n_train": int((~ts.train_only).sum()), "command": command}
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
            plots.parity(out.cv, fig, t.unit)
        imp = getattr(out.bundle.model, "feature_importances", None)
        if imp is not None:
            series = imp()
            series.to_csv(out.path / "feature_importances.csv", header=["importance"])
            plots.importances(series, out.path / "feature_importances.png",
                              f"{t.name} {model}: feature importance")
        out.bundle.meta.mlflow_run_id = run.info.run_id
        tracking.log_artifacts(out.path, "model")
        version = tracking.register_model(run.info.run_id, "model", t.name)
    m = out.cv.overall()
    return Trained(target=t.name, model=model, version=out.bundle.meta.version, n=int(m["n"]),
                   cv_metric=m[t.metric],
                   summary=out.summary() + f" (MLflow gfa-{t.name} v{version})")


def predict_table(
    records: pd.DataFrame | None, items: list, bundles: dict, *, explain: bool = True,
    records_source: str = "", featurize: Featurize | None = None, tct: object = True,
    prior: float = 0.5,
) -> pd.DataFrame:
    """What ``gfa predict`` writes: records first, then CIF items; ``predict_columns()``,
    ``source`` (the records file / each item's file), then the per-target extras.

    ``featurize(items, keep_cif)`` computes the CIF feature frame (default
    ``featurize_inputs`` in this process); ``tct`` and ``prior`` as in ``predict_frame``.
    """
    from gfa_ml.models.predict import featurize_inputs, predict_columns, predict_frame

    featurize = featurize or featurize_inputs
    frames = []
    if records is not None:
        frames.append(predict_frame(records, bundles, explain=explain, tct=tct, prior=prior)
                      .assign(source=records_source))
    if items:
        sources = {it.id: it.source for it in items}
        keep_cif = any(type(b.model).needs_structures for b in bundles.values())
        pred = predict_frame(featurize(items, keep_cif), bundles, explain=explain, tct=tct,
                             prior=prior)
        frames.append(pred.assign(source=pred["id"].map(sources)))
    out = pd.concat(frames, ignore_index=True)
    columns = predict_columns()
    extras = [c for c in out.columns if c not in (*columns, "source")]
    return out[[*columns, "source", *extras]]
