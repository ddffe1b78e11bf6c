"""Assemble the training set of each target from the measured table and the Td proxy set.

Decisions (shown in ``experiments/results.md``):

- Td: the 2,506 Td-proxy MOFs plus measured Td; a proxy MOF that is also a measured material
  shares its CV group, so the two copies never straddle train and test.
  Each melter with a Tm and no Td joins as a train-only lower bound (Td > Tm,
  :mod:`gfa_ml.models.censoring`) in its study's CV group and fold (:meth:`TrainingSet.folds`).
- meltability: positives and negatives from the measured table only (``meltable`` yes/no);
  variant ``proxy`` adds the Td-proxy MOFs as unlabelled rows at a low weight, train-only (never
  scored; positive-unlabelled learning in :mod:`gfa_ml.models.tabular`), since nearly all
  carboxylate/azolate MOFs decompose before they melt. A proxy MOF that is a measured material,
  or shares the composition (metal + organic linkers as coordinated) of any known melter
  (a measured "yes", or a melter of the screening list ``datasets/benchmarks/screen_known.csv``),
  is dropped from that variant: ZIF-4's Zn(Im)2 polymorphs in CoRE are no presumed negatives.
- meltability labels carry their support (``label_strength``: measured / stated / inferred);
  a classifier learns from every label, inferred ones at ``models.label_weights['inferred']``,
  and the report scores measured+stated labels apart from inferred ones.
- Tm, Tg, Tg/Tm: measured rows with a value; Tg/Tm is the ratio in kelvin, predicted directly.
- CV groups of measured rows: one per study (series tags joined through the primary references
  they cite, :mod:`gfa_ml.data.provenance`).
- structures featurized only in part (CIF rows with ``status=partial``: disorder resolved, ligand
  bond orders not perceivable, no linker or no metal node perceived,
  :mod:`gfa_ml.models.completeness`) are kept and predicted out of fold, which sizes the wider
  interval such rows get at predict time; only a target with ``trains_on_partial`` (Td) also
  trains on them. A measured *record* without
  ligand SMILES (also ``partial`` at predict time) is trained on: the data card serves it from
  its metal, node and family columns, and its ligand columns are NaN by declaration, not by a
  failed perception.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.data.columns import split_refcodes
from gfa_ml.data.provenance import study_groups
from gfa_ml.evaluation.splits import data_version, stored_folds
from gfa_ml.models.censoring import LOWER_BOUND, study_folds
from gfa_ml.models.completeness import mark_incomplete
from gfa_ml.models.fidelity import LABEL_SOURCE, PROXY
from gfa_ml.models.identity import keys as identity_keys
from gfa_ml.models.identity import same_material
from gfa_ml.models.targets import Target
from gfa_ml.structures.core_mof import refcode_base

PROXY_FAMILY = "CoRE MOF (Td proxy)"


class FeatureSource:
    """Turns records and CIF references into feature frames (index = material id).

    The default delegates to ``gfa_ml.featurize``; tests and experiments pass their own.
    """

    def records(self, df: pd.DataFrame) -> pd.DataFrame:
        from gfa_ml.featurize import featurize_records

        out = featurize_records(df)
        return out.set_index("id") if "id" in out.columns else out.set_axis(df.index)

    def cifs(self, refs: pd.Series) -> pd.DataFrame:
        """Features for ``refs`` (index = material id, values = ``core-mof:SET/NAME`` or path)."""
        from gfa_ml.featurize import featurize_many
        from gfa_ml.structures.inputs import resolve_refs

        refs = refs[refs.astype(str).str.len() > 0]
        if refs.empty:
            return pd.DataFrame(index=pd.Index([], name="id"))
        n_jobs = get_settings().models.n_jobs
        items = list(resolve_refs((str(m), str(r)) for m, r in refs.items()))
        feats = featurize_many(items, n_jobs=n_jobs, cache=True)
        return feats.set_index("id")


def merge_features(records: pd.DataFrame, cifs: pd.DataFrame) -> pd.DataFrame:
    """Record features first; CIF features fill groups the record cannot provide."""
    cifs = cifs.drop(columns=[c for c in ("status", "error") if c in cifs.columns])
    extra = [c for c in cifs.columns if c not in records.columns]
    return records.join(cifs[extra], how="left") if extra else records


@dataclass
class TrainingSet:
    """Everything a CV run needs, aligned row by row (index = material id)."""

    target: Target
    X: pd.DataFrame
    y: np.ndarray
    groups: pd.Series
    families: pd.Series
    source: pd.Series
    version: str
    #: support of each label (measured / stated / inferred; "" for values and proxy rows)
    strength: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    variant: str = ""
    weight: np.ndarray | None = None
    train_only: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    #: materials left out because they could not be featurized (id -> reason)
    excluded: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    #: every labelled row (featurized or not): folds are drawn over these, so a featurizer
    #: change that fails a few more CIFs never reshuffles the stored splits
    labelled: pd.DataFrame | None = None
    #: rows featurized only in part (status ``partial``: disorder resolved, ligand columns NaN):
    #: scored apart, out of fold, to size their own, wider intervals; trained on only where the
    #: target says so (``Target.trains_on_partial``, see :attr:`fit_rows`)
    partial: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    #: identity keys per row (``composition``, ``formula``, ``chemistry``:
    #: :mod:`gfa_ml.models.identity`), for the leakage checks of cross-validation
    keys: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        if len(self.train_only) != len(self.y):
            self.train_only = np.zeros(len(self.y), bool)
        if len(self.strength) != len(self.y):
            self.strength = pd.Series("", index=self.X.index, dtype=object)
        if len(self.partial) != len(self.y):
            self.partial = np.zeros(len(self.y), bool)

    @property
    def fit_rows(self) -> np.ndarray:
        """Rows a model may be fitted on: all of them where the target trains on partial
        structures, else the fully featurized ones."""
        return np.ones(len(self.y), bool) if self.target.trains_on_partial else ~self.partial

    def folds(self, scheme: str, write: bool = True) -> pd.Series:
        """Stored folds for this data version. Train-only rows get fold -1 (in every training
        part), except lower bounds (a melter's Tm under its Td): they take their study's fold,
        or one drawn from the study's name, so each is predicted out of fold once and leaves
        training with its study."""
        lab = self.labelled
        if lab is None:
            lab = pd.DataFrame({"group": self.groups, "family": self.families, "y": self.y,
                                "train_only": self.train_only}, index=self.X.index)
        lab = lab[~lab["train_only"].to_numpy(bool)]
        fold = stored_folds(
            self.target.name, scheme, self.version, lab.index, lab["group"],
            y=lab["y"].to_numpy() if self.target.task == "classification" else None,
            families=lab["family"], variant=self.variant, write=write,
        )
        out = fold.reindex(self.X.index).fillna(-1).astype(int)
        bound = (self.source == LOWER_BOUND).to_numpy()
        if bound.any():
            n = max(int(fold.max()) + 1, 1)
            groups = self.groups[bound]
            drawn = [zlib.crc32(str(g).encode()) % n for g in groups]
            study = study_folds(fold.reindex(lab.index).to_numpy(), lab["group"].to_numpy(),
                                groups)
            out[bound] = study.fillna(pd.Series(drawn, index=groups.index)).astype(int)
        return out


def measured_label(target: Target, table: pd.DataFrame) -> pd.Series:
    return target.read_label(table)


def _proxy_overlap(table: pd.DataFrame, proxy: pd.DataFrame) -> pd.Series:
    """Measured id for each proxy row that is the same material (refcode base or CIF), else ''."""
    by_key: dict[str, str] = {}
    for mid, row in table.iterrows():
        for code in split_refcodes(row.get("csd_refcode", "")):
            by_key[refcode_base(code)] = str(mid)
        if str(row.get("cif_path", "") or ""):
            by_key[str(row["cif_path"])] = str(mid)
    pairs = zip(proxy["cif_path"], proxy["refcode_base"], strict=True)
    return pd.Series([by_key.get(c, by_key.get(b, "")) for c, b in pairs], index=proxy.index)


def known_melters(table: pd.DataFrame, features: FeatureSource) -> pd.DataFrame:
    """Identity keys of every known melter: measured "yes" rows and the melters of the
    screening list (their CoRE structures), index = material id / CoRE name."""
    from gfa_ml.screen.enrichment import load_known

    yes = table[table.get("meltable", pd.Series("", index=table.index)).astype(str)
                .str.strip().str.lower() == "yes"]
    parts = [identity_keys(yes)]
    known = get_settings().paths.screen_known_csv
    if known.exists():
        listed = load_known(known)
        listed = listed[listed["melts"] == "yes"]
        refs = pd.Series([f"core-mof:2019-ASR/{c}" for c in listed["core_id"]],
                         index=listed["core_id"].to_numpy())
        parts.append(identity_keys(features.cifs(refs)))
    return pd.concat(parts)


def build_training_set(
    target: Target,
    table: pd.DataFrame,
    proxy: pd.DataFrame | None,
    features: FeatureSource,
    variant: str = "",
) -> TrainingSet:
    """The rows, labels, CV groups and features of one target (see module docstring)."""
    s = get_settings().models
    version = data_version(table, proxy if proxy is not None else pd.DataFrame())
    y_m = measured_label(target, table)
    bound = target.read_lower_bound(table)  # melters' Tm under their Td: train-only bounds
    rows = table[y_m.notna() | bound.notna()]
    is_bound = bound[rows.index].notna().to_numpy()
    # over the whole table: two rows of one study may be linked through a row lacking this target
    m_groups = study_groups(table)
    X = features.records(rows.reset_index()).reindex(rows.index)
    if "cif_path" in rows.columns:
        X = merge_features(X, features.cifs(rows["cif_path"].fillna("")))
    X = rows.join(X, how="left", rsuffix="_feat")
    is_label = target.task == "classification"
    strength = (rows.get("label_strength", pd.Series("", index=rows.index)).fillna("")
                .astype(str) if is_label else pd.Series("", index=rows.index))
    parts = {
        "X": [X], "y": [y_m[rows.index].fillna(bound[rows.index]).to_numpy()],
        "groups": [m_groups[rows.index]], "families": [rows["family"].astype(str)],
        "source": [pd.Series(np.where(is_bound, LOWER_BOUND, "measured"), index=rows.index)],
        "weight": [strength.map(s.label_weights).fillna(1.0).to_numpy(float)],
        "train_only": [is_bound], "strength": [strength],
    }
    labelled_proxy = target.proxy == "train"
    use_proxy = proxy is not None and (
        labelled_proxy or (target.proxy == "negatives" and variant == "proxy")
    )
    if use_proxy:
        px = proxy.copy()
        px.index = px["core_name"].astype(str)
        overlap = _proxy_overlap(table, px)
        Xp = mark_incomplete(features.cifs(px["cif_path"]).reindex(px.index))
        if not labelled_proxy:  # a presumed negative never overrides a measured label, and
            # is never a structure or composition that is known to melt
            melters = known_melters(table, features)
            melt_like = same_material(melters, identity_keys(Xp)) | px.index.isin(melters.index)
            keep = (overlap == "").to_numpy() & ~melt_like
            px, Xp = px[keep], Xp[keep]
        groups = pd.Series(
            [
                m_groups[m] if m else f"p:{g}"
                for m, g in zip(overlap[px.index], px["group"], strict=True)
            ],
            index=px.index,
        )
        Xp = px.join(Xp, how="left", rsuffix="_feat").assign(family=PROXY_FAMILY)
        missing = Xp["status"].isna() if "status" in Xp else pd.Series(True, index=Xp.index)
        Xp.loc[missing, ["status", "error"]] = ["error", "CIF not found or not featurized"]
        parts["X"].append(Xp)
        parts["y"].append(measured_label(target, px).to_numpy(float) if labelled_proxy
                          else np.zeros(len(px)))
        parts["groups"].append(groups)
        parts["families"].append(pd.Series(PROXY_FAMILY, index=px.index))
        parts["source"].append(pd.Series(PROXY, index=px.index))
        w = 1.0 if labelled_proxy else s.proxy_negative_weight
        parts["weight"].append(np.full(len(px), w))
        parts["strength"].append(pd.Series("", index=px.index))
        parts["train_only"].append(np.full(len(px), not labelled_proxy))
    X = pd.concat([x for x in parts["X"] if len(x)] or parts["X"][:1], axis=0, sort=False)
    X.index = X.index.astype(str)
    X.index.name = "id"
    if X.index.duplicated().any():
        dup = X.index[X.index.duplicated()][0]
        raise ValueError(f"duplicate material id {dup!r} across measured and proxy tables")
    weight = np.concatenate(parts["weight"])
    status = X["status"] if "status" in X else pd.Series("ok", index=X.index)
    failed = (status == "error").to_numpy()
    keep = ~failed
    labelled = pd.DataFrame({
        "group": pd.concat(parts["groups"]).to_numpy(),
        "family": pd.concat(parts["families"]).to_numpy(),
        "y": np.concatenate(parts["y"]).astype(float),
        "train_only": np.concatenate(parts["train_only"]),
    }, index=X.index)
    source = pd.concat(parts["source"]).set_axis(X.index)
    X[LABEL_SOURCE] = source.to_numpy()  # models tell the two kinds of label apart
    return TrainingSet(
        target=target, X=X[keep], y=np.concatenate(parts["y"]).astype(float)[keep],
        groups=pd.concat(parts["groups"]).set_axis(X.index)[keep],
        families=pd.concat(parts["families"]).set_axis(X.index)[keep],
        source=source[keep],
        version=version, variant=variant,
        strength=pd.concat(parts["strength"]).set_axis(X.index)[keep],
        weight=None if np.all(weight == 1.0) else weight[keep],
        train_only=np.concatenate(parts["train_only"])[keep],
        excluded=X.loc[failed, "error"].fillna("").astype(str), labelled=labelled,
        partial=((status == "partial") & (source == PROXY)).to_numpy()[keep],
        keys=identity_keys(X[keep]),
    )


def load_tables(
    measured: Path | None = None, proxy: Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The measured training table and the Td proxy (None when its file is absent)."""
    from gfa_ml.data.measured import load_measured, training_table
    from gfa_ml.data.td_proxy import load_td_proxy

    table = training_table(load_measured(measured))
    p = proxy or get_settings().paths.td_proxy_csv
    return table, (load_td_proxy(p) if Path(p).exists() else None)


def targets_available(table: pd.DataFrame, targets: Iterable[Target]) -> list[Target]:
    """Targets with enough labelled rows to cross-validate (>= 5; a target labelled by the
    Td-proxy MOFs always has them)."""
    return [t for t in targets
            if measured_label(t, table).notna().sum() >= 5 or t.proxy == "train"]
