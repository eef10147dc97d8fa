"""«На принтер»: one PDF of a selection's documents, built in the background, with progress.

The documents are rendered in parts of PART_SIZE by the job pool, every core at once, each
part one PDF with its fonts embedded once; the parts are then joined with pypdf into the
file staff download. A job lives in memory: its page shows the progress on every reload,
until the service restarts. Files are kept a day.
"""
import asyncio
import enum
import logging
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from panel.jobs import Job, JobPool

log = logging.getLogger(__name__)

PART_SIZE = 100
KEEP_FILES = 24 * 3600.0
RENDER_PART = Job("panel.documents.jobs", "render_part")
MERGE_PARTS = Job("panel.documents.jobs", "merge_parts")


class PrintState(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass
class PrintJob:
    id: str
    title: str          # what was chosen, for the page: "Июль 2013, УК «Север», почтой"
    period: str
    total: int
    started_at: float
    done: int = 0
    state: PrintState = PrintState.RUNNING
    path: Path | None = None
    size: int = 0
    finished_at: float | None = None
    tasks: set = field(default_factory=set, repr=False)

    @property
    def size_text(self) -> str:
        """The file's size as staff read it: "1,2 МБ"."""
        return f"{self.size / 2**20:.1f} МБ".replace(".", ",")

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else self.done * 100 // self.total


class Printing:
    def __init__(self, pool: JobPool, database: Path, directory: Path, clock: Callable[[], float] = time.time) -> None:
        self._pool = pool
        self._database = database
        self._directory = directory
        self._clock = clock
        self._jobs: dict[str, PrintJob] = {}

    def get(self, job_id: str) -> PrintJob | None:
        return self._jobs.get(job_id)

    def start(self, account_ids: list[int], period: str, title: str) -> PrintJob:
        now = self._clock()
        for old in [job for job in self._jobs.values() if (job.finished_at or now) < now - KEEP_FILES]:
            del self._jobs[old.id]  # its file is gone too
        job = PrintJob(secrets.token_hex(8), title, period, len(account_ids), now)
        self._jobs[job.id] = job
        task = asyncio.create_task(self._build(job, account_ids), name=f"print {job.id}")
        job.tasks.add(task)
        task.add_done_callback(job.tasks.discard)
        return job

    async def _build(self, job: PrintJob, account_ids: list[int]) -> None:
        parts_dir = self._directory / job.id
        try:
            await asyncio.to_thread(self._prepare, parts_dir)
            parts = [
                (parts_dir / f"{number:05d}.pdf", account_ids[start:start + PART_SIZE])
                for number, start in enumerate(range(0, len(account_ids), PART_SIZE))
            ]

            async def render(path: Path, ids: list[int]) -> None:
                await self._pool.run(RENDER_PART, self._database, ids, job.period, path)
                job.done += len(ids)

            await asyncio.gather(*(render(path, ids) for path, ids in parts))
            target = self._directory / f"{job.id}.pdf"
            await self._pool.run(MERGE_PARTS, [path for path, _ in parts], target)
            job.path, job.size = target, (await asyncio.to_thread(target.stat)).st_size
            job.state = PrintState.DONE
            log.info("print %s: %d documents, %d bytes in %.1f s", job.id, job.total, job.size,
                     self._clock() - job.started_at)
        except Exception:  # the edge of one job: the page says it failed, the log says why
            log.exception("print %s failed", job.id)
            job.state = PrintState.FAILED
        finally:
            job.finished_at = self._clock()
            await asyncio.to_thread(shutil.rmtree, parts_dir, True)

    def _prepare(self, parts_dir: Path) -> None:
        """Make the job's directory; files older than KEEP_FILES go."""
        parts_dir.mkdir(parents=True)
        cutoff = self._clock() - KEEP_FILES
        for old in self._directory.glob("*.pdf"):
            if old.stat().st_mtime < cutoff:
                old.unlink(missing_ok=True)

    async def close(self) -> None:
        tasks = [task for job in self._jobs.values() for task in job.tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
