"""The C heap gives freed memory back to the system (glibc's malloc, mallopt(3)).

By default glibc raises its mmap threshold to the size of each large block freed, up to
32 MB, and its trim threshold to twice that: after scrypt's 16 MB at the first login, or
the copies of an uploaded file, every block under that size came from the heap, and up to
64 MB freed there stayed with the process. The relay's process stayed 50 MB larger after
one import. Fixed thresholds stop that adjustment; two arenas keep the threads (aiosqlite's,
asyncio's) from holding free memory each in an arena of their own.
"""
import ctypes

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

MMAP_THRESHOLD = 256 * 1024  # larger blocks are mapped, and unmapped when freed
TRIM_THRESHOLD = 1024 * 1024  # free memory at the heap's top beyond this goes back at once
ARENAS = 2


_LIBC = ctypes.CDLL(None)


def keep_small() -> None:
    """Call before threads start: an arena, once made, stays."""
    _LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    _LIBC.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    _LIBC.mallopt(M_ARENA_MAX, ARENAS)


def give_back() -> None:
    """Every free page of the heap returned to the system now (malloc_trim(3)), not only
    those above the trim threshold at its top: about 0.3 ms, no Python collection."""
    _LIBC.malloc_trim(0)
