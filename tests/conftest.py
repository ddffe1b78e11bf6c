"""Shared fixtures: measured-format CSVs built from real seed values, written to tmp dirs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from gfa_ml.data.columns import COLUMNS

# ZIF-4: Ma & Horike, Chem. Rev. 2022, Table 1 (Tm 590 °C, Tg 292 °C).
ZIF4 = {
    "id": "zif-4-zn", "name": "ZIF-4", "formula": "Zn(Im)2", "family": "ZIF", "metals": "Zn",
    "oxidation_states": "2", "coordination_number": "4", "donor_atoms": "N",
    "dimensionality": "3D", "ligands": "imidazolate", "ligand_smiles": "c1c[n-]cn1",
    "linker_fractions": "Im=2", "route": "MQG", "Tm_K": 863.15, "Tg_K": 565.15,
    "meltable": "yes", "glass_formed": "yes", "source_doi": "10.1021/acs.chemrev.1c00826",
    "source_location": "Table 1", "series": "zif-4", "label_strength": "measured",
}
# [Cu4I4(PPh2Et)4]: Dong et al., JACS 2024, Table 1 (Tm 191 °C, Td 240 °C, Tg 36 °C).
CU4I4 = {
    "id": "cu4i4-pph2et", "name": "[Cu4I4(PPh2Et)4]", "formula": "Cu4I4(PPh2Et)4",
    "family": "nanocluster", "metals": "Cu", "oxidation_states": "1",
    "coordination_number": "4", "donor_atoms": "P;I", "dimensionality": "0D",
    "ligands": "iodide;ethyldiphenylphosphine", "ligand_smiles": "[I-];CCP(c1ccccc1)c1ccccc1",
    "route": "MQG", "Tm_K": 464.15, "Td_K": 513.15, "Tg_K": 309.15, "meltable": "yes",
    "glass_formed": "yes", "source_doi": "10.1021/jacs.3c12296", "source_location": "Table 1",
    "series": "seed000-cu4i4", "label_strength": "measured",
}


def write_table(path: Path, rows: list[dict]) -> Path:
    df = pd.DataFrame(rows)
    for col in COLUMNS:
        if col not in df.columns:
            df[col] = ""
    df[list(COLUMNS)].to_csv(path, index=False)
    return path


@pytest.fixture
def one_torch_thread():
    """Tiny GNN graphs: extra torch threads only add synchronisation (and stall a busy machine)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def good_table(tmp_path: Path) -> Path:
    return write_table(tmp_path / "measured.csv", [ZIF4, CU4I4])


@contextmanager
def project_home(
    root: Path, train: tuple[str, ...] = ("meltable", "Tm_K", "Td_K"), tct: bool = False,
) -> Iterator[Path]:
    """A temporary project home: the real datasets (read-only symlinks), a fresh feature cache
    and models/ of its own, with untuned xgb models trained for ``train`` (no Td proxy) and,
    with ``tct``, the fitted TCT Tg model."""
    from gfa_ml.config import get_settings
    from gfa_ml.models.targets import TARGETS
    from gfa_ml.models.training import train_target
    from gfa_ml.models.training_data import FeatureSource, build_training_set, load_tables

    (root / "datasets").mkdir()
    for sub in ("measured", "td_proxy"):
        (root / "datasets" / sub).symlink_to(get_settings().paths.datasets / sub)
    mp = pytest.MonkeyPatch()
    mp.setenv("GFA_HOME", str(root))
    mp.setenv("GFA_CACHE", str(root / "cache"))
    get_settings.cache_clear()
    try:
        table, _ = load_tables()
        for name in train:
            train_target(build_training_set(TARGETS[name], table, None, FeatureSource()), "xgb",
                         trials=0)
        if tct:
            train_target(build_training_set(TARGETS["Tg_K"], table, None, FeatureSource()), "tct",
                         trials=0)
        yield root
    finally:
        mp.undo()
        get_settings.cache_clear()


#: CoRE MOF 2019-ASR frameworks of compositions the measured table does not hold: a Cd
#: tricyanomethanide-borate net, a Cd thiocyanate / bis-pyridyl-azine net, Cu-doped Zn(Im)2 and a
#: Cu–dabco framework (candidates of `gfa suggest`)
NEW_FRAMEWORKS = ["RIVDEF_clean", "PAPXUB_clean", "USOXEH_clean", "WUZDOL_clean"]
#: ZIF-4 (the measured table's own CIF) and two other Zn(Im)2 polymorphs; ZIF-8
ZN_IM2_CIFS = ["VEJYUF01_clean", "IMIDZB10_clean", "HIFVOI_clean"]
ZIF8_CIF = "OFERUN_clean"


def add_screen(home: Path, name: str, structures: list[str]) -> Path:
    """``home/screens/<name>``: a `gfa screen` of these CoRE MOF 2019-ASR structures, their
    CIFs written to ``home/cifs/<name>/``."""
    from gfa_ml.screen.executor import ExecutorSpec
    from gfa_ml.screen.predictor import ModelPredictor
    from gfa_ml.screen.run import run_screen
    from gfa_ml.structures.core_mof import iter_cifs

    cifs = home / "cifs" / name
    cifs.mkdir(parents=True)
    for cid, text in iter_cifs("2019-ASR", names=structures):
        (cifs / f"{cid}.cif").write_text(text)
    out = home / "screens" / name
    run_screen([str(cifs)], out, ModelPredictor.load(), executor=ExecutorSpec("local", 1))
    return out
