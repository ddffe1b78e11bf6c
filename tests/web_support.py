"""Shared by the web tests: a project home with trained models, real CoRE MOF CIFs on disk and
a real `gfa screen` output folder under it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gfa_ml.structures.core_mof import iter_cifs
from tests.conftest import project_home

#: ZIF-4, ZIF-8 and HKUST-1 in CoRE MOF 2019-ASR
ZIF4, ZIF8, HKUST1 = "VEJYUF01_clean", "OFERUN_clean", "FIQCEN_clean"


@contextmanager
def web_home(root: Path) -> Iterator[Path]:
    """``root`` as project home: xgb models (meltable, Tm, Td), ``cifs/`` with the three CIFs
    and ``screens/zifs``, a screen of them."""
    from gfa_ml.screen.executor import ExecutorSpec
    from gfa_ml.screen.predictor import ModelPredictor
    from gfa_ml.screen.run import run_screen

    with project_home(root) as home:
        cifs = home / "cifs"
        cifs.mkdir()
        for name, text in iter_cifs("2019-ASR", names=[ZIF4, ZIF8, HKUST1]):
            (cifs / f"{name}.cif").write_text(text)
        run_screen([str(cifs)], home / "screens" / "zifs", ModelPredictor.load(),
                   executor=ExecutorSpec("local", 1))
        yield home
