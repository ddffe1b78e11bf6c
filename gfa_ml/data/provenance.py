"""Which measured rows come from one study: the leakage groups of grouped cross-validation.

Every curated row has a ``series`` tag (one per material series) and, in ``source_location``, the
reference numbers of the primary studies behind its values, per document: "(ref 101)" in a row
taken from the Chem. Rev. is that review's reference 101; "001 §2.3 (ref [154])" is reference 154
of seed 001. One primary study often measured materials that the curation put in different
series (Bumstead, Thorne & Bennett, Faraday Discuss. 2021, ref 144 of the Chem. Rev., melted ZIFs
and thiocyanate CPs alike). Its DSC protocol and lab offset would then sit on both sides of a
split, so a group is a connected component of the graph linking rows, series tags and cited
references. Two documents citing one study under different numbers stay unlinked; the curation
sheets' notes record those cases. Lab rows added with ``gfa data add`` carry no series tag: they
group by their DOI, and rows without one are the user's own lab, a single group.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

#: seed-document prefixes used in ``source_location`` ("001 §2.3 ...") and their DOIs
SEED_DOCUMENTS = {
    "000": "10.1021/jacs.3c12296",
    "001": "10.1016/j.ccr.2026.217691",
    "002": "10.1021/jacs.3c13065",
    "003": "10.1021/acs.chemrev.1c00826",
    "004": "10.1002/anie.202405307",
}
#: group of rows with neither a series tag nor a DOI: the user's own lab (one instrument)
LAB_GROUP = "own-lab"
_SEED_PREFIX = re.compile(r"^\s*(\d{3})\s")
_FROM_DOI = re.compile(r"\bfrom (10\.\d{4,9}/\S+)")
_REFS = re.compile(r"\brefs? \[?(\d[\d,\s\-–]*)")


def _numbers(text: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"[,\s]+", text.strip()):
        if m := re.fullmatch(r"(\d+)[-–](\d+)", part):
            out.extend(range(int(m.group(1)), int(m.group(2)) + 1))
        elif part.isdigit():
            out.append(int(part))
    return out


def cited_studies(source_doi: str, source_location: str) -> set[str]:
    """``DOI#ref`` keys of the primary references a row cites, each resolved against the
    document the location segment talks about (a seed prefix or "from DOI" switches it)."""
    doc = str(source_doi or "").strip()
    keys: set[str] = set()
    for segment in str(source_location or "").split(";"):
        if m := _SEED_PREFIX.match(segment):
            doc = SEED_DOCUMENTS.get(m.group(1), doc)
        if m := _FROM_DOI.search(segment):
            doc = m.group(1).rstrip(".,)")
        for m in _REFS.finditer(segment):
            keys.update(f"{doc}#{n}" for n in _numbers(m.group(1)))
    return keys


def study_groups(table: pd.DataFrame) -> pd.Series:
    """Group label per row (index of ``table``): rows sharing a series tag or a cited primary
    study are one group; untagged rows group by source DOI, or as :data:`LAB_GROUP` without one.
    Labels are ``m:<first tag>``."""
    if table.empty:
        return pd.Series(dtype=object, index=table.index, name="group")
    blank = pd.Series("", index=table.index)
    series = table["series"].fillna("").astype(str).str.strip()
    dois = table.get("source_doi", blank).fillna("").astype(str).str.strip()
    # untagged rows (lab measurements from `gfa data add`): one paper, or one's own lab
    tags = series.where(series != "", ("doi:" + dois).where(dois != "", LAB_GROUP))
    nodes: dict[str, int] = {}
    edges: list[tuple[int, int]] = []
    for i, (tag, doi, loc) in enumerate(zip(
            tags, dois, table.get("source_location", blank).fillna(""), strict=True)):
        for key in ("s:" + tag, *("r:" + k for k in sorted(cited_studies(doi, loc)))):
            edges.append((i, len(table) + nodes.setdefault(key, len(nodes))))
    n = len(table) + len(nodes)
    rows, cols = zip(*edges, strict=True)
    graph = coo_matrix((np.ones(len(edges)), (rows, cols)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    comp = pd.Series(label[: len(table)], index=table.index)
    first = tags.groupby(comp.to_numpy()).min()
    return ("m:" + comp.map(first)).rename("group")
