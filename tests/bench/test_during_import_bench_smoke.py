"""The import benchmark still runs end to end, so it cannot rot.

A few thousand accounts and a few dozen messages: too few to say anything about latency,
enough to run every step and its checks (nothing refused or lost, the import applied).
"""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "smtp_during_import.py"


def test_benchmark_runs_and_its_checks_hold() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", str(SCRIPT), "--accounts", "2000", "--idle", "20", "--size", "20000"],
        capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    lines = result.stdout.splitlines()
    assert any(line.startswith("idle ") and "refused 0" in line for line in lines), output
    assert any(line.startswith("during import") and "refused 0" in line for line in lines), output
    assert "p99 during import / idle:" in result.stdout and "all checks passed" in result.stdout, output
