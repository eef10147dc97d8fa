"""A local Maildir: where captured mail and bounces land, one file per recipient."""
import os
import secrets
import socket
import time
from pathlib import Path


class Maildir:
    def __init__(self, root: Path) -> None:
        self.root = root

    def prepare(self) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.root / sub).mkdir(mode=0o700, parents=True, exist_ok=True)

    def deliver(self, content: bytes) -> Path:
        """Write to tmp/, fsync, rename into new/: a reader never sees half a message."""
        self.prepare()
        name = f"{time.time():.6f}.{os.getpid()}_{secrets.token_hex(4)}.{socket.gethostname()}"
        temporary = self.root / "tmp" / name
        with open(temporary, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        final = self.root / "new" / name
        os.rename(temporary, final)
        return final

    def messages(self) -> list[Path]:
        found = [p for sub in ("new", "cur") if (self.root / sub).is_dir() for p in (self.root / sub).iterdir()]
        return sorted(found, key=lambda p: p.stat().st_mtime)
