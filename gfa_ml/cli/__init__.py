"""The ``gfa`` command line."""
