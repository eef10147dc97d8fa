"""Handing letters to the relay over one connection: what each reply becomes, and the bytes."""
from daemon.config import Address
from panel.mailing.submission import Login, RelaySubmission, Verdict
from tests.conftest import PASSWORD, SENDER

# Lines that start with a dot, the first line included: stuffed on the wire, unstuffed by the relay.
DOTTED = (
    b".From: " + SENDER.encode() + b"\r\nTo: resident@example.ru\r\nSubject: dots\r\n\r\n"
    b".\r\n..two\r\n. space\r\nend.\r\n"
)


async def relay_and_submission(upstream, make_config, start_relay, password: str = PASSWORD):
    relay = await start_relay(make_config(upstream, upstream__smtp={"username": SENDER}), run_worker=False)
    return relay, RelaySubmission(Address("127.0.0.1", relay.smtp_port), Login(SENDER, password))


async def test_a_letter_arrives_byte_for_byte_with_its_queue_id(upstream, make_config, start_relay):
    relay, submission = await relay_and_submission(upstream, make_config, start_relay)
    try:
        handed = await submission.hand_over(SENDER, "resident@example.ru", DOTTED)
    finally:
        await submission.close()
    assert handed.verdict is Verdict.QUEUED and handed.queue_id and handed.queue_id in handed.reply
    await relay.worker.run_once(1e12)
    [received] = upstream.received
    assert received.content == DOTTED
    assert received.recipients == ["resident@example.ru"]


async def test_a_refused_envelope_leaves_the_connection_for_the_next_letter(upstream, make_config, start_relay):
    relay, submission = await relay_and_submission(upstream, make_config, start_relay)
    try:
        sender = await submission.hand_over("someone.else@example.test", "resident@example.ru", DOTTED)
        recipient = await submission.hand_over(SENDER, "resident@", DOTTED)
        good = await submission.hand_over(SENDER, "resident@example.ru", DOTTED)
    finally:
        await submission.close()
    assert sender.verdict is Verdict.SENDER_REFUSED and sender.reply.startswith("553"), sender
    assert recipient.verdict is Verdict.REFUSED and recipient.reply.startswith("553"), recipient
    assert good.verdict is Verdict.QUEUED, good


async def test_a_wrong_password_is_told_apart(upstream, make_config, start_relay):
    _, submission = await relay_and_submission(upstream, make_config, start_relay, password="wrong-password")
    try:
        handed = await submission.hand_over(SENDER, "resident@example.ru", DOTTED)
    finally:
        await submission.close()
    assert handed.verdict is Verdict.WRONG_PASSWORD and handed.reply.startswith("535"), handed
