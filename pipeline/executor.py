"""Where per-document work runs: in this process, or in worker processes.

The stages are plain functions of one document; the orchestration hands them to an
``Executor``, which gives the results back in the order of the inputs, so the output is
the same whatever the number of workers. Only a few tasks are in flight at a time, so a
long run holds no more than a window of results in memory. A cluster backend would be
another ``Executor``; the stages would not change.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    import multiprocessing.context
    from concurrent.futures import Future

# multiprocessing and concurrent.futures are imported when workers are first started: a
# run in one process (a few files to validate, say) does not pay for them.

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs ``function`` on each item; results come back in the items' order."""

    jobs: int

    def map(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]: ...

    def close(self) -> None: ...


class InProcess:
    """Everything in this process, one item after the other; ``initializer`` prepares
    it as it would a worker."""

    jobs = 1

    def __init__(
        self, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()
    ) -> None:
        if initializer is not None:
            initializer(*initargs)

    def map(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        for item in items:
            yield function(item)

    def close(self) -> None:
        pass


def _run_batch(function: Callable[[Any], Any], batch: list[Any]) -> list[Any]:
    return [function(item) for item in batch]


class WorkerProcesses:
    """Worker processes, started by fork where the system has it, so that they inherit
    what the parent has loaded (compiled schemas, templates, the registers).

    Items go to the workers in batches (``batch`` items a task), at most ``window``
    batches in flight at once.
    """

    def __init__(
        self,
        jobs: int,
        *,
        batch: int = 8,
        window: int | None = None,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        self.jobs = jobs
        self.batch = batch
        self.window = window or 4 * jobs
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=pool_context(), initializer=initializer, initargs=initargs
        )

    def map(self, function: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        pending: collections.deque[Future[list[R]]] = collections.deque()
        batch: list[T] = []

        def submit() -> None:
            pending.append(self._pool.submit(_run_batch, function, list(batch)))
            batch.clear()

        for item in items:
            batch.append(item)
            if len(batch) >= self.batch:
                submit()
                while len(pending) >= self.window:
                    yield from pending.popleft().result()
        if batch:
            submit()
        while pending:
            yield from pending.popleft().result()

    def close(self) -> None:
        self._pool.shutdown(cancel_futures=True)


def available_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every platform
        return max(1, os.cpu_count() or 1)


def pool_context() -> multiprocessing.context.BaseContext:
    """Fork where there is fork: the workers share what the parent has loaded and
    compiled (schemas, templates); elsewhere each worker makes its own."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def executor(jobs: int | None, items: int, *, at_least: int = 2, **options: Any) -> Executor:
    """Workers for ``items`` items: ``jobs`` of them (None: one per CPU), in this process
    when there is one job, or too few items (fewer than ``at_least``) to share."""
    count = available_cpus() if jobs is None else jobs
    if count <= 1 or items < at_least:
        return InProcess(options.get("initializer"), options.get("initargs", ()))
    return WorkerProcesses(min(count, items), **options)


@contextlib.contextmanager
def fewer_collections(young: int = 50_000) -> Iterator[None]:
    """Run the cycle collector less often while the ``with`` lasts, and in the workers
    started inside it. Per-document work makes and frees many objects, nearly all freed
    by their counts, not as cycles: collecting after every 700 new ones (the default)
    took 6-7 % of validating many files, after every 50,000 under 1 %."""
    before = gc.get_threshold()
    gc.set_threshold(young, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
