"""The processes a benchmark puts between its client and the provider, and their figures.

Both benchmarks start epd-relay (`python3 -m daemon serve`) and stunnel4 in client mode
the same way, wait until they listen, read their CPU time and peak RSS from /proc, and
stop them (SIGTERM, then SIGKILL) on the way out.

EPD_BENCH_PROFILE: extra interpreter arguments for every epd-relay process, e.g.
    EPD_BENCH_PROFILE="-m cProfile -o /tmp/{name}.prof" .venv/bin/python bench/...
({name} becomes the relay's name: "relay", "tunnel"); the profile is written when the
relay stops at the end of the run.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
START_TIMEOUT = 30.0  # relay / stunnel until listening
STOP_TIMEOUT = 20.0   # SIGTERM .. SIGKILL
POLL = 0.01


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].rpartition(":")[2], 16) == port:
            return True
    return False


def memory_kib(pid: int | None, field: str = "VmHWM") -> int | None:
    """A memory figure of /proc/PID/status: VmHWM (peak RSS) by default, or VmRSS."""
    if pid is None:
        return None
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return None


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process so far (all its threads)."""
    if pid is None:
        return None
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return None


def machine_cpu_seconds() -> float:
    """CPU time every core of this machine has spent busy so far, whoever spent it: user,
    nice, system, irq and softirq of /proc/stat (guest time is counted in user already;
    idle, iowait and steal are not work done here)."""
    user, nice, system, _idle, _iowait, irq, softirq = map(int, Path("/proc/stat").read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def role_of(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "child"
    if "resource_tracker" in command:
        return "resource tracker"
    return "job worker" if "multiprocessing" in command else "child"


@dataclass
class PeakMemory:
    """VmHWM of the serve process and of every child it had, each at its highest; and the
    CPU time each used during the run (from `start()`)."""

    serve_pid: int
    peaks: dict[int, int] = field(default_factory=dict)
    roles: dict[int, str] = field(default_factory=dict)
    cpu_at_start: dict[int, float] = field(default_factory=dict)
    cpu: dict[int, float] = field(default_factory=dict)
    before_run: dict[int, int] = field(default_factory=dict)        # VmRSS when the run began
    before_run_peaks: dict[int, int] = field(default_factory=dict)  # VmHWM of the import and start

    def start(self) -> None:
        """From now on: the peaks of the import and the start are not the run's (writing 5 to
        /proc/PID/clear_refs resets VmHWM to the current RSS, Linux 4.0+)."""
        self.sample()
        self.before_run = {pid: memory_kib(pid, "VmRSS") or 0 for pid in self.peaks}
        self.before_run_peaks = dict(self.peaks)
        for pid in self.peaks:
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        self.peaks.clear()
        self.sample()
        self.cpu_at_start = dict(self.cpu)

    def sample(self) -> None:
        for pid in (self.serve_pid, *children_of(self.serve_pid)):
            kib, cpu = memory_kib(pid), cpu_seconds(pid)
            if kib is not None and cpu is not None:
                # The latest VmHWM, not the highest seen: a job worker is forked from the
                # service before it execs, and exec starts its peak again.
                self.peaks[pid] = kib
                self.cpu[pid] = cpu
                self.roles[pid] = "serve" if pid == self.serve_pid else role_of(pid)

    def total_mib(self) -> float:
        return sum(self.peaks.values()) / 1024

    def lines(self) -> list[str]:
        return [f"  {self.roles[pid]:<17} pid {pid:<8} {kib / 1024:7.1f} MiB"
                f"   (at the start {self.before_run.get(pid, 0) / 1024:5.1f} MiB,"
                f" before it {self.before_run_peaks.get(pid, 0) / 1024:5.1f} MiB at most;"
                f" CPU during the run {self.cpu[pid] - self.cpu_at_start.get(pid, 0.0):5.1f} s)"
                for pid, kib in sorted(self.peaks.items(), key=lambda item: item[0] != self.serve_pid)]


def tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return f"(no {path})"


def wait_until(condition: Callable[[], object], process: subprocess.Popen, what: str, log: Path):
    """The first true value of `condition()`; fails when `process` exits or time runs out."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{tail(log)}")
        time.sleep(POLL)
    raise RuntimeError(f"{what} not ready after {START_TIMEOUT:.0f} s:\n{tail(log)}")


@contextlib.contextmanager
def child(command: list[str], log: Path) -> Iterator[subprocess.Popen]:
    """A child process with its output in `log`; SIGTERM, then SIGKILL, on the way out."""
    with open(log, "ab") as out:
        process = subprocess.Popen(
            command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches only us; we stop it in order
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT)


def toml_section(header: str, **keys: object) -> str:
    """`[header]` (or `[[header]]` as given) and its keys; JSON strings, integers and
    lists of strings are valid TOML values."""
    return f"{header}\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in keys.items()) + "\n"


@contextlib.contextmanager
def epd_relay(directory: Path, name: str, sections: str, ready: str) -> Iterator[tuple[int, int]]:
    """`python3 -m daemon serve` with `sections` added to a minimal config in `directory`.

    Yields (pid, port) once the relay logged "ready": the port is the first group of the
    regular expression `ready`, matched against the relay's log
    (e.g. r"SMTP listening on 127\\.0\\.0\\.1:(\\d+)").
    """
    config = directory / "config.toml"
    config.write_text(
        toml_section("[storage]", dir=str(directory / "state"))
        + toml_section("[smtp]", listen=f"{HOST}:0")
        + toml_section("[panel]", listen=f"{HOST}:0")
        + sections
    )
    log = directory / "relay.log"
    profile = os.environ.get("EPD_BENCH_PROFILE", "").replace("{name}", name).split()
    command = [sys.executable, *profile, "-m", "daemon", "serve", "--config", str(config)]
    with child(command, log) as process:
        found = wait_until(lambda: _started(log, ready), process, name, log)
        yield process.pid, int(found[1])


def print_relay_log_findings(workdir: Path, names: tuple[str, ...], ignore: str | None = None) -> None:
    """Warnings and errors each relay `epd_relay` started in workdir/<name> logged
    (the logs go with the workdir); lines containing `ignore` are expected ones."""
    for name in names:
        with contextlib.suppress(OSError):
            lines = (workdir / name / "relay.log").read_text(errors="replace").splitlines()
            bad = [line for line in lines if line.startswith(("WARNING", "ERROR", "CRITICAL", "Traceback"))]
            bad = [line for line in bad if not (ignore and ignore in line)]
            print(f"== {name} log: {len(lines)} lines, {len(bad)} warnings/errors")
            for line in bad[:10]:
                print(f"  {line}")


def _started(log: Path, ready: str) -> re.Match | None:
    """The match of `ready` once the relay has logged that every part started."""
    text = log.read_text(errors="replace")
    return re.search(ready, text) if re.search(r"(?m): ready$", text) else None


@contextlib.contextmanager
def stunnel(directory: Path, service: str, connect_port: int, ca_file: Path, server_name: str) -> Iterator[tuple[int, int]]:
    """stunnel4 in client mode, verifying the chain and the host name; yields (pid, port)."""
    port = free_port()
    config = directory / "stunnel.conf"
    config.write_text(
        f"foreground = yes\npid = {directory / 'stunnel.pid'}\noutput = {directory / 'stunnel.log'}\n"
        f"[{service}]\nclient = yes\naccept = {HOST}:{port}\nconnect = {HOST}:{connect_port}\n"
        f"verifyChain = yes\nCAfile = {ca_file}\ncheckHost = {server_name}\n"
    )
    log = directory / "stunnel.out"
    with child(["stunnel", str(config)], log) as process:
        wait_until(lambda: listening(port), process, "stunnel", log)
        yield process.pid, port


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_in_workdir(prefix: str, run: Callable[[Path], int]) -> int:
    """run(workdir) in a fresh directory that is removed afterwards, also on SIGTERM or Ctrl-C."""
    signal.signal(signal.SIGTERM, _terminate)
    # The daemons drop privileges: every ancestor needs o+x (mkdtemp makes 0700).
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    workdir.chmod(0o755)
    try:
        return run(workdir)
    except KeyboardInterrupt:
        print("interrupted; cleaning up", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
