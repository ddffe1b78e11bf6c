"""How well the models do on what they never saw: stored folds, cross-validation, metrics,
leave-one-family-out without leaks, blind sets, reports and figures (``gfa evaluate``)."""
