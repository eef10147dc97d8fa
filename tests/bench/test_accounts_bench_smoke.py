"""The «Лицевые счета» benchmark still runs end to end, so it cannot rot.

A few hundred accounts: too few to say anything about speed, enough to run every case
and its checks against the naive LIKE/OFFSET queries.
"""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "accounts_list.py"
CASES = ("first page", "deep page", "organisation", "number", "surname", "street", "e-mail", "short")


def test_benchmark_runs_every_case_and_its_checks_hold() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", str(SCRIPT), "--accounts", "400", "--repeats", "1"],
        capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "seeded 400 accounts" in result.stdout, output
    lines = result.stdout.splitlines()
    for case in CASES:
        assert any(line.startswith(case) for line in lines), output
    assert "FAILED" not in result.stdout and "all checks passed" in result.stdout, output
