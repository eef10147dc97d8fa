"""Opening a TCP connection to a provider: every address of the name tried, latency tuned."""
import asyncio
import socket

from daemon.provider.failures import StepFailed
from daemon.provider.steps import Attempt, Facts, Reason, Step, StepResult


class ConnectFailed(StepFailed):
    """No address of the host accepted a connection; the facts say why for each."""


def _tune(sock: socket.socket) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # Postfix sends its SMTPS banner right after the TLS session ticket; with delayed ACKs
    # the banner waits ~40 ms for ours. TCP_QUICKACK (Linux only) removes that wait.
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


def _attempt(ip: str, error: OSError | TimeoutError) -> Attempt:
    if isinstance(error, TimeoutError):
        return Attempt(ip, Reason.TIMED_OUT, str(error))
    if isinstance(error, ConnectionRefusedError):
        return Attempt(ip, Reason.CONNECTION_REFUSED, str(error))
    return Attempt(ip, Reason.CANNOT_CONNECT, str(error))


def _overall(attempts: list[Attempt]) -> Reason:
    """Refused by any address says most (nothing listens there); then a timeout."""
    reasons = {attempt.reason for attempt in attempts}
    for reason in (Reason.CONNECTION_REFUSED, Reason.TIMED_OUT):
        if reason in reasons:
            return reason
    return Reason.CANNOT_CONNECT


async def open_socket(host: str, port: int, timeout: float) -> socket.socket:
    """A connected non-blocking socket, or ConnectFailed."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            addresses = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError) as error:
        facts = Facts(host=host, port=port, error=str(error))
        raise ConnectFailed(StepResult(Step.CONNECT, False, Reason.CANNOT_RESOLVE, facts)) from error
    attempts = []
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            _tune(sock)
            async with asyncio.timeout(timeout):
                await loop.sock_connect(sock, address)
        except (OSError, TimeoutError) as error:
            sock.close()
            attempts.append(_attempt(address[0], error))
            continue
        except BaseException:  # cancelled: the caller never gets the socket to close
            sock.close()
            raise
        return sock
    facts = Facts(host=host, port=port, attempts=tuple(attempts))
    raise ConnectFailed(StepResult(Step.CONNECT, False, _overall(attempts), facts))
