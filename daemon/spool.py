"""Message files on disk: written to tmp/, fsync'd, renamed into messages/, directory fsync'd."""
import os
import secrets
import time
from pathlib import Path


def new_queue_id() -> str:
    """Time-ordered, unique, short enough to read aloud over the phone."""
    return f"{int(time.time() * 1000):011X}{secrets.token_hex(3).upper()}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    """Blocking file operations; coroutines call them through asyncio.to_thread."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        self.messages = root / "messages"

    def prepare(self) -> None:
        for directory in (self.root, self.tmp, self.messages):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        for leftover in self.tmp.iterdir():
            leftover.unlink()

    def path(self, queue_id: str) -> Path:
        return self.messages / queue_id

    def write(self, queue_id: str, content: bytes) -> None:
        temporary = self.tmp / queue_id
        try:
            with open(temporary, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.rename(temporary, self.path(queue_id))
            _fsync_dir(self.messages)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def read(self, queue_id: str) -> bytes:
        return self.path(queue_id).read_bytes()

    def remove(self, queue_id: str) -> None:
        self.path(queue_id).unlink(missing_ok=True)

    def queue_ids(self) -> set[str]:
        return {entry.name for entry in self.messages.iterdir()}
