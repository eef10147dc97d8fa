"""The payment document benchmark still runs end to end, so it cannot rot.

Sixty documents, six of them the platypus way: too few to say anything about speed,
enough to render every kind of generated document both ways in a pool and run the
checks (every PDF parses with pypdf and holds its account number, ours under 60 KB).
"""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "render_documents.py"


def test_benchmark_renders_both_ways_and_its_checks_hold() -> None:
    result = subprocess.run(
        [sys.executable, "-W", "error", str(SCRIPT), "--documents", "60", "--baseline-documents", "6",
         "--workers", "2", "--chunk", "10"],
        capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "made 60 documents" in result.stdout, output
    lines = result.stdout.splitlines()
    for way, count in (("ours", "60"), ("platypus", "6")):
        [row] = [line.split() for line in lines if line.startswith(way + " ")]
        assert row[1] == count and float(row[2]) > 0, row
    assert any(line.startswith("ratio ours/platypus:") for line in lines), output
    assert "FAILED" not in result.stdout and "all checks passed" in result.stdout, output
