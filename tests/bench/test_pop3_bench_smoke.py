"""The POP3 relay-vs-stunnel benchmark still runs end to end, so it cannot rot.

A 1 MB message and five sessions per way against a real Dovecot: too little to say
anything about speed, enough to see every way log in, RETR byte-identical answers and
print its figures and the ratios.
"""
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mailservers.fixtures import require_mail_servers
from tests.require import require_tool

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "pop3_relay_vs_stunnel.py"
WAYS = ("relay", "tunnel", "stunnel", "direct")


@pytest.mark.postfix
def test_pop3_benchmark_reads_every_way_identically() -> None:
    require_mail_servers()
    require_tool("stunnel")

    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--size-mb", "1", "--sessions", "5"],
        capture_output=True, text=True, timeout=300,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for way in WAYS:
        assert f"== A {way}:" in result.stdout, output
        assert f"== B {way}:" in result.stdout, output
    assert result.stdout.count("(5 of 5 ok, 0 failed)") == len(WAYS), output
    assert "identical in every way" in result.stdout, output
    assert "the message as put, CRLF and dot-stuffed: yes" in result.stdout, output
    assert "RETR 1 answers identical in every way" in result.stdout, output
    for ratio in ("A relay / stunnel", "A tunnel / stunnel", "B relay / stunnel", "B tunnel / stunnel"):
        assert ratio in result.stdout, output
    assert "MB/s  best" in result.stdout and "sessions/s" in result.stdout, output
    assert "epd-relay (pop3 relay)" in result.stdout and "stunnel" in result.stdout, output
