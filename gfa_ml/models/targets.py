"""The five prediction targets, their task type, unit and the short names chemists type."""

from __future__ import annotations

from dataclasses import dataclass

from gfa_ml.models.base import Task


@dataclass(frozen=True)
class Target:
    name: str
    task: Task
    unit: str
    #: column in ``gfa predict`` output
    output: str
    #: physically possible values: a prediction or interval bound outside is clipped to them
    #: (a temperature is above 0 K; a glass transition lies below the melting point)
    bounds: tuple[float, float] = (0.0, float("inf"))


TARGETS: dict[str, Target] = {
    "meltable": Target("meltable", "classification", "P", "p_meltable", (0.0, 1.0)),
    "Tm_K": Target("Tm_K", "regression", "K", "Tm_K"),
    "Td_K": Target("Td_K", "regression", "K", "Td_K"),
    "Tg_K": Target("Tg_K", "regression", "K", "Tg_K"),
    "Tg_over_Tm": Target("Tg_over_Tm", "regression", "", "Tg_over_Tm", (0.0, 1.0)),
}
_ALIASES = {"tm": "Tm_K", "td": "Td_K", "tg": "Tg_K", "tg/tm": "Tg_over_Tm", "melt": "meltable"}


def resolve_target(name: str) -> Target:
    """``Tm`` / ``tm`` / ``Tm_K`` -> the Tm target; a clear error for anything else."""
    key = name.strip()
    key = _ALIASES.get(key.lower(), key)
    for full in TARGETS:
        if key.lower() == full.lower():
            return TARGETS[full]
    raise ValueError(f"unknown target {name!r}; choose from {', '.join(TARGETS)} (or Tm, Td, Tg)")


def resolve_targets(spec: str) -> list[Target]:
    """``all`` or a comma list of target names."""
    if spec.strip().lower() == "all":
        return list(TARGETS.values())
    return [resolve_target(t) for t in spec.split(",") if t.strip()]
