"""parse_bounce against bounces as Yandex, mail.ru, Gmail, Postfix, Exim and qmail send them
(tests/fixtures/bounces/, see its README), and against mail that is not a bounce."""
from pathlib import Path

import pytest

from daemon.delivery.bounce import FailedRecipient, make_bounce
from daemon.queue.messages import QueuedMessage
from panel.mailing.dsn import Action, Bounce, might_be_bounce, parse_bounce

FIXTURES = Path(__file__).parents[2] / "fixtures" / "bounces"


def failed(message_id, recipient, status, diagnostic, permanent=True) -> Bounce:
    return Bounce(message_id, recipient, Action.FAILED, status, diagnostic, permanent)


def delayed(message_id, recipient, status, diagnostic) -> Bounce:
    return Bounce(message_id, recipient, Action.DELAYED, status, diagnostic, permanent=False)


EXPECTED = {
    # RFC 3464 with a Russian and English notification, the original attached (Yandex).
    "yandex-user-unknown.eml": [failed(
        "<20240702071405.1001.0000000001001@epd-relay.example.ru>", "petrova.an@example.ru", "5.1.1",
        "550 5.1.1 <petrova.an@example.ru>: Recipient address rejected: User unknown in virtual mailbox table",
    )],
    "yandex-two-recipients.eml": [
        failed("<8F3CE2D8-D60E-48C3-B9AF-BED628EE2CA5@Example.ru>", "ivanov.ii@inbox.example.ru", "5.2.2",
               "552 5.2.2 <ivanov.ii@inbox.example.ru>... Mailbox full"),
        failed("<8F3CE2D8-D60E-48C3-B9AF-BED628EE2CA5@Example.ru>", "sidorov@inbox.example.ru", "5.1.1",
               "550 5.1.1 <sidorov@inbox.example.ru>... User unknown"),
    ],
    # Given up after days of timeouts: not delivered, but nothing wrong with the address.
    "yandex-gave-up-after-timeouts.eml": [failed(
        "<20240902074007.2214.0000000002214@epd-relay.example.ru>", "kuznetsova@dacha.example.ru", "4.4.1",
        "connect to mail.dacha.example.ru[198.51.100.79]:25: Connection timed out", permanent=False,
    )],
    # The notification text alone, base64, with the original (constructed: see README).
    "yandex-notification-without-report.eml": [failed(
        "<20240710090029.1077.0000000001077@epd-relay.example.ru>", "novikova@example.ru", "5.7.1",
        "550 5.7.1 Service unavailable; Client host [192.0.2.41] blocked using bl.example.net",
    )],
    # mail.ru: Exim's text/plain with a Russian preface; its Russian list names the local part only.
    "mailru-user-unknown.eml": [failed(
        "<20240703061238.1044.0000000001044@epd-relay.example.ru>", "smirnov.pv@example.ru", "5.1.1",
        "550 5.1.1 <smirnov.pv@example.ru>: Recipient address rejected: User unknown",
    )],
    "mailru-two-recipients.eml": [
        failed("<20240715083634.3107.0000000003107@epd-relay.example.ru>", "volkova.ea@example.ru", "5.2.2",
               "552 5.2.2 <volkova.ea@example.ru>: Mailbox is full"),
        failed("<20240715083634.3107.0000000003107@epd-relay.example.ru>", "dom5-kv17@dacha.example.ru", "",
               "retry timeout exceeded"),
    ],
    # Gmail's "Delivery Status Notification (Failure)" is RFC 3464; a multi-line reply joined.
    "gmail-address-not-found.eml": [failed(
        "<CAF=k9mU3QzvXq7rB0pN-2d5Lw1hJ7sTnQbYxE4e_Gd8oRk1Zpg@mail.gmail.com>", "orlova.ta@dom.example.ru", "5.1.1",
        "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the"
        " recipient's email address for typos or unnecessary spaces. For more information, go to"
        " https://support.google.com/mail/?p=NoSuchUser a640c23a62f3a-a7acab2f0c1sor1048221566b.3 - gsmtp",
    )],
    # Gmail returns no headers with a delay: the original is named by X-Original-Message-ID.
    "gmail-delayed.eml": [delayed(
        "<CAF=k9mXr2b1L0a7mQ8Tz4v6WcN3sKdP5yHgJ2eRu9oBq1Lx7Vw@mail.gmail.com>", "fedorov@dacha.example.ru", "4.4.1",
        "The recipient server did not accept our requests to connect. For more information, go to"
        " https://support.google.com/mail/answer/7720 [mail.dacha.example.ru 198.51.100.79: timed out]",
    )],
    "gmail-2014-failed-permanently.eml": [failed(
        "<20140718073100.0712.0000000000712@epd-relay.example.ru>", "zaitsev.nik@example.ru", "5.1.1",
        "550 5.1.1 <zaitsev.nik@example.ru>... User Unknown",
    )],
    "postfix-user-unknown.eml": [failed(
        "<20240701110638.1012.0000000001012@epd-relay.example.ru>", "kv12@tszh-rassvet.example.ru", "5.1.1",
        "550 5.1.1 <kv12@tszh-rassvet.example.ru>: Recipient address rejected: User unknown in virtual mailbox table",
    )],
    "postfix-delayed.eml": [delayed(
        "<20240701110640.1019.0000000001019@epd-relay.example.ru>", "belova@dacha.example.ru", "4.4.1",
        "connect to mail.dacha.example.ru[198.51.100.79]:25: Connection timed out",
    )],
    # Postfix before 2.3: no report; an alias names the address the message was sent to.
    "postfix-old-plain.eml": [
        failed("<8EF96F3F-377B-4E4D-9F3C-54EE1924B2BA@example.ru>", "kv7@zhk-sever.example.ru", "5.0.0",
               "550 <kv7@zhk-sever.example.ru>: User unknown"),
        failed("<8EF96F3F-377B-4E4D-9F3C-54EE1924B2BA@example.ru>", "kv9-owner@zhk-sever.example.ru", "",
               "Name service error for domain zhk-sever.example.ru: Host not found, try again"),
    ],
    "exim-two-recipients.eml": [
        failed("<20240711133138.2001.0000000002001@epd-relay.example.ru>", "kv3@tsn-lesnoe.example.ru", "5.1.1",
               "550 5.1.1 <kv3@tsn-lesnoe.example.ru>... User Unknown"),
        failed("<20240711133138.2001.0000000002001@epd-relay.example.ru>", "kv4@tsn-lesnoe.example.ru", "5.7.1",
               "550 5.7.1 Mailbox disabled for this recipient - see https://postmaster.tsn-lesnoe.example.ru/disabled"),
    ],
    # The original had no Message-ID: a bounce, but nothing to match it with.
    "exim-headers-only-no-message-id.eml": [failed(
        None, "sokolov@example.ru", "5.3.4", "552 5.3.4 Message size exceeds fixed maximum message size",
    )],
    # Exim's warning returns nothing of the message; its References name it.
    "exim-delay-warning.eml": [delayed(
        "<20240712133140.2002.0000000002002@epd-relay.example.ru>", "morozova@dacha.example.ru", "4.7.1",
        "451 4.7.1 Greylisting in action, please come back later",
    )],
    "qmail-two-recipients.eml": [
        failed("<20240701083039.3001.0000000003001@epd-relay.example.ru>", "kv21@zhk-yug.example.ru", "5.1.1",
               "550 5.1.1 <kv21@zhk-yug.example.ru>... User Unknown"),
        failed("<20240701083039.3001.0000000003001@epd-relay.example.ru>", "kv22@zhk-yug.example.ru", "5.5.0",
               "550 Unknown user kv22@zhk-yug.example.ru . (#5.5.0)"),
    ],
    # Not bounces: an auto-reply (Auto-Submitted: auto-replied, like every bounce above), a
    # read receipt (multipart/report, but no delivery status), a resident's reply in the words
    # of a bounce.
    "not-bounce-vacation-autoreply.eml": [],
    "not-bounce-read-receipt.eml": [],
    "not-bounce-resident-reply.eml": [],
}


def test_every_fixture_has_its_expectation():
    assert sorted(path.name for path in FIXTURES.glob("*.eml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_the_expected_bounces(name):
    raw = (FIXTURES / name).read_bytes()
    assert parse_bounce(raw) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_line_endings_as_pop3_gives_them_change_nothing(name):
    raw = (FIXTURES / name).read_bytes().replace(b"\n", b"\r\n")
    assert parse_bounce(raw) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_header_block_says_whether_to_read_the_whole_message(name):
    raw = (FIXTURES / name).read_bytes()
    headers = raw.split(b"\n\n", 1)[0] + b"\n\n"
    assert might_be_bounce(headers) == bool(EXPECTED[name])


def test_failed_and_delayed_say_whether_the_message_bounced():
    [gave_up] = EXPECTED["yandex-gave-up-after-timeouts.eml"]
    [warning] = EXPECTED["postfix-delayed.eml"]
    assert gave_up.bounced and not gave_up.permanent
    assert not warning.bounced and not warning.permanent


def test_the_relays_own_report_is_read_and_without_a_message_id_matches_nothing():
    queued = QueuedMessage("Q1", "uk-okean@example.ru", "uk-okean@example.ru", 100, 0.0, 1, ())
    original = b"From: uk-okean@example.ru\r\nTo: a@example.ru\r\nSubject: x\r\n\r\nbody\r\n"
    report = make_bounce(queued, [FailedRecipient("a@example.ru", 550, "5.1.1 <a@example.ru>: User unknown")], original)
    assert parse_bounce(report) == [failed(None, "a@example.ru", "5.1.1", "5.1.1 <a@example.ru>: User unknown")]

    with_id = b"Message-ID: <Doc-7@Example.ru>\r\n" + original
    [bounce] = parse_bounce(make_bounce(queued, [FailedRecipient("a@example.ru", 550, "User unknown")], with_id))
    assert bounce.message_id == "<Doc-7@Example.ru>" and bounce.status == "5.0.0"


def test_a_success_notice_is_not_a_bounce():
    raw = (FIXTURES / "postfix-user-unknown.eml").read_bytes().replace(b"Action: failed", b"Action: delivered")
    assert parse_bounce(raw) == []


@pytest.mark.parametrize("raw", [
    b"",
    b"\x00\xff\xfe garbage\n\n\x80",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x\n"
    b"Content-Type: message/delivery-status\n\nAction failed\n\n--x--\n",
    b"From: MAILER-DAEMON@example.ru\nContent-Type: text/plain; charset=no-such-charset\n\n\xff\xfe\n",
])
def test_malformed_mail_is_not_a_bounce_and_does_not_raise(raw):
    assert parse_bounce(raw) == []


def test_eight_bit_bytes_in_the_returned_headers_do_not_stop_it():
    raw = (FIXTURES / "postfix-user-unknown.eml").read_bytes().replace(
        b"Message-ID: <20240701110638.1012.0000000001012@epd-relay.example.ru>",
        "Message-ID: <счет-1012@epd-relay.example.ru>".encode("utf-8"),
    )
    [bounce] = parse_bounce(raw)
    assert bounce.recipient == "kv12@tszh-rassvet.example.ru"
    assert bounce.message_id == "<счет-1012@epd-relay.example.ru>"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_message_cut_anywhere_does_not_raise(name):
    raw = (FIXTURES / name).read_bytes()
    for end in range(0, len(raw), 41):
        assert isinstance(parse_bounce(raw[:end]), list)
