"""A verified TLS stream to a provider for the POP3 relay and the tunnels.

Connect (each target in order), speak the plaintext prelude where the protocol has one,
then TLS with chain and host-name checks. Any failure names the step and the reason,
including what certificate the server presented when it was not trusted.
"""
import asyncio
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path

from daemon.config import Address
from daemon.provider.connect import ConnectFailed, open_socket
from daemon.provider.starttls import Prelude, PreludeFailed
from daemon.provider.steps import Reporter, Step, StepResult, ignore, tls_step
from tls.contexts import client_context, unverified_tunnel_context
from tls.inspect import presented_certificate

log = logging.getLogger(__name__)


class SecureStreamFailed(Exception):
    def __init__(self, step: Step, detail: str, short: str) -> None:
        super().__init__(detail)
        self.step = step
        self.detail = detail  # for the log: everything known
        self.short = short    # for a client's -ERR line


@dataclass
class SecureStream:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    target: Address
    prelude_greeting: bytes  # what the server said before TLS (empty for implicit TLS)

    def close(self) -> None:
        self.writer.close()


async def open_verified(
    targets: tuple[Address, ...],
    *,
    server_name: str,
    ca_file: Path | None,
    prelude: Prelude | None,
    timeout: float,
    verify: bool = True,
    report: Reporter = ignore,
) -> SecureStream:
    """Try each target in order; the first that completes TLS wins."""
    context = client_context(ca_file) if verify else unverified_tunnel_context()
    failure: SecureStreamFailed | None = None
    for target in targets:
        try:
            return await _open_one(target, server_name or target.host, context, prelude, timeout, report)
        except SecureStreamFailed as error:
            if len(targets) > 1:
                log.warning("%s: %s; trying the next host", target, error.detail)
            failure = error
    assert failure is not None
    raise failure


async def _open_one(
    target: Address,
    name: str,
    context: ssl.SSLContext,
    prelude: Prelude | None,
    timeout: float,
    report: Reporter,
) -> SecureStream:
    try:
        sock = await open_socket(target.host, target.port, timeout)
    except ConnectFailed as error:
        raise SecureStreamFailed(Step.CONNECT, str(error), f"cannot connect to {target}") from error
    report(StepResult(Step.CONNECT, True, f"connected to {sock.getpeername()[0]} port {target.port}"))
    try:
        reader, writer = await asyncio.open_connection(sock=sock)
    except BaseException:
        sock.close()
        raise
    try:
        greeting = b""
        if prelude is not None:
            try:
                async with asyncio.timeout(timeout):
                    greeting = await prelude(reader, writer)
            except (PreludeFailed, OSError, TimeoutError) as error:
                detail = f"{target}: {str(error) or 'timed out'}"
                raise SecureStreamFailed(Step.STARTTLS, detail, str(error) or "timed out") from error
            report(StepResult(Step.STARTTLS, True, "server agreed to start TLS"))
        try:
            async with asyncio.timeout(timeout):
                await writer.start_tls(context, server_hostname=name)
        except ssl.SSLCertVerificationError as error:
            raise await _untrusted(target, name, prelude, error, timeout) from error
        except (ssl.SSLError, OSError, TimeoutError) as error:
            detail = f"TLS handshake with {target} failed: {str(error) or 'timed out'}"
            raise SecureStreamFailed(Step.TLS, detail, "TLS handshake failed") from error
        report(tls_step(writer.get_extra_info("ssl_object")))
    except BaseException:
        writer.close()
        raise
    return SecureStream(reader, writer, target, greeting)


async def _untrusted(
    target: Address, name: str, prelude: Prelude | None, error: ssl.SSLCertVerificationError, timeout: float
) -> SecureStreamFailed:
    reason = error.verify_message or error.reason or "certificate verify failed"
    detail = f"certificate of {name} ({target}) not trusted: {reason}"
    presented = await presented_certificate(target.host, target.port, name, prelude, timeout)
    if presented:
        detail += f"; {presented}"
    return SecureStreamFailed(Step.TLS, detail, f"certificate of {name} not trusted: {reason}")
