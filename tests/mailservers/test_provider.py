"""The real-provider harness works with stock Python mail clients.

The provider is session-scoped and its Maildir is shared, so every test counts
relative to what was there before and finds its own messages by a unique marker.
"""

from __future__ import annotations

import imaplib
import poplib
import smtplib
import uuid
from email.message import EmailMessage

import pytest

from tests.mailservers.fixtures import PROVIDER_USERS, real_provider  # noqa: F401
from tests.mailservers.provider import RealProvider

pytestmark = pytest.mark.postfix

LOGIN = "sender@example.test"
PASSWORD = PROVIDER_USERS[LOGIN]


def make_message(recipients: list[str]) -> tuple[EmailMessage, bytes]:
    marker = f"marker-{uuid.uuid4()}"
    message = EmailMessage()
    message["From"] = "Billing <billing@housing.example>"
    message["To"] = ", ".join(recipients)
    message["Subject"] = marker
    message.set_content("Your invoice is attached.\n")
    return message, marker.encode()


def delivered_with(provider: RealProvider, marker: bytes, count: int, before: int) -> list[bytes]:
    messages = provider.wait_for_delivered(before + count)
    return [m for m in messages if marker in m]


def test_smtps_delivers_to_every_recipient(real_provider: RealProvider) -> None:  # noqa: F811
    recipients = ["tenant-1@mieter.example", "tenant-2@other.example"]
    message, marker = make_message(recipients)
    before = len(real_provider.delivered())

    with smtplib.SMTP_SSL(
        real_provider.host, real_provider.smtps_port, context=real_provider.client_ssl_context()
    ) as smtp:
        smtp.login(LOGIN, PASSWORD)
        # Any envelope sender is accepted from an authenticated user.
        smtp.send_message(message, from_addr="bounces@housing.example", to_addrs=recipients)

    mine = delivered_with(real_provider, marker, 2, before)
    assert len(mine) == 2
    delivered_to = sorted(m.split(b"Delivered-To: ")[1].split(b"\n")[0].strip() for m in mine)
    assert delivered_to == [r.encode() for r in recipients]
    assert all(b"Return-Path: <bounces@housing.example>" in m for m in mine)


def test_smtps_allows_large_messages(real_provider: RealProvider) -> None:  # noqa: F811
    with smtplib.SMTP_SSL(
        real_provider.host, real_provider.smtps_port, context=real_provider.client_ssl_context()
    ) as smtp:
        smtp.ehlo()
        assert int(smtp.esmtp_features["size"]) >= 60 * 1024 * 1024


def test_submission_offers_auth_only_after_starttls(real_provider: RealProvider) -> None:  # noqa: F811
    message, marker = make_message(["tenant@mieter.example"])
    before = len(real_provider.delivered())

    with smtplib.SMTP(real_provider.host, real_provider.submission_port) as smtp:
        smtp.ehlo()
        assert smtp.has_extn("starttls")
        assert not smtp.has_extn("auth")
        smtp.starttls(context=real_provider.client_ssl_context())
        smtp.ehlo()
        assert "PLAIN" in smtp.esmtp_features["auth"].split()
        smtp.login(LOGIN, PASSWORD)
        smtp.send_message(message)

    assert len(delivered_with(real_provider, marker, 1, before)) == 1


def test_submission_refuses_unauthenticated_mail(real_provider: RealProvider) -> None:  # noqa: F811
    message, _ = make_message(["tenant@mieter.example"])
    with smtplib.SMTP(real_provider.host, real_provider.submission_port) as smtp:
        smtp.starttls(context=real_provider.client_ssl_context())
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.send_message(message)


def test_wrong_password_is_refused_with_535(real_provider: RealProvider) -> None:  # noqa: F811
    with smtplib.SMTP_SSL(
        real_provider.host, real_provider.smtps_port, context=real_provider.client_ssl_context()
    ) as smtp:
        with pytest.raises(smtplib.SMTPAuthenticationError) as excinfo:
            smtp.login(LOGIN, "wrong-password")
    assert excinfo.value.smtp_code == 535


def test_plain_smtp_port_offers_neither_starttls_nor_auth(real_provider: RealProvider) -> None:  # noqa: F811
    with smtplib.SMTP(real_provider.host, real_provider.plain_smtp_port) as smtp:
        code, _ = smtp.ehlo()
        assert code == 250
        assert not smtp.has_extn("starttls")
        assert not smtp.has_extn("auth")


def test_pop3s_lists_delivered_messages(real_provider: RealProvider) -> None:  # noqa: F811
    message, marker = make_message(["tenant@mieter.example"])
    before = len(real_provider.delivered())
    with smtplib.SMTP_SSL(
        real_provider.host, real_provider.smtps_port, context=real_provider.client_ssl_context()
    ) as smtp:
        smtp.login(LOGIN, PASSWORD)
        smtp.send_message(message)
    delivered = real_provider.wait_for_delivered(before + 1)

    pop = poplib.POP3_SSL(
        real_provider.host, real_provider.pop3s_port, context=real_provider.client_ssl_context()
    )
    try:
        pop.user("other@example.test")
        pop.pass_(PROVIDER_USERS["other@example.test"])
        count, _ = pop.stat()
        assert count == len(delivered)
        _, lines, _ = pop.retr(count)
        assert marker in b"\n".join(lines)
    finally:
        pop.quit()


def test_pop3_stls_then_login(real_provider: RealProvider) -> None:  # noqa: F811
    pop = poplib.POP3(real_provider.host, real_provider.pop3_port)
    try:
        assert "STLS" in pop.capa()
        pop.stls(real_provider.client_ssl_context())
        pop.user(LOGIN)
        pop.pass_(PASSWORD)
        assert pop.stat()[0] == len(real_provider.delivered())
    finally:
        pop.quit()


def test_imap_starttls_then_login(real_provider: RealProvider) -> None:  # noqa: F811
    imap = imaplib.IMAP4(real_provider.host, real_provider.imap_port)
    try:
        assert "STARTTLS" in imap.capabilities
        imap.starttls(real_provider.client_ssl_context())
        typ, _ = imap.login(LOGIN, PASSWORD)
        assert typ == "OK"
        typ, data = imap.select("INBOX", readonly=True)
        assert typ == "OK"
        assert int(data[0] or 0) == len(real_provider.delivered())
    finally:
        imap.logout()
