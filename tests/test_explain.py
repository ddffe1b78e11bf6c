"""Explanations in a chemist's words: feature families, fingerprint bits named by the fragment."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rdkit import Chem

from gfa_ml.featurize.ligand import ligand_labels
from gfa_ml.featurize.records import featurize_records
from gfa_ml.models.explain import (
    family_of,
    fingerprint_fragment,
    mean_abs_by_family,
    top_reasons,
)

IMIDAZOLATE, MIM = "c1c[n-]cn1", "Cc1ncc[n-]1"


def _set_bits(smiles: str) -> list[int]:
    row = featurize_records(pd.DataFrame({"id": ["x"], "metals": ["Zn"],
                                          "ligand_smiles": [smiles]})).iloc[0]
    return [int(c[7:]) for c in ligand_labels() if c.startswith("lig_fp_") and row[c] > 0]


def test_every_set_bit_of_a_real_linker_is_named_by_a_fragment_of_it() -> None:
    # 2-methylimidazolate (ZIF-8's linker): each bit its featurizer sets is traced back to an
    # atom environment that is really a substructure of the linker
    mol = Chem.MolFromSmiles(MIM)
    bits = _set_bits(MIM)
    assert bits
    for bit in bits:
        frag = fingerprint_fragment(bit, [MIM])
        assert frag, bit
        patt = Chem.MolFromSmarts(frag)  # SMILES read as a pattern: aromaticity kept
        assert patt is not None and mol.HasSubstructMatch(patt), (bit, frag)
    # the methyl carbon is one of the named environments (ZIF-8's difference from ZIF-4)
    assert any("C" in fingerprint_fragment(b, [MIM]).replace("c", "") for b in bits)


def test_contributions_are_grouped_into_words() -> None:
    bit = _set_bits(IMIDAZOLATE)[0]
    contrib = pd.DataFrame(
        {"metal_electronegativity": [0.4], "metal_ox": [0.1], "struct_density": [-0.7],
         f"lig_fp_{bit:02d}": [0.9], "bias": [-1.0]}, index=["zif4"])
    X = pd.DataFrame({"linkers": [IMIDAZOLATE]}, index=["zif4"])
    text = top_reasons(contrib, X).iloc[0]
    frag = fingerprint_fragment(bit, [IMIDAZOLATE])
    assert text.split("; ")[0] == f"ligand fragment {frag}:+0.9"
    assert "density and packing:-0.7" in text and "metal ion:+0.5" in text
    assert "lig_fp" not in text and "metal_ox" not in text
    fams = mean_abs_by_family(contrib)
    assert fams.index[0] == "ligand substructures (fingerprint)"
    assert np.isclose(fams["metal ion"], 0.5)
    assert family_of("pore_lcd").startswith("porosity")
