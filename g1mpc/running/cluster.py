"""Independent jobs on Ray workers: a local Ray started in-process, or an existing cluster with one flag.

Each worker is a Ray actor that builds its (expensive) state once, from a factory, and then runs jobs one
at a time; the calling process receives every result, so whatever it writes stays on its own machine
(cluster nodes need not share a file system). A job whose worker dies is retried (Ray restarts the actor
and reruns the task; after ``max_retries`` the job is queued again for any worker).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from g1mpc.common.errors import ConfigError, UserError

Job = Any
LOCAL_OBJECT_STORE_BYTES = 256 * 1024**2  # results are small arrays: a small store leaves memory to the workers


@dataclass(frozen=True)
class ClusterConfig:
    """Where jobs run.

    Attributes:
        workers: parallel workers; None: one per local core (locally) or per cluster CPU (``address``).
        address: None starts Ray in this process; ``auto`` or ``host:port`` joins a running cluster.
        threads_per_worker: rollout threads (and Ray CPUs) per worker; None: the local cores shared out
            among the workers, 1 on a cluster.
        max_retries: how often one job is rerun after its worker died before the run fails.
    """

    workers: int | None = None
    address: str | None = None
    threads_per_worker: int | None = None
    max_retries: int = 2

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise ConfigError("--workers must be >= 1")
        if self.threads_per_worker is not None and self.threads_per_worker < 1:
            raise ConfigError("--threads_per_worker must be >= 1")
        if self.max_retries < 0:
            raise ConfigError("max_retries must be >= 0")

    def threads(self, workers: int) -> int:
        if self.threads_per_worker is not None:
            return self.threads_per_worker
        return 1 if self.address else max(1, (os.cpu_count() or 1) // workers)


class JobWorker:
    """A Ray actor's body: ``factory(*args, nthread=...)`` once, then one job per call."""

    def __init__(self, factory: Callable, args: tuple, nthread: int):
        self._run = factory(*args, nthread=nthread)

    def run(self, job: Job) -> Any:
        return self._run(job)

    def node(self) -> str:
        import ray

        return ray.get_runtime_context().get_node_id()


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """Fail in seconds, not minutes, when a ``host:port`` address has nothing listening (Ray waits long)."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return  # 'auto' and other forms: Ray resolves and reports them itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise UserError(f"--ray_address: nothing answers at '{address}' ({exc.strerror or exc}); start the head node "
                        "with 'ray start --head' there, or leave --ray_address out to run Ray here") from None


def _start_ray(cluster: ClusterConfig, cpus: int) -> bool:
    """Start or join Ray unless this process already did; True when this call started it."""
    import ray

    if ray.is_initialized():
        return False
    if cluster.address:
        _check_reachable(cluster.address)
    on_sigterm = signal.getsignal(signal.SIGTERM)  # ray.init replaces it with an exit; keep the caller's
    try:
        if cluster.address:
            ray.init(address=cluster.address, log_to_driver=False, logging_level="ERROR")
        else:
            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
                     object_store_memory=LOCAL_OBJECT_STORE_BYTES)
    except ConnectionError as exc:
        raise UserError(f"--ray_address: cannot join the Ray cluster at '{cluster.address}' ({exc}); "
                        "start one with 'ray start --head' or leave --ray_address out") from None
    if threading.current_thread() is threading.main_thread() and on_sigterm is not None:
        signal.signal(signal.SIGTERM, on_sigterm)
    return True


def run_jobs(factory: Callable, args: tuple, jobs: Iterable[Job], cluster: ClusterConfig | None,
             on_result: Callable[[Job, Any], None], on_start: Callable[[int, int, int], None] | None = None,
             nthread: int | None = None) -> None:
    """Every job in this process (``cluster`` None: one worker with ``nthread`` rollout threads) or on Ray."""
    jobs = list(jobs)
    if not jobs:
        return
    if cluster is not None:
        map_jobs(factory, args, jobs, cluster, on_result, on_start)
        return
    worker = factory(*args, nthread=nthread)
    try:
        if on_start is not None:
            on_start(1, nthread or os.cpu_count() or 1, 1)
        for job in jobs:
            on_result(job, worker(job))
    finally:
        if hasattr(worker, "close"):
            worker.close()


def map_jobs(factory: Callable, args: tuple, jobs: Iterable[Job], cluster: ClusterConfig,
             on_result: Callable[[Job, Any], None], on_start: Callable[[int, int, int], None] | None = None) -> None:
    """Run ``factory(*args, nthread=k)(job)`` for every job on Ray workers; ``on_result(job, result)`` here.

    Results arrive in completion order. ``on_start(workers, threads, nodes)`` is called once the workers
    are built (``nodes``: how many machines they are on).
    Ctrl-C (KeyboardInterrupt) stops the workers and propagates; results already handed over are kept.
    """
    import ray
    from ray.exceptions import RayActorError, WorkerCrashedError

    queue = deque((job, 0) for job in jobs)
    if not queue:
        return
    local_cores = os.cpu_count() or 1
    planned = cluster.workers or (None if cluster.address else local_cores)
    started = _start_ray(cluster, max(local_cores, (planned or 1) * cluster.threads(planned or 1)))
    actors: list = []
    try:
        workers = min(planned or max(1, int(ray.cluster_resources().get("CPU", 1))), len(queue))
        threads = cluster.threads(workers)
        remote = ray.remote(max_restarts=-1, max_task_retries=cluster.max_retries)(JobWorker)
        actors = [remote.options(num_cpus=threads).remote(factory, args, threads) for _ in range(workers)]
        if on_start is not None:
            on_start(workers, threads, len(set(ray.get([a.node.remote() for a in actors]))))
        running: dict = {}

        def submit(actor) -> None:
            if queue:
                job, tries = queue.popleft()
                running[actor.run.remote(job)] = (actor, job, tries)

        for actor in actors:
            submit(actor)
        while running:
            (ref,), _ = ray.wait(list(running), num_returns=1)
            actor, job, tries = running.pop(ref)
            try:
                result = ray.get(ref)
            except (RayActorError, WorkerCrashedError):
                if tries >= cluster.max_retries:
                    raise
                queue.appendleft((job, tries + 1))
            else:
                on_result(job, result)
            submit(actor)
    finally:
        for actor in actors:
            ray.kill(actor)
        if started:
            ray.shutdown()
