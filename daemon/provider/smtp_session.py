"""Opening an SMTP session to the provider, step by step, never without verified TLS.

The same steps serve delivery, the AUTH check and ``epd-relay check``; each step is
reported through an optional callback so the check can show where it stopped.
"""
import socket
import ssl

import aiosmtplib

from daemon.config import Security, UpstreamSmtpConfig
from daemon.provider.connect import ConnectFailed, open_socket
from daemon.provider.starttls import smtp_prelude
from daemon.provider.steps import Reporter, Step, StepResult, ignore, tls_step
from tls.contexts import client_context
from tls.inspect import presented_certificate


class UpstreamFailure(Exception):
    """A step of the session failed; ``temporary`` tells a retry might help."""

    def __init__(
        self, step: Step, detail: str, *, temporary: bool, reply_code: int | None = None
    ) -> None:
        super().__init__(f"{step}: {detail}")
        self.step = step
        self.detail = detail
        self.temporary = temporary
        self.reply_code = reply_code

    @property
    def is_auth_refusal(self) -> bool:
        return self.step is Step.AUTH and not self.temporary


async def _tls_failure(error: BaseException, config: UpstreamSmtpConfig) -> UpstreamFailure:
    if isinstance(error, ssl.SSLCertVerificationError):
        detail = (
            f"certificate of {config.verify_name} not trusted: "
            f"{error.verify_message or error.reason}"
        )
        negotiate = None if config.security is Security.TLS else smtp_prelude
        presented = await presented_certificate(
            config.host, config.port, config.verify_name, negotiate, config.timeout
        )
        if presented:
            detail += f"; {presented}"
    else:
        detail = f"TLS handshake with {config.verify_name} failed: {error}"
    return UpstreamFailure(Step.TLS, detail, temporary=True)


def _reply_failure(step: Step, error: aiosmtplib.SMTPException) -> UpstreamFailure:
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return UpstreamFailure(
            step,
            f"server replied {error.code} {error.message}",
            temporary=error.code < 500,
            reply_code=error.code,
        )
    return UpstreamFailure(step, str(error) or type(error).__name__, temporary=True)


async def _open_socket(config: UpstreamSmtpConfig, report: Reporter) -> socket.socket:
    try:
        sock = await open_socket(config.host, config.port, config.timeout)
    except ConnectFailed as error:
        raise UpstreamFailure(Step.CONNECT, str(error), temporary=True) from error
    address = sock.getpeername()[0]
    report(StepResult(Step.CONNECT, True, f"connected to {address} port {config.port}"))
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
        raise UpstreamFailure(Step.GREETING, str(error), temporary=True) from error
    except aiosmtplib.SMTPException as error:
        raise _reply_failure(Step.GREETING, error) from error
    if implicit:
        _report_certificate(smtp, report)
    report(StepResult(Step.GREETING, True, f"{greeting.code} {greeting.message}", greeting.code))
    await _ehlo(smtp, report)
    if implicit:
        return
    if not smtp.supports_extension("starttls"):
        raise UpstreamFailure(
            Step.STARTTLS,
            "server does not offer STARTTLS; refusing to send credentials or mail in plaintext",
            temporary=True,
        )
    try:
        await smtp.starttls(tls_context=context, server_hostname=config.verify_name)
    except aiosmtplib.SMTPException as error:
        cause = error.__cause__
        if isinstance(cause, ssl.SSLError):
            raise await _tls_failure(cause, config) from error
        raise _reply_failure(Step.STARTTLS, error) from error
    except ssl.SSLError as error:
        raise await _tls_failure(error, config) from error
    report(StepResult(Step.STARTTLS, True, "STARTTLS accepted"))
    _report_certificate(smtp, report)
    await _ehlo(smtp, report)


def _report_certificate(smtp: aiosmtplib.SMTP, report: Reporter) -> None:
    ssl_object = smtp.transport.get_extra_info("ssl_object") if smtp.transport else None
    if ssl_object is None:
        raise UpstreamFailure(Step.TLS, "connection is not encrypted", temporary=True)
    report(tls_step(ssl_object))


async def _ehlo(smtp: aiosmtplib.SMTP, report: Reporter) -> None:
    try:
        reply = await smtp.ehlo()
    except aiosmtplib.SMTPException as error:
        raise _reply_failure(Step.EHLO, error) from error
    extensions = " ".join(sorted(smtp.esmtp_extensions)).upper()
    report(StepResult(Step.EHLO, True, f"{reply.code}, extensions: {extensions}", reply.code))


async def _login(smtp: aiosmtplib.SMTP, username: str, password: str, report: Reporter) -> None:
    if not smtp.supports_extension("auth"):
        raise UpstreamFailure(Step.AUTH, "server does not offer AUTH", temporary=False)
    try:
        reply = await smtp.login(username, password)
    except aiosmtplib.SMTPAuthenticationError as error:
        raise UpstreamFailure(
            Step.AUTH,
            f"server refused the login {username}: {error.code} {error.message}",
            temporary=error.code < 500,
            reply_code=error.code,
        ) from error
    except aiosmtplib.SMTPException as error:
        raise _reply_failure(Step.AUTH, error) from error
    report(StepResult(Step.AUTH, True, f"logged in as {username}: {reply.code}", reply.code))


async def close_session(smtp: aiosmtplib.SMTP) -> None:
    """QUIT politely; a dead connection is simply dropped."""
    try:
        if smtp.is_connected:
            await smtp.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        pass
    finally:
        smtp.close()
