"""What became of a queued message, as a sender with its own journal asks: by queue id or Message-ID."""
import pytest

from daemon.db.connect import opened
from daemon.db.migrate import Schema
from daemon.queue import messages
from daemon.queue.messages import MessageState, RecipientOutcome, RecipientState, message_id_of


@pytest.fixture
async def db(tmp_path):
    async with opened(tmp_path / "relay.db", Schema.RELAY) as database:
        yield database


@pytest.mark.parametrize("header, expected", [
    (b"Message-ID: <epd.1@uk.example.ru>\r\n", "<epd.1@uk.example.ru>"),
    (b"message-id:<lower@x.ru>\r\n", "<lower@x.ru>"),
    (b"Message-Id:\r\n <folded@x.ru>\r\n", "<folded@x.ru>"),
    (b"Subject: no id here\r\n", ""),
])
def test_the_message_id_is_read_from_the_header_only(header, expected):
    content = b"From: a@x.ru\r\n" + header + b"\r\nMessage-ID: <in-the-body@x.ru>\r\n"
    assert message_id_of(content) == expected


async def insert(db, queue_id: str, message_id: str) -> None:
    await messages.insert_message(
        db, queue_id=queue_id, account="a@example.test", sender="a@example.test",
        recipients=["resident@example.ru"], content=f"Message-ID: {message_id}\r\n\r\nbody\r\n".encode(),
        now=100.0,
    )


async def test_a_message_is_found_by_its_message_id_with_its_outcome(db):
    await insert(db, "Q1", "<epd.1@uk.example.ru>")
    await insert(db, "Q2", "<epd.2@uk.example.ru>")
    claim = await messages.claim_next(db, now=200.0, paused=set())
    [recipient] = claim.message.recipients
    await messages.record_attempt(
        db, claim.message, [RecipientOutcome(recipient.id, RecipientState.DELIVERED, 250, "2.0.0 Ok: queued")],
        now=201.0, next_attempt_at=201.0, reason="",
    )
    found = await messages.records_by_message_id(db, ["<epd.1@uk.example.ru>", "<nobody@x.ru>", ""])
    assert list(found) == ["<epd.1@uk.example.ru>"]
    record = found["<epd.1@uk.example.ru>"]
    assert (record.queue_id, record.state) == ("Q1", MessageState.DELIVERED)
    [outcome] = record.recipients
    assert (outcome.address, outcome.state, outcome.reply_code) == ("resident@example.ru", RecipientState.DELIVERED, 250)
    by_queue_id = await messages.records(db, ["Q2", "Q9"])
    assert list(by_queue_id) == ["Q2"] and by_queue_id["Q2"].state is MessageState.QUEUED
