"""The fixed, ordered feature columns and the group each belongs to.

Groups ``metal``, ``node``, ``net``, ``lig``, ``ion`` and ``bond`` are computed identically from a
CIF and from a record (metal + ligand SMILES), so a model trained on records can score CIFs. The
other groups need a crystal structure and are NaN for records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from gfa_ml.featurize.bonding import BOND_LABELS
from gfa_ml.featurize.composition import composition_labels
from gfa_ml.featurize.ions import ION_LABELS
from gfa_ml.featurize.ligand import ligand_labels
from gfa_ml.featurize.metal import METAL_LABELS
from gfa_ml.featurize.racs import RAC_LABELS

DONOR_LABELS = (
    "node_donor_N",
    "node_donor_O",
    "node_donor_S",
    "node_donor_P",
    "node_donor_halide",
    "node_donor_C",
)
NODE_LABELS = ("node_cn", *DONOR_LABELS)
HALIDE_LABEL = "node_donor_halide"
HALOGENS = ("F", "Cl", "Br", "I")
#: donor element -> its flag column (the halogens share one flag); the one donor map
DONOR_OF: dict[str, str] = {
    **{label.removeprefix("node_donor_"): label for label in DONOR_LABELS if label != HALIDE_LABEL},
    **dict.fromkeys(HALOGENS, HALIDE_LABEL),
}


def donor_flags(symbols: set[str]) -> dict[str, float]:
    """Donor-element set (N, O, S, P, C, halides) -> 0/1 flag per donor column."""
    found = {DONOR_OF.get(s) for s in symbols}
    return {label: float(label in found) for label in DONOR_LABELS}
NET_LABELS = ("net_dim",)
STRUCT_LABELS = ("struct_n_atoms", "struct_volume_per_atom", "struct_density")
NODE_GEOM_LABELS = (
    "node_bond_mean",
    "node_bond_min",
    "node_bond_max",
    "node_nuclearity",
    "node_inorganic_dim",
    "net_connectivity",
)
PORE_LABELS = ("pore_void_fraction", "pore_lcd", "pore_pld")

SHARED_GROUPS = ("metal", "node", "net", "lig", "ion", "bond")
#: text columns of a crystal's row (never model inputs): distinct metals and metal-bound organic
#: linkers as canonical SMILES, each sorted and ';'-joined, e.g. "Zn" and "Cc1ncc[n-]1", and the
#: linkers' instances per cell in the same order, e.g. "24" (what TCT counting needs)
LABEL_COLUMNS = ("metals", "linkers", "linker_counts")
STRUCTURE_GROUPS = ("comp", "struct", "node_geom", "pore", "rac")


@lru_cache(maxsize=1)
def groups() -> dict[str, tuple[str, ...]]:
    """Group name -> its columns, in output order."""
    return {
        "metal": METAL_LABELS,
        "node": NODE_LABELS,
        "net": NET_LABELS,
        "lig": ligand_labels(),
        "ion": ION_LABELS,
        "bond": BOND_LABELS,
        "comp": composition_labels(),
        "struct": STRUCT_LABELS,
        "node_geom": NODE_GEOM_LABELS,
        "pore": PORE_LABELS,
        "rac": RAC_LABELS,
    }


@lru_cache(maxsize=1)
def _labels() -> tuple[str, ...]:
    return tuple(label for cols in groups().values() for label in cols)


def feature_labels() -> list[str]:
    """All feature columns, in a fixed order (shared groups first)."""
    return list(_labels())


@dataclass
class FeatureRow:
    """Features of one material; ``nan_reasons`` says why a group is NaN (group -> reason).

    ``status``: ``ok``; ``partial`` (disorder resolved or ligand bond orders not perceived: the
    row is predicted from what could be computed, ``error`` says what is missing and why); or
    ``error`` (nothing usable, ``error`` says why).
    """

    id: str
    features: dict[str, float] = field(default_factory=dict)
    status: str = "ok"
    error: str = ""
    nan_reasons: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Every row carries every column, NaN where not computed, in the fixed order."""
        nan = float("nan")
        self.features = {k: float(self.features.get(k, nan)) for k in _labels()}

    def as_record(self) -> dict[str, object]:
        """Flat dict with every feature column (missing ones NaN), for a DataFrame row."""
        out: dict[str, object] = {"id": self.id}
        out.update(self.features)
        out.update({k: self.labels.get(k, "") for k in LABEL_COLUMNS})
        out["status"] = self.status
        out["error"] = self.error
        out["nan_reasons"] = "; ".join(f"{k}: {v}" for k, v in sorted(self.nan_reasons.items()))
        return out


def one_line(message: str, limit: int = 300) -> str:
    """A reason as one line of at most ``limit`` characters (error / partial rows)."""
    return " ".join(str(message).split())[:limit]


def error_row(id_: str, message: str) -> FeatureRow:
    """A row for an input that could not be featurized; every feature NaN."""
    return FeatureRow(id=id_, features={}, status="error", error=one_line(message))
