"""A flow of no-op tasks: what one task run costs Prefect itself here (``scripts/bench_flows.py --noop N``).

The same task options as the pipeline's tasks (no cache policy), on the same thread pool; the task
does nothing, so what the client and the server spend per task run is the floor under every task
of the flows.
"""

from __future__ import annotations

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from omreview.flows.applicant import DEFAULT_WORKERS, thread_pool


@task(name="noop", cache_policy=NO_CACHE)
def noop(i: int) -> int:
    return i


@flow(name="omreview-noop", task_runner=thread_pool(DEFAULT_WORKERS))
def noop_flow(n: int) -> int:
    futures = [noop.submit(i) for i in range(n)]
    return sum(f.result() for f in futures)
