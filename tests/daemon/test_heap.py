"""Memory the service frees goes back to the system, even after a large block (scrypt's 16 MB)."""
import subprocess
import sys

AFTER_A_LARGE_BLOCK = """
import sys
from daemon import heap
if sys.argv[1] == "kept small":
    heap.keep_small()

def rss_mib():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024

large = bytearray(16 * 2**20)  # mapped, and unmapped when freed: glibc then raises its thresholds
del large
before = rss_mib()
blocks = [bytearray(2 * 2**20) for _ in range(12)]  # an upload's copies, say
del blocks
print(rss_mib() - before)
"""


def kept_after_freeing(mode: str) -> float:
    result = subprocess.run([sys.executable, "-c", AFTER_A_LARGE_BLOCK, mode], check=True, capture_output=True, text=True)
    return float(result.stdout)


def test_with_the_heap_kept_small_freed_blocks_leave_the_process():
    kept = kept_after_freeing("kept small")
    assert kept < 2, f"{kept:.1f} MiB stayed"


def test_by_glibc_default_they_would_stay():
    """What heap.keep_small() is for, and that the test above can fail."""
    kept = kept_after_freeing("glibc's default")
    assert kept >= 20, f"only {kept:.1f} MiB stayed"
