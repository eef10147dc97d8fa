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
WAYS = ("relay", "stunnel", "direct", "reused")


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
    assert result.stdout.count("  machine    CPU ") == len(WAYS), output
    assert "machine CPU a message  relay way" in result.stdout, output
    assert "relay / stunnel      delivered" in result.stdout, output
    assert "relay / reused       delivered" in result.stdout and "CPU a message" in result.stdout, output


@pytest.mark.postfix
def test_benchmark_runs_only_the_ways_asked_for() -> None:
    require_mail_servers()

    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--messages", "2", "--ways", "reused"],
        capture_output=True, text=True, timeout=300,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "== reused:" in result.stdout and "== relay:" not in result.stdout, output
    assert "(2 of 2 in the Maildir)" in result.stdout, output
    assert "ratios" not in result.stdout, output


def test_benchmark_refuses_an_unknown_way() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--ways", "relay,carrier-pigeon"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown carrier-pigeon" in result.stderr
