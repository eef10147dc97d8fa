"""Tools and rights a test needs: skipped on a developer's machine without them, never on CI."""
import importlib
import os
import shutil
from types import ModuleType

import pytest


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    _missing(f"{name} is not installed (tests/run installs it)")


def require_module(module: str, package: str) -> ModuleType:
    """A Python module from the `test` extra (`pip install -e '.[test]'`)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        _missing(f"Python package {package} is not installed (tests/run installs it)")


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def require_root(what: str) -> None:
    """Mounting a file system, or limits on another process: root only."""
    if os.geteuid() != 0:
        _missing(f"{what} needs root (CI runs the tests as root)")
