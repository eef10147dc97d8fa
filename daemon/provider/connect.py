"""Opening a TCP connection to a provider: every address of the name tried, latency tuned."""
import asyncio
import socket


class ConnectFailed(Exception):
    """No address of the host accepted a connection; the message lists why for each."""


def _tune(sock: socket.socket) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # Postfix sends its SMTPS banner right after the TLS session ticket; with delayed ACKs
    # the banner waits ~40 ms for ours. TCP_QUICKACK (Linux only) removes that wait.
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


async def open_socket(host: str, port: int, timeout: float) -> socket.socket:
    """A connected non-blocking socket, or ConnectFailed."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(timeout):
            addresses = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError) as error:
        raise ConnectFailed(f"cannot resolve {host}: {str(error) or 'timed out'}") from error
    problems = []
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        sock.setblocking(False)
        try:
            _tune(sock)
            async with asyncio.timeout(timeout):
                await loop.sock_connect(sock, address)
        except (OSError, TimeoutError) as error:
            sock.close()
            problems.append(f"{address[0]}: {str(error) or 'timed out'}")
            continue
        except BaseException:  # cancelled: the caller never gets the socket to close
            sock.close()
            raise
        return sock
    raise ConnectFailed(f"cannot connect to {host} port {port}: {'; '.join(problems)}")
