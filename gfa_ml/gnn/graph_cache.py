"""On-disk cache of graphs, keyed by the CIF content hash and the graph settings.

Building a crystal graph costs a CIF parse plus a neighbour search (tens of ms; seconds for the
largest MOFs); the Td set is rebuilt many times during development, so graphs are stored once
as compact tensors (int32 indices, int8 images) under ``<cache>/graphs``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from torch_geometric.data import Data

from gfa_ml.config import get_settings
from gfa_ml.io.atomic import atomic_path

#: bump when the graph construction changes, so stale cache entries are never reused
GRAPH_VERSION = 1
_COMPACT = {"edge_index": torch.int32, "edge_image": torch.int8, "z": torch.int16}


def graph_key(text: str, cutoff: float, max_neighbors: int) -> str:
    head = f"v{GRAPH_VERSION}|cutoff={cutoff:g}|k={max_neighbors}|".encode()
    return hashlib.sha256(head + text.encode()).hexdigest()


class GraphCache:
    """``get``/``put`` of single graphs; a missing or unreadable entry is simply a miss."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root else get_settings().paths.cache / "graphs"

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.pt"

    def get(self, key: str) -> Data | None:
        path = self._path(key)
        if not path.exists():
            return None
        try:
            stored = torch.load(path, weights_only=True)
        except (OSError, RuntimeError, EOFError):
            return None
        tensors = {k: v.long() if k in _COMPACT else v for k, v in stored.items()}
        return Data(**tensors, num_nodes=int(tensors["z"].numel()))

    def put(self, key: str, data: Data) -> None:
        compact = {k: v.to(_COMPACT[k]) if k in _COMPACT else v for k, v in data.to_dict().items()
                   if isinstance(v, torch.Tensor)}
        with atomic_path(self._path(key)) as tmp:
            torch.save(compact, tmp)
