"""The Td proxy set: 2,506 TGA decomposition temperatures keyed to CoRE MOF 2019-ASR structures.

Source: Nandy, Duan, Kulik, J. Am. Chem. Soc. 2021, 143, 17535 (doi 10.1021/jacs.1c07217) and
Nandy et al., Sci. Data 2022, 9, 74 (doi 10.1038/s41597-022-01181-0); CC BY 4.0.
Td is an onset temperature from digitised TGA traces (two-line intersection), in the source in
degrees Celsius; the project works in kelvin.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from gfa_ml.config import get_settings
from gfa_ml.io.atomic import write_csv_atomic
from gfa_ml.structures.core_mof import iter_cifs, list_names, refcode_base

CORE_SET = "2019-ASR"
SOURCE_FILE = "mofsimplify_td_trainval.csv"


def _union_find_groups(keys_a: list[str], keys_b: list[str]) -> list[int]:
    """Connected components of rows linked by equal ``keys_a`` or equal ``keys_b``."""
    parent = list(range(len(keys_a)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for keys in (keys_a, keys_b):
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k in first:
                parent[find(i)] = find(first[k])
            else:
                first[k] = i
    roots = [find(i) for i in range(len(keys_a))]
    relabel = {r: n for n, r in enumerate(dict.fromkeys(roots))}
    return [relabel[r] for r in roots]


def leakage_groups(df: pd.DataFrame) -> pd.Series:
    """CV groups: rows sharing a 6-letter refcode base or an identical Td value are one group.

    One TGA trace was assigned to several related CSD entries (re-determinations, solvates)
    whose refcodes need not share a base, so identical Td links them too.
    """
    bases = [refcode_base(r) for r in df["refcode"]]
    tds = [f"{t:.6f}" for t in df["Td_C"]]
    return pd.Series(_union_find_groups(bases, tds), index=df.index, name="group")


def build_td_proxy(source: Path | None = None, out: Path | None = None) -> pd.DataFrame:
    """Resolve each ``core_name`` to its CoRE CIF, add kelvin Td and CV groups; write atomically."""
    paths = get_settings().paths
    source = source or paths.datasets / "td_proxy" / SOURCE_FILE
    out = out or paths.td_proxy_csv
    df = pd.read_csv(source)
    df["Td_K"] = df["Td_C"] + 273.15
    known = set(list_names(CORE_SET))
    df["in_core"] = df["core_name"].isin(known)
    hashes: dict[str, str] = {}
    for name, text in iter_cifs(CORE_SET, names=df.loc[df["in_core"], "core_name"]):
        hashes[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
    df["cif_sha256_16"] = df["core_name"].map(hashes).fillna("")
    df["cif_path"] = [
        f"core-mof:{CORE_SET}/{n}" if h else ""
        for n, h in zip(df["core_name"], df["cif_sha256_16"], strict=True)
    ]
    df["refcode_base"] = [refcode_base(r) for r in df["refcode"]]
    df["group"] = leakage_groups(df)
    df = df.rename(columns={"split": "source_split"})
    cols = ["refcode", "core_name", "refcode_base", "Td_C", "Td_K", "source_split", "group",
            "cif_path", "cif_sha256_16"]
    df = df[cols]
    write_csv_atomic(df, out)
    return df


def load_td_proxy(path: Path | None = None) -> pd.DataFrame:
    return pd.read_csv(path or get_settings().paths.td_proxy_csv, keep_default_na=False)
