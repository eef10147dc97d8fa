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
from daemon.provider.failures import StepFailed
from daemon.provider.starttls import Prelude, PreludeFailed
from daemon.provider.step_text import describe, for_client
from daemon.provider.steps import (
    Facts,
    Reason,
    Reporter,
    Step,
    StepResult,
    handshake_failed,
    ignore,
    secured,
    untrusted,
)
from tls.contexts import client_context, unverified_tunnel_context
from tls.inspect import presented_certificate

log = logging.getLogger(__name__)

CLOSE_TIMEOUT = 5.0


class SecureStreamFailed(StepFailed):
    def __init__(self, result: StepResult, target: Address) -> None:
        super().__init__(result)
        self.target = target

    @property
    def detail(self) -> str:
        """For the log: everything known, with the address unless the text names it."""
        if self.step is Step.CONNECT:
            return describe(self.result)
        return f"{self.target}: {describe(self.result)}"

    @property
    def short(self) -> str:
        """For a client's -ERR line."""
        return for_client(self.result)


@dataclass
class SecureStream:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    target: Address
    prelude_greeting: bytes  # what the server said before TLS (empty for implicit TLS)

    def close(self) -> None:
        """Close at once: a relay's client is not kept waiting for the provider's side."""
        self.writer.close()

    async def close_and_wait(self) -> None:
        """Close, and wait (at most CLOSE_TIMEOUT) until the TLS shutdown has finished, so
        that no transport is left for the garbage collector to find unclosed: for a check,
        which has nobody waiting on it."""
        self.writer.close()
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self.writer.wait_closed()
        except (OSError, TimeoutError):
            pass


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
        raise SecureStreamFailed(error.result, target) from error
    facts = Facts(ip=sock.getpeername()[0], port=target.port)
    report(StepResult(Step.CONNECT, True, Reason.CONNECTED, facts))
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
            except PreludeFailed as error:
                raise SecureStreamFailed(error.result, target) from error
            except (OSError, TimeoutError) as error:
                lost = StepResult(Step.STARTTLS, False, Reason.CONNECTION_LOST, Facts(error=str(error)))
                raise SecureStreamFailed(lost, target) from error
            report(StepResult(Step.STARTTLS, True, Reason.STARTTLS_ACCEPTED))
        try:
            async with asyncio.timeout(timeout):
                await writer.start_tls(context, server_hostname=name)
        except ssl.SSLCertVerificationError as error:
            presented = await presented_certificate(target.host, target.port, name, prelude, timeout)
            raise SecureStreamFailed(untrusted(error, name, presented), target) from error
        except (ssl.SSLError, OSError, TimeoutError) as error:
            raise SecureStreamFailed(handshake_failed(error, name), target) from error
        report(secured(writer.get_extra_info("ssl_object")))
    except BaseException:
        writer.close()
        raise
    return SecureStream(reader, writer, target, greeting)
