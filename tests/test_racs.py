"""Revised autocorrelations on real CoRE MOF 2019-ASR structures: shell counts a chemist can
check by hand, Pauling products, and independence from the choice of cell."""

from __future__ import annotations

import math

import pytest

from gfa_ml.featurize import featurize, groups
from gfa_ml.featurize.racs import RAC_LABELS
from gfa_ml.structures.core_mof import iter_cifs

ZIF8, HKUST1 = "OFERUN_clean", "FIQCEN_clean"
SOURCE = "core-mof:2019-ASR"


@pytest.fixture(scope="module")
def cifs() -> dict[str, str]:
    return dict(iter_cifs("2019-ASR", names=[ZIF8, HKUST1]))


@pytest.fixture(scope="module")
def racs(cifs) -> dict[str, dict[str, float]]:
    return {name: featurize((name, text, SOURCE)).features for name, text in cifs.items()}


def _shells(f: dict[str, float], scope: str) -> list[float]:
    return [f[f"rac_{scope}_I_{d}"] for d in range(4)]


def test_rac_group_is_a_crystal_group_of_the_schema():
    assert groups()["rac"] == RAC_LABELS
    # products at depths 0-3 for 5 properties in 5 scopes; differences (4 properties, depths
    # 1-3) for the three centred scopes
    assert len(RAC_LABELS) == 5 * 5 * 4 + 3 * 4 * 3


def test_zif8_shells_follow_the_zn_methylimidazolate_bonds(racs):
    f = racs[ZIF8]
    # Zn(II) is bonded to 4 N; 2 ring C behind each N; then per ring the other N, the methyl C,
    # the far ring C and its H (4 x 4)
    assert _shells(f, "mc") == [1.0, 4.0, 8.0, 16.0]
    # a Zn-bound N sees two ring C inside the linker, then 4 atoms at depths 2 and 3
    assert _shells(f, "lc")[:3] == [1.0, 2.0, 4.0]
    # 2-methylimidazolate has no heteroatom left once both N bind Zn: no functional groups
    assert _shells(f, "func") == [0.0, 0.0, 0.0, 0.0]
    assert f["rac_mc_chi_0"] == pytest.approx(1.65**2, abs=1e-6)  # Pauling chi(Zn)^2
    assert f["rac_mc_Z_1"] == pytest.approx(30 * 7 * 4)  # Z(Zn) x Z(N), four N
    assert f["rac_mc_Dchi_1"] == pytest.approx(4 * (1.65 - 3.04), abs=1e-6)


def test_hkust1_shells_follow_the_copper_paddlewheel(racs):
    f = racs[HKUST1]
    # Cu: 4 carboxylate O and the paddlewheel Cu; then 4 carboxylate C and the partner's 4 O;
    # then the 4 ring carbons bonded to those carboxylates
    assert _shells(f, "mc") == [1.0, 5.0, 8.0, 4.0]
    # a Cu-bound O: its carboxylate C, then the other O and the ring C
    assert _shells(f, "lc")[:3] == [1.0, 1.0, 2.0]
    assert f["rac_mc_chi_0"] == pytest.approx(1.90**2, abs=1e-6)


def test_racs_do_not_depend_on_the_cell_chosen(cifs):
    from pymatgen.core import Structure

    one = featurize((ZIF8, cifs[ZIF8], "")).features
    double = Structure.from_str(cifs[ZIF8], fmt="cif")
    double.make_supercell([2, 1, 1])
    two = featurize(double).features
    for label in RAC_LABELS:
        assert math.isclose(one[label], two[label], rel_tol=1e-9, abs_tol=1e-9), label
