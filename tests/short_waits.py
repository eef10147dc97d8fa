"""`epd-relay` with the waits a test cannot sit out made shorter, from the environment.

No setting of the relay's: the busy timeout (60 s), how long delivery waits for a failing
store before giving up (10 min), the watchdog's grace (30 s) and the bound on a stop (80 s)
are constants, and this runs `python -m daemon` with them replaced. Run from the
repository's root: RelayProcess(config_path, {"TEST_...": ...}, SHORT_WAITS).
"""
import os
import sys

from daemon import __main__ as cli
from daemon import app, watchdog
from daemon.db import connect
from daemon.delivery import outage

OVERRIDES = {
    "TEST_BUSY_TIMEOUT_MS": (connect, "BUSY_TIMEOUT_MS", int),
    "TEST_GIVE_UP_AFTER": (outage, "GIVE_UP_AFTER", float),
    "TEST_STALL_GRACE": (watchdog, "STALL_GRACE", float),
    "TEST_STOP_TIMEOUT": (app, "STOP_TIMEOUT", float),
}


def main() -> int:
    for name, (module, constant, kind) in OVERRIDES.items():
        if name in os.environ:
            setattr(module, constant, kind(os.environ[name]))
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
