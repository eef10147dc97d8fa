"""The relay-vs-stunnel benchmark still runs end to end, so it cannot rot.

Five messages per way against a real Postfix: too few to say anything about speed,
enough to see every way send, deliver and account for each Message-ID.
"""
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mailservers.fixtures import require_mail_servers
from tests.require import require_tool

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "smtp_relay_vs_stunnel.py"
WAYS = ("relay", "stunnel", "direct")


@pytest.mark.postfix
def test_benchmark_sends_every_way_and_loses_nothing() -> None:
    require_mail_servers()
    require_tool("stunnel")

    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--messages", "5"],
        capture_output=True, text=True, timeout=300,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for way in WAYS:
        assert f"== {way}:" in result.stdout, output
    assert result.stdout.count("lost 0, duplicates 0, failed 0") == len(WAYS), output
    assert result.stdout.count("(5 of 5 in the Maildir)") == len(WAYS), output
    assert "relay / stunnel    delivered" in result.stdout, output
