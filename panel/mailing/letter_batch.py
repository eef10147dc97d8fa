"""What a send run asks of a job process for a batch of letters, and what it gets back
(the job: panel/mailing/letters.py)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Sender:
    name: str
    address: str


@dataclass(frozen=True)
class Wanted:
    entry_id: int
    account_id: int
    address: str
    message_id: str


@dataclass(frozen=True)
class Prepared:
    entry_id: int
    message: bytes | None  # None: skipped, for `skip_reason`
    skip_reason: str = ""
