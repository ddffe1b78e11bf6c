"""Which way of reading a crystal's metal oxidation state is right more often (issue #22).

Methods (``featurize.cif_oxidation``): ``balance`` (charges of the fragments cut out of the bond
network, shared by the metals; the most common state where that is not a plausible state),
``bvs`` (per-metal bond-valence sums, O'Keeffe-Brese parameters via pymatgen, rounded to the
nearest plausible state), ``balance+bvs`` (bond valence where the balance does not decide) and
``guesser`` (pymatgen ``Composition.oxi_state_guesses`` on the cell's composition).

Reference states: the measured table's ``oxidation_states`` for its rows with a CoRE CIF
(``cif_path``, or a ``csd_refcode`` found in CoRE 2019-ASR), and CoRE 2019-ASR halide
frameworks whose state follows from the formula: halide ions per metal plus the charge of the
organic linker (neutral pyridyl / pyridazine / thioether / NH-pyrazole, or an azolate), listed in
``FORMULA_FIXED`` with the formula per metal.

    python benchmarks/cif_oxidation_states.py [--out experiments/cif_oxidation_states.md]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from gfa_ml.config import overridden, using
from gfa_ml.data.columns import split_multi
from gfa_ml.featurize import featurize
from gfa_ml.io.atomic import write_text_atomic
from gfa_ml.models.training_data import load_tables
from gfa_ml.structures.core_mof import iter_cifs, list_names, refcode_base

SET = "2019-ASR"
METHODS = ("balance", "bvs", "balance+bvs", "guesser")
#: CoRE name -> (metal, state, formula per metal that fixes it)
FORMULA_FIXED = {
    "IXISAJ_clean": ("Cu", 1, "CuBr(L) L neutral bis-pyridazine"),
    "IXISOX_clean": ("Cu", 1, "CuI(L) L neutral bis-pyridazine"),
    "RAZYIC_clean": ("Cu", 1, "CuI(L) L neutral pyridazine"),
    "RAZYOI_clean": ("Cu", 1, "CuCl(L) L neutral pyridazine"),
    "MADVUJ_clean": ("Cu", 1, "CuI(L) L neutral thioether"),
    "MADWAQ_clean": ("Cu", 1, "CuBr(L) L neutral thioether"),
    "QOJVAM_clean": ("Cu", 1, "CuI(L)0.5 L neutral quaterpyridine"),
    "ZISYAD_clean": ("Cu", 1, "CuI(L)0.5 L neutral tetrapyridyl"),
    "LABJUV_clean": ("Cu", 1, "CuI(L)0.2 L neutral tetrapyridyl"),
    "XOJWEZ_clean": ("Cu", 1, "CuBr(L) L neutral NH-bipyrazole"),
    "JOGBIR_clean": ("Cu", 1, "CuBr(L)0.375 L neutral piperazine"),
    "CUNFOH01_clean": ("Cu", 1, "Cu2I(L) L- dimethyltriazolate"),
    "CETVAA_clean": ("Cu", 2, "CuCl2(L) L neutral tripyridylamine"),
    "XUKYEI_neutral": ("Cu", 2, "CuCl2(L)2 L neutral bis(pyridyl)propane"),
    "XANMIJ_clean": ("Co", 2, "CoCl2(L)0.67 L neutral pyrazinyl-tetrazine"),
    "CEHWIX_clean": ("Ni", 2, "NiCl(L) L- pyrazinecarboxylate"),
    "HIYBUN_clean": ("Zn", 2, "ZnBr2(L)0.67 L neutral tripyridyltriazine"),
    "XEDPIH_clean": ("Zn", 2, "ZnBr(L) L- purinate"),
    "ACOGAB_clean": ("Cd", 2, "CdBr2(L) L neutral tetra-urea"),
    "ACOGEF_clean": ("Cd", 2, "CdI2(L) L neutral tetra-urea"),
    "TAQGEZ_clean": ("Cd", 2, "CdCl(L)0.5 L2- benzene-bis(tetrazolate)"),
    "EZABEN_clean": ("Cd", 2, "CdCl(L) L- triazolate"),
    "VEMMIK_clean": ("Mn", 2, "MnCl(L)0.5 L2- benzene-bis(tetrazolate)"),
}


def reference() -> pd.DataFrame:
    """CoRE name -> reference state, element, where the reference comes from."""
    table, _ = load_tables()
    names = set(list_names(SET))
    by_base = {}
    for n in sorted(names):
        by_base.setdefault(refcode_base(n), n)
    rows = []
    for mid, r in table.iterrows():
        path = str(r.get("cif_path") or "")
        name = path.split("/", 1)[1] if path.startswith(f"core-mof:{SET}/") else None
        codes = split_multi(str(r.get("csd_refcode") or "").replace(",", ";"))
        name = name or next((by_base[c[:6]] for c in codes if c[:6] in by_base), None)
        states = split_multi(r.get("oxidation_states"))
        metals = split_multi(r.get("metals"))
        if name and len(states) == 1 and len(metals) == 1:
            rows.append({"structure": name, "metal": metals[0], "reference": float(states[0]),
                         "source": f"measured table ({mid})"})
    for name, (metal, state, why) in FORMULA_FIXED.items():
        rows.append({"structure": name, "metal": metal, "reference": float(state),
                     "source": f"formula: {why}"})
    return pd.DataFrame(rows).drop_duplicates("structure").set_index("structure")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("experiments/cif_oxidation_states.md"))
    args = ap.parse_args()
    ref = reference()
    cifs = dict(iter_cifs(SET, names=list(ref.index)))
    ref = ref.loc[[n for n in ref.index if n in cifs]]
    # warm-up (imports, memoised linkers; not timed), and where the balance alone decided
    ref["balance undecided"] = [
        featurize((n, cifs[n], f"core-mof:{SET}")).nan_reasons.get("metal_ox", "")
        for n in ref.index]
    seconds = {}
    for method in METHODS:
        t0 = time.perf_counter()
        with using(overridden(featurize={"cif_oxidation": method})):
            ref[method] = [featurize((n, cifs[n], f"core-mof:{SET}")).features["metal_ox"]
                           for n in ref.index]
        seconds[method] = (time.perf_counter() - t0) / len(ref)
    right = {m: (ref[m] == ref["reference"]) for m in METHODS}
    subsets = {"measured-table CIF rows": ref["source"].str.startswith("measured"),
               "formula-fixed halide frameworks": ref["source"].str.startswith("formula"),
               "Cu rows (both sets)": ref["metal"] == "Cu", "all": ref["source"] != ""}
    summary = pd.DataFrame(
        [{"set": k, "n": int(mask.sum()),
          **{m: f"{int(right[m][mask].sum())}/{int(mask.sum())}" for m in METHODS}}
         for k, mask in subsets.items()]
        + [{"set": "seconds per CIF (whole featurizer)", "n": len(ref),
            **{m: f"{seconds[m]:.2f}" for m in METHODS}}])
    detail = ref.reset_index()
    text = "\n".join([
        "# Metal oxidation states from a CIF: which method is right more often", "",
        "Command: `python benchmarks/cif_oxidation_states.py` (CoRE MOF 2019-ASR CIFs; "
        "reference states and methods in the script's docstring). Counts = CIFs whose "
        "`metal_ox` equals the reference. `balance undecided`: why the fragment charge "
        "balance did not give a plausible state there (the method then used the metal's most "
        f"common state); it decided {int((ref['balance undecided'] == '').sum())} of "
        f"{len(ref)}.", "",
        summary.to_markdown(index=False), "",
        "Per structure:", "",
        detail.to_markdown(index=False), "",
    ])
    write_text_atomic(text, args.out)
    print(text)


if __name__ == "__main__":
    main()
