"""The send-run benchmark still runs end to end, so it cannot rot.

Sixty accounts: too few to say anything about speed or memory, enough to run every step
(the provider, the uploads, the mail account form, «Продолжить», the outside client) and
every check (each recipient once, the journal delivered, nothing of the outside lost).
"""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "send_run.py"


def test_benchmark_runs_and_its_checks_hold() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", str(SCRIPT), "--accounts", "60", "--idle", "5", "--size", "20000"],
        capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    lines = result.stdout.splitlines()
    assert any(line.startswith("wall time from «Продолжить»") and "messages/s" in line for line in lines), output
    assert any(line.startswith("outside during") and "refused 0" in line for line in lines), output
    assert "check ok     each of the 60 recipients exactly once" in result.stdout, output
    assert "check ok     journal: 60 delivered, run finished" in result.stdout, output
    assert sum(line.startswith("goal ") for line in lines) == 3, output
    assert "all checks passed" in result.stdout, output
