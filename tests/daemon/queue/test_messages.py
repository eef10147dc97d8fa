"""The queue: claims oldest first, records, crashes and holds, and the space a backlog leaves."""
import sqlite3

from unittest.mock import ANY

import pytest

from daemon.db.compact import compact_if_mostly_free
from daemon.db.connect import opened
from daemon.db.migrate import Schema, migrations
from daemon.queue import messages
from daemon.queue.messages import MessageState


@pytest.fixture
async def db(tmp_path):
    async with opened(tmp_path / "relay.db", Schema.RELAY) as database:
        yield database


CONTENT = b"Subject: a\r\n\r\nb\r\n"


async def insert(db, queue_id: str = "Q1") -> None:
    await messages.insert_message(
        db, queue_id=queue_id, account="a@example.test", sender="a@example.test",
        recipients=["r1@example.ru", "r2@example.ru"], content=CONTENT, now=100.0,
    )


async def state_of(db, queue_id: str = "Q1") -> MessageState:
    row = await db.fetchone("SELECT state FROM messages WHERE id = ?", (queue_id,))
    return MessageState(row[0])


async def test_active_message_returns_to_queue_then_is_held_after_repeated_crashes(db):
    await insert(db)
    for crash in range(1, 4):
        claimed = (await messages.claim_next(db, now=200.0 * crash, paused=set())).message
        assert claimed.id == "Q1" and claimed.attempts == crash
        requeued, held = await messages.recover_active(db, now=200.0 * crash + 1, max_recoveries=3)
        if crash < 3:
            assert requeued == ["Q1"] and held == []
            assert await state_of(db) is MessageState.DEFERRED
        else:
            assert requeued == [] and held == ["Q1"]
    assert await state_of(db) is MessageState.HOLD
    assert await messages.claim_next(db, now=10_000.0, paused=set()) == messages.NothingDue(None, ANY)
    assert await messages.release(db, "Q1", now=10_001.0)
    claim = await messages.claim_next(db, now=10_002.0, paused=set())
    assert claim.message.id == "Q1" and claim.content == CONTENT


async def test_a_crash_counts_only_against_the_message_being_sent(db):
    await insert(db, "Q1")
    await insert(db, "Q2")
    await messages.claim_next(db, now=200.0, paused=set())
    await messages.recover_active(db, now=201.0, max_recoveries=3)
    rows = await db.fetchall("SELECT id, state, recoveries FROM messages ORDER BY id")
    assert [tuple(r) for r in rows] == [("Q1", "deferred", 1), ("Q2", "queued", 0)]


async def test_claims_come_oldest_first_and_only_when_due(db):
    await insert(db, "Q2")
    await db.execute("UPDATE messages SET next_attempt_at = 50 WHERE id = 'Q2'")
    await insert(db, "Q1")
    await db.execute("UPDATE messages SET next_attempt_at = 300 WHERE id = 'Q1'")
    claimed = (await messages.claim_next(db, now=200.0, paused=set())).message
    assert claimed.id == "Q2" and [r.address for r in claimed.recipients] == ["r1@example.ru", "r2@example.ru"]
    # Nothing due: the claim says when the next message will be, for the runner to sleep on.
    assert await messages.claim_next(db, now=200.0, paused=set()) == messages.NothingDue(300.0, ANY)
    assert (await messages.claim_next(db, now=300.0, paused=set())).message.id == "Q1"
    rows = await db.fetchall("SELECT id, state, sending, attempts FROM messages ORDER BY id")
    assert [tuple(r) for r in rows] == [("Q1", "active", 1, 1), ("Q2", "active", 1, 1)]


async def test_a_record_can_claim_the_next_due_message_in_the_same_transaction(db):
    for queue_id in ("Q1", "Q2", "Q3"):
        await insert(db, queue_id)
    await db.execute("UPDATE messages SET account = 'b@example.test' WHERE id = 'Q2'")
    first = (await messages.claim_next(db, now=200.0, paused=set())).message
    delivered = [
        messages.RecipientOutcome(r.id, messages.RecipientState.DELIVERED, 250, "250 ok") for r in first.recipients
    ]
    state, claim = await messages.record_attempt(
        db, first, delivered, now=201.0, next_attempt_at=201.0, reason="",
        claim_due_by=201.0, paused={"b@example.test"},
    )
    assert state is MessageState.DELIVERED
    assert claim.message.id == "Q3" and claim.content == CONTENT  # Q2's account is paused
    rows = await db.fetchall("SELECT id, state, sending FROM messages ORDER BY id")
    assert [tuple(r) for r in rows] == [("Q1", "delivered", 0), ("Q2", "queued", 0), ("Q3", "active", 1)]
    assert await db.fetchall("SELECT message_id FROM message_contents WHERE message_id = 'Q1'") == []
    # Without claim_due_by the record claims nothing.
    state, claim = await messages.record_attempt(
        db, claim.message, [], now=202.0, next_attempt_at=500.0, reason="451 later",
    )
    assert (state, claim) == (MessageState.DEFERRED, None)


async def test_paused_accounts_are_not_claimed(db):
    await insert(db)
    assert await messages.claim_next(db, now=200.0, paused={"a@example.test"}) == messages.NothingDue(None, ANY)
    assert await messages.next_due_at(db, {"a@example.test"}) is None
    assert await messages.next_due_at(db, set()) == 100.0


async def test_migrations_are_recorded(db):
    row = await db.fetchone("PRAGMA user_version")
    assert row[0] == len(migrations(Schema.RELAY)) >= 1
    mode = await db.fetchone("PRAGMA journal_mode")
    assert mode[0] == "wal"



async def test_every_commit_is_fsynced(db):
    await insert(db)
    await messages.claim_next(db, now=200.0, paused=set())
    assert (await db.fetchone("PRAGMA synchronous"))[0] == 2  # FULL


async def test_a_drained_backlog_gives_its_space_back_to_the_disk(db, tmp_path):
    content = b"Subject: a\r\n\r\n" + b"QUJD" * 50_000 + b"\r\n"  # 200 KB
    for n in range(120):  # 24 MB queued, as during a provider outage
        await messages.insert_message(
            db, queue_id=f"Q{n}", account="a@example.test", sender="a@example.test",
            recipients=["r@example.ru"], content=content, now=100.0,
        )
    assert await compact_if_mostly_free(db) is None  # all of it is mail still to send
    while isinstance(claim := await messages.claim_next(db, now=200.0, paused=set()), messages.Claim):
        [recipient] = claim.message.recipients
        await messages.record_attempt(
            db, claim.message, [messages.RecipientOutcome(recipient.id, messages.RecipientState.DELIVERED, 250, "ok")],
            now=201.0, next_attempt_at=201.0, reason="",
        )
    size_before = (tmp_path / "relay.db").stat().st_size
    before, after = await compact_if_mostly_free(db)
    assert before >= 24_000_000 > 2_000_000 > after
    assert (tmp_path / "relay.db").stat().st_size == after < size_before
    assert len(await db.fetchall("SELECT id FROM messages WHERE state = 'delivered'")) == 120
    assert await compact_if_mostly_free(db) is None  # nothing left to give back
    assert claim.space.mostly_free  # the empty claim saw what the runner compacts on
    assert (await messages.claim_next(db, now=300.0, paused=set())).space.free == 0


async def test_a_compaction_that_cannot_take_the_lock_is_skipped_not_fatal(db, tmp_path, caplog):
    content = b"Subject: a\r\n\r\n" + b"QUJD\r\n" * 40_000
    for n in range(80):
        await messages.insert_message(
            db, queue_id=f"Q{n}", account="a@example.test", sender="a@example.test",
            recipients=["r@example.ru"], content=content, now=100.0,
        )
    await db.execute("DELETE FROM message_contents")
    await db.execute("PRAGMA busy_timeout = 100")
    other = sqlite3.connect(tmp_path / "relay.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    try:
        assert await compact_if_mostly_free(db) is None
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "database compaction skipped, will try again when idle: database is locked" in caplog.text
    assert await compact_if_mostly_free(db) is not None
