"""Preloaded by the fork server of the CIF workers: the featurizer's element, Magpie and SMARTS
tables load once there, so each request's worker starts warm instead of paying ~1 s."""

from gfa_ml.featurize.batch import warm_up

warm_up()
