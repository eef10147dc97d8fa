"""A job module that only the job process imports (tests/panel/test_jobs.py)."""
import os
import sys


def pid_and_modules() -> tuple[int, bool]:
    return os.getpid(), __name__ in sys.modules
