"""Shared terminal rendering: DataFrames as rich tables, problems as one line each.

Ids, SMILES, paths and error texts come from users: ``c1c[n-]cn1`` or an id ``[/]`` must print as
typed, so every user string reaches rich escaped (``df_table`` cells, ``say``), never as markup.
"""

from __future__ import annotations

import math
import sys

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.table import Table

# pipes and CI logs get a wide fixed width instead of rich's 80-column default
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, soft_wrap=True)


def _fmt(v: object) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def say(text: str, err: bool = False) -> None:
    """Print one line of plain text (no markup, no highlighting): safe for any user string."""
    (err_console if err else console).print(text, markup=False, highlight=False)


def df_table(df: pd.DataFrame, title: str = "", index: bool = True, max_rows: int = 60) -> Table:
    table = Table(title=escape(title), show_lines=False)
    if index:
        table.add_column(escape(str(df.index.name or "")), style="bold", no_wrap=True)
    for col in df.columns:
        table.add_column(escape(str(col)), justify="right", no_wrap=True)
    for idx, row in df.head(max_rows).iterrows():
        cells = [escape(_fmt(v)) for v in row.tolist()]
        table.add_row(*([escape(str(idx))] if index else []), *cells)
    return table
