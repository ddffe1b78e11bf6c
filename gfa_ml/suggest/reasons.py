"""Why a material was suggested, in a chemist's words: its chance of melting first, what its
measurement would teach, whether the models agree, where it sits among the known materials."""

from __future__ import annotations

import math
from typing import NamedTuple

from gfa_ml.suggest.acquisition import PURPOSE


class Known(NamedTuple):
    """A material of the measured table, as a reason names it."""

    id: str
    name: str
    family: str

    def label(self) -> str:
        fam = f", {self.family}" if self.family else ""
        return f"{self.name} ({self.id}{fam})" if self.name != self.id else f"{self.id}{fam}"


def _teaches(bits: float, call: str) -> str:
    if bits >= 0.9:
        return (f"a coin flip for the model: its DSC/TGA is worth {bits:.2f} bit (1 bit is the "
                "most one yes/no measurement can teach)")
    lean = {"yes": "melts", "no": "decomposes"}.get(call, "")
    side = f" that it {lean} first" if lean else ""
    if bits >= 0.5:
        return f"the model leans{side} but is not sure: its DSC/TGA is worth {bits:.2f} bit"
    return f"the model is fairly sure{side}: its DSC/TGA would mostly confirm it ({bits:.2f} bit)"


def _window(agreement: str, p_window: float) -> str:
    """The Tm/Td models' side of the answer, when they give one."""
    if not math.isfinite(p_window):
        return ""
    pw = f"P(Tm < Td) {p_window:.2f}"
    if agreement.startswith("disagree"):
        return f"the Tm/Td models disagree ({pw}): its scan settles which model is wrong"
    if agreement.startswith("undecided"):
        return f"the Tm/Td models cannot take a side ({pw})"
    if agreement.startswith("agree"):
        return f"the Tm/Td models agree ({pw})"
    return ""


def _place(in_domain: bool, ratio: float, near: list[Known]) -> str:
    names = "; ".join(k.label() for k in near)
    family = f"family as its nearest: {near[0].family}; " if near and near[0].family else ""
    if in_domain:
        return f"{family}inside the meltability model's domain, nearest known {names}"
    far = f" ({ratio:.1f}× the training spread)" if math.isfinite(ratio) else ""
    return (f"{family}outside the meltability model's domain{far}: new ground, nearest known "
            f"{names}")


def reason(
    strategy: str, p: float, call: str, bits: float, agreement: str, p_window: float,
    in_domain: bool, ratio: float, near: list[Known], unseen: str, passed_over: int,
    prior: float = 0.5,
) -> str:
    """One paragraph (sentences joined by '; ') saying why this material is suggested."""
    base = "equal prior odds" if prior == 0.5 else f"a base rate of {prior:g}"
    verdict = f", call {call}" if call in ("yes", "no") else ""
    parts = [PURPOSE[strategy],
             f"P(melts before decomposing) {p:.2f} at {base}{verdict}", _teaches(bits, call),
             _window(agreement, p_window), _place(in_domain, ratio, near)]
    if unseen:
        parts.append(f"{unseen}: its p is an extrapolation, and measuring it opens that "
                     "chemistry to the model")
    if passed_over:
        parts.append(f"{passed_over} candidate(s) with a higher score were passed over to keep "
                     "the batch diverse")
    return "; ".join(p for p in parts if p)
