"""Handing the mailing's messages to the local relay, as any client does: SMTP with AUTH.

The panel never talks to the provider and never writes queue rows: it logs in to the relay
on its loopback listener with the system mail account (the relay checks the password with
the provider, truthfully), and keeps the connection for message after message. Every
reply becomes a result the run acts on, never an exception.
"""
import enum
import re
from dataclasses import dataclass

import aiosmtplib

from daemon.config import Address
from daemon.smtp.transparency import send_data

QUEUED_AS = re.compile(r"queued as (\S+)")
TIMEOUT = 120.0  # the relay answers DATA once the message is on disk; AUTH may ask the provider


class Verdict(enum.StrEnum):
    QUEUED = "queued"            # 250: on the relay's disk, its queue id known
    WRONG_PASSWORD = "wrong_password"  # 535: the provider refused the login
    TRY_LATER = "try_later"      # 4xx, or the relay unreachable: the same message again later
    REFUSED = "refused"          # 5xx for this message (its recipient): it will not go
    SENDER_REFUSED = "sender_refused"  # 5xx for the sender: no message of this run can go


@dataclass(frozen=True)
class Handed:
    verdict: Verdict
    reply: str            # the relay's words, as they came
    queue_id: str = ""


@dataclass(frozen=True)
class Login:
    username: str
    password: str


def _reply(error: aiosmtplib.SMTPException) -> str:
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"{error.code} {error.message}"
    return str(error) or type(error).__name__


class RelaySubmission:
    """One connection to the relay, opened at the first message and kept."""

    def __init__(self, relay: Address, login: Login) -> None:
        self._relay = relay
        self._login = login
        self._smtp: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        smtp = aiosmtplib.SMTP(
            hostname=self._relay.host, port=self._relay.port, use_tls=False, start_tls=False, timeout=TIMEOUT,
        )
        await smtp.connect()
        try:
            await smtp.login(self._login.username, self._login.password)
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    async def check_login(self) -> Handed:
        """Log in only: what «Продолжить» asks before a run starts."""
        try:
            await self._connected()
        except aiosmtplib.SMTPException as error:
            return _failure(error)
        except OSError as error:
            return Handed(Verdict.TRY_LATER, f"cannot connect to the relay at {self._relay}: {error}")
        return Handed(Verdict.QUEUED, "235 logged in")

    async def hand_over(self, sender: str, recipient: str, message: bytes) -> Handed:
        """One message, composed with CRLF line ends (panel/mailing/message.py): it goes
        out as it is, dot-stuffed, without aiosmtplib's sendmail rewriting it."""
        try:
            smtp = await self._connected()
            options = [f"SIZE={len(message)}"] if smtp.supports_extension("size") else []
            try:
                await smtp.mail(sender, options=options)
                await smtp.rcpt(recipient)
                reply = await send_data(smtp, message)
            except aiosmtplib.SMTPResponseException:
                await _reset(smtp)
                raise
        except aiosmtplib.SMTPRecipientRefused as error:
            return Handed(Verdict.REFUSED if error.code >= 500 else Verdict.TRY_LATER, _reply(error))
        except aiosmtplib.SMTPSenderRefused as error:
            return Handed(Verdict.SENDER_REFUSED if error.code >= 500 else Verdict.TRY_LATER, _reply(error))
        except aiosmtplib.SMTPException as error:
            await self.close()
            return _failure(error)
        except OSError as error:
            await self.close()
            return Handed(Verdict.TRY_LATER, f"cannot reach the relay at {self._relay}: {error}")
        found = QUEUED_AS.search(reply.message)
        return Handed(Verdict.QUEUED, reply.message, found[1] if found else "")

    async def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if smtp.is_connected:
                await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            pass
        finally:
            smtp.close()


async def _reset(smtp: aiosmtplib.SMTP) -> None:
    """A refused envelope is cleared for the next message, as sendmail does."""
    try:
        await smtp.rset()
    except (aiosmtplib.SMTPException, OSError):
        pass


def _failure(error: aiosmtplib.SMTPException) -> Handed:
    if isinstance(error, aiosmtplib.SMTPAuthenticationError) and error.code >= 500:
        return Handed(Verdict.WRONG_PASSWORD, _reply(error))
    if isinstance(error, aiosmtplib.SMTPResponseException) and error.code >= 500:
        return Handed(Verdict.REFUSED, _reply(error))
    return Handed(Verdict.TRY_LATER, _reply(error))
