"""Panel work that takes seconds of CPU runs in other processes, at a lower priority.

The panel shares its process and event loop with the relay. An import of 100,000 accounts
done in a thread here held the GIL long enough to triple the relay's p99 SMTP latency
(bench/smtp_during_import.py); in a process of its own, niced, it only takes a core.
Rendering thousands of payment documents takes every core the machine has, niced too.
Jobs are module-level functions with picklable arguments and results; a job whose module
brings reportlab, pypdf or openpyxl is named by a Job, so that only the workers load them.
After each job a worker gives its freed memory back to the system: an import of 100,000
rows peaks at hundreds of MB, and the heap would otherwise stay that size for the mailing.
"""
import asyncio
import ctypes
import gc
import importlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from daemon import heap
from daemon.db.connect import opened
from daemon.db.migrate import Schema
from panel.imports import ImportReport, import_file

log = logging.getLogger(__name__)

T = TypeVar("T")

NICENESS = 10  # the relay's SMTP, POP3 and delivery come first when the cores are busy
PR_SET_PDEATHSIG = 1  # prctl(2)
_LIBC = ctypes.CDLL(None, use_errno=True)  # glibc: prctl(2)


def _worker_started(service_pid: int) -> None:
    heap.keep_small()
    os.nice(NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the service, which stops us
    # Killed with the service, even by SIGKILL: an orphan would keep its stdout (the journal,
    # a test's pipe) open and go on writing to the panel's store.
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != service_pid:  # it died before the line above
        os._exit(1)


@dataclass(frozen=True)
class Job:
    """A job function by name: imported where it runs, in the worker, not in the service."""

    module: str
    name: str

    def __call__(self, *args):
        return getattr(importlib.import_module(self.module), self.name)(*args)


def _run_job(job: Callable[..., T], args: tuple) -> T:
    try:
        return job(*args)
    finally:
        gc.collect()  # in the worker: the relay's loop does not wait for it
        heap.give_back()


class JobPool:
    """Worker processes, one per core unless told otherwise, started at the first job and
    kept for the next ones."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._executor: ProcessPoolExecutor | None = None

    async def run(self, job: Callable[..., T], *args) -> T:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_started,
                initargs=(os.getpid(),),
            )
        return await asyncio.get_running_loop().run_in_executor(self._executor, _run_job, job, args)

    async def close(self) -> None:
        """Stop at once: a job cut short is one transaction rolled back, nothing half-written."""
        if self._executor is None:
            return
        workers = list(getattr(self._executor, "_processes", {}).values())  # no public handle in 3.11
        self._executor.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        await asyncio.to_thread(lambda: [worker.join() for worker in workers])
        self._executor = None


def import_job(database: Path, data: bytes, filename: str, now: float) -> ImportReport:
    """«Загрузка данных» in the job process: the same import as `epd-relay import`."""
    async def run() -> ImportReport:
        async with opened(database, Schema.PANEL) as db:
            return await import_file(db, data, filename, now)

    return asyncio.run(run())
