"""Delivery status notifications for mail that could not be delivered."""
import datetime as dt
import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from daemon.queue.messages import QueuedMessage

_ENHANCED = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")


@dataclass(frozen=True)
class FailedRecipient:
    address: str
    reply_code: int | None
    reply_text: str


def _headers_of(content: bytes) -> bytes:
    end = content.find(b"\r\n\r\n")
    return content[: end + 2] if end >= 0 else content


def make_bounce(message: QueuedMessage, failed: list[FailedRecipient], original: bytes) -> bytes:
    """An RFC 3464 report to the sender, with a plain explanation in Russian and English."""
    lines_ru = [
        "Письмо не доставлено следующим получателям:",
        *(f"  {f.address}: {f.reply_text}" for f in failed),
        "",
        f"Номер письма в очереди epd-relay: {message.id}",
    ]
    lines_en = [
        "This message could not be delivered to the following recipients:",
        *(f"  {f.address}: {f.reply_text}" for f in failed),
    ]
    report = EmailMessage()
    report["From"] = "Mail Delivery System <MAILER-DAEMON@localhost>"
    report["To"] = message.sender
    report["Subject"] = "Письмо не доставлено / Undelivered Mail Returned to Sender"
    report["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    report["Message-ID"] = make_msgid(domain="epd-relay.localhost")
    report["Auto-Submitted"] = "auto-replied"
    report["X-Epd-Relay-Queue-Id"] = message.id
    report.set_content("\n".join(lines_ru + ["", *lines_en]) + "\n")
    status = "\n".join(
        ["Reporting-MTA: dns; localhost", f"X-Epd-Relay-Queue-Id: {message.id}", ""]
        + [
            part
            for f in failed
            for part in (
                f"Final-Recipient: rfc822; {f.address}",
                "Action: failed",
                f"Status: {_status(f)}",
                f"Diagnostic-Code: smtp; {f.reply_text}",
                "",
            )
        ]
    )
    report.make_mixed()
    report.attach(
        email.message_from_bytes(
            b"Content-Type: message/delivery-status\n\n" + status.encode("utf-8"),
            policy=email.policy.default,
        )
    )
    report.add_attachment(
        _headers_of(original).decode("utf-8", "replace"), subtype="rfc822-headers"
    )
    report.replace_header("Content-Type", "multipart/report; report-type=delivery-status")
    return report.as_bytes(policy=email.policy.SMTP)


def _status(failed: FailedRecipient) -> str:
    """The enhanced status code from the reply when it has one (RFC 3463)."""
    match = _ENHANCED.search(failed.reply_text)
    if match:
        return match[0]
    if failed.reply_code and 500 <= failed.reply_code < 600:
        return "5.0.0"
    return "4.4.7"  # expired in the queue after temporary failures
