"""Safe file I/O."""
