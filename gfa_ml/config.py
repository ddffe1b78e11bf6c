"""All configuration in one typed place.

Paths default to the repository checkout (data ship with the repo); ``GFA_HOME`` points the tool
at another project folder, ``GFA_CACHE`` moves the feature/graph cache.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field


def _find_home() -> Path:
    env = os.environ.get("GFA_HOME")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent
    for cand in (here.parent, Path.cwd()):
        if (cand / "datasets").is_dir():
            return cand
    return Path.cwd()


class Paths(BaseModel):
    """Where data, models, experiments and caches live."""

    home: Path = Field(default_factory=_find_home)

    @property
    def datasets(self) -> Path:
        return self.home / "datasets"

    @property
    def measured_csv(self) -> Path:
        return self.datasets / "measured" / "measured.csv"

    @property
    def lab_csv(self) -> Path:
        """Lab measurements added with ``gfa data add`` (kept apart from the curated sheet)."""
        return self.datasets / "measured" / "lab.csv"

    @property
    def td_proxy_csv(self) -> Path:
        return self.datasets / "td_proxy" / "td_proxy.csv"

    @property
    def screen_known_csv(self) -> Path:
        """Known melters / non-melters with CoRE structures (the screening benchmark's list)."""
        return self.datasets / "benchmarks" / "screen_known.csv"

    @property
    def models(self) -> Path:
        return self.home / "models"

    @property
    def experiments(self) -> Path:
        return self.home / "experiments"

    @property
    def cache(self) -> Path:
        env = os.environ.get("GFA_CACHE")
        return Path(env) if env else self.home / ".gfa_cache"

    @property
    def tracking_uri(self) -> str:
        return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{self.home / 'mlruns.db'}"


class ValidationLimits(BaseModel):
    """Physical sanity limits for measured thermal data (kelvin)."""

    t_min_K: float = 100.0
    t_max_K: float = 1500.0
    # a value this low in a K column is far more likely to be degrees Celsius
    celsius_hint_below_K: float = 273.15
    # `gfa data add`: a new value further than this outside its family's measured range is
    # refused (`--force` overrides); families with fewer measured values are not checked
    family_margin_K: float = 150.0
    family_min_values: int = 3


class XGBDefaults(BaseModel):
    """xgboost's untuned parameters (``tuning_trials: 0``, and the start of every search)."""

    n_estimators: int = 400
    max_depth: int = 4
    learning_rate: float = 0.05
    subsample: float = 0.8
    colsample_bytree: float = 0.6
    min_child_weight: float = 2.0
    reg_lambda: float = 1.0
    #: histogram bins per feature (``tree_method="hist"``)
    max_bin: int = 128


class ForestDefaults(BaseModel):
    """The random-forest baseline: 200 trees, half the features per split, min leaf 2."""

    n_estimators: int = 200
    min_samples_leaf: int = 2
    max_features: float = 0.5


class ModelSettings(BaseModel):
    """Knobs for training and evaluating the GFA models (``gfa train | evaluate | compare``)."""

    n_folds: int = 5
    inner_folds: int = 3
    #: optuna trials per outer training fold; 0 = library defaults (fast CI)
    tuning_trials: int = 8
    coverage: float = 0.9
    #: how the Td-proxy MOFs (no reported melting) enter the meltability classifier:
    #: "elkan-noto" = unlabelled rows weighted by Elkan & Noto's P(melts | x, unlabelled)
    #: (:mod:`gfa_ml.models.fidelity`); "weighted" = all presumed non-meltable; either at
    #: ``proxy_negative_weight``; "none" = left out
    proxy_negatives: Literal["elkan-noto", "weighted", "none"] = "elkan-noto"
    proxy_negative_weight: float = 0.05
    #: spread (K) of the normal around a first fit's estimate from which a lower-bound label
    #: (a melter's Td above its Tm, :mod:`gfa_ml.models.censoring`) takes its conditional mean;
    #: about the Td model's out-of-fold residual spread on the proxy TGA onsets (MAE 45 K).
    #: Set before measuring, not tuned: 80 K, measured beside it, is within noise on every
    #: score (experiments/td_bounds.md)
    censored_sd_K: float = 50.0
    #: training weight of a measured meltable label by its support (``label_strength``): an
    #: inferred label (the curator's reading of decomposition wording) counts half
    label_weights: dict[str, float] = {"measured": 1.0, "stated": 1.0, "inferred": 0.5}
    default_model: str = "xgb"
    #: the Tm/Td regressors take a side on "melts first" when their own P(Tm < Td) is at least
    #: this (or at most 1 − this); in between, ``agreement`` says "undecided"
    window_decided: float = 0.8
    #: a served value further than this share of its model's training-label range outside that
    #: range is flagged as implausible (``flags`` column of ``gfa predict``)
    plausibility_margin: float = 0.1
    #: nearest training materials reported per prediction, and the in-domain distance quantile
    domain_k: int = 3
    domain_quantile: float = 0.95
    #: threads per model fit; 1 is fastest on a shared 2-core machine
    n_jobs: int = 1
    #: above this many training rows a tuning trial is scored on the first inner fold only
    #: (one fit per trial keeps nested tuning of the 2,500-row Td set affordable on two cores)
    tune_single_fold_above: int = 500
    xgb: XGBDefaults = Field(default_factory=XGBDefaults)
    #: xgboost's untuned parameters for a target with thousands of rows (``Target.xgb_preset``;
    #: Td: 2,500 proxy TGA onsets): deeper trees, more of them at a lower rate, fewer columns
    #: per tree. Picked over ``xgb`` on the inner grouped folds of every Td training part
    #: (``benchmarks/td_ablation.py``, experiments/td.md)
    xgb_large: XGBDefaults = Field(default_factory=lambda: XGBDefaults(
        n_estimators=800, max_depth=6, learning_rate=0.03, colsample_bytree=0.4))
    rf: ForestDefaults = Field(default_factory=ForestDefaults)


class GNNConfig(BaseModel):
    """Crystal-graph network knobs (CGCNN-style graph defaults: 8 Å, 12 neighbours)."""

    cutoff_A: float = 8.0
    max_neighbors: int = 12
    gaussian_step_A: float = 0.2
    hidden: int = 64
    n_conv: int = 3
    epochs: int = 30
    patience: int = 6
    #: learning rate on the small measured sets (adapter) and for Td pretraining
    lr: float = 1e-3
    pretrain_lr: float = 3e-4
    #: graphs are packed into batches up to this many atoms in total
    batch_max_atoms: int = 2000
    #: structures above this many atoms are skipped (logged, never silently dropped)
    max_atoms: int = 5000
    device: str = "cpu"
    #: fine-tuning a pretrained encoder: its learning rate is ``lr`` times this (heads get ``lr``)
    finetune_encoder_lr_scale: float = 0.1
    #: fewer training graphs than this: no validation split, no early stopping
    min_for_early_stopping: int = 8


class FeaturizeSettings(BaseModel):
    """Knobs of the structure/ligand featurizer (gfa_ml.featurize)."""

    # cells with more atoms are skipped with a reason (CoRE 2019-ASR max is ~9,000)
    max_atoms: int = 5000
    # bond if d < r_cov(a) + r_cov(b) + bond_tolerance (Cordero radii; CSD-style 0.4 A)
    bond_tolerance_A: float = 0.4
    # metal to O/N/S/halide donors: longer, more ionic bonds (Cd-O, Bi-O, K-O up to ~2.9 A)
    metal_bond_tolerance_A: float = 0.6
    # two metals belong to one node (SBU) if closer than r_cov + r_cov + this (paddlewheels)
    metal_metal_tolerance_A: float = 0.5
    # atoms closer than this are unresolved disorder
    min_distance_A: float = 0.5
    # bump when any feature definition changes: invalidates the Parquet cache
    cache_version: str = "9"
    fingerprint_bits: int = 64
    #: an oxidation state is plausible for an element when it makes up at least this share of
    #: the element's positive states in pymatgen's ICSD occurrence table (0.03: Ag(II) 3.2 % in,
    #: Cu(III) 1.8 % and Bi(I) 2.2 % out); the charge balance of a record only infers these
    ox_min_share: float = 0.03
    #: metal oxidation states of a crystal: "balance" (fragment charges), "bvs" (bond-valence
    #: sums), "balance+bvs" (bond valence where the balance does not decide) or "guesser"
    #: (pymatgen's composition guess); benchmarks/cif_oxidation_states.py compares them:
    #: balance 29/29 right, bvs 25/29 (Cu(II) read as Cu(I)), guesser 18/29
    cif_oxidation: Literal["balance", "bvs", "balance+bvs", "guesser"] = "balance"
    #: a crystal's hydrogen-less O bound only to metals is water below the first bond-valence
    #: sum, hydroxide below the second, oxide above (pymatgen parameters: aqua of HKUST-1 in
    #: CoRE 2019-FSR 0.11, mu3-OH of UiO-66 0.75, mu4-O of MOF-5 1.6, mu3-O of UiO-66 2.0)
    lone_oxygen_bvs: tuple[float, float] = (0.5, 1.4)
    #: CIFs per task sent to a featurizer worker (``featurize_many``)
    chunk: int = 32
    #: the feature cache merges its part files once there are more than this many
    cache_max_parts: int = 16
    #: pore grid: at most this many probe points per cell (spacing >= 0.7 A)
    pore_max_grid_points: int = 4000
    #: pore columns of CIFs outside CoRE: "zeo++" (pyzeo, when installed; median ~0.4 s per
    #: cell, see benchmarks/porosity_bench.py) or "grid" (the quick estimate, no PLD)
    pore_backend: Literal["zeo++", "grid"] = "zeo++"
    #: Monte Carlo samples per cell for the Zeo++ void fraction
    pore_zeopp_samples: int = 5000
    #: larger cells, or a Zeo++ run longer than this, fall back to the grid estimate
    pore_zeopp_max_atoms: int = 2000
    pore_zeopp_timeout_s: float = 60.0
    #: linkers with more heavy atoms than this skip the exhaustive charge/bond-order search
    linker_exhaustive_max_heavy: int = 24
    #: random restarts of bond-order perception before a ligand is reported unperceivable
    bond_order_attempts: int = 6


class TCTSettings(BaseModel):
    """Knobs of the topological-constraint Tg model (gfa_ml.tct)."""

    # spread of measured Tg between labs/scans; weighs data against the onset priors in the fit
    sigma_K: float = 5.0
    # scipy least_squares loss ("linear" = plain least squares; "soft_l1" damps outlier labs)
    loss: str = "linear"
    # glass routes whose Tg calibrates and validates the model (MIG Tg depends on milling time)
    routes: tuple[str, ...] = ("MQG",)
    # log10(viscosity at Tg / viscosity at infinite T), Gupta-Mauro fragility prefactor
    m0: float = 15.0
    #: bounds of a fitted onset temperature, as a multiple of its prior
    theta_bounds: tuple[float, float] = (0.6, 1.8)
    #: residual (K) given to a training glass whose Tg equation has no root for trial onsets
    no_root_penalty_K: float = 100.0


class ScreenSettings(BaseModel):
    """Knobs of ``gfa screen`` (gfa_ml.screen)."""

    #: structures per task sent to a worker and per checkpoint file
    chunk_size: int = 200
    #: "local" (process pool on this machine) or "dask" (dask.distributed scheduler)
    executor: str = "local"
    n_workers: int = 2
    #: what ``gfa screen`` screens when no INPUT is given
    default_subset: str = "core-mof:2019-ASR"
    #: candidates shown in the report and written out as CIFs
    top_n: int = 25
    #: a chunk of cache hits only needs predicting: it may hold this many times more structures
    cached_chunk_factor: int = 10
    #: freshly computed feature rows are written to the cache in batches of at least this many
    cache_flush_rows: int = 2000
    #: screening benchmark: top fractions of the ranking in which known melters are counted
    enrichment_fractions: tuple[float, ...] = (0.01, 0.05)


class SuggestSettings(BaseModel):
    """Knobs of ``gfa suggest`` (gfa_ml.suggest): which materials to make and measure next."""

    #: acquisition used when none is asked for; chosen from the retrospective benchmark
    #: (``benchmarks/active_learning.py`` -> experiments/active_learning.md)
    default_strategy: Literal["exploit", "explore", "balanced", "random"] = "exploit"
    #: materials suggested per round when no ``--budget`` is given
    budget: int = 5
    #: ``balanced``: how many melters one bit of information is worth (score = p + w * bits)
    information_weight: float = 0.5
    #: batch diversity: a candidate loses this much score times its similarity (0-1) to the
    #: closest material already in the batch (similarity = exp(-distance / domain spread))
    diversity_weight: float = 0.5
    #: most suggestions sharing one composition (metal + organic linkers as coordinated)
    max_per_composition: int = 1
    #: nearest known materials named in each suggestion's reason
    nearest_shown: int = 2


class WebSettings(BaseModel):
    """Knobs of ``gfa serve`` (gfa_ml.web): where it listens and what one request may cost."""

    host: str = "127.0.0.1"
    port: int = 8000
    #: every request must carry this token (required to bind anything but localhost)
    token: str = Field(default_factory=lambda: os.environ.get("GFA_TOKEN", ""), repr=False)
    #: largest request body (all uploaded files together), in bytes
    max_upload_bytes: int = 20_000_000
    #: most CIF files in one request, and most typed records
    max_files: int = 50
    max_records: int = 500
    #: a request's CIFs are read in a worker process killed after this many seconds
    parse_timeout_s: float = 120.0
    #: Host headers a server without a token answers (a page on another site cannot reach a
    #: localhost server through a DNS name it controls: DNS rebinding); with a token, any host
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]", "::1")
    #: ``gfa screen`` output folders opened by the Screen results page live under this folder
    #: (None: the project home); nothing outside it is served
    screen_root: Path | None = None


class Settings(BaseModel):
    paths: Paths = Field(default_factory=Paths)
    limits: ValidationLimits = Field(default_factory=ValidationLimits)
    tct: TCTSettings = Field(default_factory=TCTSettings)
    featurize: FeaturizeSettings = Field(default_factory=FeaturizeSettings)
    gnn: GNNConfig = Field(default_factory=GNNConfig)
    models: ModelSettings = Field(default_factory=ModelSettings)
    screen: ScreenSettings = Field(default_factory=ScreenSettings)
    suggest: SuggestSettings = Field(default_factory=SuggestSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    seed: int = 0


#: settings a caller runs a piece of work under (``using``); None = the process defaults
_SCOPED: ContextVar[Settings | None] = ContextVar("gfa_settings", default=None)


@lru_cache(maxsize=1)
def _defaults() -> Settings:
    return Settings()


def get_settings() -> Settings:
    """The settings in force: those of the enclosing ``using(...)`` block, else the defaults."""
    return _SCOPED.get() or _defaults()


get_settings.cache_clear = _defaults.cache_clear  # type: ignore[attr-defined]


def overridden(**sections: dict[str, Any]) -> Settings:
    """A copy of the settings in force with some fields replaced, e.g.
    ``overridden(gnn={"epochs": 3})``; ``None`` values keep the current field. The settings in
    force are never changed."""
    base = get_settings()
    update = {}
    for name, fields in sections.items():
        fields = {k: v for k, v in fields.items() if v is not None}
        if fields:
            update[name] = getattr(base, name).model_copy(update=fields)
    return base.model_copy(update=update)


@contextmanager
def using(settings: Settings) -> Iterator[Settings]:
    """Run the block under ``settings`` (a copy from :func:`overridden`); restored on exit,
    the defaults untouched (a command's ``--device`` never leaks into the next command)."""
    token = _SCOPED.set(settings)
    try:
        yield settings
    finally:
        _SCOPED.reset(token)
