"""Queue rows and their states; every state change goes through a function named after it."""
import enum
import secrets
import time
from dataclasses import dataclass

import aiosqlite

from daemon.db.connect import Database


class MessageState(enum.StrEnum):
    QUEUED = "queued"        # accepted, not tried yet
    ACTIVE = "active"        # a delivery attempt is in progress
    DEFERRED = "deferred"    # a temporary failure; tried again at next_attempt_at
    HOLD = "hold"            # parked for a person (repeated crashes)
    DELIVERED = "delivered"  # every recipient delivered
    FAILED = "failed"        # at least one recipient failed for good; a bounce was made


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
class RecipientOutcome:
    """What one attempt decided for one recipient."""

    recipient_id: int
    state: RecipientState
    reply_code: int | None
    reply_text: str


async def _event(tx: aiosqlite.Connection, message_id: str, now: float, state: str, detail: str) -> None:
    await tx.execute(
        "INSERT INTO message_events (message_id, at, state, detail) VALUES (?, ?, ?, ?)",
        (message_id, now, state, detail),
    )


def new_queue_id() -> str:
    """Time-ordered, unique, short enough to read aloud over the phone."""
    return f"{int(time.time() * 1000):011X}{secrets.token_hex(3).upper()}"


async def insert_message(
    db: Database,
    *,
    queue_id: str,
    account: str,
    sender: str,
    recipients: list[str],
    content: bytes,
    now: float,
) -> None:
    """Queue a message durably: when this returns, the 250 may be given."""
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO messages (id, state, account, sender, size, received_at,"
            " next_attempt_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (queue_id, MessageState.QUEUED, account, sender, len(content), now, now, now),
        )
        await tx.executemany(
            "INSERT INTO recipients (message_id, address, state, updated_at) VALUES (?, ?, ?, ?)",
            [(queue_id, address, RecipientState.PENDING, now) for address in recipients],
        )
        await tx.execute(
            "INSERT INTO message_contents (message_id, content) VALUES (?, ?)", (queue_id, content)
        )
        await _event(tx, queue_id, now, MessageState.QUEUED, f"from {sender} to {', '.join(recipients)}")


def _message(row: aiosqlite.Row, recipients: list[aiosqlite.Row]) -> QueuedMessage:
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


async def _recipients(db: Database, queue_id: str) -> list[aiosqlite.Row]:
    return await db.fetchall(
        "SELECT id, address, state FROM recipients WHERE message_id = ? ORDER BY id", (queue_id,)
    )


def _not_paused(paused: set[str]) -> str:
    return f" AND account NOT IN ({','.join('?' * len(paused))})" if paused else ""


async def next_due_at(db: Database, paused: set[str]) -> float | None:
    """When the earliest waiting message falls due, ignoring paused accounts."""
    row = await db.fetchone(
        "SELECT MIN(next_attempt_at) FROM messages WHERE state IN (?, ?)" + _not_paused(paused),
        (MessageState.QUEUED, MessageState.DEFERRED, *paused),
    )
    return row[0]


async def claim_next(db: Database, now: float, paused: set[str]) -> QueuedMessage | None:
    """Mark the oldest due message active and being sent, and return it.

    One statement: the mark is committed before anything goes to the provider, so a
    crash while the message is sent counts against it (recover_active).
    """
    rows = await db.execute_returning(
        "UPDATE messages SET state = ?, sending = 1, attempts = attempts + 1, updated_at = ?"
        " WHERE id = (SELECT id FROM messages WHERE state IN (?, ?) AND next_attempt_at <= ?"
        + _not_paused(paused)
        + " ORDER BY next_attempt_at, id LIMIT 1) RETURNING *",
        (MessageState.ACTIVE, now, MessageState.QUEUED, MessageState.DEFERRED, now, *paused),
    )
    if not rows:
        return None
    return _message(rows[0], await _recipients(db, rows[0]["id"]))


async def content_of(db: Database, queue_id: str) -> bytes | None:
    row = await db.fetchone("SELECT content FROM message_contents WHERE message_id = ?", (queue_id,))
    return row[0] if row else None


async def record_attempt(
    db: Database,
    message: QueuedMessage,
    outcomes: list[RecipientOutcome],
    *,
    now: float,
    next_attempt_at: float,
    reason: str,
) -> MessageState:
    """Store one attempt's per-recipient outcomes and move the message to the state they imply."""
    states = {r.id: r.state for r in message.recipients}
    states.update({o.recipient_id: o.state for o in outcomes})
    if any(state in OPEN_RECIPIENT_STATES for state in states.values()):
        new_state = MessageState.DEFERRED
    elif any(state is RecipientState.FAILED for state in states.values()):
        new_state = MessageState.FAILED
    else:
        new_state = MessageState.DELIVERED
    async with db.transaction() as tx:
        await tx.executemany(
            "UPDATE recipients SET state = ?, reply_code = ?, reply_text = ?, updated_at = ?"
            " WHERE id = ?",
            [(o.state, o.reply_code, o.reply_text, now, o.recipient_id) for o in outcomes],
        )
        await tx.execute(
            "UPDATE messages SET state = ?, sending = 0, next_attempt_at = ?, reason = ?,"
            " updated_at = ? WHERE id = ?",
            (new_state, next_attempt_at, reason, now, message.id),
        )
        await _event(tx, message.id, now, new_state, reason)
        if new_state in (MessageState.DELIVERED, MessageState.FAILED):
            await tx.execute("DELETE FROM message_contents WHERE message_id = ?", (message.id,))
    return new_state


async def hold(db: Database, queue_id: str, now: float, reason: str) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE messages SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
            (MessageState.HOLD, reason, now, queue_id),
        )
        await _event(tx, queue_id, now, MessageState.HOLD, reason)


async def recover_active(
    db: Database, now: float, max_recoveries: int
) -> tuple[list[str], list[str]]:
    """After a crash: claimed messages go back to the queue. The one that was being sent
    counts a recovery, and after ``max_recoveries`` of them it is held for a person."""
    requeued, held = [], []
    async with db.transaction() as tx:
        async with tx.execute(
            "SELECT id, sending, recoveries FROM messages WHERE state = ?", (MessageState.ACTIVE,)
        ) as cursor:
            rows = list(await cursor.fetchall())
        for row in rows:
            recoveries = row["recoveries"] + row["sending"]
            if recoveries >= max_recoveries:
                state = MessageState.HOLD
                reason = f"held for a person: being sent during {recoveries} unclean shutdowns"
                held.append(row["id"])
            else:
                state, reason = MessageState.DEFERRED, "recovered after an unclean shutdown"
                requeued.append(row["id"])
            await tx.execute(
                "UPDATE messages SET state = ?, sending = 0, recoveries = ?, next_attempt_at = ?,"
                " reason = ?, updated_at = ? WHERE id = ?",
                (state, recoveries, now, reason, now, row["id"]),
            )
            await _event(tx, row["id"], now, state, reason)
    return requeued, held


async def release(db: Database, queue_id: str, now: float) -> bool:
    """A person releases a held message back into the queue."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE messages SET state = ?, recoveries = 0, next_attempt_at = ?, reason = '',"
            " updated_at = ? WHERE id = ? AND state = ?",
            (MessageState.DEFERRED, now, now, queue_id, MessageState.HOLD),
        )
        released = cursor.rowcount == 1
        if released:
            await _event(tx, queue_id, now, MessageState.DEFERRED, "released by a person")
    return released


async def unfinished(db: Database) -> list[aiosqlite.Row]:
    """Messages not yet delivered or failed, oldest first: what `epd-relay queue list` shows."""
    return await db.fetchall(
        "SELECT id, state, sender, attempts, received_at, next_attempt_at, reason FROM messages"
        " WHERE state NOT IN (?, ?) ORDER BY received_at, id",
        (MessageState.DELIVERED, MessageState.FAILED),
    )
