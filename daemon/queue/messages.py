"""Queue rows and their states; every state change goes through a function named after it."""
import enum
import re
import secrets
import sqlite3
import time
from collections.abc import Collection
from dataclasses import dataclass

import aiosqlite

from daemon.db.compact import FileSpace, file_space
from daemon.db.connect import Database


class MessageState(enum.StrEnum):
    QUEUED = "queued"        # accepted, not tried yet
    ACTIVE = "active"        # a delivery attempt is in progress
    DEFERRED = "deferred"    # a temporary failure; tried again at next_attempt_at
    HOLD = "hold"            # parked for a person (repeated crashes)
    DELIVERED = "delivered"  # every recipient delivered
    FAILED = "failed"        # at least one recipient failed for good; a bounce was made


class Event(enum.StrEnum):
    """A message_events row that records something other than a move to a MessageState."""

    BOUNCED = "bounced"  # a bounce was written to the sender's local mailbox


class RecipientState(enum.StrEnum):
    PENDING = "pending"
    DEFERRED = "deferred"
    DELIVERED = "delivered"
    FAILED = "failed"


OPEN_RECIPIENT_STATES = (RecipientState.PENDING, RecipientState.DEFERRED)


@dataclass(frozen=True)
class Recipient:
    id: int
    address: str
    state: RecipientState


@dataclass(frozen=True)
class QueuedMessage:
    id: str
    account: str
    sender: str
    size: int
    received_at: float
    attempts: int
    recipients: tuple[Recipient, ...]

    @property
    def open_recipients(self) -> tuple[Recipient, ...]:
        return tuple(r for r in self.recipients if r.state in OPEN_RECIPIENT_STATES)


@dataclass(frozen=True)
class Claim:
    message: QueuedMessage
    content: bytes | None  # None: missing, which only a damaged database can cause


@dataclass(frozen=True)
class NothingDue:
    """A claim that found no message due, and what the same transaction saw of the queue:
    the runner then sleeps without asking again."""

    next_due_at: float | None  # the earliest waiting message's, paused accounts passed by
    space: FileSpace  # whether the file is worth compacting (daemon/db/compact.py)


@dataclass(frozen=True)
class RecipientOutcome:
    """What one attempt decided for one recipient."""

    recipient_id: int
    state: RecipientState
    reply_code: int | None
    reply_text: str


def _event(tx: sqlite3.Connection, message_id: str, now: float, state: MessageState | Event, detail: str) -> None:
    tx.execute(
        "INSERT INTO message_events (message_id, at, state, detail) VALUES (?, ?, ?, ?)",
        (message_id, now, state, detail),
    )


_MESSAGE_ID = re.compile(rb"(?im)^message-id:[ \t]*([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)")
_ANGLE_ADDR = re.compile(rb"<[^<>\s]+>")


def message_id_of(content: bytes) -> str:
    """The Message-ID of a message as sent ("<...>"), or "" when its header has none."""
    end = content.find(b"\r\n\r\n")
    header = content if end < 0 else content[:end + 2]
    field = _MESSAGE_ID.search(header)
    token = _ANGLE_ADDR.search(field[1]) if field else None
    return token[0].decode("ascii", "replace") if token else ""


def new_queue_id() -> str:
    """Time-ordered, unique, short enough to read aloud over the phone."""
    return f"{int(time.time() * 1000):011X}{secrets.token_hex(3).upper()}"


# Each change below is one transaction made in a single trip to the database thread
# (Database.write): the listener and the delivery lanes share one connection.


async def insert_message(
    db: Database,
    *,
    queue_id: str,
    account: str,
    sender: str,
    recipients: list[str],
    content: bytes,
    now: float,
    claim_due_by: float | None = None,
    paused: Collection[str] = (),
) -> Claim | NothingDue | None:
    """Queue a message durably: when this returns, the 250 may be given.

    With ``claim_due_by`` (a delivery lane is free), the same transaction then claims the
    oldest message due by then, as claim_next does: most often this one, whose content
    the claim then carries from memory rather than read back.
    """
    message_id = message_id_of(content)

    def insert(tx: sqlite3.Connection) -> Claim | NothingDue | None:
        tx.execute(
            "INSERT INTO messages (id, state, account, sender, size, received_at, message_id,"
            " next_attempt_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (queue_id, MessageState.QUEUED, account, sender, len(content), now, message_id, now, now),
        )
        tx.executemany(
            "INSERT INTO recipients (message_id, address, state, updated_at) VALUES (?, ?, ?, ?)",
            [(queue_id, address, RecipientState.PENDING, now) for address in recipients],
        )
        tx.execute("INSERT INTO message_contents (message_id, content) VALUES (?, ?)", (queue_id, content))
        _event(tx, queue_id, now, MessageState.QUEUED, f"from {sender} to {', '.join(recipients)}")
        return None if claim_due_by is None else _claim(tx, claim_due_by, paused, (queue_id, content))

    return await db.write(insert)


def _message(row: sqlite3.Row, recipients: list[sqlite3.Row]) -> QueuedMessage:
    return QueuedMessage(
        id=row["id"],
        account=row["account"],
        sender=row["sender"],
        size=row["size"],
        received_at=row["received_at"],
        attempts=row["attempts"],
        recipients=tuple(
            Recipient(r["id"], r["address"], RecipientState(r["state"])) for r in recipients
        ),
    )


def _not_paused(paused: Collection[str]) -> str:
    return f" AND account NOT IN ({','.join('?' * len(paused))})" if paused else ""


def _next_due_at(paused: Collection[str]) -> tuple[str, tuple]:
    return (
        "SELECT MIN(next_attempt_at) FROM messages WHERE state IN (?, ?)" + _not_paused(paused),
        (MessageState.QUEUED, MessageState.DEFERRED, *paused),
    )


async def next_due_at(db: Database, paused: set[str]) -> float | None:
    """When the earliest waiting message falls due, ignoring paused accounts."""
    row = await db.fetchone(*_next_due_at(paused))
    return row[0]


async def claim_next(db: Database, now: float, paused: set[str]) -> Claim | NothingDue:
    """Mark the oldest due message active and being sent, and return it with its content
    (NothingDue if none is).

    The mark is committed before anything goes to the provider, so a crash while the
    message is sent counts against it (recover_active). It is not fsync'd: it only has
    to survive the process, and a power cut that loses it loses no mail; one fsync less
    per message is a third of the database's fsyncs while a batch flows.
    """
    return await db.write(lambda tx: _claim(tx, now, paused), durable=False)


def _claim(
    tx: sqlite3.Connection, now: float, paused: Collection[str], in_hand: tuple[str, bytes] | None = None
) -> Claim | NothingDue:
    """The claim of claim_next; ``in_hand`` is a message's id and content known already."""
    row = tx.execute(
        "UPDATE messages SET state = ?, sending = 1, attempts = attempts + 1, updated_at = ?"
        " WHERE id = (SELECT id FROM messages WHERE state IN (?, ?) AND next_attempt_at <= ?"
        + _not_paused(paused)
        + " ORDER BY next_attempt_at, id LIMIT 1) RETURNING *",
        (MessageState.ACTIVE, now, MessageState.QUEUED, MessageState.DEFERRED, now, *paused),
    ).fetchone()
    if row is None:
        return NothingDue(tx.execute(*_next_due_at(paused)).fetchone()[0], file_space(tx))
    recipients = tx.execute(
        "SELECT id, address, state FROM recipients WHERE message_id = ? ORDER BY id", (row["id"],)
    ).fetchall()
    if in_hand is not None and in_hand[0] == row["id"]:
        return Claim(_message(row, recipients), in_hand[1])
    content = tx.execute("SELECT content FROM message_contents WHERE message_id = ?", (row["id"],)).fetchone()
    return Claim(_message(row, recipients), content[0] if content else None)


async def record_attempt(
    db: Database,
    message: QueuedMessage,
    outcomes: list[RecipientOutcome],
    *,
    now: float,
    next_attempt_at: float,
    reason: str,
    claim_due_by: float | None = None,
    paused: Collection[str] = (),
) -> tuple[MessageState, Claim | NothingDue | None]:
    """Store one attempt's per-recipient outcomes and move the message to the state they imply.

    With ``claim_due_by``, the same transaction then claims the next message due by then
    (as claim_next does, for accounts not ``paused``): a delivery lane makes one trip to
    the database per message instead of two, and takes the next message as soon as the
    last one is recorded.
    """
    states = {r.id: r.state for r in message.recipients}
    states.update({o.recipient_id: o.state for o in outcomes})
    if any(state in OPEN_RECIPIENT_STATES for state in states.values()):
        new_state = MessageState.DEFERRED
    elif any(state is RecipientState.FAILED for state in states.values()):
        new_state = MessageState.FAILED
    else:
        new_state = MessageState.DELIVERED

    def record(tx: sqlite3.Connection) -> Claim | NothingDue | None:
        tx.executemany(
            "UPDATE recipients SET state = ?, reply_code = ?, reply_text = ?, updated_at = ?"
            " WHERE id = ?",
            [(o.state, o.reply_code, o.reply_text, now, o.recipient_id) for o in outcomes],
        )
        tx.execute(
            "UPDATE messages SET state = ?, sending = 0, next_attempt_at = ?, reason = ?,"
            " updated_at = ? WHERE id = ?",
            (new_state, next_attempt_at, reason, now, message.id),
        )
        _event(tx, message.id, now, new_state, reason)
        if new_state in (MessageState.DELIVERED, MessageState.FAILED):
            tx.execute("DELETE FROM message_contents WHERE message_id = ?", (message.id,))
        return None if claim_due_by is None else _claim(tx, claim_due_by, paused)

    return new_state, await db.write(record)


async def hold(db: Database, queue_id: str, now: float, reason: str) -> None:
    def park(tx: sqlite3.Connection) -> None:
        tx.execute(
            "UPDATE messages SET state = ?, sending = 0, reason = ?, updated_at = ? WHERE id = ?",
            (MessageState.HOLD, reason, now, queue_id),
        )
        _event(tx, queue_id, now, MessageState.HOLD, reason)

    await db.write(park)


async def recover_active(
    db: Database, now: float, max_recoveries: int
) -> tuple[list[str], list[str]]:
    """After a crash: claimed messages go back to the queue. One that was being sent
    counts a recovery, and after ``max_recoveries`` of them it is held for a person."""

    def recover(tx: sqlite3.Connection) -> tuple[list[str], list[str]]:
        requeued, held = [], []
        rows = tx.execute(
            "SELECT id, sending, recoveries FROM messages WHERE state = ?", (MessageState.ACTIVE,)
        ).fetchall()
        for row in rows:
            recoveries = row["recoveries"] + row["sending"]
            if recoveries >= max_recoveries:
                state = MessageState.HOLD
                reason = f"held for a person: being sent during {recoveries} unclean shutdowns"
                held.append(row["id"])
            else:
                state, reason = MessageState.DEFERRED, "recovered after an unclean shutdown"
                requeued.append(row["id"])
            tx.execute(
                "UPDATE messages SET state = ?, sending = 0, recoveries = ?, next_attempt_at = ?,"
                " reason = ?, updated_at = ? WHERE id = ?",
                (state, recoveries, now, reason, now, row["id"]),
            )
            _event(tx, row["id"], now, state, reason)
        return requeued, held

    return await db.write(recover)


async def release(db: Database, queue_id: str, now: float) -> bool:
    """A person releases a held message back into the queue."""

    def unpark(tx: sqlite3.Connection) -> bool:
        cursor = tx.execute(
            "UPDATE messages SET state = ?, recoveries = 0, next_attempt_at = ?, reason = '',"
            " updated_at = ? WHERE id = ? AND state = ?",
            (MessageState.DEFERRED, now, now, queue_id, MessageState.HOLD),
        )
        if cursor.rowcount != 1:
            return False
        _event(tx, queue_id, now, MessageState.DEFERRED, "released by a person")
        return True

    return await db.write(unpark)


async def unfinished(db: Database) -> list[aiosqlite.Row]:
    """Messages not yet delivered or failed, oldest first: what `epd-relay queue list` shows."""
    return await db.fetchall(
        "SELECT id, state, sender, attempts, received_at, next_attempt_at, reason FROM messages"
        " WHERE state NOT IN (?, ?) ORDER BY received_at, id",
        (MessageState.DELIVERED, MessageState.FAILED),
    )


async def count_by_state(db: Database) -> dict[MessageState, int]:
    """How many messages are in each state (the panel's start page)."""
    rows = await db.fetchall("SELECT state, COUNT(*) FROM messages GROUP BY state")
    return {MessageState(row[0]): row[1] for row in rows}


async def note_bounce(db: Database, queue_id: str, now: float, detail: str) -> None:
    """A bounce was written for a failed message's sender."""
    await db.write(lambda tx: _event(tx, queue_id, now, Event.BOUNCED, detail))


@dataclass(frozen=True)
class RecipientRecord:
    address: str
    state: RecipientState
    reply_code: int | None
    reply_text: str


@dataclass(frozen=True)
class MessageRecord:
    """What became of a queued message, for a sender that keeps its own journal."""

    queue_id: str
    message_id: str
    state: MessageState
    reason: str
    next_attempt_at: float
    updated_at: float
    recipients: tuple[RecipientRecord, ...]


async def records(db: Database, queue_ids: Collection[str]) -> dict[str, MessageRecord]:
    """The messages of these queue ids (those still known), by queue id."""
    return await _records(db, "m.id", list(queue_ids))


async def records_by_message_id(db: Database, message_ids: Collection[str]) -> dict[str, MessageRecord]:
    """The messages accepted with these Message-IDs, by Message-ID (the latest where several)."""
    found = await _records(db, "m.message_id", [mid for mid in message_ids if mid])
    return {record.message_id: record for record in sorted(found.values(), key=lambda r: r.updated_at)}


async def _records(db: Database, column: str, keys: list[str]) -> dict[str, MessageRecord]:
    found: dict[str, MessageRecord] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        rows = await db.fetchall(
            "SELECT m.id, m.message_id, m.state, m.reason, m.next_attempt_at, m.updated_at,"
            " r.address, r.state AS recipient_state, r.reply_code, r.reply_text"
            f" FROM messages m JOIN recipients r ON r.message_id = m.id WHERE {column} IN"
            f" ({', '.join('?' * len(chunk))}) ORDER BY m.id, r.id",
            chunk,
        )
        grouped: dict[str, list] = {}
        for row in rows:
            grouped.setdefault(row["id"], []).append(row)
        for queue_id, group in grouped.items():
            first = group[0]
            found[queue_id] = MessageRecord(
                queue_id, first["message_id"], MessageState(first["state"]), first["reason"],
                first["next_attempt_at"], first["updated_at"],
                tuple(RecipientRecord(r["address"], RecipientState(r["recipient_state"]), r["reply_code"],
                                      r["reply_text"]) for r in group),
            )
    return found
