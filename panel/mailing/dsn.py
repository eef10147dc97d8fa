"""Delivery status notifications: what a message in the system account's mailbox reports.

    bounces = parse_bounce(raw)   # [] when the message is not a bounce

One Bounce per recipient the message reports on, each with the original's Message-ID to
find the journal entry by. RFC 3464 reports (Yandex, Gmail, Postfix, newer Exim) are read
from their delivery-status part; plain-text bounces (mail.ru, older Exim, qmail, old
Postfix) from their text (panel/mailing/text_bounces.py).

Delay warnings (RFC 3464 Action: delayed; Postfix "Delayed Mail (still being retried)")
are returned too, with action DELAYED and permanent False: the message may still arrive,
so they must not mark anything bounced; show them as "deferred" or skip them.
Auto-replies (vacation, Auto-Submitted: auto-replied from a person), read receipts and
ordinary mail give [].
"""
import email
import email.parser
import email.policy

from panel.mailing.bounce import Action, Bounce
from panel.mailing.delivery_report import report_bounces, status_parts
from panel.mailing.text_bounces import from_mail_system, text_bounces

__all__ = ["Action", "Bounce", "might_be_bounce", "parse_bounce"]


def parse_bounce(raw: bytes) -> list[Bounce]:
    """The bounces one message (as the mailbox gave it, CRLF or LF) reports; pure, never raises
    on malformed mail (it is parsed leniently; what cannot be read gives [])."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    reports = status_parts(message)
    if reports:
        return report_bounces(message, reports)
    if from_mail_system(message):
        return text_bounces(message)
    return []


def might_be_bounce(headers: bytes) -> bool:
    """Whether a message whose header block this is could be a bounce: worth reading whole.

    True for every message parse_bounce could find a bounce in but a delivery-status
    report nested in a multipart/mixed from an ordinary sender, which no server sends.
    Read receipts (report-type=disposition-notification) are not worth reading.
    """
    message = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(headers)
    if message.get_content_type() == "multipart/report":
        report_type = str(message.get_param("report-type", "delivery-status")).lower()
        if report_type in ("delivery-status", "global-delivery-status"):
            return True
    return from_mail_system(message)


