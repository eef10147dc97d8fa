"""The journal benchmark still runs end to end, so it cannot rot: a few thousand entries."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "journal_pages.py"


def test_benchmark_runs_every_case_and_its_checks_hold() -> None:
    result = subprocess.run([sys.executable, "-W", "error", str(SCRIPT), "--entries", "3000", "--repeats", "1"],
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "all checks passed" in result.stdout, output
    for case in ("no filter", "status failed", "one run", "one period", "one account", "organisation"):
        assert any(line.startswith(case) for line in result.stdout.splitlines()), output
