"""Feature vectors for coordination polymers, MOFs and clusters, from a CIF or from a record.

``featurize`` (one material), ``featurize_many`` (CIF streams, cached, parallel),
``featurize_records`` (the measured table), ``feature_labels`` (fixed column order).
The ``metal_*``, ``node_*`` (CN, donor flags), ``net_dim``, ``lig_*`` and ``ion_*`` (halides,
pseudohalides, oxo / hydroxo / water, counter-ion charges per metal) columns are computed by the
same code for CIFs and for metal + ligand-SMILES records; the rest needs a structure.
"""

from gfa_ml.featurize.batch import featurize_many
from gfa_ml.featurize.featurizer import GFAFeaturizer, featurize, featurize_cif
from gfa_ml.featurize.records import featurize_record, featurize_records
from gfa_ml.featurize.schema import (
    SHARED_GROUPS,
    STRUCTURE_GROUPS,
    FeatureRow,
    feature_labels,
    groups,
)

__all__ = [
    "SHARED_GROUPS",
    "STRUCTURE_GROUPS",
    "FeatureRow",
    "GFAFeaturizer",
    "feature_labels",
    "featurize",
    "featurize_cif",
    "featurize_many",
    "featurize_record",
    "featurize_records",
    "groups",
]
