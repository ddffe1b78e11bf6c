"""Which rows must leave a fold's training part so that the test fold is truly unseen.

Stored folds keep a material's study (grouped) or family (leave-one-family-out) on one side. The
Td-proxy MOFs sit outside the folds (train-only presumed negatives of the meltability model, or
labelled rows of the Td model), so they would stay in every training part — and a proxy can be
the test material in disguise: ZIF-8's CoRE structures are presumed negatives, and so the
"held-out" ZIF-8 record is predicted from its own copies; a held-out carboxylate family was
"predicted" from 2,500 carboxylate MOFs. Per fold, this module names the proxies to drop:

- ``grouped``: every proxy that is the same material as a test row — same composition (metal +
  organic linkers as coordinated; :func:`gfa_ml.models.identity.same_material`);
- ``lofo``: every proxy sharing the held-out family's chemistry — a (metal, ligand class) pair
  (:func:`gfa_ml.models.identity.shares_chemistry`), on top of the same-material rule.

The Td model's lower bounds (a melter's Tm under its Td, :mod:`gfa_ml.models.censoring`) follow
their study's fold, and leave a fold's training part by the same rules as a proxy: a melter of
another study with the test material's composition is that material's melting point in
disguise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gfa_ml.models.censoring import LOWER_BOUND
from gfa_ml.models.fidelity import PROXY
from gfa_ml.models.identity import same_material, shares_chemistry
from gfa_ml.models.training_data import TrainingSet


def proxy_exclusions(ts: TrainingSet, folds: pd.Series, scheme: str,
                     labelled: bool = False) -> dict[int, np.ndarray]:
    """Fold -> rows of ``ts`` (proxies and lower bounds only) kept out of that fold's
    training part.

    By default only train-only proxies (the meltability model's presumed negatives) are
    considered; ``labelled`` also drops proxies that are labelled rows of their own (the Td
    model's TGA onsets), as the served-answer evaluation needs for its Td model."""
    proxy = ((ts.source == PROXY).to_numpy() & (ts.train_only | labelled)
             | (ts.source == LOWER_BOUND).to_numpy())
    if not proxy.any() or ts.keys.empty:
        return {}
    fold = folds.reindex(ts.X.index).to_numpy()
    keys = ts.keys.reindex(ts.X.index)
    out: dict[int, np.ndarray] = {}
    for k in sorted(set(fold[fold >= 0])):
        test = keys[fold == k]
        drop = same_material(test, keys)
        if scheme == "lofo":
            drop |= shares_chemistry(test, keys)
        out[int(k)] = proxy & drop & (fold != k)
    return out


def describe(ts: TrainingSet, exclusions: dict[int, np.ndarray], folds: pd.Series) -> pd.DataFrame:
    """Per fold: the held-out families and how many proxies left its training part."""
    fold = folds.reindex(ts.X.index).to_numpy()
    fam = ts.families.to_numpy()
    rows = []
    for k, mask in sorted(exclusions.items()):
        rows.append({"fold": k, "held out": ", ".join(sorted(set(fam[fold == k]))),
                     "proxies out of training": int(mask.sum()),
                     "proxies kept": int(((ts.source == PROXY).to_numpy() & ~mask).sum())})
    return pd.DataFrame(rows)
