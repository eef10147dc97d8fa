"""The seed's worked example loaded into an empty database, for trying epd-relay out."""
import asyncio
import logging
from pathlib import Path

from daemon.db.connect import Database
from panel.imports import import_file

log = logging.getLogger(__name__)

# The example files ship in the source tree, next to the packages.
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DEMO_FILES = ("accounts.csv", "charges-2013-07.csv")


async def load_demo_data(db: Database, now: float, examples: Path = EXAMPLES) -> bool:
    """Import the examples when there is no organisation and no account yet; True if loaded."""
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM organisations) + (SELECT COUNT(*) FROM personal_accounts)"
    )
    if row[0]:
        return False
    if not all((examples / name).is_file() for name in DEMO_FILES):
        log.warning("demo data not found in %s (an installed package has no examples/); skipped", examples)
        return False
    for name in DEMO_FILES:
        data = await asyncio.to_thread((examples / name).read_bytes)
        report = await import_file(db, data, name, now)
        if not report.applied:
            problems = "; ".join(error.message for error in report.errors)
            log.error("demo data %s not loaded: %s", name, problems)
            return False
    log.info("demo data loaded from %s: the seed's example УК, account and July 2013 charges", examples)
    return True
