"""Two kinds of label in one training set: measured materials and the Td-proxy MOFs.

The Td-proxy MOFs are TGA onsets read from papers (MOFSimplify; mostly carboxylates, often in
air), a different measurement from the measured table's decomposition temperatures (DSC/TGA of
the material itself, usually under inert gas). The same 2,506 MOFs are *unlabelled* for
meltability (nobody reported melting, which is not a measured "no"). Each row says which kind it
is in the ``label_source`` column; the tabular models read it:

- **Td (two fidelities).** One regressor learns both scales with one more input column, the
  *measurement scale* (1 = measured material, 0 = proxy TGA onset), so the trees can learn the
  offset where the data show one (ZIFs decompose well above the proxy average) instead of
  dragging every family to the carboxylate-TGA mean. A prediction for a new material is made on
  the measured scale (the one its Tm is compared with); a proxy row keeps the proxy scale, so the
  proxy MAE stays comparable with MOFSimplify's. Its interval for new materials uses the
  measured rows' own out-of-fold residuals (``IntervalModel.q_new``), never narrower than the
  proxy one — for a new material described *without* a crystal structure (a record), the
  kind of row nearly all measured materials are: a conformal quantile is valid for rows
  exchangeable with its calibration rows, and a CIF is featurized like the proxy CoRE CIFs
  (``new_scale_rows``). With the Td preset (``models.xgb_large``: 40 % of the columns per tree)
  the trees never split on the scale column (0 of ~31,000 splits in the model
  `gfa train --trials 0` saves): new materials get the same estimate as a proxy row, and the
  measured rows size the interval of records only. On the 501 validation CIFs served as new
  structures the 90 % interval now covers 91.0 % at a median ±102 K; sized by the measured
  rows it covered 99.8 % at ±230 K (``benchmarks/td_served_val.py``).
  (A ridge-pooled offset by ligand class on top of a proxy-only regressor was tried first: its
  grouped-CV MAE on the measured Td rows was 100 K against 91 K for this design.)
- **Meltability (positive-unlabelled, Elkan & Noto, KDD 2008).** Nobody reported a proxy MOF
  melting, which is not a measured "no": the proxies are *unlabelled*. A "non-traditional"
  classifier g(x) = P(labelled | x) is cross-fitted on the labelled melters against the
  unlabelled proxies; the label frequency c = P(labelled | melter) is estimated as the mean g of
  held-out labelled melters (their estimator e1); each proxy then enters twice, as a melter with
  weight P(melts | x, unlabelled) = (1 − c)/c · g/(1 − g) (clipped to [0, 1]) and as a
  non-melter with the rest, both scaled by ``models.proxy_negative_weight`` (2,500 proxies must
  not drown 180 labels). The measured non-melters stay labelled negatives. Presumed negatives
  teach only through the columns a labelled record also has: their crystal-only columns
  (density, pores, node geometry) are blanked, because 2,500 CIF-bearing rows against labelled
  rows that are nearly all records teach "has a CIF -> decomposes" (ZIF-4's CIF fell from
  P 0.81 to 0.27). ``models.proxy_negatives = "weighted"`` takes every proxy as a negative at
  the same low weight instead, ``"none"`` leaves them out; which one is served is decided on the
  leave-one-family-out protocol without leaks (``experiments/results.md``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: material-frame column saying where a row's label comes from
LABEL_SOURCE = "label_source"
#: its value for the Td-proxy MOFs (labelled for Td, presumed negative for meltability)
PROXY = "td_proxy"


def proxy_rows(X: pd.DataFrame) -> np.ndarray:
    """True for the Td-proxy rows of a material frame (all False without the column)."""
    if LABEL_SOURCE not in X.columns:
        return np.zeros(len(X), bool)
    return (X[LABEL_SOURCE].astype(str) == PROXY).to_numpy()


def label_frequency(g_labelled: np.ndarray) -> float:
    """Elkan & Noto's c = P(labelled | positive): mean g over held-out labelled positives."""
    g = np.asarray(g_labelled, float)
    g = g[np.isfinite(g)]
    return float(np.clip(g.mean(), 1e-3, 1.0)) if len(g) else 1.0


def elkan_noto_weights(g_unlabelled: np.ndarray, c: float) -> np.ndarray:
    """P(positive | x, unlabelled) = (1 − c)/c · g/(1 − g), clipped to [0, 1]."""
    g = np.clip(np.nan_to_num(np.asarray(g_unlabelled, float), nan=0.0), 0.0, 1.0 - 1e-9)
    return np.clip((1.0 - c) / c * g / (1.0 - g), 0.0, 1.0)


def has_structure(X: pd.DataFrame) -> np.ndarray:
    """True for rows featurized from a crystal structure (any crystal-only column present)."""
    from gfa_ml.models.features import crystal_only_columns

    cols = [c for c in crystal_only_columns() if c in X.columns]
    if not cols:
        return np.zeros(len(X), bool)
    return X[cols].notna().any(axis=1).to_numpy()


def new_scale_rows(X: pd.DataFrame) -> np.ndarray:
    """Rows whose Td interval is sized by the measured materials' residuals (``q_new``): new
    materials described without a crystal structure, like the measured rows (records)."""
    return ~proxy_rows(X) & ~has_structure(X)


def new_scale_heldout(held: pd.DataFrame) -> np.ndarray:
    """:func:`new_scale_rows` for a frame of held-out predictions, which carries each row's
    ``source`` (label source) and ``structure`` (featurized from a crystal) instead of
    features."""
    return ((held["source"] != PROXY) & ~held["structure"].astype(bool)).to_numpy()

