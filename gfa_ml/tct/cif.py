"""Constraint inventory of a crystal structure, through the featurizer's reading of it.

The crystal's network stands in for the glass's (the ZIF glasses keep the MN4 tetrahedra and
intact linkers, only the long-range order goes). The CIF is featurized (the same bond graph,
metal-donor tolerance and disorder handling as ``gfa predict``), its metal-bound linkers are
matched to the family's linker graphs and counted per metal exactly as the record Zn(Im)2 is
(:mod:`gfa_ml.tct.family`), so a CIF of ZIF-4 and that record give the same numbers.
"""

from __future__ import annotations

from gfa_ml.featurize import featurize_cif
from gfa_ml.tct.records import Glass, glass_from_record


def glass_from_cif(cif_text: str, name: str, family: str | None = None) -> Glass:
    """Count a CIF's network as a glass of ``family`` (None: inferred from its metals and
    linkers); a structure that cannot be read or mapped becomes the reason."""
    row = featurize_cif(cif_text, name)
    if row.status == "error":
        return Glass(name, family or "", "", {}, None, row.error)
    record = {**row.labels, **row.features, "status": row.status, "family": family or ""}
    return glass_from_record(record, name)
