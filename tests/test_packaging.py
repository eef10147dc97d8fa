"""What `pip install` puts in /opt/epd-relay: the code and every file it reads at run time."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ("daemon/db/migrations/**/*.sql", "panel/templates/**/*.html", "panel/static/*")


def test_the_wheel_carries_every_migration_template_and_static_file(tmp_path):
    # A copy without the checkout's own build leftovers (egg-info lists files on its own).
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "*.egg-info", "build", "__pycache__", "var", "test-output"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), str(source)],
        check=True, capture_output=True,
    )
    [wheel] = tmp_path.glob("epd_relay-*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    wanted = {str(path.relative_to(ROOT)) for pattern in DATA for path in ROOT.glob(pattern)}
    assert wanted and wanted <= packed, sorted(wanted - packed)
