"""CIF parsing: gemmi fast path, pymatgen fallback, one-line errors, and a fuzz test."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gfa_ml.featurize import featurize_cif
from gfa_ml.structures.cif import CIFError, parse_cell, parse_structure
from gfa_ml.structures.core_mof import iter_cifs


@pytest.fixture(scope="module")
def zif8() -> str:
    return dict(iter_cifs("2019-ASR", names=["OFERUN_clean"]))["OFERUN_clean"]


def test_gemmi_fast_path_reads_zif8(zif8):
    cell = parse_cell(zif8, "OFERUN_clean")
    assert cell.parser == "gemmi"
    # primitive ZIF-8 cell: Zn6 (C4H5N2)12
    counts = {s: cell.symbols.count(s) for s in set(cell.symbols)}
    assert counts == {"Zn": 6, "C": 48, "H": 60, "N": 24}
    assert cell.volume == pytest.approx(2452.2, rel=0.001)


def test_unquoted_space_group_falls_back_to_pymatgen(zif8):
    mangled = zif8.replace("'P1'", "P 1")
    with pytest.raises(Exception):  # noqa: B017 - gemmi itself must reject it
        import gemmi

        gemmi.cif.read_string(mangled)
    slow, fast = parse_cell(mangled), parse_cell(zif8)
    assert slow.parser == "pymatgen"
    assert sorted(slow.symbols) == sorted(fast.symbols)
    np.testing.assert_allclose(np.abs(np.linalg.det(slow.lattice)), fast.volume, rtol=1e-6)


def test_parse_structure_gives_pymatgen_structure(zif8):
    s = parse_structure(zif8, "OFERUN_clean")
    assert s.composition.reduced_composition.as_dict() == {"Zn": 1, "C": 8, "H": 10, "N": 4}
    assert s.lattice.a == pytest.approx(14.7138)


def test_partial_occupancy_is_kept_and_flagged(zif8):
    """A half-occupied Zn is read (not refused): the row is partial and says which site."""
    disordered = zif8.replace("Zn1    Zn    0.25000   0.75000   0.50000   0.01267  Uiso   1.00",
                              "Zn1    Zn    0.25000   0.75000   0.50000   0.01267  Uiso   0.50")
    cell = parse_cell(disordered)
    assert cell.symbols.count("Zn") == 6
    assert cell.notes and "Zn1 occ=0.50" in cell.notes[0]
    row = featurize_cif(disordered, "x")
    assert row.status == "partial" and "partially occupied" in row.error
    assert row.features["struct_density"] == featurize_cif(zif8, "x").features["struct_density"]


def test_second_disorder_part_is_dropped(zif8):
    """A PART 2 alternative of Zn1 (disorder group 2, 0.15 A away) is dropped; PART 1 stays."""
    lines = []
    for line in zif8.replace("_atom_site_occupancy", "_atom_site_occupancy\n"
                             "_atom_site_disorder_group").splitlines():
        if re.match(r"^[A-Z][a-z]?\d+\s", line):
            lines.append(line + (" 1" if line.startswith("Zn1 ") else " ."))
            if line.startswith("Zn1 "):
                lines.append(line.replace("Zn1 ", "Zn9 ").replace("0.25000", "0.26000", 1) + " 2")
        else:
            lines.append(line)
    cell = parse_cell("\n".join(lines))
    assert cell.symbols.count("Zn") == 6
    assert "dropped 1 site(s) of disorder groups > 1" in cell.notes[0]
    row = featurize_cif("\n".join(lines), "x")
    assert row.status == "partial" and "PART 1" in row.error


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "not a crystal CIF"),
        ("data_x\n_cell_length_a 10\n", "unreadable CIF"),
        ("hello world", "not a crystal CIF"),
    ],
)
def test_garbage_gives_one_line_error(text, reason):
    with pytest.raises(CIFError, match=reason) as info:
        parse_cell(text)
    assert "\n" not in str(info.value)


def _mangle(text: str, cuts: list[tuple[int, int, str]]) -> str:
    for start, length, junk in cuts:
        i = start % max(len(text), 1)
        text = text[:i] + junk + text[i + length :]
    return text


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cuts=st.lists(
        st.tuples(
            st.integers(0, 20000),
            st.integers(0, 400),
            st.sampled_from(["", "\n", " ", "?", "'", "loop_\n", "_atom_site_label\n", "1e99",
                             "-0.5", "#", "data_y\n", "Xx", "0.000"]),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_fuzz_mangled_cif_never_crashes_or_hangs(zif8, cuts):
    text = _mangle(zif8, cuts)
    start = time.perf_counter()
    row = featurize_cif(text, "fuzz")
    assert time.perf_counter() - start < 10.0
    assert row.status in ("ok", "partial", "error")
    if row.status != "ok":  # the reason, in one line (partial: overlapping atoms, lost H...)
        assert row.error and "\n" not in row.error
    if row.status != "error":
        assert row.features["struct_n_atoms"] > 0
