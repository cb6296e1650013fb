"""Prefect orchestration only: the one package that imports prefect.

- ``omreview.flows.applicant``: the per-applicant flows (``omreview run``'s, and the reviewer's deployment's);
- ``omreview.flows.batch``: the intake flow (``omreview batch``, and the scheduled deployment);
- ``omreview.flows.tasks``: a batch's task per applicant (on Dask one per document and one per applicant), a few
  per batch, each calling a plain function;
- ``omreview.flows.local``: a temporary local Prefect server for the command line, shut down cleanly;
- ``omreview.flows.resident``: the local Prefect server ``omreview run`` leaves running for the next command,
  stopped when idle;
- ``omreview.flows.serve``: the deployments served by ``omreview serve``;
- ``omreview.flows.desk``: the reviewer's runs, run by ``omreview serve`` in its own process (seconds, not ten);
- ``omreview.flows.dask``: the Dask task runner for large batches (the ``[dask]`` extra);
- ``omreview.flows.progress``: a progress hook for the command line (no Prefect import);
- ``omreview.flows.prefect_internals``: every use of Prefect's internals (private names, undocumented settings), checked
  against the installed Prefect by ``tests/test_prefect_internals.py``.

What follows from the tasks' results is decided by plain functions (``omreview.intake``, ``omreview.batching``).

Importing this package imports nothing of Prefect; the modules above import it when used.
"""
