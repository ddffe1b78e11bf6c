"""Topological-constraint-theory (TCT) Tg for hybrid network glasses (Gupta-Mauro).

Pipeline: a record or CIF -> heavy-atom constraint inventory (:mod:`counting`, tables in
``constraints/<family>.yaml``) -> temperature-dependent rigidity n(T, x) and the self-consistent
Tg ratio equation (:mod:`solver`, :mod:`onset`) -> onsets fitted on the family's training glasses
(:mod:`calibrate`) -> ``predict_tg`` for tables, ``validate.run_loo`` for the ZIF-series check.
"""

from gfa_ml.tct.predict import predict_tg

__all__ = ["predict_tg"]
