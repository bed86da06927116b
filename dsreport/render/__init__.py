"""Rendering: models in, page data and markup out (no catalog I/O here)."""
