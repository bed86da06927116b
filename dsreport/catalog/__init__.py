"""Reading, validating, describing and changing catalogs: files in, models out.

The modules are imported one by one (``dsreport.catalog.load``, ``…lock``, …): this package
imports none of them itself, so a command that needs only the lock does not import pydantic.
"""
