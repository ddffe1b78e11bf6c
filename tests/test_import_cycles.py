"""The layers of gfa_ml run one way: no module imports, at module level, a module that imports
it back (directly or through others). Function-level imports are how a module reaches *up* a
layer lazily; they are listed apart and must not close a loop with the module-level graph."""

from __future__ import annotations

import ast
from pathlib import Path

import gfa_ml

ROOT = Path(gfa_ml.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(name: str, modules: set[str]) -> str | None:
    """The gfa_ml module an imported name lives in (``from a.b import c``: ``a.b.c`` if that is
    a module, else ``a.b``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _targets(node: ast.Import | ast.ImportFrom, here: str, is_pkg: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        pkg = here if is_pkg else here.rpartition(".")[0]
        for _ in range(node.level - 1):
            pkg = pkg.rpartition(".")[0]
        base = f"{pkg}.{base}" if base else pkg
    return [f"{base}.{a.name}" for a in node.names]


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module-level edges, function-level edges) between gfa_ml modules."""
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    modules = set(files)
    top: dict[str, set[str]] = {m: set() for m in modules}
    lazy: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in files.items():
        tree = ast.parse(path.read_text(), str(path))
        module_level = {id(n) for n in _module_level_nodes(tree)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for name in _targets(node, mod, path.name == "__init__.py"):
                dep = _resolve(name, modules) if name.startswith("gfa_ml") else None
                if dep and dep != mod:
                    (top if id(node) in module_level else lazy)[mod].add(dep)
    return top, lazy


def _module_level_nodes(tree: ast.Module) -> list[ast.stmt]:
    """Statements run on import: the body, including ``if``/``try`` blocks (TYPE_CHECKING too),
    but not function or class bodies."""
    out: list[ast.stmt] = []
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        out.append(node)
        if isinstance(node, ast.If | ast.Try):
            for block in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, block, []):
                    todo.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
    return out


def _parents(mod: str) -> list[str]:
    """Packages a module's import runs first (``a.b.c`` -> ``a``, ``a.b``)."""
    parts = mod.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a module list (first == last), None if it has none."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep):], dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_graph_sees_known_edges():
    top, lazy = import_graph()
    assert "gfa_ml.config" in top["gfa_ml.featurize.cache"]
    assert "gfa_ml.cli.modeling" in lazy["gfa_ml.cli.main"]


def test_finds_a_planted_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_level_import_cycles():
    top, _ = import_graph()
    # a package's __init__ imports its own modules: an edge back to a parent package is not a
    # loop a reader has to untangle, so those edges are left out
    graph = {m: {d for d in deps if d not in _parents(m)} for m, deps in top.items()}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_lazy_imports_close_no_loop():
    """``a`` imports ``b`` at module level and ``b`` imports ``a`` inside a function: a hidden
    loop (e.g. cli.demo <-> cli.main, screen.run <-> screen.report)."""
    top, lazy = import_graph()
    graph = {m: {d for d in top[m] | lazy[m] if d not in _parents(m)} for m in top}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])
