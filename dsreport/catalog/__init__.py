"""Reading, validating and describing catalogs: files in, models out."""

from dsreport.catalog.load import load_catalog, read_content, validate_catalog

__all__ = ["load_catalog", "read_content", "validate_catalog"]
