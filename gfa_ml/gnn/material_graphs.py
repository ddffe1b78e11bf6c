"""Turn material records into graphs: a crystal graph where a CIF is known (its text or its
path), else a building-block graph from metals + ligand SMILES. Failures carry a one-line
reason."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from torch_geometric.data import Data

from gfa_ml.data.columns import split_multi
from gfa_ml.gnn.building_block import building_block_graph
from gfa_ml.gnn.crystal_graph import GraphError, crystal_graph
from gfa_ml.gnn.graph_cache import GraphCache, graph_key
from gfa_ml.structures.cif import parse_structure
from gfa_ml.structures.core_mof import SOURCE_PREFIX
from gfa_ml.structures.inputs import resolve_refs

log = logging.getLogger(__name__)

#: CoRE MOF CIFs ship inside a package and never change: their graphs (or the reason there is
#: none) are kept for the life of the process, so cross-validation folds skip the tarball read
_CORE_MEMO: dict[tuple[str, float, int, int], Data | str] = {}


@dataclass
class GraphSet:
    """Graphs aligned with the input rows; ``None`` where no graph could be built."""

    graphs: list[Data | None]
    reasons: list[str]
    kinds: list[str] = field(default_factory=list)

    @property
    def ok(self) -> list[int]:
        return [i for i, g in enumerate(self.graphs) if g is not None]


def cif_graph(text: str, name: str, cutoff: float, max_neighbors: int, max_atoms: int,
              cache: GraphCache | None) -> Data:
    """Crystal graph for a CIF, from the cache when possible; raises GraphError with a reason."""
    key = graph_key(text, cutoff, max_neighbors)
    graph = cache.get(key) if cache else None
    if graph is None:
        try:
            structure = parse_structure(text, name)
        except ValueError as exc:  # CIFError: one bad record, reason kept
            raise GraphError(f"CIF unreadable: {exc}") from exc
        if len(structure) > max_atoms:
            raise GraphError(f"{len(structure)} atoms > max_atoms={max_atoms}")
        graph = crystal_graph(structure, cutoff, max_neighbors)
        if cache:
            cache.put(key, graph)
    if graph.num_nodes > max_atoms:
        raise GraphError(f"{graph.num_nodes} atoms > max_atoms={max_atoms}")
    return graph


def crystal_graphs(paths: Iterable[str], cutoff: float, max_neighbors: int, max_atoms: int,
                   cache: GraphCache | None) -> dict[str, Data | str]:
    """Graph per CIF path, or the reason it could not be built."""
    def memo_key(p: str) -> tuple[str, float, int, int]:
        return (p, cutoff, max_neighbors, max_atoms)

    wanted = [p for p in dict.fromkeys(paths) if p]
    out = {p: _CORE_MEMO[memo_key(p)] for p in wanted if memo_key(p) in _CORE_MEMO}
    # the shared resolver; a path it cannot read is reported as "CIF not found" below
    texts = {it.id: it.cif_text
             for it in resolve_refs(((p, p) for p in wanted if p not in out), strict=False)}
    for path in wanted:
        if path in out:
            continue
        try:
            if path not in texts:
                raise GraphError(f"CIF not found: {path}")
            out[path] = cif_graph(texts[path], path, cutoff, max_neighbors, max_atoms, cache)
        except GraphError as exc:
            out[path] = str(exc)
        if path.startswith(SOURCE_PREFIX):
            _CORE_MEMO[memo_key(path)] = out[path]
    return out


def _col(row: pd.Series, name: str) -> str:
    value = row.get(name, "")
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _text_graph(text: str, name: str, cutoff: float, max_neighbors: int, max_atoms: int,
                cache: GraphCache | None) -> Data | str:
    try:
        return cif_graph(text, name, cutoff, max_neighbors, max_atoms, cache)
    except GraphError as exc:
        return str(exc)


def material_graphs(
    X: pd.DataFrame,
    cutoff: float,
    max_neighbors: int,
    max_atoms: int,
    cache: GraphCache | None = None,
    seed: int = 0,
) -> GraphSet:
    """One graph per row of a material frame; crystal graph first, building block as fallback.

    The crystal comes from ``cif_text`` when the caller already holds the CIF (a screen chunk,
    ``gfa predict`` inputs: no second read), else from ``cif_path`` (read here).
    """
    texts = [_col(r, "cif_text") for _, r in X.iterrows()]
    cif_paths = [_col(r, "cif_path") for _, r in X.iterrows()]
    crystals = crystal_graphs([p for p, t in zip(cif_paths, texts, strict=True) if not t],
                              cutoff, max_neighbors, max_atoms, cache)
    graphs: list[Data | None] = []
    reasons: list[str] = []
    kinds: list[str] = []
    for (idx, row), text, path in zip(X.iterrows(), texts, cif_paths, strict=True):
        why = ""
        crystal = (_text_graph(text, str(idx), cutoff, max_neighbors, max_atoms, cache) if text
                   else crystals[path] if path else None)
        if isinstance(crystal, Data):
            graphs.append(crystal)
            reasons.append("")
            kinds.append("crystal")
            continue
        if crystal is not None:
            why = f"crystal graph failed ({crystal}); "
        try:
            graphs.append(building_block_graph(
                split_multi(row.get("metals")), split_multi(row.get("oxidation_states")),
                split_multi(row.get("ligand_smiles")), cutoff, max_neighbors, seed))
            if why:
                log.warning("%s: %susing the building-block graph", idx, why)
            reasons.append("")
            kinds.append("building_block")
        except GraphError as exc:
            reason = f"{why}building-block graph failed ({exc})"
            log.warning("no graph for %s: %s", idx, reason)
            graphs.append(None)
            reasons.append(reason)
            kinds.append("")
    return GraphSet(graphs, reasons, kinds)
