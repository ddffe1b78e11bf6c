"""Topological-constraint-theory (TCT) Tg for hybrid network glasses (Gupta-Mauro).

Pipeline: a record or CIF -> heavy-atom constraint inventory (:mod:`counting`, tables in
``constraints/<family>.yaml``) -> temperature-dependent rigidity n(T, x) and the self-consistent
Tg ratio equation (:mod:`solver`, :mod:`onset`) -> onsets fitted on the family's training glasses
(:mod:`calibrate`, reference glass by :mod:`references`) -> ``predict_tg`` for tables;
``validate.run_loo`` runs the nested leave-one-out ZIF-series check (:mod:`nested`) and
:mod:`report` writes it up.
"""

from gfa_ml.tct.predict import predict_tg

__all__ = ["predict_tg"]
