"""``--help`` a chemist can read: flowing paragraphs, plain value names, examples as code.

Typer renders the Python type of each parameter (``<list[str]>``, ``<bool>``, ``<path>``) and, in
its default rich mode, keeps every line break of a docstring, so a terminal narrower than the
source wraps sentences in the middle. The commands therefore use markdown help (paragraphs
reflow to the terminal, ``Example`` blocks stay as typed) and this module shows a value name
instead of the type: the parameter's ``metavar`` if it has one, else FILE/TEXT/N/NUMBER, and
nothing for on/off flags.
"""

from __future__ import annotations

from typer import core

MARKUP = "markdown"

_NAMES = {"int": "N", "float": "NUMBER", "Path": "PATH", "str": "TEXT"}


def _value_name(param: core.TyperArgument | core.TyperOption) -> str | None:
    """The word shown after an option: its metavar, else N / NUMBER / PATH / TEXT (``...`` if
    it repeats); nothing for flags and for arguments, whose name column already says it."""
    if isinstance(param, core.TyperArgument) or getattr(param, "is_flag", False):
        return None
    if param.metavar:
        return param.metavar
    desc = param.type_descriptor
    if desc.is_choice:
        return None if param.show_choices is False else param.display_type(None).strip("<>")
    bare = param.bare_type()
    name = next((v for k, v in _NAMES.items() if k in bare), "TEXT")
    return f"{name}..." if desc.is_list else name


def use_readable_value_names() -> None:
    """Show value names, not Python types, in every command's help (idempotent)."""

    def display_type_rich(self: core.TyperOption, ctx: object) -> str | None:
        return _value_name(self)

    core.TyperArgument.display_type_rich = display_type_rich  # type: ignore[method-assign]
    core.TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


#: ``--prior`` of ``gfa predict`` and ``gfa screen`` (the same words everywhere p is shown)
PRIOR_HELP = (
    "Base rate of melters in the set you screen (0-1). p_meltable is P(melts before "
    "decomposing) at equal prior odds (the classifier is calibrated with both classes weighted "
    "equally); give your set's share of melters to read p at that base rate. The yes/no call "
    "does not change: its threshold converts with p (column meltable_threshold)."
)
