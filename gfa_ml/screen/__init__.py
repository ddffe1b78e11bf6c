"""Screen structure sets for frameworks worth trying to melt (``gfa screen``).

``run_screen`` plans the inputs (``sources``), applies subset ``filters``, runs featurize ->
predict per chunk on a local pool or dask (``executor``, ``task``), checkpoints chunks
(``checkpoint``), ranks (``rank``) and writes the report (``report``).
"""

from gfa_ml.screen.executor import ExecutorSpec
from gfa_ml.screen.filters import Filters
from gfa_ml.screen.predictor import ModelPredictor
from gfa_ml.screen.run import ScreenResult, run_screen

__all__ = ["ExecutorSpec", "Filters", "ModelPredictor", "ScreenResult", "run_screen"]
