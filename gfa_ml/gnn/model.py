"""CGCNN-style network: element embedding + properties, gated graph convolutions on Gaussian-
expanded edge lengths, mean readout, small MLP head (Xie & Grossman, PRL 2018, 120, 145301).

The convolution is CGCNN's (torch-geometric ``CGConv``: ``x_i + BN(sum_j sigmoid(z W_f) *
softplus(z W_s))`` with ``z = [x_i, x_j, e_ij]``), but ``z W`` is split into node and edge
parts so the dense products over node features run once per atom instead of once per edge:
~4x less work on 12-neighbour MOF graphs, identical function class.

The encoder (everything before the head) is what transfers from Td pretraining to the glass
targets; the head is rebuilt per target.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.data import Data
from torch_geometric.nn import MessagePassing, global_mean_pool

from gfa_ml.featurize.elements import GRAPH_MAX_Z, NODE_PROPERTIES, node_properties
from gfa_ml.gnn.crystal_graph import edge_vectors


class GaussianExpansion(nn.Module):
    """Distances -> Gaussians centred every ``step`` Å up to ``cutoff`` (width = step)."""

    def __init__(self, cutoff: float, step: float) -> None:
        super().__init__()
        self.register_buffer("centers", torch.arange(0.0, cutoff + step / 2, step))
        self.width = step

    @property
    def size(self) -> int:
        return int(self.centers.numel())

    def forward(self, dist: torch.Tensor) -> torch.Tensor:
        return torch.exp(-((dist[:, None] - self.centers) ** 2) / self.width**2)


class GatedConv(MessagePassing):
    """CGCNN gated convolution with the linear map factorised into node and edge terms."""

    def __init__(self, channels: int, edge_dim: int) -> None:
        super().__init__(aggr="add")
        self.node_lin = nn.Linear(channels, 4 * channels)  # centre and neighbour, gate and core
        self.edge_lin = nn.Linear(edge_dim, 2 * channels, bias=False)
        self.norm = nn.BatchNorm1d(channels)

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor,
                edge_attr: torch.Tensor) -> torch.Tensor:
        centre, neighbour = self.node_lin(x).chunk(2, dim=-1)
        agg = self.propagate(edge_index, c=centre, n=neighbour, e=self.edge_lin(edge_attr))
        return x + self.norm(agg)

    def message(self, c_i: torch.Tensor, n_j: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        gate, core = (c_i + n_j + e).chunk(2, dim=-1)
        return torch.sigmoid(gate) * nn.functional.softplus(core)


class CrystalEncoder(nn.Module):
    """Graph -> fixed-size vector; invariant to translations and to the choice of unit cell."""

    def __init__(self, hidden: int = 64, n_conv: int = 3, cutoff: float = 8.0,
                 step: float = 0.2) -> None:
        super().__init__()
        self.embed = nn.Embedding(GRAPH_MAX_Z + 1, hidden)
        self.register_buffer("table", torch.tensor(node_properties(), dtype=torch.float32))
        # element properties + (oxidation state, oxidation state known)
        self.props = nn.Linear(len(NODE_PROPERTIES) + 2, hidden)
        self.rbf = GaussianExpansion(cutoff, step)
        self.convs = nn.ModuleList(
            GatedConv(hidden, self.rbf.size) for _ in range(n_conv)
        )
        self.hidden = hidden

    def node_features(self, data: Data) -> torch.Tensor:
        ox = data.ox.to(self.table.dtype)
        known = torch.isfinite(ox)
        extra = torch.stack([torch.where(known, ox, torch.zeros_like(ox)), known.to(ox.dtype)], 1)
        return self.embed(data.z) + self.props(torch.cat([self.table[data.z], extra], 1))

    def forward(self, data: Data) -> torch.Tensor:
        x = self.node_features(data)
        edge_attr = self.rbf(edge_vectors(data).norm(dim=1))
        for conv in self.convs:
            x = conv(x, data.edge_index, edge_attr)
        batch = data.batch if getattr(data, "batch", None) is not None else None
        return global_mean_pool(x, batch)


class CrystalGNN(nn.Module):
    """Encoder + MLP head with ``n_out`` outputs (regression values or classification logits)."""

    def __init__(self, hidden: int = 64, n_conv: int = 3, cutoff: float = 8.0, step: float = 0.2,
                 n_out: int = 1) -> None:
        super().__init__()
        self.hparams = {"hidden": hidden, "n_conv": n_conv, "cutoff": cutoff, "step": step}
        self.encoder = CrystalEncoder(hidden, n_conv, cutoff, step)
        self.head = self.new_head(n_out)

    def new_head(self, n_out: int) -> nn.Module:
        h = self.encoder.hidden
        return nn.Sequential(nn.Linear(h, h), nn.SiLU(), nn.Linear(h, n_out))

    def forward(self, data: Data) -> torch.Tensor:
        return self.head(self.encoder(data))
