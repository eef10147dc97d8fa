"""Bounces from the system account's mailbox: read over POP3 and verified TLS, never deleted.

    read = await collect_bounces(config.upstream_pop3, username, password, panel_db, time.time())
    for found in read.found:          # new messages that are bounces
        for bounce in found.bounces:  # mark the journal entry of bounce.message_id ...
    if read.failure:                  # the mailbox could not be read (or not all of it)
        explain(read.failure)         # panel/check_report.py; describe() for the log

The connection is the POP3 relay's (implicit TLS or STLS as the account says, chain and
host name verified before USER is sent, never plaintext). Only messages whose UIDL was not
seen before are looked at, newest first, at most MAX_NEW_PER_RUN a time: their headers
first (TOP n 0), the whole message (RETR) only when the headers say it may be a bounce,
and only its beginning (TOP) when it is larger than RETR_LIMIT. Nothing is deleted (no
DELE is ever sent); every message looked at is remembered by UIDL in the panel's store
(table mailbox_seen), so the next run, after a restart too, reads only what is new, and
UIDLs no longer on the server are forgotten. Nothing raises: what went wrong comes back
as a StepResult, with what was found before it.
"""
import asyncio
import logging
import sqlite3
from dataclasses import dataclass

from daemon.config import UpstreamPop3Config
from daemon.db.connect import Database
from daemon.pop3.relay import connect_upstream
from daemon.provider.failures import StepFailed
from daemon.provider.step_text import describe
from daemon.provider.steps import Facts, Reason, Step, StepResult
from panel.mailing.dsn import Bounce, might_be_bounce, parse_bounce
from panel.mailing.pop3_reader import Pop3Reader
from panel.mailing.seen_uidls import remember_seen, seen_uidls

log = logging.getLogger(__name__)

MAX_NEW_PER_RUN = 200           # messages looked at in one run; the rest wait for the next
RETR_LIMIT = 2 * 1024 * 1024    # larger messages (by LIST) are read with TOP, not RETR
TOP_LINES = 1000                # of a larger message's body: a report comes before the original
ANSWER_LIMIT = 4 * 1024 * 1024  # kept of any one answer; the rest is read and dropped
HEADER_LIMIT = 256 * 1024       # kept of a TOP n 0 answer
LISTING_LIMIT = 16 * 1024 * 1024  # UIDL and LIST of a large mailbox; longer is a failure


@dataclass(frozen=True)
class FoundBounces:
    uidl: str
    bounces: tuple[Bounce, ...]


@dataclass(frozen=True)
class MailboxRead:
    mailbox: str                      # "host/login", as remembered in mailbox_seen
    found: tuple[FoundBounces, ...]   # the new messages that are bounces (or delay warnings)
    looked_at: int                    # new messages looked at this time, bounces or not
    left: int                         # new messages left for the next run (MAX_NEW_PER_RUN)
    failure: StepResult | None        # what stopped the run; None when the mailbox was read

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def bounces(self) -> list[tuple[str, Bounce]]:
        return [(found.uidl, bounce) for found in self.found for bounce in found.bounces]


def mailbox_name(config: UpstreamPop3Config, username: str) -> str:
    return f"{config.host.lower()}/{username}"


async def collect_bounces(
    config: UpstreamPop3Config, username: str, password: str, panel_db: Database, now: float
) -> MailboxRead:
    """Read what is new in the mailbox and return the bounces in it; see the module's text."""
    run = _Run(mailbox_name(config, username))
    try:
        stream = await connect_upstream(config)
    except StepFailed as failure:
        return run.result(failure.result)
    reader = Pop3Reader(stream, config.timeout)
    failure = None
    try:
        await reader.log_in(username, password)
        await run.read_new(reader, await seen_uidls(panel_db, run.mailbox))
        await reader.quit()
    except StepFailed as failed:
        failure = failed.result
    except sqlite3.Error as error:
        failure = StepResult(Step.STAT, False, Reason.FAILED, Facts(error=f"cannot read the seen UIDLs: {error}"))
    except Exception as error:  # the edge of one session with the provider
        log.exception("mailbox %s: reading failed", run.mailbox)
        failure = StepResult(reader.step, False, Reason.FAILED, Facts(error=f"{type(error).__name__}: {error}"))
    finally:
        await stream.close_and_wait()
    try:
        await remember_seen(panel_db, run.mailbox, run.looked_at, run.on_server, now)
    except sqlite3.Error as error:
        failure = failure or StepResult(Step.STAT, False, Reason.FAILED,
                                        Facts(error=f"cannot remember the messages read: {error}"))
    if failure is not None:
        log.warning("mailbox %s: %s", run.mailbox, describe(failure))
    return run.result(failure)


class _Run:
    """What one run has learnt so far, kept when it ends early."""

    def __init__(self, mailbox: str) -> None:
        self.mailbox = mailbox
        self.on_server: set[str] | None = None  # every UIDL on the server, once listed
        self.looked_at: list[str] = []
        self.found: list[FoundBounces] = []
        self.left = 0

    async def read_new(self, reader: Pop3Reader, seen: set[str]) -> None:
        unique_ids = await reader.unique_ids(LISTING_LIMIT)
        self.on_server = set(unique_ids.values())
        new = sorted((number for number, uidl in unique_ids.items() if uidl not in seen), reverse=True)
        if not new:
            return
        sizes = await reader.sizes(LISTING_LIMIT)
        self.left = max(0, len(new) - MAX_NEW_PER_RUN)
        for number in new[:MAX_NEW_PER_RUN]:
            uidl = unique_ids[number]
            bounces = await _bounces_in(reader, number, sizes.get(number, 0), uidl, self.mailbox)
            self.looked_at.append(uidl)
            if bounces:
                self.found.append(FoundBounces(uidl, tuple(bounces)))

    def result(self, failure: StepResult | None) -> MailboxRead:
        return MailboxRead(self.mailbox, tuple(self.found), len(self.looked_at), self.left, failure)


async def _bounces_in(reader: Pop3Reader, number: int, size: int, uidl: str, mailbox: str) -> list[Bounce]:
    headers = await reader.top(number, 0, HEADER_LIMIT)
    if not might_be_bounce(headers.data):
        return []
    if size <= RETR_LIMIT:
        message = await reader.retr(number, ANSWER_LIMIT)
    else:
        message = await reader.top(number, TOP_LINES, ANSWER_LIMIT)
    try:
        return await asyncio.to_thread(parse_bounce, message.data)
    except Exception:  # the edge of one message: a parser bug must not stop the mailbox
        log.exception("mailbox %s: message %s could not be parsed; taken as not a bounce", mailbox, uidl)
        return []
