"""Subset filters a chemist asks for: metals, donor atoms, dimensionality, size, pores, linkers.

Filters run on the featurizer's output, so they mean the same thing for CoRE sets and for any
directory of CIFs. For CoRE sets the metal and LCD filters also run on the CoRE metadata first,
so excluded structures are never read or featurized. Each excluded structure gets the name of
the first filter that rejected it (counted in the report).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from gfa_ml.featurize.coordinated import rdkit_parse
from gfa_ml.featurize.schema import DONOR_OF, HALIDE_LABEL

#: ``--donor`` values (upper case) -> featurizer flag column: the featurizer's donor map, plus
#: HALIDE for any halogen
DONOR_COLUMNS = {**{sym.upper(): col for sym, col in DONOR_OF.items()}, "HALIDE": HALIDE_LABEL}


class FilterError(ValueError):
    """A filter option that cannot be understood (one-line message)."""


def _split(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").replace(";", ",").split(",") if t.strip()]


def _element(symbol: str) -> str:
    from gfa_ml.featurize.elements import is_metal, z_of

    sym = symbol.capitalize()
    if sym not in z_of():
        raise FilterError(f"--metals: {symbol!r} is not an element symbol")
    if not is_metal(sym):
        raise FilterError(f"--metals: {sym} is not a metal")
    return sym


@lru_cache(maxsize=8)
def _smarts(pattern: str):
    query = rdkit_parse(pattern, smarts=True)
    if query is None:
        raise FilterError(f"--linker-smarts: RDKit cannot read SMARTS {pattern!r}")
    return query


@lru_cache(maxsize=20000)
def _linker_forms(smiles: str) -> tuple:
    """The linker as found in the crystal (often an anion, e.g. imidazolate) and neutralised
    (imidazole), so a SMARTS written for either protonation state matches."""
    from rdkit import Chem
    from rdkit.Chem.MolStandardize import rdMolStandardize

    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return ()
    try:
        neutral = rdMolStandardize.Uncharger().uncharge(Chem.Mol(mol))
    except (ValueError, RuntimeError):
        return (mol,)
    return (mol, neutral)


def linker_matches(linkers: str, pattern: str) -> bool:
    """Does any linker (``;``-joined SMILES) contain the SMARTS ``pattern``?"""
    query = _smarts(pattern)
    return any(
        m.HasSubstructMatch(query) for smi in _split(linkers) for m in _linker_forms(smi)
    )


@dataclass(frozen=True)
class Filters:
    """Parsed, validated subset filters; an empty instance keeps everything."""

    metals: tuple[str, ...] = ()
    donors: tuple[str, ...] = ()
    dimensionality: tuple[int, ...] = ()
    max_atoms: int | None = None
    min_lcd: float | None = None
    max_lcd: float | None = None
    linker_smarts: str | None = None
    where: str | None = None

    @classmethod
    def parse(
        cls,
        metals: str | None = None,
        donor: str | None = None,
        dimensionality: str | None = None,
        max_atoms: int | None = None,
        min_lcd: float | None = None,
        max_lcd: float | None = None,
        linker_smarts: str | None = None,
        where: str | None = None,
    ) -> Filters:
        """Build from command-line strings; raises :class:`FilterError` on anything unclear."""
        donors = tuple(t.upper() for t in _split(donor))
        for d in donors:
            if d not in DONOR_COLUMNS:
                raise FilterError(f"--donor: {d!r} is not one of N, O, S, P, C, halide")
        dims = []
        for t in _split(dimensionality):
            t = t.upper().removesuffix("D")
            if t not in ("0", "1", "2", "3"):
                raise FilterError(f"--dimensionality: {t!r} is not 0, 1, 2 or 3")
            dims.append(int(t))
        if max_atoms is not None and max_atoms < 1:
            raise FilterError("--max-atoms must be positive")
        if min_lcd is not None and max_lcd is not None and min_lcd > max_lcd:
            raise FilterError("--min-lcd is larger than --max-lcd")
        out = cls(
            metals=tuple(sorted({_element(m) for m in _split(metals)})),
            donors=donors,
            dimensionality=tuple(sorted(set(dims))),
            max_atoms=max_atoms,
            min_lcd=min_lcd,
            max_lcd=max_lcd,
            linker_smarts=linker_smarts or None,
            where=where or None,
        )
        if out.linker_smarts:
            _smarts(out.linker_smarts)
        if out.where:
            _check_query(out.where)
        return out

    def describe(self) -> dict[str, object]:
        """The filters that are set, for the report and the checkpoint fingerprint."""
        return {k: v for k, v in asdict(self).items() if v not in (None, ())}

    def core_prefilter(self, props: pd.DataFrame) -> pd.Series:
        """Exclusion reason per CoRE structure from its metadata ('' = keep)."""
        reason = pd.Series("", index=props.index, dtype=object)
        if self.metals and "All_Metals" in props:
            wanted = set(self.metals)
            has = props["All_Metals"].fillna("").map(lambda s: bool(wanted & set(_split(s))))
            reason[~has & (reason == "")] = "metals"
        if "LCD" in props:
            lcd = pd.to_numeric(props["LCD"], errors="coerce")
            reason[_outside(lcd, self.min_lcd, self.max_lcd) & (reason == "")] = "lcd"
        return reason

    def apply(self, frame: pd.DataFrame) -> pd.Series:
        """Exclusion reason per featurized structure ('' = keep); rows must have status ok."""
        reason = pd.Series("", index=frame.index, dtype=object)

        def reject(mask: pd.Series | np.ndarray, name: str) -> None:
            reason[np.asarray(mask, dtype=bool) & (reason == "").to_numpy()] = name

        if self.metals:
            wanted = set(self.metals)
            reject(~frame["metals"].fillna("").map(lambda s: bool(wanted & set(_split(s)))),
                   "metals")
        if self.donors:
            cols = sorted({DONOR_COLUMNS[d] for d in self.donors})
            reject(~(frame[cols].fillna(0) > 0).any(axis=1), "donor")
        if self.dimensionality:
            reject(~frame["net_dim"].isin(self.dimensionality), "dimensionality")
        if self.max_atoms is not None:
            reject(~(frame["struct_n_atoms"] <= self.max_atoms), "max_atoms")
        reject(_outside(frame["pore_lcd"], self.min_lcd, self.max_lcd), "lcd")
        if self.linker_smarts:
            pattern = self.linker_smarts
            reject(~frame["linkers"].fillna("").map(lambda s: linker_matches(s, pattern)),
                   "linker_smarts")
        if self.where:
            keep = frame.index.isin(frame.query(self.where, engine="python").index)
            reject(~keep, "where")
        return reason


def _outside(values: pd.Series, lo: float | None, hi: float | None) -> pd.Series:
    """True where a value falls outside [lo, hi]; unknown (NaN) values fail any bound."""
    out = pd.Series(False, index=values.index)
    if lo is not None:
        out |= ~(values >= lo)
    if hi is not None:
        out |= ~(values <= hi)
    return out


def _check_query(where: str) -> None:
    """Fail fast on a ``--where`` that names unknown columns or is not a pandas expression."""
    from gfa_ml.featurize.schema import feature_labels

    empty = pd.DataFrame({c: pd.Series(dtype=float) for c in feature_labels()})
    empty["metals"] = pd.Series(dtype=object)
    empty["linkers"] = pd.Series(dtype=object)
    try:
        empty.query(where, engine="python")
    except Exception as exc:  # noqa: BLE001 - pandas raises many types for a bad expression
        msg = " ".join(str(exc).split())[:200]
        raise FilterError(f"--where {where!r}: {msg}") from None
