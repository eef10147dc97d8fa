"""`epd-relay send`: the monthly mailing from cron, run by the service.

    epd-relay send --period 2013-07 --org 'УК "Тихий океан"' [--yes]

The run belongs to the running service: this command writes it into the panel's store
(as «Продолжить» does), the service's watcher starts it within seconds, and the command
shows its progress until every letter is handed over; interrupting the command does not
stop the run. Unattended, it sends with the remembered password of the system mail account
(`epd-relay account set LOGIN --store-password`, or «Запомнить пароль» in the panel).
Exit status: 0 when every letter was handed over, 3 when the run waits for the provider's
daily limit (it goes on by itself), 1 when it stopped, was cancelled or waits for a password.
"""
import argparse
import asyncio
import socket
import sys
import time

from daemon.config import Config
from daemon.db.stores import panel_store, relay_store
from daemon.provider import logins
from daemon.secretbox import SecretBox
from panel import validation
from panel.mailing import journal
from panel.mailing.journal import EntryStatus, RunState
from panel.mailing.planning import plan_run
from panel.mailing.runs import sending_account
from panel.organisations_store import find_organisation
from panel.personal_account_search import ListQuery

POLL = 1.0
STARTED_BY = "командная строка"


def add_send_command(commands: argparse._SubParsersAction, with_config) -> None:
    send = with_config(commands.add_parser(
        "send", help="e-mail an organisation's payment documents for a period (the service sends them)",
    ), _cmd_send)
    send.add_argument("--period", required=True, help="e.g. 2013-07 or 'Июль 2013'")
    send.add_argument("--org", required=True, help="the organisation's id or exact name")
    send.add_argument("--yes", action="store_true",
                      help="send again to accounts whose document for the period was already sent, without asking")


def _cmd_send(config: Config, args: argparse.Namespace) -> int:
    try:
        period = validation.period(args.period)
    except validation.Invalid as error:
        print(f"epd-relay: --period: {error}", file=sys.stderr)
        return 2
    if not _service_listens(config):
        print(f"epd-relay: the service is not running (nothing listens on {config.smtp.listen}):"
              " start it first (systemctl start epd-relay)", file=sys.stderr)
        return 1
    started = asyncio.run(_start(config, args, period))
    if isinstance(started, str):
        print(f"epd-relay: {started}", file=sys.stderr)
        return 1
    try:
        return asyncio.run(_follow(config, started))
    except KeyboardInterrupt:
        print(f"\nthe run goes on in the service: its page is /mailing/runs/{started}", file=sys.stderr)
        return 130


def _service_listens(config: Config) -> bool:
    listen = config.smtp.listen
    try:
        with socket.create_connection((listen.host, listen.port), timeout=5):
            return True
    except OSError:
        return False


async def _start(config: Config, args: argparse.Namespace, period: str) -> int | str:
    async with relay_store(config.storage) as relay_db:
        account = await sending_account(relay_db, config)
        if account.sender_problem:
            return (f"the sender address {account.sender.address!r} of the mail account {account.login} is not"
                    " one letters can go from (ASCII before the @, a domain after it): set it in the panel"
                    " (Учетные записи электронной почты) or as address in [upstream.smtp] of config.toml")
        box = await asyncio.to_thread(SecretBox.open_or_create, config.storage.key_file)
        if await logins.stored_password(relay_db, box, account.login) is None:
            return (f"no remembered password for the mail account {account.login}: store it with"
                    f" `epd-relay account set {account.login} --store-password` (or «Запомнить пароль» in the"
                    " panel); unattended runs send with it")
    async with panel_store(config.storage) as db:
        organisation = await find_organisation(db, args.org)
        if organisation is None:
            return f"no organisation {args.org!r} (give its exact name or its id)"
        query = ListQuery(organisation_id=organisation[0])
        plan = await plan_run(db, query, period)
        resend = False
        if plan.sent_before and (args.yes or _ask(f"{plan.sent_before} accounts were already sent their document"
                                                 f" for {period}: send it to them again?")):
            resend = True
            plan = await plan_run(db, query, period, resend=True)
        if plan.letters == 0:
            return f"nothing to send for {organisation[1]} in {period}: {plan.skipped} accounts skipped"
        title = f"{validation.period_label(period)}, {organisation[1]}"
        run_id = await journal.create_run(
            db, period=period, organisation_id=organisation[0], selection={}, title=title, resend=resend,
            stored_password=True, started_by=STARTED_BY, entries=plan.entries, now=time.time(),
        )
    print(f"run {run_id}: {plan.letters} letters, {plan.skipped} accounts skipped ({title})")
    return run_id


def _ask(question: str) -> bool:
    if not sys.stdin.isatty():
        print(f"{question} no (use --yes to send again)", file=sys.stderr)
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes", "д", "да")


async def _follow(config: Config, run_id: int) -> int:
    live = sys.stderr.isatty()
    async with panel_store(config.storage) as db:
        while True:
            if not await asyncio.to_thread(_service_listens, config):
                print(f"\nrun {run_id}: the service stopped; the run goes on when it starts again",
                      file=sys.stderr)
                return 1
            run = await journal.get_run(db, run_id)
            counts = await journal.counts(db, run_id)
            line = _line(counts)
            if live:
                print(f"\r{line}", end="", file=sys.stderr, flush=True)
            if run.state is RunState.FINISHED and not counts[EntryStatus.SUBMITTING]:
                print(f"\r{line}" if live else line, file=sys.stderr)
                print(f"run {run_id}: every letter handed to the relay; the journal shows their delivery")
                return 0
            if run.state in (RunState.WAITING, RunState.WAITING_PASSWORD, RunState.STOPPED, RunState.CANCELLED):
                if run.state is RunState.WAITING and run.resume_at and run.resume_at - time.time() < 120:
                    await asyncio.sleep(POLL)  # a short wait: the relay is busy, the minute's limit
                    continue
                print(f"\r{line}" if live else line, file=sys.stderr)
                print(f"run {run_id}: {run.state}: {run.state_reason}")
                return 3 if run.state is RunState.WAITING else 1
            await asyncio.sleep(POLL)


def _line(counts: dict[EntryStatus, int]) -> str:
    letters = sum(counts.values()) - counts[EntryStatus.SKIPPED]
    handed = sum(counts[status] for status in journal.HANDED_OVER)
    width = 30
    filled = width * handed // max(letters, 1)
    return (f"[{'#' * filled}{'.' * (width - filled)}] {handed}/{letters} handed to the relay,"
            f" {counts[EntryStatus.DELIVERED]} delivered, {counts[EntryStatus.DEFERRED]} deferred,"
            f" {counts[EntryStatus.FAILED]} failed, {counts[EntryStatus.BOUNCED]} bounced")
