"""One bounce: which sent message failed for which recipient, and the remote server's words.

Every bounce format ends up here, so the fields mean the same whatever the provider:
`status` is the RFC 3463 enhanced code ("5.1.1"), taken from the report or from the
server's reply; `diagnostic` is the reply on one line, without the report's type prefix
("smtp;") and without the repeated codes of a multi-line SMTP reply.
"""
import email.header
import enum
import re
from dataclasses import dataclass


class Action(enum.StrEnum):
    """What happened to the message for this recipient (RFC 3464 Action, the two we report)."""

    FAILED = "failed"    # not delivered, and no more attempts will be made
    DELAYED = "delayed"  # not delivered yet; the provider keeps trying (a warning, not a bounce)


@dataclass(frozen=True)
class Bounce:
    message_id: str | None  # the original's Message-ID as sent, with angle brackets; None when unknown
    recipient: str          # the address that failed, as the report names it
    action: Action
    status: str             # "5.1.1"; "" when neither the report nor the reply gives one
    diagnostic: str         # the remote server's words, one line, trimmed; "" when none
    permanent: bool         # a permanent failure (status class 5, RFC 3463): sending the same again fails again

    @property
    def bounced(self) -> bool:
        """The message did not reach this recipient and never will."""
        return self.action is Action.FAILED


MAX_DIAGNOSTIC = 1000

# An enhanced status code, not a part of an IP address or a version number.
_ENHANCED = re.compile(r"(?<![\w.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)")
_REPLY_CODE = re.compile(r"^([245])\d\d(?:[ -]|$)")
# What starts each line of a multi-line SMTP reply: "550-5.1.1 " and the last "550 5.1.1 ".
_REPLY_PREFIX = re.compile(r"^([245]\d\d)[ -](?:([245]\.\d{1,3}\.\d{1,3})(?:\s+|$))?")
_ANGLES = re.compile(r"<([^<>\s]+)>")


def make_bounce(message_id: str | None, recipient: str, action: Action, status: str, diagnostic: str) -> Bounce:
    """A bounce from what a report says, however it said it. Without a status anywhere, a
    failure counts as permanent: the server gave up on the address ("This is a permanent
    error", qmail's "I've given up")."""
    diagnostic = diagnostic_text(diagnostic)
    status = enhanced_status(status) or status_from_reply(diagnostic)
    permanent = action is Action.FAILED and (status.startswith("5") if status else True)
    return Bounce(message_id, address(recipient), action, status, diagnostic, permanent)


def enhanced_status(text: str) -> str:
    """The first RFC 3463 code in the text ("5.1.1"), or ""."""
    match = _ENHANCED.search(text)
    return match[1] if match else ""


def status_from_reply(reply: str) -> str:
    """From the server's reply: its enhanced code, else its class ("550 No such user": 5.0.0)."""
    found = enhanced_status(reply)
    if found:
        return found
    match = _REPLY_CODE.match(reply)
    return f"{match[1]}.0.0" if match else ""


def diagnostic_text(text: str) -> str:
    """A reply as one line: the lines of a multi-line reply joined, whitespace collapsed."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    first = _REPLY_PREFIX.match(lines[0])
    if first:
        code, status = first[1], first[2]
        rest = [_REPLY_PREFIX.sub("", line, count=1) if line.startswith(code) else line for line in lines]
        lines = [f"{code} {status}" if status else code, *rest]
    joined = " ".join(" ".join(lines).split())
    return joined if len(joined) <= MAX_DIAGNOSTIC else joined[: MAX_DIAGNOSTIC - 1].rstrip() + "…"


def address(text: str) -> str:
    """An address as a report gives it: "rfc822; <a@b>" or "a@b:" become "a@b"."""
    value = text.strip()
    if ";" in value:
        value = value.split(";", 1)[1].strip()
    match = _ANGLES.search(value)
    if match:
        return match[1]
    return value.strip().rstrip(":").strip()


def message_id(header: object) -> str | None:
    """A Message-ID with its angle brackets, case as sent; None when there is none. Takes a
    header as the parser gives it (a Header object when it holds 8-bit bytes)."""
    if header is None:
        return None
    if isinstance(header, email.header.Header):  # 8-bit bytes: taken as UTF-8
        text = "".join(part.decode("utf-8", "replace") if isinstance(part, bytes) else part
                       for part, _ in email.header.decode_header(header))
    else:
        text = str(header)
    match = _ANGLES.search(text)
    if match:
        return f"<{match[1]}>"
    value = text.strip()
    if value and not any(c.isspace() for c in value) and "@" in value:
        return f"<{value}>"
    return None
