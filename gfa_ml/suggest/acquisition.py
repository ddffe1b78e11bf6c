"""Which candidates to measure next: one score per strategy, then a diverse batch.

Every strategy scores a candidate from the served ``p_meltable`` (P(melts before decomposing),
calibrated) alone, so the retrospective benchmark (:mod:`gfa_ml.suggest.retrospective`) scores
exactly what ``gfa suggest`` serves:

- ``exploit``: p — the most likely melters first (a lab that wants glasses now);
- ``explore``: the information its label carries for the model, H(p) in bits (uncertainty
  sampling): p = 0.5 is a coin flip for the model, whose DSC/TGA answer is worth 1 bit, the most
  one yes/no measurement can be; p = 0.95 is worth 0.29 bit;
- ``balanced``: p + w·H(p) — a melter found counts 1 and each bit learned counts ``w``
  (``suggest.information_weight``); with w = 0.5 the best score sits at p = 0.8, so it prefers a
  likely melter the model is not yet sure of over a near-certain one;
- ``random``: a uniform draw (the baseline every strategy is benchmarked against).

A batch is picked greedily: the best score first, then each next candidate's score is lowered by
``diversity_weight`` × its similarity to the closest material already picked (similarity
exp(−d / spread) in the meltability model's standardized feature space, ``spread`` the typical
distance between its training materials), and no more than ``max_per_composition`` share one
composition (metal + organic linkers: :func:`gfa_ml.models.identity.composition_key`), so five
polymorphs of one framework never fill a batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from gfa_ml.config import SuggestSettings, get_settings
from gfa_ml.models.domain import ApplicabilityDomain, nan_euclidean
from gfa_ml.models.features import feature_matrix

STRATEGIES = ("exploit", "explore", "balanced", "random")
#: why a strategy picks what it picks, in the words of each suggestion's reason
PURPOSE = {
    "exploit": "picked for the highest chance of a melter",
    "explore": "picked for what its measurement teaches the model",
    "balanced": "picked for chance of a melter plus what it teaches",
    "random": "random pick (the baseline strategies are compared with)",
}


class StrategyError(ValueError):
    """An unknown strategy name (one-line message)."""


def check_strategy(name: str) -> str:
    if name not in STRATEGIES:
        raise StrategyError(f"strategy {name!r}: use one of {', '.join(STRATEGIES)}")
    return name


def information_bits(p: np.ndarray) -> np.ndarray:
    """H(p) in bits: what a yes/no measurement of a material with P(yes) = p tells the model."""
    p = np.clip(np.asarray(p, float), 1e-12, 1 - 1e-12)
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))


def scores(strategy: str, p: np.ndarray, weight: float, rng: np.random.Generator) -> np.ndarray:
    """Acquisition score per candidate (higher = measure sooner); NaN where p is missing."""
    p = np.asarray(p, float)
    check_strategy(strategy)
    if strategy == "exploit":
        out = p.copy()
    elif strategy == "explore":
        out = information_bits(p)
    elif strategy == "balanced":
        out = p + weight * information_bits(p)
    else:
        out = rng.random(len(p))
    return np.where(np.isfinite(p), out, np.nan)


@dataclass
class Batch:
    """Picked candidates (positions, in order) and how diversity shaped the pick."""

    picked: list[int]
    #: per pick: the score it was picked with (after the diversity penalty)
    adjusted: list[float]
    #: per pick: candidates with a better raw score passed over (composition cap or penalty)
    passed_over: list[int]


def select_batch(
    score: np.ndarray, budget: int, composition: np.ndarray, space: np.ndarray | None = None,
    spread: float = 1.0, diversity: float = 0.5, max_per_composition: int = 1,
) -> Batch:
    """Greedy diverse batch (see module docstring). ``composition``: key per candidate ('' =
    unknown, never capped); ``space``: standardized features (rows = candidates) or None for
    composition-only diversity. Ties go to the earlier candidate."""
    score = np.asarray(score, float)
    n = len(score)
    usable = np.isfinite(score)
    penalty = np.zeros(n)
    count: dict[str, int] = {}
    batch = Batch([], [], [])
    for _ in range(min(budget, int(usable.sum()))):
        capped = np.array([bool(c) and count.get(c, 0) >= max_per_composition
                           for c in composition], dtype=bool)
        ok = usable & ~capped
        if not ok.any():
            break
        adj = np.where(ok, score - penalty, -np.inf)
        best = int(np.argmax(adj))
        batch.picked.append(best)
        batch.adjusted.append(float(adj[best]))
        batch.passed_over.append(int((usable & (score > score[best])).sum()))
        usable[best] = False
        if composition[best]:
            count[composition[best]] = count.get(composition[best], 0) + 1
        if space is not None and diversity > 0:
            d = nan_euclidean(space, space[best : best + 1])[:, 0]
            sim = np.where(np.isfinite(d), np.exp(-d / max(spread, 1e-9)), 0.0)
            penalty = np.maximum(penalty, diversity * sim)
    return batch


def feature_space(domain: ApplicabilityDomain, X: pd.DataFrame) -> np.ndarray:
    """Rows of ``X`` in the standardized feature space of a model's applicability domain (the
    space its nearest-known distances are measured in)."""
    return (feature_matrix(X, domain.columns_) - domain.mean_) / domain.std_


def pick(
    strategy: str, p: np.ndarray, composition: np.ndarray, space: np.ndarray | None,
    spread: float, budget: int, rng: np.random.Generator, settings: SuggestSettings | None = None,
) -> tuple[np.ndarray, Batch]:
    """Scores of every candidate and the diverse batch ``strategy`` picks from them (the one
    entry point of ``gfa suggest``, its web page and the retrospective benchmark)."""
    s = settings or get_settings().suggest
    score = scores(strategy, p, s.information_weight, rng)
    return score, select_batch(score, budget, composition, space, spread, s.diversity_weight,
                               s.max_per_composition)
