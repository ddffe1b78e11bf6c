"""Curated measured data and the Td proxy set: schema, validation, ingestion, summaries."""
