"""gfa_ml: glass-forming ability of coordination polymers, MOFs and metal clusters.

Data flows one way: records -> features -> models -> predictions -> reports.
"""

__version__ = "0.1.0"
