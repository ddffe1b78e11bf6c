"""Read CIF text into a periodic cell: gemmi fast path, pymatgen fallback.

gemmi parses a CoRE MOF CIF in ~0.3 ms against ~70 ms for pymatgen's ``Structure.from_str``,
but rejects a few files pymatgen reads (e.g. an unquoted ``P 1`` symmetry name); those fall back
to pymatgen's ``CifParser``. Every failure surfaces as one ``CIFError`` with a one-line message.

Simple disorder is resolved instead of refused (CSD exports carry it routinely): only the first
alternative of each disorder group (``_atom_site_disorder_group`` / PART 1) is kept, mixed sites
take their major species, and site occupancies travel with the cell so that overlapping
alternatives can later be reduced to the major one (``gfa_ml.featurize.disorder``). What was
done is written into ``Cell.notes``; such cells give ``status=partial`` rows.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import gemmi
import numpy as np

OCCUPANCY_TOL = 0.02


class CIFError(ValueError):
    """A CIF that cannot be turned into a fully ordered periodic cell (one-line message)."""


@dataclass(frozen=True)
class Cell:
    """An ordered periodic cell: lattice rows are the a, b, c vectors in angstrom."""

    lattice: np.ndarray  # (3, 3)
    symbols: tuple[str, ...]
    frac: np.ndarray  # (n, 3) fractional coordinates wrapped into [0, 1)
    parser: str  # "gemmi" or "pymatgen"
    #: site occupancies (None = all fully occupied): the major alternative wins an overlap
    occ: np.ndarray | None = None
    #: disorder resolved while reading (one short phrase each); empty for an ordered CIF
    notes: tuple[str, ...] = ()

    @property
    def n_atoms(self) -> int:
        return len(self.symbols)

    @property
    def volume(self) -> float:
        return float(abs(np.linalg.det(self.lattice)))

    @property
    def cart(self) -> np.ndarray:
        return self.frac @ self.lattice


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


def _occupancy_note(occ: np.ndarray, labels: list[str]) -> str:
    """'' when every site is fully occupied, else a phrase naming the first partial site."""
    bad = np.flatnonzero(np.abs(occ - 1.0) > OCCUPANCY_TOL)
    if not bad.size:
        return ""
    i = int(bad[0])
    return (f"{bad.size} partially occupied site(s) kept as full atoms "
            f"(e.g. {labels[i]} occ={occ[i]:.2f})")


def _symbol(raw: str) -> str:
    """'Zn1' / 'ZN' / 'O2-' -> 'Zn' / 'Zn' / 'O'."""
    letters = "".join(ch for ch in raw if ch.isalpha())[:2]
    if not letters:
        return ""
    if len(letters) == 2 and letters.capitalize() not in _ELEMENTS:
        letters = letters[0]
    return letters.capitalize()


def _gemmi_cell(cif_text: str) -> Cell:
    block = gemmi.cif.read_string(cif_text).sole_block()
    small = gemmi.make_small_structure_from_block(block)
    hm = small.spacegroup_hm.strip()
    if small.spacegroup is None and not small.symops and hm not in ("", "P1"):
        raise CIFError(f"gemmi does not know space group {small.spacegroup_hm!r}")
    cell = small.cell
    if not (cell.a > 0 and cell.b > 0 and cell.c > 0 and cell.volume > 1.0):
        raise CIFError("missing or degenerate unit cell parameters")
    if len(small.sites) == 0:
        raise CIFError("no atom sites")
    notes = []
    alternative = [s for s in small.sites if s.disorder_group > 1]
    if alternative:  # PART 2, 3 ...: keep the first alternative of each disordered part
        small.sites = [s for s in small.sites if s.disorder_group <= 1]
        notes.append(f"dropped {len(alternative)} site(s) of disorder groups > 1 (kept PART 1)")
    sites = small.get_all_unit_cell_sites()
    symbols = tuple(
        s.element.name if s.element.atomic_number > 0 else _symbol(s.type_symbol or s.label)
        for s in sites
    )
    occ = np.fromiter((s.occ for s in sites), float, len(sites))
    if note := _occupancy_note(occ, [s.label for s in sites]):
        notes.append(note)
    frac = np.array([[s.fract.x, s.fract.y, s.fract.z] for s in sites], dtype=float)
    lattice = np.array(cell.orth.mat.tolist(), dtype=float).T  # rows = a, b, c vectors
    return Cell(lattice=lattice, symbols=symbols, frac=frac % 1.0, parser="gemmi",
                occ=occ if notes else None, notes=tuple(notes))


def _pymatgen_cell(cif_text: str) -> Cell:
    from pymatgen.io.cif import CifParser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parser = CifParser(io.StringIO(cif_text), occupancy_tolerance=1.0)
        structures = parser.parse_structures(primitive=False, on_error="raise")
    if not structures:
        raise CIFError("pymatgen found no structure")
    return cell_from_structure(structures[0])


def parse_cell(cif_text: str, name: str = "") -> Cell:
    """CIF text -> ordered :class:`Cell` (gemmi, then pymatgen); raises :class:`CIFError`."""
    where = f"{name}: " if name else ""
    if not cif_text or "_cell_length_a" not in cif_text:
        raise CIFError(f"{where}not a crystal CIF (no _cell_length_a)")
    try:
        cell = _gemmi_cell(cif_text)
    except Exception:  # noqa: BLE001 - any gemmi failure goes to the slow, more lenient parser
        cell = None
    if cell is None:
        try:
            cell = _pymatgen_cell(cif_text)
        except CIFError as exc:
            raise CIFError(f"{where}{exc}") from None
        except Exception as exc:  # noqa: BLE001 - third-party parsers raise anything
            raise CIFError(f"{where}unreadable CIF ({_one_line(exc)})") from None
    unknown = sorted({s for s in cell.symbols if s not in _ELEMENTS})
    if unknown:
        raise CIFError(f"{where}unknown element symbol(s): {', '.join(unknown[:5])}")
    if cell.n_atoms == 0:
        raise CIFError(f"{where}no atoms")
    return cell


def parse_structure(cif_text: str, name: str = ""):
    """CIF text -> pymatgen ``Structure`` through the fast path; raises :class:`CIFError`."""
    from pymatgen.core import Lattice, Structure

    cell = parse_cell(cif_text, name)
    return Structure(Lattice(cell.lattice), list(cell.symbols), cell.frac)


def cell_from_structure(structure) -> Cell:
    """pymatgen ``Structure`` -> :class:`Cell`; a disordered site becomes its major species,
    with the site's total occupancy kept for overlap resolution."""
    lattice = np.array(structure.lattice.matrix, dtype=float)
    frac = np.asarray(structure.frac_coords, dtype=float) % 1.0
    if structure.is_ordered:
        symbols = tuple(site.specie.symbol for site in structure)
        return Cell(lattice=lattice, symbols=symbols, frac=frac, parser="pymatgen")
    majors = [max(site.species.items(), key=lambda kv: kv[1]) for site in structure]
    symbols = tuple(getattr(sp, "symbol", str(sp)) for sp, _ in majors)
    occ = np.array([site.species.num_atoms for site in structure], dtype=float)
    mixed = sum(len(site.species) > 1 for site in structure)
    notes = [f"{mixed} mixed site(s) given their major species"] if mixed else []
    if note := _occupancy_note(occ, [str(site.label) for site in structure]):
        notes.append(note)
    return Cell(lattice=lattice, symbols=symbols, frac=frac, parser="pymatgen", occ=occ,
                notes=tuple(notes))


_ELEMENTS = frozenset(gemmi.Element(z).name for z in range(1, 99))
