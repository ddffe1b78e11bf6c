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
  proxy MAE stays comparable with MOFSimplify's. Its interval is sized on the measured rows'
  own out-of-fold residuals (``ModelMeta.halfwidth_measured``), wider than the proxy one.
  (A ridge-pooled offset by ligand class on top of a proxy-only regressor was tried first: its
  grouped-CV MAE on the measured Td rows was 100 K against 91 K for this design.)
- **Meltability (positive-unlabelled).** A proxy MOF enters as a negative only as far as a
  classifier trained on the labelled rows alone believes it does not melt: its weight is
  ``weight × (1 − p)`` (Elkan & Noto, KDD 2008, weighting unlabelled rows by their estimated
  class probability; Bekker & Davis, Mach. Learn. 2020, 109, 719), so a proxy Zn imidazolate
  that looks like a melter is not taught to be a non-melter. Presumed negatives teach only
  through the columns a labelled record also has: their crystal-only columns (density, pores,
  node geometry) are blanked, because 2,500 CIF-bearing negatives against labelled rows that are
  nearly all records teach "has a CIF -> decomposes" (ZIF-4's CIF fell from P 0.81 to 0.27).
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


def pu_weights(p_labelled_only: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Presumed-negative weights scaled by the labelled-only model's P(not meltable)."""
    p = np.nan_to_num(np.asarray(p_labelled_only, float), nan=0.0)
    return np.asarray(weight, float) * np.clip(1.0 - p, 0.0, 1.0)
