"""Every concept declared once: targets in the target registry, model capabilities on the model
class, models found by the registry, and the three recipes (a target, a model, a featurizer)
plugged in from this module alone, with no edit to gfa_ml."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import gfa_ml
from gfa_ml.models.base import GFAModel
from gfa_ml.models.features import feature_columns
from gfa_ml.models.registry import available_models, get_model_class, register
from gfa_ml.models.targets import TARGETS, Target, register_target, yes_no_label
from tests.conftest import CU4I4, ZIF4, project_home

PACKAGE = Path(gfa_ml.__file__).parent
#: the built-in targets' names (the registry itself is where they may be compared)
NAMES = {"meltable", "Tm_K", "Td_K", "Tg_K", "Tg_over_Tm"}


def _literal_names(node: ast.AST) -> set[str]:
    """Target names written as a string literal, or inside a literal tuple/list/set."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value} & NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return set().union(*(_literal_names(e) for e in node.elts)) if node.elts else set()
    return set()


def target_name_checks(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    """``file:line`` of every ==, != or ``in`` comparison against a target-name literal."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        lefts = [node.left, *node.comparators[:-1]]
        for op, left, right in zip(node.ops, lefts, node.comparators, strict=True):
            if isinstance(op, ast.Eq | ast.NotEq):
                hit = _literal_names(left) | _literal_names(right)
                hit = hit if isinstance(left, ast.Constant) or isinstance(right, ast.Constant) \
                    else set()
            elif isinstance(op, ast.In | ast.NotIn):
                hit = _literal_names(right) if not isinstance(right, ast.Constant) else set()
            else:
                continue
            if hit:
                out.append((node.lineno, f"{path.relative_to(root)}:{node.lineno} "
                                         f"({', '.join(sorted(hit))})"))
    return [text for _, text in sorted(out)]


def test_target_name_check_finder_sees_the_old_forms(tmp_path: Path) -> None:
    """The scan below must catch what the code used to hold (else it could never fail)."""
    src = tmp_path / "old.py"
    src.write_text(
        'key = "auc" if r.target == "meltable" else "mae"\n'
        'fs = "all" if target.name == "Td_K" else "shared"\n'
        'if t != "Tg_over_Tm": pass\n'
        'if target in ("Tg_over_Tm", "meltable"): pass\n'
        'for col in ("meltable", "glass_formed"): pass\n'  # a loop over columns: not a check
        'if melt == "yes": pass\n'
    )
    found = target_name_checks(src, tmp_path)
    assert [f.split(":")[1].split()[0] for f in found] == ["1", "2", "3", "4"]


def test_no_target_name_checks_outside_the_registry() -> None:
    """Behaviour is decided by a target's fields (task, unit, proxy policy ...), never by
    comparing its name with a literal; only gfa_ml/models/targets.py declares them."""
    found = [hit for path in sorted(PACKAGE.rglob("*.py"))
             if path != PACKAGE / "models" / "targets.py"
             for hit in target_name_checks(path)]
    assert not found, "target-name checks outside the registry:\n" + "\n".join(found)


def test_model_capabilities_are_declared_on_the_class() -> None:
    """``supports_sample_weight`` says exactly whether ``fit`` takes weights (the harness no
    longer sniffs signatures); ``serves`` reproduces who serves what."""
    for name in available_models():
        cls = get_model_class(name)
        takes = "sample_weight" in inspect.signature(cls.fit).parameters
        assert cls.supports_sample_weight == takes, name
    assert get_model_class("gnn").needs_structures and not get_model_class("xgb").needs_structures
    served = {n: [t for t, tgt in TARGETS.items() if get_model_class(n).serves(tgt)]
              for n in ("rule_2_3", "single_feature", "tct", "gnn", "gnn_scratch", "xgb")}
    assert served["rule_2_3"] == ["Tg_K", "Tg_over_Tm"]
    assert served["single_feature"] == ["meltable"]
    assert served["tct"] == ["Tg_K"]
    # the pretrained encoder has seen the Td-proxy labels: never scored on Td
    assert served["gnn"] == ["meltable", "Tm_K", "Tg_K", "Tg_over_Tm"]
    assert served["gnn_scratch"] == served["xgb"] == list(TARGETS)
    assert get_model_class("xgb").search_space is not None
    assert get_model_class("ridge").search_space is None
    # the weighted feature learners run again with presumed proxy negatives, not the baselines
    assert [n for n in available_models() if get_model_class(n).proxy_variant] == [
        "rf", "ridge", "xgb"]


def test_classifiers_follow_scikit_learn_conventions() -> None:
    """``predict_proba`` is n x 2 (P(0), P(1)) and its second column is what ``predict`` gives
    the harness; a model used before ``fit`` says so (NotFittedError), regressors have no
    ``predict_proba``."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"metal_en": rng.normal(size=40), "lig_mw": rng.normal(size=40)})
    y = (X["metal_en"] > 0).astype(float).to_numpy()
    clf = get_model_class("xgb")(task="classification", n_estimators=20)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    clf.fit(X, y)
    check_is_fitted(clf)
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 2)
    np.testing.assert_allclose(proba[:, 1], clf.predict(X))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert not hasattr(get_model_class("xgb")(task="regression"), "predict_proba")
    with pytest.raises(NotFittedError):
        get_model_class("dummy")().predict(X)


def test_registry_discovers_model_modules_and_loads_torch_only_for_a_graph_model() -> None:
    code = (
        "import sys\n"
        "from gfa_ml.models.registry import available_models, get_model_class\n"
        "names = available_models()\n"
        "assert {'xgb', 'rf', 'tct', 'gnn', 'gnn_scratch'} <= set(names), names\n"
        "get_model_class('xgb'); get_model_class('tct')\n"
        "assert 'torch' not in sys.modules\n"
        "get_model_class('gnn')\n"
        "assert 'torch' in sys.modules\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=PACKAGE.parent, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]


def test_a_new_classification_target_is_scored_as_one() -> None:
    """A yes/no target declared here is read 1/0 and scored by ROC-AUC (before the registry, any
    target not named "meltable" was silently scored as a regression)."""
    from gfa_ml.evaluation.cv import ModelSpec, cross_validate, summarize
    from gfa_ml.models.training_data import FeatureSource, build_training_set, load_tables

    class RecordsOnly(FeatureSource):
        def cifs(self, refs: pd.Series) -> pd.DataFrame:
            return pd.DataFrame(index=pd.Index([], name="id"))

    target = Target("glass_formed", "classification", "P", "p_glass_formed", (0.0, 1.0),
                    labeller=yes_no_label)
    table, _ = load_tables()
    register_target(target)
    try:
        ts = build_training_set(target, table, None, RecordsOnly())
        assert set(np.unique(ts.y)) == {0.0, 1.0}
        n_yes = int((table["glass_formed"].str.strip().str.lower() == "yes").sum())
        assert int(ts.y.sum()) == n_yes
        folds = ts.folds("grouped", write=False)
        res = cross_validate(ModelSpec.parse("dummy"), ts, folds, trials=0)
        row = summarize([res]).iloc[0]
        assert "auc" in row and "auc_fold_mean" in row and "mae" not in row
        assert row["brier"] < 0.25 + 1e-9  # a base-rate constant scores as a classifier
    finally:
        TARGETS.pop("glass_formed")


# --- the three recipes, from this module only ------------------------------------------------

TOY_FEATURE = "toy_n_metals"


@register("toy_mean")
class ToyMean(GFAModel):
    """Predicts the training mean; keeps the shared feature columns it was given."""

    tasks = ("regression",)

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> ToyMean:
        self.feature_columns_ = feature_columns(X, "shared")
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "mean_")
        return np.full(len(X), self.mean_)


def test_toy_target_model_and_featurizer_plug_in(tmp_path: Path) -> None:
    """The three recipes: a target (enthalpy of fusion, read from the measured table's
    ``dHf_kJ_mol`` column), a model (``toy_mean``) and a record featurizer (number of metals),
    each declared here, go through train -> save -> load -> predict unchanged library code."""
    from gfa_ml.featurize.registry import register_featurizer, unregister_featurizer
    from gfa_ml.models.predict import load_models, predict_frame
    from gfa_ml.models.training import train_target
    from gfa_ml.models.training_data import FeatureSource, build_training_set, load_tables

    def n_metals(record) -> dict[str, float]:
        return {TOY_FEATURE: float(len([m for m in str(record.get("metals") or
                                                        record.get("metal") or "").split(";")
                                        if m.strip()]))}

    target = Target("dHf_kJ_mol", "regression", "kJ/mol", "dHf_kJ_mol", label="dHf",
                    models=("dummy", "toy_mean"))
    register_featurizer("toy_metals", (TOY_FEATURE,))(n_metals)
    register_target(target)
    try:
        with project_home(tmp_path, train=()):
            table, _ = load_tables()
            ts = build_training_set(target, table, None, FeatureSource())
            labelled = pd.to_numeric(table["dHf_kJ_mol"], errors="coerce").dropna()
            assert len(ts.y) == len(labelled) >= 20
            out = train_target(ts, "toy_mean", trials=0)
            assert out.path.parent.parent.name == "dHf_kJ_mol"
            models = load_models("toy_mean", fallback="")
            assert list(models) == ["dHf_kJ_mol"]
            model = models["dHf_kJ_mol"].model
            assert TOY_FEATURE in model.feature_columns_  # the featurizer fed the model
            assert model.mean_ == pytest.approx(ts.y[ts.fit_rows].mean())
            records = pd.DataFrame([ZIF4, {**CU4I4, "metals": "Cu;Zn"}])
            pred = predict_frame(records[["id", "metals", "oxidation_states", "ligand_smiles"]],
                                 models=models, tct=False)
    finally:
        TARGETS.pop("dHf_kJ_mol")
        unregister_featurizer("toy_metals")
    assert {"dHf_kJ_mol", "dHf_kJ_mol_lo", "dHf_kJ_mol_hi"} <= set(pred.columns)
    np.testing.assert_allclose(pred["dHf_kJ_mol"], model.mean_)
    # its own row-wise conformal interval, from the held-out residuals of its training CV
    assert models["dHf_kJ_mol"].meta.interval["n"] == len(ts.y)
    half = pred["dHf_kJ_mol_hi"] - pred["dHf_kJ_mol"]
    assert (half > 0).all() and np.isfinite(half).all()
    assert (pred["models_used"] == f"dHf_kJ_mol=toy_mean {out.bundle.meta.version}").all()
    # the built-in targets without a model are reported, not silently empty
    assert pred["p_meltable"].isna().all() and pred["error"].str.contains("no trained model").all()
