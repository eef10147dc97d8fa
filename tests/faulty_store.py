"""Breaking the relay's store from a test the ways a disk breaks: full, size-capped,
read-only after an error, frozen, or locked by another process.

Mounting needs root (tests/require.py: skipped on a developer's machine without it,
failing on CI). Everything is undone by the fixtures that use these (a lazy unmount
if the relay still holds files there).
"""
import contextlib
import errno
import os
import resource
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

from daemon.config import load
from tests.require import require_root, require_tool


def queue_database(config_path: Path) -> Path:
    """The file holding the relay's queue, which these faults are about."""
    return load(config_path).storage.relay_database


def queue_rows(config_path: Path, sql: str, *params) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(queue_database(config_path))) as db:
        return db.execute(sql, params).fetchall()


@contextlib.contextmanager
def locked(database: Path) -> Iterator[None]:
    """Another process's write transaction held open: the relay's writers wait for it
    up to the busy timeout, then fail with "database is locked"."""
    with contextlib.closing(sqlite3.connect(database, isolation_level=None, timeout=30)) as db:
        db.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            db.execute("ROLLBACK")


def cap_file_size(pid: int, size: int | None) -> None:
    """RLIMIT_FSIZE of a running process (None lifts it): a write past ``size`` fails with
    EFBIG, as a quota would. Python ignores SIGXFSZ, which would otherwise kill it."""
    _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (hard if size is None else size, hard))


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, capture_output=True, text=True)


def _unmount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)  # still open: detach


class Tmpfs:
    """A small file system in memory at ``path``; fill() makes its disk full."""

    def __init__(self, path: Path, size_mb: int = 32) -> None:
        self.path = path
        self.size_mb = size_mb
        self._filler = path / "filler"

    def mount(self) -> "Tmpfs":
        require_root("mounting a tmpfs")
        self.path.mkdir(parents=True, exist_ok=True)
        _run("mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m,mode=0700", "tmpfs", str(self.path))
        return self

    def fill(self) -> None:
        """Write until not one more byte fits (ENOSPC)."""
        fd = os.open(self._filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            chunk = 1 << 20
            while chunk:
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError as error:
                    if error.errno != errno.ENOSPC:
                        raise
                    chunk //= 2
        finally:
            os.close(fd)

    def free(self) -> None:
        self._filler.unlink()

    def unmount(self) -> None:
        _unmount(self.path)


class Ext4Image:
    """An ext4 file system in a file on a loop device, mounted at ``path`` with
    errors=remount-ro as a server's would be: fail() makes it read-only the way a disk
    error does, freeze() makes every write to it wait (a hung disk)."""

    def __init__(self, image: Path, path: Path, size_mb: int = 32) -> None:
        self.image = image
        self.path = path
        self.size_mb = size_mb
        self._frozen = False

    def mount(self) -> "Ext4Image":
        require_root("mounting an ext4 image")
        for tool in ("mkfs.ext4", "e2fsck", "fsfreeze", "losetup", "findmnt"):
            require_tool(tool)
        if not self.image.exists():
            with open(self.image, "wb") as file:
                file.truncate(self.size_mb << 20)
            _run("mkfs.ext4", "-q", "-F", str(self.image))
        self.path.mkdir(parents=True, exist_ok=True)
        _run("mount", "-o", "loop,errors=remount-ro", str(self.image), str(self.path))
        return self

    def fail(self) -> None:
        """An error in the file system: the kernel remounts it read-only at once."""
        device = Path(_run("findmnt", "-no", "SOURCE", str(self.path)).stdout.strip()).name
        Path(f"/sys/fs/ext4/{device}/trigger_fs_error").write_text("test: the disk failed")

    def freeze(self) -> None:
        _run("fsfreeze", "-f", str(self.path))
        self._frozen = True

    def thaw(self) -> None:
        if self._frozen:
            _run("fsfreeze", "-u", str(self.path))
            self._frozen = False

    def unmount(self) -> None:
        self.thaw()
        _unmount(self.path)

    def repair(self) -> None:
        """What a sysadmin does after the error: unmount, e2fsck, mount again."""
        self.unmount()
        fsck = subprocess.run(["e2fsck", "-fy", str(self.image)], capture_output=True, text=True)
        assert fsck.returncode in (0, 1), fsck.stdout + fsck.stderr  # 1: errors corrected
        self.mount()
