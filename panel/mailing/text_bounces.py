"""Bounces written for people only, without a delivery-status part.

The formats met in a housing company's mailbox:

- Exim, and mail.ru (Exim with a Russian preface «Это письмо создано автоматически
  сервером Mail.Ru … не может быть доставлено одному или нескольким получателям»):
  "Mail delivery failed: returning message to sender", the failed addresses indented
  after "The following address(es) failed:", the message quoted after a dashed line;
- Postfix before 2.3 ("This is the Postfix program at host …", multipart/mixed) and a
  notification text kept without its report: "<address>: host … said: 550 …";
- qmail ("Hi. This is the qmail-send program …", "<address>:" blocks, the message
  quoted after "--- Below this line is a copy of the message.");
- anything else from a mail system that names the failed addresses in
  X-Failed-Recipients (Gmail before 2016: "Delivery to the following recipient failed
  permanently").

Only messages from the mail system itself (MAILER-DAEMON, postmaster) or carrying
X-Failed-Recipients are read this way: a person's reply that says "not delivered", or an
auto-reply, is not a bounce.
"""
import email.utils
import re
from dataclasses import dataclass

from panel.mailing.bounce import Action, Bounce, make_bounce
from panel.mailing.mime_text import Message, decoded_text, header, own_parts
from panel.mailing.returned_message import COPY_SEPARATOR, attached_message_id, quoted_message_id, replied_to_id

MAIL_SYSTEM_SENDERS = {"mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon", "postmaster"}

# Where the list of failed addresses begins: Exim in English first, mail.ru's Russian as
# the fallback (its Russian list may give the local part alone).
_EXIM_LISTS = (
    re.compile(r"following address(?:\(es\)|es)? failed:[ \t]*\n", re.I),
    re.compile(r"address(?:\(es\)|es)? to which the message has not yet been delivered (?:is|are):[ \t]*\n", re.I),
    re.compile(r"не может быть доставлено одному или нескольким получателям:[ \t]*\n", re.I),
)
# "<address>: reason", or Postfix's "<alias target> (expanded from <address>): reason".
_ANGLE_ENTRY = re.compile(r"^<([^<>\s]+@[^<>\s]+)>(?:\s+\(expanded from <([^<>\s]+)>\))?:?[ \t]*(.*)$")
_SMTP_REPLY_LINE = re.compile(r"^\s*([245]\d\d[ -].*)$", re.M)
# Where the remote server's own words begin in an MTA's sentences about them: at its reply
# code (three digits alone, then a space or "-"), else after "said:".
_REPLY_START = re.compile(r"(?:^|(?<=\s))([245]\d\d)(?=[ -]|$)", re.M)
_SAID = re.compile(r"\bsaid:\s*", re.I)
_POSTFIX_TAIL = re.compile(r"\s*\(in reply to [^)]*\)\s*$", re.I)
_QMAIL_TAIL = re.compile(r"\s*Giving up on \S+\s*$", re.I)
_DELAY_NOTICE = re.compile(
    r"THIS IS A WARNING ONLY|has not yet been delivered|still being retried|will be retried"
    r"|Delivery incomplete|has been delayed|^Warning: message .* delayed",
    re.I | re.M,
)


@dataclass(frozen=True)
class _Entry:
    address: str
    words: str  # what the bounce says about it, lines as they came


def from_mail_system(message: Message) -> bool:
    """Sent by a mail server about mail (MAILER-DAEMON, postmaster), not by a person."""
    _, sender = email.utils.parseaddr(header(message, "From"))
    local = sender.rsplit("@", 1)[0].lower() if "@" in sender else sender.lower()
    return local in MAIL_SYSTEM_SENDERS or bool(header(message, "X-Failed-Recipients"))


def text_bounces(message: Message) -> list[Bounce]:
    """A Bounce per address the notification lists as failed (or delayed, in a warning)."""
    text = notification_text(message)
    copy = COPY_SEPARATOR.search(text)
    notification = text[: copy.start()] if copy else text
    entries = (_exim_entries(notification) or _angle_entries(notification)
               or _failed_recipients_entries(message, notification))
    if not entries:
        return []
    attached, original = attached_message_id(message)
    if not attached:
        _, original = quoted_message_id(text)
    original = original or replied_to_id(message)
    delayed = _DELAY_NOTICE.search(header(message, "Subject") + "\n" + notification)
    action = Action.DELAYED if delayed else Action.FAILED
    return [make_bounce(original, entry.address, action, "", _remote_words(entry.words)) for entry in entries]


def notification_text(message: Message) -> str:
    """The bounce's own text/plain parts, not those of the message it returns."""
    texts = [decoded_text(part) for part in own_parts(message)
             if part.get_content_type() == "text/plain" and not part.is_multipart()]
    return "\n\n".join(texts)


def _exim_entries(text: str) -> list[_Entry]:
    """Exim: "  address" (two spaces), then its reason indented deeper, until the list ends."""
    for start in _EXIM_LISTS:
        match = start.search(text)
        if match is None:
            continue
        entries: list[_Entry] = []
        address, words = "", []
        for line in text[match.end():].split("\n"):
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip())
            if indent == 0:
                break
            if indent <= 3:
                if address:
                    entries.append(_Entry(address, "\n".join(words)))
                address, words = line.strip(), []
            else:
                words.append(line.strip())
        if address:
            entries.append(_Entry(address, "\n".join(words)))
        entries = [entry for entry in entries if "@" in entry.address]
        if entries:
            return entries
    return []


def _angle_entries(text: str) -> list[_Entry]:
    """Postfix and qmail: "<address>: reason", continued on the next lines up to a blank one."""
    entries: list[_Entry] = []
    address, words = "", []
    for line in text.split("\n"):
        match = _ANGLE_ENTRY.match(line)
        if match or not line.strip():
            if address:
                entries.append(_Entry(address, "\n".join(words)))
            address, words = (match[2] or match[1], [match[3]]) if match else ("", [])
        elif address:
            words.append(line.strip())
    if address:
        entries.append(_Entry(address, "\n".join(words)))
    return entries


def _failed_recipients_entries(message: Message, text: str) -> list[_Entry]:
    """The addresses in X-Failed-Recipients, each with the SMTP reply the text quotes for it."""
    addresses = [found for _, found in email.utils.getaddresses([header(message, "X-Failed-Recipients")])
                 if "@" in found]
    replies = [reply.strip() for reply in _SMTP_REPLY_LINE.findall(text)]
    entries = []
    for address in addresses:
        about = [reply for reply in replies if address.lower() in reply.lower()]
        entries.append(_Entry(address, (about or replies or [""])[0]))
    return entries


def _remote_words(words: str) -> str:
    """From an MTA's sentences about a refusal, the refusing server's own words: from its reply
    code on ("host … said: 550 …", "SMTP error … after RCPT TO:<…>: 550 …"), lines kept."""
    start = _REPLY_START.search(words) or _SAID.search(words)
    if start:
        words = words[start.start(1) if start.re is _REPLY_START else start.end():]
    return _QMAIL_TAIL.sub("", _POSTFIX_TAIL.sub("", words))
