"""One entry point for any material: a CIF (text, path or item), a pymatgen Structure or a record.

``GFAFeaturizer`` wraps it in matminer's BaseFeaturizer contract (featurize / feature_labels /
citations / implementors) so it composes with matminer pipelines.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matminer.featurizers.base import BaseFeaturizer

from gfa_ml.featurize.bonding import CITATIONS as BOND_CITATIONS
from gfa_ml.featurize.oxidation import CITATION as OXIDATION_CITATION
from gfa_ml.featurize.racs import CITATIONS as RAC_CITATIONS
from gfa_ml.featurize.records import featurize_record
from gfa_ml.featurize.schema import FeatureRow, error_row, feature_labels
from gfa_ml.featurize.structure import featurize_cell
from gfa_ml.structures.cif import CIFError, cell_from_structure, parse_cell
from gfa_ml.structures.inputs import cif_stem, read_cif_text


def featurize_cif(
    cif_text: str, id_: str = "", source: str = "", max_atoms: int | None = None
) -> FeatureRow:
    """CIF text -> FeatureRow; any failure becomes an error row with a one-line reason."""
    try:
        cell = parse_cell(cif_text)
        return featurize_cell(cell, id_, source, max_atoms)
    except CIFError as exc:
        return error_row(id_, str(exc))
    except Exception as exc:  # noqa: BLE001 - a batch must survive any single structure
        return error_row(id_, f"featurizer failed: {type(exc).__name__}: {exc}")


def _is_record(obj: object) -> bool:
    return isinstance(obj, Mapping) or (
        hasattr(obj, "to_dict") and hasattr(obj, "index") and not hasattr(obj, "lattice")
    )


def featurize(obj: object, max_atoms: int | None = None) -> FeatureRow:
    """Featurize a Structure, CIF text, CIF path, ``(id, cif_text, source)`` item or record."""
    if hasattr(obj, "lattice") and hasattr(obj, "frac_coords"):
        try:
            cell = cell_from_structure(obj)
        except CIFError as exc:
            return error_row(str(obj.composition.reduced_formula), str(exc))
        return featurize_cell(cell, str(obj.composition.reduced_formula), "", max_atoms)
    if isinstance(obj, tuple) and len(obj) == 3:
        id_, text, source = obj
        return featurize_cif(text, str(id_), str(source), max_atoms)
    if _is_record(obj):
        record = obj if isinstance(obj, Mapping) else obj.to_dict()
        try:
            return featurize_record(record)
        except Exception as exc:  # noqa: BLE001
            return error_row(str(record.get("id", "")), f"{type(exc).__name__}: {exc}")
    if isinstance(obj, Path) or (isinstance(obj, str) and "\n" not in obj and len(obj) < 4096):
        path = Path(obj)
        if not path.is_file():
            return error_row(cif_stem(path), f"{path}: no such CIF file")
        return featurize_cif(read_cif_text(path), cif_stem(path), str(path), max_atoms)
    if isinstance(obj, str):
        return featurize_cif(obj, "", "", max_atoms)
    return error_row("", f"cannot featurize a {type(obj).__name__}")


class GFAFeaturizer(BaseFeaturizer):
    """matminer-style featurizer for structures, CIFs and metal + ligand-SMILES records."""

    def __init__(self, max_atoms: int | None = None):
        self.max_atoms = max_atoms

    def featurize(self, obj) -> list[float]:
        row = featurize(obj, self.max_atoms)
        return [row.features.get(k, np.nan) for k in feature_labels()]

    def feature_labels(self) -> list[str]:
        return feature_labels()

    def citations(self) -> list[str]:
        return [
            "Ward, L. et al. npj Comput. Mater. 2016, 2, 16028 (Magpie)",
            "Cordero, B. et al. Dalton Trans. 2008, 2832 (covalent radii)",
            "Larsen, P. M. et al. Phys. Rev. Mater. 2019, 3, 034003 (dimensionality)",
            "Kim, Y.; Kim, W. Y. Bull. Korean Chem. Soc. 2015, 36, 1769 (xyz2mol bond orders)",
            "Rogers, D.; Hahn, M. J. Chem. Inf. Model. 2010, 50, 742 (Morgan fingerprints)",
            "Chung, Y. G. et al. J. Chem. Eng. Data 2019, 64, 5985 (CoRE MOF 2019)",
            "Willems, T. F. et al. Microporous Mesoporous Mater. 2012, 149, 134 (Zeo++)",
            *BOND_CITATIONS,
            OXIDATION_CITATION,
            *RAC_CITATIONS,
        ]

    def implementors(self) -> list[str]:
        return ["gfa_ml contributors"]
