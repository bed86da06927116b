"""dsreport: a static HTML catalog of versioned datasets."""

__version__ = "0.1.0"
