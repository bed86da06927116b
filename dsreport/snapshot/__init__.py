"""``dsreport snapshot``: record a real folder as a new version of a dataset.

The stages, each in its own module: :mod:`~dsreport.snapshot.walk` finds the files,
:mod:`~dsreport.snapshot.clock` and :mod:`~dsreport.snapshot.hashcache` decide which hashes can be
reused, :mod:`~dsreport.snapshot.hashing` hashes the rest in parallel,
:mod:`~dsreport.snapshot.compressed` estimates the compressed size,
:mod:`~dsreport.snapshot.preview` keeps small previews, :mod:`~dsreport.snapshot.plan` decides the
dataset, parents and version number (in a process of its own: :mod:`~dsreport.snapshot.planner`),
and :mod:`~dsreport.snapshot.record` puts it all together. The worker side (``walk``,
``hashing``, ``compressed``) imports only the standard library, so worker processes start fast;
the main process never imports pydantic (the planner loads the catalog's models).
"""
