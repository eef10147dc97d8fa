"""The real-provider harness works with stock Python mail clients.

The provider is session-scoped and its Maildir is shared, so every test counts
relative to what was there before and finds its own messages by a unique marker.
"""

from __future__ import annotations

import email
import imaplib
import poplib
import shutil
import smtplib
import socket
import tempfile
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.mailservers.fixtures import PROVIDER_USERS, real_provider  # noqa: F401
from tests.mailservers.provider import RealProvider, start_provider

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


def smtps(provider: RealProvider) -> smtplib.SMTP_SSL:
    return smtplib.SMTP_SSL(
        provider.host, provider.smtps_port, context=provider.client_ssl_context()
    )


def delivered_with(provider: RealProvider, marker: bytes, count: int, before: int) -> list[bytes]:
    messages = provider.wait_for_delivered(before + count)
    return [m for m in messages if marker in m]


def test_smtps_delivers_to_every_recipient(
    real_provider: RealProvider,  # noqa: F811
) -> None:
    recipients = ["tenant-1@mieter.example", "tenant-2@other.example"]
    message, marker = make_message(recipients)
    before = len(real_provider.delivered())

    with smtps(real_provider) as smtp:
        smtp.login(LOGIN, PASSWORD)
        # Any envelope sender is accepted from an authenticated user.
        smtp.send_message(message, from_addr="bounces@housing.example", to_addrs=recipients)

    mine = delivered_with(real_provider, marker, 2, before)
    assert len(mine) == 2
    parsed = [email.message_from_bytes(m) for m in mine]
    assert sorted(p["Delivered-To"] for p in parsed) == recipients
    assert {p["Return-Path"] for p in parsed} == {"<bounces@housing.example>"}


def test_smtps_allows_large_messages(
    real_provider: RealProvider,  # noqa: F811
) -> None:
    with smtps(real_provider) as smtp:
        smtp.ehlo()
        assert int(smtp.esmtp_features["size"]) >= 60 * 1024 * 1024


def test_submission_offers_auth_only_after_starttls(
    real_provider: RealProvider,  # noqa: F811
) -> None:
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


def test_submission_refuses_unauthenticated_mail(
    real_provider: RealProvider,  # noqa: F811
) -> None:
    message, _ = make_message(["tenant@mieter.example"])
    with smtplib.SMTP(real_provider.host, real_provider.submission_port) as smtp:
        smtp.starttls(context=real_provider.client_ssl_context())
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.send_message(message)


def test_wrong_password_is_refused_with_535(
    real_provider: RealProvider,  # noqa: F811
) -> None:
    with smtps(real_provider) as smtp:
        with pytest.raises(smtplib.SMTPAuthenticationError) as excinfo:
            smtp.login(LOGIN, "wrong-password")
    assert excinfo.value.smtp_code == 535


def test_plain_smtp_port_offers_neither_starttls_nor_auth(
    real_provider: RealProvider,  # noqa: F811
) -> None:
    with smtplib.SMTP(real_provider.host, real_provider.plain_smtp_port) as smtp:
        code, _ = smtp.ehlo()
        assert code == 250
        assert not smtp.has_extn("starttls")
        assert not smtp.has_extn("auth")


def test_pop3s_lists_delivered_messages(
    real_provider: RealProvider,  # noqa: F811
) -> None:
    message, marker = make_message(["tenant@mieter.example"])
    before = len(real_provider.delivered())
    with smtps(real_provider) as smtp:
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


def test_pop3_stls_then_login(
    real_provider: RealProvider,  # noqa: F811
) -> None:
    pop = poplib.POP3(real_provider.host, real_provider.pop3_port)
    try:
        assert "STLS" in pop.capa()
        pop.stls(real_provider.client_ssl_context())
        pop.user(LOGIN)
        pop.pass_(PASSWORD)
        assert pop.stat()[0] == len(real_provider.delivered())
    finally:
        pop.quit()


def test_imap_starttls_then_login(
    real_provider: RealProvider,  # noqa: F811
) -> None:
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


def test_second_provider_runs_alongside_and_stops_cleanly(
    real_provider: RealProvider, tls_files  # noqa: F811
) -> None:
    cert = tls_files.ca.issue(["localhost", "127.0.0.1"])
    workdir = Path(tempfile.mkdtemp(prefix="epd-provider-"))
    second = start_provider(
        workdir,
        cert_pem=cert.cert_pem,
        key_pem=cert.key_pem,
        users={"solo@example.test": "solo-pass"},
        ca_file=tls_files.ca_file,
    )
    try:
        assert second.smtps_port != real_provider.smtps_port
        before_first = len(real_provider.delivered())
        message, marker = make_message(["tenant@mieter.example"])
        with smtps(second) as smtp:
            smtp.login("solo@example.test", "solo-pass")
            smtp.send_message(message)
        assert marker in second.wait_for_delivered(1)[0]
        assert len(real_provider.delivered()) == before_first
    finally:
        second.stop()
        second.stop()  # idempotent
        shutil.rmtree(workdir)

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((second.host, second.smtps_port), timeout=5).close()
