"""Opening an SMTP session to the provider, step by step, never without verified TLS.

The same steps serve delivery, the AUTH check and ``epd-relay check``; each step is
reported through an optional callback so the check can show where it stopped.
"""
import socket
import ssl

import aiosmtplib

from daemon.config import Security, UpstreamSmtpConfig
from daemon.provider.connect import ConnectFailed, open_socket
from daemon.provider.failures import StepFailed
from daemon.provider.starttls import smtp_prelude
from daemon.provider.step_text import describe
from daemon.provider.steps import (
    Facts,
    Reason,
    Reply,
    Reporter,
    Step,
    StepResult,
    handshake_failed,
    ignore,
    secured,
    untrusted,
)
from tls.contexts import client_context
from tls.inspect import presented_certificate


class UpstreamFailure(StepFailed):
    """A step of the session failed; ``temporary`` tells a retry might help."""

    @property
    def detail(self) -> str:
        return describe(self.result)

    @property
    def reply_code(self) -> int | None:
        return self.result.reply_code

    @property
    def temporary(self) -> bool:
        """Only a 5xx reply, or a server that offers no AUTH, will say the same next time."""
        if self.result.reason is Reason.NO_AUTH_OFFERED:
            return False
        code = self.result.reply_code
        return code is None or code < 500

    @property
    def is_auth_refusal(self) -> bool:
        return self.step is Step.AUTH and not self.temporary


def _failure(step: Step, reason: Reason, **facts) -> UpstreamFailure:
    return UpstreamFailure(StepResult(step, False, reason, Facts(**facts)))


def _reply(response: aiosmtplib.SMTPResponse | aiosmtplib.SMTPResponseException) -> Reply:
    return Reply(response.code, response.message)


async def _tls_failure(error: BaseException, config: UpstreamSmtpConfig) -> UpstreamFailure:
    if isinstance(error, ssl.SSLCertVerificationError):
        negotiate = None if config.security is Security.TLS else smtp_prelude
        presented = await presented_certificate(
            config.host, config.port, config.verify_name, negotiate, config.timeout
        )
        return UpstreamFailure(untrusted(error, config.verify_name, presented))
    return UpstreamFailure(handshake_failed(error, config.verify_name))


def _reply_failure(step: Step, error: aiosmtplib.SMTPException) -> UpstreamFailure:
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _failure(step, Reason.REPLIED, reply=_reply(error))
    return _failure(step, Reason.FAILED, error=str(error) or type(error).__name__)


async def _open_socket(config: UpstreamSmtpConfig, report: Reporter) -> socket.socket:
    try:
        sock = await open_socket(config.host, config.port, config.timeout)
    except ConnectFailed as error:
        raise UpstreamFailure(error.result) from error
    facts = Facts(ip=sock.getpeername()[0], port=config.port)
    report(StepResult(Step.CONNECT, True, Reason.CONNECTED, facts))
    return sock


async def open_session(
    config: UpstreamSmtpConfig,
    username: str | None,
    password: str | None,
    report: Reporter = ignore,
) -> aiosmtplib.SMTP:
    """Connect, verify TLS, EHLO and (with a username) AUTH; raise UpstreamFailure at the failing step."""
    sock = await _open_socket(config, report)
    implicit = config.security is Security.TLS
    context = client_context(config.ca_file)
    smtp = aiosmtplib.SMTP(
        hostname=config.verify_name,
        sock=sock,
        use_tls=implicit,
        start_tls=False,
        tls_context=context,
        timeout=config.timeout,
    )
    try:
        await _handshake(smtp, config, context, implicit, report)
        if username is not None:
            await _login(smtp, username, password or "", report)
    except BaseException:
        if smtp.transport is not None:
            smtp.close()  # closes the socket too, once TLS has shut down
        else:
            sock.close()
        raise
    return smtp


async def _handshake(
    smtp: aiosmtplib.SMTP,
    config: UpstreamSmtpConfig,
    context: ssl.SSLContext,
    implicit: bool,
    report: Reporter,
) -> None:
    try:
        greeting = await smtp.connect()
    except aiosmtplib.SMTPConnectError as error:
        cause = error.__cause__
        if implicit and isinstance(cause, ssl.SSLError):
            raise await _tls_failure(cause, config) from error
        raise _failure(Step.GREETING, Reason.FAILED, error=str(error)) from error
    except aiosmtplib.SMTPException as error:
        raise _reply_failure(Step.GREETING, error) from error
    if implicit:
        _report_certificate(smtp, report)
    report(StepResult(Step.GREETING, True, Reason.GREETED, Facts(reply=_reply(greeting))))
    await _ehlo(smtp, report)
    if implicit:
        return
    if not smtp.supports_extension("starttls"):
        raise _failure(Step.STARTTLS, Reason.NO_STARTTLS)
    try:
        await smtp.starttls(tls_context=context, server_hostname=config.verify_name)
    except aiosmtplib.SMTPResponseException as error:
        raise _failure(Step.STARTTLS, Reason.STARTTLS_REFUSED, command="STARTTLS", reply=_reply(error)) from error
    except aiosmtplib.SMTPException as error:
        cause = error.__cause__
        if isinstance(cause, ssl.SSLError):
            raise await _tls_failure(cause, config) from error
        raise _reply_failure(Step.STARTTLS, error) from error
    except ssl.SSLError as error:
        raise await _tls_failure(error, config) from error
    report(StepResult(Step.STARTTLS, True, Reason.STARTTLS_ACCEPTED))
    _report_certificate(smtp, report)
    await _ehlo(smtp, report)


def _report_certificate(smtp: aiosmtplib.SMTP, report: Reporter) -> None:
    ssl_object = smtp.transport.get_extra_info("ssl_object") if smtp.transport else None
    if ssl_object is None:
        raise _failure(Step.TLS, Reason.NOT_ENCRYPTED)
    report(secured(ssl_object))


async def _ehlo(smtp: aiosmtplib.SMTP, report: Reporter) -> None:
    try:
        reply = await smtp.ehlo()
    except aiosmtplib.SMTPException as error:
        raise _reply_failure(Step.EHLO, error) from error
    extensions = tuple(name.upper() for name in sorted(smtp.esmtp_extensions))
    facts = Facts(reply=_reply(reply), extensions=extensions)
    report(StepResult(Step.EHLO, True, Reason.EXTENSIONS_OFFERED, facts))


async def _login(smtp: aiosmtplib.SMTP, username: str, password: str, report: Reporter) -> None:
    if not smtp.supports_extension("auth"):
        raise _failure(Step.AUTH, Reason.NO_AUTH_OFFERED)
    try:
        reply = await smtp.login(username, password)
    except aiosmtplib.SMTPAuthenticationError as error:
        refused = Reason.LOGIN_TEMPORARILY_REFUSED if error.code < 500 else Reason.LOGIN_REFUSED
        raise _failure(Step.AUTH, refused, login=username, reply=_reply(error)) from error
    except aiosmtplib.SMTPException as error:
        raise _reply_failure(Step.AUTH, error) from error
    report(StepResult(Step.AUTH, True, Reason.LOGGED_IN, Facts(login=username, reply=_reply(reply))))


async def close_session(smtp: aiosmtplib.SMTP) -> None:
    """QUIT politely; a dead connection is simply dropped."""
    try:
        if smtp.is_connected:
            await smtp.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        pass
    finally:
        smtp.close()
