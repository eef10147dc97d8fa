"""systemd's notification protocol: one datagram to $NOTIFY_SOCKET (sd_notify(3)), and
whether systemd's watchdog expects them (sd_watchdog_enabled(3))."""
import os
import socket
from collections.abc import Mapping


def notify(state: str) -> bool:
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # abstract namespace
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.connect(address)
        sock.sendall(state.encode("utf-8"))
    return True


def watchdog_interval(environ: Mapping[str, str] = os.environ) -> float | None:
    """Seconds within which systemd wants WATCHDOG=1 (`WatchdogSec=`), or None.

    As sd_watchdog_enabled(3): $WATCHDOG_USEC is set, and $WATCHDOG_PID, when set, is this
    process (not a child that inherited the environment).
    """
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    pid = environ.get("WATCHDOG_PID")
    if usec <= 0 or (pid and pid != str(os.getpid())):
        return None
    return usec / 1_000_000
