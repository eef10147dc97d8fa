"""RFC 3464 delivery status notifications: multipart/report; report-type=delivery-status.

Yandex, Gmail ("Delivery Status Notification (Failure)"), Postfix, newer Exim and most
other servers send these. The message/delivery-status part holds one block of fields for
the message, then one per recipient: Final-Recipient, Action, Status, Diagnostic-Code.
"""
import base64
import binascii
import email.parser
import email.policy
import quopri
import re

from panel.mailing.bounce import Action, Bounce, make_bounce, message_id
from panel.mailing.mime_text import Message, own_parts
from panel.mailing.returned_message import attached_message_id, replied_to_id

STATUS_PARTS = {"message/delivery-status", "message/global-delivery-status"}  # the latter: RFC 6533

Fields = dict[str, str]

_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def status_parts(message: Message) -> list[Message]:
    return [part for part in own_parts(message) if part.get_content_type() in STATUS_PARTS]


def report_bounces(message: Message, parts: list[Message]) -> list[Bounce]:
    """A Bounce for every recipient the reports say failed or is delayed; delivered,
    relayed and expanded recipients (success notices) give none."""
    _, original = attached_message_id(message)
    bounces = []
    for part in parts:
        blocks = field_blocks(part)
        per_message = [block for block in blocks if not _is_per_recipient(block)]
        found = original or _original_id_field(per_message) or replied_to_id(message)
        for block in blocks:
            bounce = _recipient_bounce(block, found) if _is_per_recipient(block) else None
            if bounce is not None:
                bounces.append(bounce)
    return bounces


def field_blocks(part: Message) -> list[Fields]:
    """The blocks of fields in a delivery-status part, names in lower case, values unfolded
    (Diagnostic-Code keeps its lines: a multi-line SMTP reply is joined later).

    Parsed from the part's text whatever the parser made of it: Python's email package
    splits message/delivery-status into header blocks, which is right for 7bit, the usual
    encoding, and wrong for the base64 or quoted-printable a few servers use.
    """
    text = _delivery_status_text(part)
    parser = email.parser.HeaderParser(policy=email.policy.compat32)
    blocks = []
    for chunk in _BLANK_LINE.split(text.replace("\r\n", "\n")):
        if not chunk.strip():
            continue
        fields: Fields = {}
        for name, value in parser.parsestr(chunk.strip("\n") + "\n").items():
            key = name.lower()
            fields.setdefault(key, str(value).strip() if key == "diagnostic-code" else " ".join(str(value).split()))
        if fields:
            blocks.append(fields)
    return blocks


def _delivery_status_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # the blocks Python's parser made: put back together
        raw = "\n".join(block.as_string() for block in payload if isinstance(block, Message))
    else:
        raw = payload if isinstance(payload, str) else ""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "base64":
        try:
            return base64.b64decode("".join(raw.split())).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return ""
    if encoding == "quoted-printable":
        return quopri.decodestring(raw.encode("ascii", "replace")).decode("utf-8", "replace")
    return raw


def _is_per_recipient(block: Fields) -> bool:
    return "final-recipient" in block or "original-recipient" in block or "action" in block


def _original_id_field(per_message: list[Fields]) -> str | None:
    """Gmail names the original in the per-message fields even when it returns no headers."""
    for block in per_message:
        found = message_id(block.get("x-original-message-id"))
        if found:
            return found
    return None


def _recipient_bounce(block: Fields, original: str | None) -> Bounce | None:
    recipient = _recipient(block)
    words = block.get("action", "").split()
    action = words[0].lower() if words else ""
    if action not in (Action.FAILED, Action.DELAYED) or not recipient.strip():
        return None
    diagnostic = block.get("diagnostic-code", "")
    if ";" in diagnostic.split("\n", 1)[0]:
        diagnostic = diagnostic.split(";", 1)[1]  # "smtp; 550 ...": the type is not the server's words
    return make_bounce(original, recipient, Action(action), block.get("status", ""), diagnostic)


def _recipient(block: Fields) -> str:
    """The address the message was sent to: Original-Recipient where the server kept it (it
    differs from Final-Recipient after an alias or a forward), else Final-Recipient."""
    for name in ("original-recipient", "final-recipient"):
        kind, _, value = block.get(name, "").partition(";")
        if "@" in value and kind.strip().lower() in ("rfc822", "utf-8"):
            return value
    return block.get("final-recipient", "")
