"""`epd-relay render`: payment documents as PDF files from the command line.

    epd-relay render --period 2013-07 --account 000000001001 -o EPD.pdf
    epd-relay render --period 2013-07 --org 'УК "Тихий океан"' -o july/           # a file each
    epd-relay render --period 2013-07 --org 3 --merge -o july.pdf                  # one file

An organisation's documents are rendered by a pool of processes, one per core, in parts
of PART_SIZE; a progress bar goes to stderr when it is a terminal.
"""
import argparse
import asyncio
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from daemon.config import Config
from daemon.db.stores import panel_store
from panel import validation
from panel.documents.file_name import file_name
from panel.organisations_store import find_organisation

PART_SIZE = 50


def add_render_command(commands: argparse._SubParsersAction, with_config) -> None:
    render = with_config(commands.add_parser(
        "render", help="render payment documents as PDF: one account's, or an organisation's",
    ), _cmd_render)
    render.add_argument("--period", required=True, help="e.g. 2013-07 or 'Июль 2013'")
    which = render.add_mutually_exclusive_group(required=True)
    which.add_argument("--account", help="a personal account number, e.g. 000000001001")
    which.add_argument("--org", help="an organisation's id or exact name: all its accounts")
    render.add_argument("--merge", action="store_true", help="with --org: one PDF file instead of a file each")
    render.add_argument("-o", "--output", type=Path,
                        help="a file (--account, --merge) or a directory (--org); default: here")


def _cmd_render(config: Config, args: argparse.Namespace) -> int:
    # Imported here, like every renderer: `epd-relay serve` parses these commands too and
    # must not load reportlab for them.
    from panel.documents.jobs import render_account
    try:
        period = validation.period(args.period)
    except validation.Invalid as error:
        print(f"epd-relay: --period: {error}", file=sys.stderr)
        return 2
    target = asyncio.run(_target(config, args, period))
    if isinstance(target, str):
        print(f"epd-relay: {target}", file=sys.stderr)
        return 1
    database = config.storage.panel_database
    if args.account:
        [account_id] = target
        output = args.output or Path(file_name(args.account, period))
        rendered = render_account(database, account_id, period)
        if rendered is None:
            print(f"epd-relay: account {args.account} has no payment document for {period}", file=sys.stderr)
            return 1
        output.write_bytes(rendered[1])
        print(output)
        return 0
    return _render_organisation(database, target, period, args)


async def _target(config: Config, args: argparse.Namespace, period: str) -> list[int] | str:
    """The accounts to render, or why there are none."""
    async with panel_store(config.storage) as db:
        if args.account:
            row = await db.fetchone("SELECT id FROM personal_accounts WHERE number = ?", (args.account,))
            return [row[0]] if row else f"no personal account {args.account}"
        organisation = await find_organisation(db, args.org)
        if organisation is None:
            return f"no organisation {args.org!r} (give its exact name or its id)"
        rows = await db.fetchall(
            "SELECT a.id FROM personal_accounts a JOIN payment_documents d ON d.account_id = a.id"
            " WHERE a.organisation_id = ? AND d.period = ? ORDER BY a.number",
            (organisation[0], period),
        )
        return [row[0] for row in rows] or f"{organisation[1]} has no payment documents for {period}"


def _render_organisation(database: Path, account_ids: list[int], period: str, args: argparse.Namespace) -> int:
    from panel.documents.jobs import merge_parts, render_files, render_part
    parts = [account_ids[start:start + PART_SIZE] for start in range(0, len(account_ids), PART_SIZE)]
    progress = Progress(len(account_ids))
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool, tempfile.TemporaryDirectory() as scratch:
        if args.merge:
            output = args.output or Path(f"EPD_{period}.pdf")
            files = [Path(scratch) / f"{number:05d}.pdf" for number in range(len(parts))]
            futures = {pool.submit(render_part, database, ids, period, path): ids for ids, path in zip(parts, files)}
        else:
            output = args.output or Path(f"EPD_{period}")
            output.mkdir(parents=True, exist_ok=True)
            futures = {pool.submit(render_files, database, ids, period, output): ids for ids in parts}
        for future in as_completed(futures):
            future.result()
            progress.advance(len(futures[future]))
        if args.merge:
            merge_parts(files, output)
    progress.finish()
    print(output)
    return 0


class Progress:
    """A bar on stderr, redrawn in place when stderr is a terminal; one line at the end."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.started = total, 0, time.monotonic()
        self.live = sys.stderr.isatty()

    def advance(self, count: int) -> None:
        self.done += count
        if self.live:
            print(f"\r{self._line()}", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        print(f"\r{self._line()}" if self.live else self._line(), file=sys.stderr)

    def _line(self) -> str:
        width = 30
        filled = width * self.done // max(self.total, 1)
        rate = self.done / max(time.monotonic() - self.started, 1e-6)
        return f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} documents, {rate:.0f}/s"
