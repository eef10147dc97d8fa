"""The Message-ID of the message a bounce returns: from the attached original or its headers
(RFC 3464's third part), from a report's X-Original-Message-ID, from the copy quoted
after the notification in plain-text bounces (Exim, mail.ru, qmail, Gmail before 2016), or,
when none of these has it, from the bounce's In-Reply-To or References.

Only the returned message's own header block is read: never the bounce's own Message-ID,
and never an ID quoted further down in the returned body.
"""
import email.parser
import email.policy
import re

from panel.mailing.bounce import message_id
from panel.mailing.mime_text import Message, carried_message, decoded_text, own_parts

_ALL_IDS = re.compile(r"<([^<>\s]+)>")
_HEADER_PARTS = {"text/rfc822-headers", "message/rfc822-headers", "text/global-headers"}
_MESSAGE_PARTS = {"message/rfc822", "message/global"}

# The line after which a plain-text bounce quotes the message (or its headers):
#   ------ This is a copy of the message, including all the headers. ------   (Exim, mail.ru)
#   ------ This is a copy of the message's headers. ------                    (Exim)
#   --- Below this line is a copy of the message.                             (qmail)
#   ----- Original message -----                                              (Gmail, 2014)
COPY_SEPARATOR = re.compile(
    r"^[ \t]*-{2,}[ \t]*(?:This is a copy of the message|Below this line is a copy"
    r"|Original message|The header of the original message|Исходное сообщение|Копия (?:письма|сообщения))",
    re.I | re.M,
)


def attached_message_id(message: Message) -> tuple[bool, str | None]:
    """(whether the bounce carries the original or its headers, and the original's Message-ID)."""
    for part in own_parts(message):
        kind = part.get_content_type()
        if kind in _MESSAGE_PARTS:
            original = carried_message(part)
            if original is not None:
                return True, message_id(original.get("Message-ID"))
            return True, _id_in_header_block(decoded_text(part))
        if kind in _HEADER_PARTS:
            return True, _id_in_header_block(decoded_text(part))
    return False, None


def quoted_message_id(text: str) -> tuple[bool, str | None]:
    """(whether the notification text quotes the message, and its Message-ID)."""
    match = COPY_SEPARATOR.search(text)
    if match is None:
        return False, None
    return True, _id_in_header_block(text[match.end():].partition("\n")[2])


def _id_in_header_block(text: str) -> str | None:
    """The Message-ID of the header block the text starts with (blank lines before it skipped)."""
    block = text.lstrip("\n \t").split("\n\n", 1)[0]
    headers = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(block + "\n")
    return message_id(headers.get("Message-ID"))


def replied_to_id(message: Message) -> str | None:
    """The message a bounce answers, as its In-Reply-To or the last of its References say:
    Gmail and Exim name the original there even when they return none of it."""
    found = message_id(message.get("In-Reply-To"))
    if found:
        return found
    references = _ALL_IDS.findall(str(message.get("References", "")))
    return f"<{references[-1]}>" if references else None
