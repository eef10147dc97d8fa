"""Reading the parts of a parsed message (email.policy.compat32) as text, never failing."""
import email.message
from collections.abc import Iterator

Message = email.message.Message


def decoded_text(part: Message) -> str:
    """A leaf part's content as text: transfer encoding undone, its charset or else UTF-8,
    undecodable bytes replaced, lines ending in "\\n"."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, "replace")
    except LookupError:
        text = payload.decode("utf-8", "replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def header(message: Message, name: str) -> str:
    """A header's value on one line; "" when absent."""
    value = message.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def own_parts(message: Message) -> Iterator[Message]:
    """Every part of the message, depth first, but not the parts inside a message it carries
    (a returned original's own text is not the report's)."""
    yield message
    if message.get_content_maintype() == "message":
        return
    payload = message.get_payload()
    if isinstance(payload, list):
        for part in payload:
            if isinstance(part, Message):
                yield from own_parts(part)


def carried_message(part: Message) -> Message | None:
    """The message a message/rfc822 part carries, if it parsed as one."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None
