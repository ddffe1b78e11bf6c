"""What the server holds from start-up to shutdown: the settings and the models, loaded once."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from gfa_ml.config import Settings, using
from gfa_ml.models.store import ModelBundle
from gfa_ml.web.parse import WorkerFeaturizer


@dataclass
class ServerState:
    settings: Settings
    bundles: dict[str, ModelBundle]
    #: the fitted TCT model (None: none saved; ``Tg_tct_reason`` says so, as in `gfa predict`)
    tct: ModelBundle | None
    #: the line `gfa predict` prints when the requested model could not serve every target
    note: str = ""
    featurize: WorkerFeaturizer | None = None
    #: one prediction at a time through the shared models (tree and SHAP code is not
    #: guaranteed thread-safe); CIF reading runs outside it, in workers
    lock: threading.Lock = field(default_factory=threading.Lock)


def load_state(settings: Settings, model: str | None = None) -> ServerState:
    """Load every target's model (and TCT) once; ``ModelFileError`` if there is none."""
    from gfa_ml.models.predict import fallback_note, load_models, load_tct

    with using(settings):
        bundles = load_models(model)
        tct = load_tct()
    return ServerState(settings, bundles, tct, fallback_note(model, bundles),
                       WorkerFeaturizer(settings))
