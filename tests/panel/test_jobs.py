"""CPU-heavy panel work runs in a process of its own, niced, that never outlives the service."""
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from panel.jobs import NICENESS, Job, JobPool
from tests.conftest import relay_sections, write_config
from tests.panel.client import PanelClient
from tests.panel.seed_tables import EXAMPLES
from tests.relay_process import RelayProcess


def whoami() -> tuple[int, int]:
    return os.getpid(), os.nice(0)


def test_a_pool_has_a_worker_per_core_unless_told():
    assert JobPool().workers == os.cpu_count() and JobPool(3).workers == 3


async def test_a_job_runs_in_another_process_at_a_lower_priority():
    jobs = JobPool(workers=1)
    try:
        pid, niceness = await jobs.run(whoami)
        assert pid != os.getpid() and niceness == os.nice(0) + NICENESS
        assert await jobs.run(whoami) == (pid, niceness)  # the process is kept for the next job
    finally:
        await jobs.close()


async def test_a_job_named_by_its_module_is_imported_in_the_worker_only():
    jobs = JobPool(workers=1)
    try:
        pid, imported_there = await jobs.run(Job("tests.panel.worker_only_job", "pid_and_modules"))
    finally:
        await jobs.close()
    assert pid != os.getpid() and imported_there
    assert "tests.panel.worker_only_job" not in sys.modules


def test_the_service_starts_without_the_renderers():
    """reportlab, pypdf and openpyxl are for the job processes: 15 MB the relay's process does without."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, daemon.__main__, panel.service, panel.routes;"
                               " print(' '.join(sorted({m.partition('.')[0] for m in sys.modules})))"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    assert "aiohttp" in loaded and "aiosmtpd" in loaded
    assert not {"reportlab", "pypdf", "openpyxl", "PIL"} & set(loaded)


def alive(pid: int) -> bool:
    """Running; a zombie waiting for init to reap it is dead."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture
async def served(tmp_path):
    relay = RelayProcess(write_config(tmp_path, relay_sections(None, None)))
    await relay.start()
    yield relay, tmp_path / "state"
    await relay.kill()


async def test_the_job_process_dies_with_the_service_even_by_sigkill(served):
    relay, state = served
    url = re.search(r"(http://\S+?)/?$", await relay.wait_for_line(r"panel listening on http://"))[1]
    password = re.search(r"(?m)^password: (.+)$", (state / "panel-admin.txt").read_text())[1]
    client = PanelClient(url)
    try:
        await client.login("admin", password)
        page = await client.get("/import")
        form = aiohttp.FormData()
        form.add_field("file", (EXAMPLES / "accounts.csv").read_bytes(), filename="accounts.csv")
        page = await client.post("/import", form, page.csrf_token)
        assert "Создано лицевых счетов: 1" in page.text
    finally:
        await client.close()
    workers = _children(relay.process.pid)
    assert workers
    await relay.signal(signal.SIGKILL)
    await relay.wait()  # the output pipe closes: no orphan holds it
    assert not any(alive(worker) for worker in workers)


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as file:
        children = [int(child) for child in file.read().split()]
    # The job worker runs spawn_main; multiprocessing's resource tracker is the other child.
    return [child for child in children if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]
