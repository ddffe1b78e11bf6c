"""What a finished screen wrote, and the counts its report summarises."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass
class ScreenResult:
    """What a finished screen wrote and the counts the report summarises."""

    out_dir: Path
    inputs: list[str]
    ranked: pd.DataFrame
    errors: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    computed: int = 0  # structures processed in this invocation (the rest came from checkpoints)
    cache_hits: int = 0

    @property
    def report(self) -> Path:
        return self.out_dir / "report.html"
