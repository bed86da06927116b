"""``dsreport import clearml``: ClearML dataset versions into a catalog.

The import runs in four layers, each in its own module:

- readers talk to ClearML and return plain data (:mod:`dsreport.clearml.records`):
  :mod:`~dsreport.clearml.server` (a live server, through the optional ``clearml`` SDK) and
  :mod:`~dsreport.clearml.offline` (an offline-mode session folder or zip, standard library only);
- the pure mapping (:mod:`~dsreport.clearml.state`, :mod:`~dsreport.clearml.mapping`,
  :mod:`~dsreport.clearml.previews`) turns that data into catalog documents and entries;
- the pure plan (:mod:`~dsreport.clearml.plan`) reconciles them with the catalog as it is (slugs,
  re-imports, versions deleted on the server, parents that are gone);
- the writer (:mod:`dsreport.catalog.stage`) stages every changed dataset folder aside and swaps
  them in, after everything was fetched and checked.

:mod:`~dsreport.clearml.importer` runs the four in order.
"""
