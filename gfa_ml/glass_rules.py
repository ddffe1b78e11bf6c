"""Empirical glass rules shared by the models and the TCT validation (one place each)."""

#: the Kauzmann / Beaman "2/3 rule": Tg ≈ 2/3 · Tm (kelvin) for most glass formers
RULE_RATIO = 2.0 / 3.0
