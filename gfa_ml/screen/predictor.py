"""The trained GFA models as a screening predictor: feature rows -> ``gfa predict`` columns.

Wraps ``gfa_ml.models.predict.predict_frame`` (the same code as ``gfa predict``). The bundles
are loaded once by the driver, which fails fast on a missing or corrupted model, and travel
with each chunk, so workers need no access to the model directory (remote dask workers).
A target the requested model was never trained for is served by the default model
(``load_models``), so every column and the ranking score are filled; ``models_used`` says which.
The TCT calibration is fitted once per process (``gfa_ml.tct.predict.calibrate``) and only
when a chunk holds a material TCT can count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd


class PredictorError(RuntimeError):
    """No usable trained model (one-line message)."""


@dataclass
class ModelPredictor:
    """Trained models for every available target; callable on a feature frame."""

    bundles: dict
    model: str = ""
    tct: bool = True

    @classmethod
    def load(cls, model: str | None = None, root: Path | None = None,
             tct: bool = True) -> ModelPredictor:
        """Latest trained models (or the ``model`` name / directory); :class:`PredictorError`
        when there are none or one is corrupted."""
        from gfa_ml.models.predict import load_models
        from gfa_ml.models.store import ModelFileError

        try:
            bundles = load_models(model, root)
        except ModelFileError as exc:
            raise PredictorError(str(exc)) from None
        return cls(bundles, model or "", tct)

    @property
    def needs_structures(self) -> bool:
        """A graph model builds its input from the CIF: the screen must send ``cif_text``."""
        return any(type(b.model).needs_structures for b in self.bundles.values())

    def fallback_note(self) -> str:
        """Which targets the requested model could not serve, and what served them instead."""
        from gfa_ml.models.predict import fallback_note

        return fallback_note(self.model or None, self.bundles)

    def __call__(self, features: pd.DataFrame) -> pd.DataFrame:
        from gfa_ml.models.predict import predict_frame

        return predict_frame(features, models=self.bundles, tct=self.tct).reset_index(drop=True)

    def describe(self) -> dict[str, str]:
        """Per target: model name, version, data version, git commit and file checksum."""
        out = {}
        for target, b in sorted(self.bundles.items()):
            m = b.meta
            out[target] = (f"{m.model} {m.version} (data {m.data_version or '?'}, "
                           f"git {m.git_commit[:8] or '?'}, sha256 {m.sha256[:10] or '?'})")
        return out
