"""The listener floor benchmark still runs end to end, so it cannot rot: both servers take
enough messages to use some CPU ticks (10 ms each), and the ratio line is printed."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "smtp_listener_floor.py"


def test_both_listeners_take_the_messages_and_the_ratio_is_printed() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", str(SCRIPT), "--messages", "200", "--rounds", "1"],
        capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for way in ("callback", "aiosmtpd"):
        [line] = [line for line in result.stdout.splitlines() if line.startswith(f"{way} ") and "(median)" in line]
        assert float(line.split()[2]) > 0, line
    assert "ratio aiosmtpd/callback: CPU " in result.stdout, output
