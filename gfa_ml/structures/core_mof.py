"""Stream CIFs from the ``core-mof`` PyPI package (CoRE MOF 2014 / 2019-ASR / 2019-FSR).

``CoRE_MOF.get_structure`` decompresses the whole tarball for every structure (~1.7 s each);
here the tarball is read once, front to back, and each CIF is yielded as text.
Data: Chung et al., Chem. Mater. 2014 and J. Chem. Eng. Data 2019 (CC BY 4.0).
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import pandas as pd

CORE_MOF_SETS = ("2014", "2019-ASR", "2019-FSR")
SOURCE_PREFIX = "core-mof:"
CITATION = (
    "Chung, Y. G. et al. Chem. Mater. 2014, 26, 6185 (CoRE MOF 2014); "
    "Chung, Y. G. et al. J. Chem. Eng. Data 2019, 64, 5985 (CoRE MOF 2019); "
    "data CC BY 4.0 via the core-mof PyPI package (F.-X. Coudert)"
)


class UnknownCoreSet(ValueError):
    pass


def parse_source(spec: str) -> str | None:
    """Return the CoRE set name for ``core-mof:SET`` specs, else None."""
    if not spec.startswith(SOURCE_PREFIX):
        return None
    name = spec[len(SOURCE_PREFIX) :]
    if name not in CORE_MOF_SETS:
        choices = ", ".join(CORE_MOF_SETS)
        raise UnknownCoreSet(f"unknown CoRE MOF set {name!r}; choose one of {choices}")
    return name


def _data_dir() -> Path:
    import CoRE_MOF

    return Path(CoRE_MOF.__file__).resolve().parent / "data"


def tarball(dataset: str) -> Path:
    if dataset not in CORE_MOF_SETS:
        raise UnknownCoreSet(f"unknown CoRE MOF set {dataset!r}")
    return _data_dir() / f"{dataset}.tar.xz"


@lru_cache(maxsize=4)
def properties(dataset: str) -> pd.DataFrame:
    """CoRE metadata (LCD, PLD, void fraction, metals, DOI...) indexed by structure name."""
    if dataset not in CORE_MOF_SETS:
        raise UnknownCoreSet(f"unknown CoRE MOF set {dataset!r}")
    df = pd.read_csv(_data_dir() / f"{dataset}.csv", low_memory=False)
    df = df.loc[:, [c for c in df.columns if not c.startswith("Unnamed")]]
    return df.set_index("filename")


def list_names(dataset: str) -> list[str]:
    return list(properties(dataset).index)


def refcode_base(name: str) -> str:
    """6-letter CSD refcode base of a CoRE name (``ABAYIO01_clean`` -> ``ABAYIO``)."""
    head = name.split("_")[0]
    return head[:6].upper() if head[:6].isalpha() else head


def iter_cifs(dataset: str, names: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
    """Yield ``(name, cif_text)`` for a CoRE set, reading the tarball once.

    With ``names``, only those are yielded and the read stops as soon as all were found.
    """
    wanted = set(names) if names is not None else None
    with tarfile.open(tarball(dataset), "r:xz") as tar:
        for member in tar:
            if not member.isfile() or not member.name.endswith(".cif") or member.size == 0:
                continue
            name = member.name.rsplit("/", 1)[-1][: -len(".cif")]
            if wanted is not None and name not in wanted:
                continue
            fh = tar.extractfile(member)
            if fh is None:
                continue
            yield name, fh.read().decode("utf-8", errors="replace")
            if wanted is not None:
                wanted.discard(name)
                if not wanted:
                    return
