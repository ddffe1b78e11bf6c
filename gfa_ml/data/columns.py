"""Column contract of the measured table (``datasets/measured/measured.csv``).

One row per material and source: the crystal and its glass share a row. Temperatures are kelvin.
Multi-valued cells are ``;``-separated and aligned (``metals`` with ``oxidation_states``,
``ligands`` with ``ligand_smiles``).
"""

from __future__ import annotations

FAMILIES = (
    "ZIF",
    "phosphate-azole",
    "thiocyanate",
    "nitrile",
    "bis(acetamide)",
    "hybrid-perovskite",
    "nanocluster",
    "carboxylate",
    # families added with the literature sheet: kept apart so leave-one-family-out shows what
    # transfers between chemistries
    "azolate",
    "cyanide",
    "hybrid-metal-halide",
    "metal-halide-cp",
    "molecular-complex",
    "metal-ionic-liquid",
    "metallomesogen",
    "other",
)
ROUTES = ("MQG", "MIG", "DS")
DIMENSIONALITIES = ("0D", "1D", "2D", "3D")
TRISTATE = ("yes", "no", "unknown")
#: how a meltable label is supported, strongest first: a printed DSC/TGA number, the source's
#: words, the curator's inference (e.g. "no" from decomposition wording alone)
LABEL_STRENGTHS = ("measured", "stated", "inferred")
#: the labels a bar is scored on: read off a measurement or stated by the authors, not inferred
FIRM_STRENGTHS = LABEL_STRENGTHS[:2]

# column -> short description (also rendered into the data card)
COLUMNS: dict[str, str] = {
    "id": "stable lowercase slug, unique per material (e.g. zif-4-zn)",
    "name": "name used in the source",
    "formula": "formula as the source writes it (mixed-linker: Zn(Im)1.75(bIm)0.25)",
    "family": "one of: " + ", ".join(FAMILIES),
    "metals": "element symbols of the metal nodes, ';'-separated (Co;Zn)",
    "oxidation_states": "formal oxidation state per metal, aligned with metals",
    "coordination_number": "coordination number per metal where known, aligned with metals",
    "donor_atoms": "donor element(s) bound to the metal (N; O; S;N; P;I ...)",
    "dimensionality": "0D/1D/2D/3D of the metal-ligand network where known",
    "ligands": "ligand names, ';'-separated (bridging ligands and counter-ions)",
    "ligand_smiles": "SMILES as coordinated (deprotonated azolates), aligned with ligands",
    "linker_fractions": "mixed-linker stoichiometry per metal, e.g. Im=1.75;bIm=0.25",
    "route": "glass route: MQG (melt-quench), MIG (mechanically induced), DS (direct synthesis)",
    "Tm_K": "melting temperature (K)",
    "Td_K": "decomposition temperature (K)",
    "Tg_K": "glass-transition temperature (K)",
    "dHf_kJ_mol": "enthalpy of fusion (kJ/mol, formula unit as in the source)",
    "heating_rate_K_min": "DSC/TGA heating rate where the source gives it (K/min)",
    "meltable": "yes: melts before it decomposes (Tm < Td); no: decomposes first; unknown",
    "glass_formed": "yes/no/unknown",
    "csd_refcode": "CSD refcode of the crystal where known",
    "cif_path": "structure: core-mof:SET/NAME or a path relative to the repo",
    "source_doi": "DOI of the source the numbers were read from",
    "source_location": "table/section/figure in that source",
    "series": "material series tag; grouped CV joins tags that cite one primary study",
    "exclude_reason": "empty = usable for training; else why not (range, composite, ...)",
    "notes": "conflicts, alternative values, evidence for negatives",
    "lab_notebook_id": "lab notebook / sample id (lab measurements)",
    "date": "measurement date YYYY-MM-DD (lab measurements)",
    "label_strength": "support of the meltable label: " + " / ".join(LABEL_STRENGTHS)
                      + " (empty when meltable is unknown)",
    "source_url": "URL of the page read, where the source showed no DOI",
    "citation": "authors, journal, year (required with source_url when there is no DOI)",
}
REQUIRED = ("id", "name", "family", "metals", "meltable", "glass_formed")
NUMERIC = ("Tm_K", "Td_K", "Tg_K", "dHf_kJ_mol", "heating_rate_K_min")
TEMPERATURES = ("Tm_K", "Td_K", "Tg_K")


def split_multi(cell: object) -> list[str]:
    """Split a ';'-separated cell into stripped, non-empty parts."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return []
    return [p.strip() for p in str(cell).split(";") if p.strip()]


def split_refcodes(cell: object) -> list[str]:
    """The CSD refcodes of a ``csd_refcode`` cell (``;`` or ``,`` separated)."""
    return split_multi(str(cell).replace(",", ";") if isinstance(cell, str) else cell)


def parse_linker_fractions(cell: object) -> dict[str, float]:
    """``Im=1.75;bIm=0.25`` -> {'Im': 1.75, 'bIm': 0.25}."""
    out: dict[str, float] = {}
    for part in split_multi(cell):
        key, _, val = part.partition("=")
        out[key.strip()] = float(val)
    return out
