"""The trained GFA models as a screening predictor: feature rows -> ``gfa predict`` columns.

Wraps ``gfa_ml.models.predict.predict_frame`` (the same code as ``gfa predict``). The bundles
are loaded once by the driver, which fails fast on a missing or corrupted model, and travel
with each chunk, so workers need no access to the model directory (remote dask workers).
A target the requested model was never trained for is served by the default model
(``load_models``), so every column and the ranking score are filled; ``models_used`` says which.
The fitted TCT model (``gfa train --model tct --target Tg``) is loaded with them and travels
the same way; without one, ``Tg_tct_reason`` says so (a screen never fits a model).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from gfa_ml.models.store import ModelBundle


class PredictorError(RuntimeError):
    """No usable trained model (one-line message)."""


@dataclass
class ModelPredictor:
    """Trained models for every available target; callable on a feature frame."""

    bundles: dict
    model: str = ""
    #: the fitted TCT model (None: none saved; False: TCT not requested)
    tct: ModelBundle | None | bool = None
    #: base rate p_meltable is stated at (0.5: equal prior odds)
    prior: float = 0.5

    @classmethod
    def load(cls, model: str | None = None, root: Path | None = None,
             tct: bool = True, prior: float = 0.5) -> ModelPredictor:
        """Latest trained models (or the ``model`` name / directory); :class:`PredictorError`
        when there are none or one is corrupted."""
        from gfa_ml.models.predict import load_models, load_tct
        from gfa_ml.models.store import ModelFileError

        try:
            bundles = load_models(model, root)
            return cls(bundles, model or "", load_tct(root) if tct else False, prior)
        except ModelFileError as exc:
            raise PredictorError(str(exc)) from None

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

        return predict_frame(features, models=self.bundles, tct=self.tct,
                             prior=self.prior).reset_index(drop=True)

    def describe(self) -> dict[str, str]:
        """Per target: model name, version, data version, git commit and file checksum."""
        out = {}
        for target, b in sorted(self.bundles.items()):
            m = b.meta
            out[target] = (f"{m.model} {m.version} (data {m.data_version or '?'}, "
                           f"git {m.git_commit[:8] or '?'}, sha256 {m.sha256[:10] or '?'})")
        if self.tct not in (None, False, True):
            m = self.tct.meta
            out["Tg_tct_K"] = (f"{m.model} {m.version} (data {m.data_version or '?'}, "
                               f"sha256 {m.sha256[:10] or '?'})")
        out["p_meltable base rate"] = f"{self.prior:g}" + (" (equal prior odds)"
                                                           if self.prior == 0.5 else "")
        return out
