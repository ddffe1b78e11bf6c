"""`--help` a chemist can read (issue #14): prose reflows, value names instead of Python types,
one worked example per command, defaults shown, the ligand convention stated."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from gfa_ml.cli.main import app

COMMANDS = [
    ["data", "validate"], ["data", "add"], ["data", "summary"], ["data", "curate"],
    ["featurize"], ["train"], ["evaluate"], ["compare"], ["predict"], ["screen"],
    ["gnn", "pretrain"], ["demo"], ["tct"], ["learning-curve"], ["suggest"],
]


def _help(args: list[str], width: int = 100) -> str:
    res = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": str(width)})
    assert res.exit_code == 0, res.output
    return res.output


def _flat(text: str) -> str:
    """Help text with the panel borders removed and whitespace collapsed."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_help_has_an_example_and_no_python_types(args: list[str]) -> None:
    text = _help(args)
    assert "Example" in text
    for python_type in ("<list[str]>", "<bool>", "<path>", "<str>", "<int>", "<float>"):
        assert python_type not in text


def test_help_paragraphs_reflow_to_the_terminal() -> None:
    """The source wraps its docstring at 100 columns; a wide terminal shows whole sentences."""
    assert "Td_K_hi, Tg_K, Tg_K_lo" in _help(["predict"], width=200)
    narrow = _help(["predict"], width=80)
    assert max(len(line) for line in narrow.splitlines()) <= 80


def test_screen_help_shows_the_defaults() -> None:
    text = _flat(_help(["screen"]))
    for default in ("[default: local]", "[default: 2]", "[default: 200]", "[default: 25]"):
        assert default in text


def test_predict_help_says_how_to_write_ligands() -> None:
    text = _flat(_help(["predict"]))
    assert "c1cnc[nH]1 = c1c[n-]cn1" in text and "separate them with ';' or '.'" in text


def test_suggest_help_has_the_worked_loop_and_the_strategies() -> None:
    text = _flat(_help(["suggest"]))
    assert "gfa suggest demo_out/screen --budget 5 --template lab.csv" in text
    assert "gfa data validate lab.csv && gfa data add lab.csv && gfa train" in text
    for strategy in ("exploit", "explore", "balanced", "random"):
        assert strategy in text
