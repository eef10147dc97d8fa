"""The `epd-relay` command."""
import argparse
import asyncio
import faulthandler
import getpass
import logging
import sys
import time
from pathlib import Path

import uvloop

from daemon import heap
from daemon.app import serve
from daemon.config import DEFAULT_PATH, Config, load
from daemon.db.backup import back_up
from daemon.db.stores import relay_store
from daemon.errors import RelayError
from daemon.provider import logins, mail_account
from daemon.provider.check import CheckReport, check_pop3, check_smtp
from daemon.provider.step_text import describe
from daemon.queue import messages
from daemon.secretbox import SecretBox
from daemon.tunnels.stunnel_import import StunnelConfError
from daemon.tunnels.stunnel_import import convert as convert_stunnel
from panel import service as panel
from panel import validation


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # aiosmtpd logs every command (AUTH lines included) at DEBUG and chatter at INFO.
    logging.getLogger("mail.log").setLevel(logging.WARNING)


def _read_password(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def _cmd_serve(config: Config, args: argparse.Namespace) -> int:
    # systemd's watchdog ends a stalled relay with SIGABRT: every thread's stack goes to
    # the journal first, to show where it stood.
    faulthandler.enable()
    heap.keep_small()
    return uvloop.run(serve(config))


async def _saved_account(config: Config) -> mail_account.MailAccount | None:
    """The mail account saved in the panel: it wins over config.toml's [upstream.*]."""
    storage = config.storage
    if not storage.relay_database.exists() and not storage.single_database.exists():
        return None
    async with relay_store(storage) as db:
        return await mail_account.load(db)


async def _check(config: Config, args: argparse.Namespace) -> int:
    account = await _saved_account(config)
    config = mail_account.apply(config, account)
    smtp, pop3 = config.upstream_smtp, config.upstream_pop3
    if smtp.captures_locally and not pop3.enabled:
        print(f"no upstream: [upstream.smtp] and [upstream.pop3] host are empty in {config.path}"
              f" and in the panel's mail account; mail is captured locally in"
              f" {config.storage.capture_maildir}, not sent")
        return 1
    username = args.user or smtp.username or None
    pop3_username = args.user or (account.username if account else None) or username
    passwords: dict[str, str] = {}

    async def password_for(login: str) -> str:
        if login not in passwords:
            password = None
            if not args.ask_password:
                async with relay_store(config.storage) as db:
                    box = SecretBox.open_or_create(config.storage.key_file)
                    password = await logins.stored_password(db, box, login)
            passwords[login] = password if password is not None else _read_password(f"Password for {login}: ")
        return passwords[login]

    reports = []
    if not smtp.captures_locally:
        password = await password_for(username) if username else None
        print(f"SMTP: {smtp.host} port {smtp.port} ({smtp.security})")
        reports.append(await check_smtp(smtp, username, password))
        _print_steps(reports[-1])
    if pop3.enabled:
        if pop3_username is None:
            print("POP3: not checked, it needs a login: pass --user or set [upstream.smtp] username")
        else:
            password = await password_for(pop3_username)
            print(f"POP3: {pop3.host} port {pop3.port} ({pop3.security})")
            reports.append(await check_pop3(pop3, pop3_username, password))
            _print_steps(reports[-1])
    if username is None:
        print("skip auth      no username: pass --user or set [upstream.smtp] username")
    return 0 if all(report.ok for report in reports) else 1


def _print_steps(report: CheckReport) -> None:
    for step in report.steps:
        print(f"{'ok  ' if step.ok else 'FAIL'} {step.step:<9} {describe(step)}")


def _cmd_check(config: Config, args: argparse.Namespace) -> int:
    return asyncio.run(_check(config, args))


async def _account_set(config: Config, args: argparse.Namespace) -> int:
    if args.address:
        try:
            validation.email(args.address, single_label_domain=True)
        except validation.Invalid:
            print(f"epd-relay: --address: {args.address!r} is not an address letters can go from"
                  " (local@domain, ASCII before the @)", file=sys.stderr)
            return 2
    local = mail_account.apply(config, await _saved_account(config)).upstream_smtp.captures_locally
    password = None
    if local or args.store_password:
        password = _read_password(f"Password for {args.username}: ")
        if not password:
            print("empty password refused", file=sys.stderr)
            return 2
    async with relay_store(config.storage) as db:
        box = SecretBox.open_or_create(config.storage.key_file)
        await logins.save_login(
            db,
            args.username,
            address=args.address or logins.default_address(args.username),
            now=time.time(),
            box=box,
            # With local capture the password is the login's own; --store-password also keeps
            # it for what sends unattended (`epd-relay send`, the panel's mailing).
            stored_password=password if args.store_password else None,
            local_password=password if local else None,
        )
        if args.forget_password:
            await logins.forget_stored_password(db, args.username)
    kept = ["local login"] if local else []
    kept += ["stored encrypted"] if args.store_password else []
    what = ", ".join(kept) or "address only"
    print(f"account {args.username} saved ({what})")
    return 0


def _cmd_account(config: Config, args: argparse.Namespace) -> int:
    return asyncio.run(_account_set(config, args))


async def _queue(config: Config, args: argparse.Namespace) -> int:
    async with relay_store(config.storage) as db:
        if args.queue_command == "release":
            if not await messages.release(db, args.id, time.time()):
                print(f"epd-relay: no held message {args.id}", file=sys.stderr)
                return 1
            print(f"{args.id} released: the running relay tries it within a minute")
            return 0
        for row in await messages.unfinished(db):
            received = time.strftime("%Y-%m-%d %H:%M", time.localtime(row["received_at"]))
            print(f"{row['id']}  {row['state']:<8}  {received}  attempts {row['attempts']}"
                  f"  from <{row['sender']}>  {row['reason']}".rstrip())
    return 0


def _cmd_queue(config: Config, args: argparse.Namespace) -> int:
    return asyncio.run(_queue(config, args))


def _cmd_backup(config: Config, args: argparse.Namespace) -> int:
    for copy in back_up(config.storage, args.directory):
        print(copy)
    return 0


def _cmd_import_stunnel(args: argparse.Namespace) -> int:
    """Print config.toml sections for a stunnel.conf; notices go to stderr."""
    path = args.file
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as error:
        print(f"epd-relay: cannot read {path}: {error.strerror or error}", file=sys.stderr)
        return 2
    try:
        result = convert_stunnel(text, path.resolve().parent, source=str(path))
    except StunnelConfError as error:
        print(f"epd-relay: {path}: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(result.toml)
    for notice in result.notices:
        print(f"{notice.severity}: [{notice.service or 'global'}] {notice.option}: {notice.message}",
              file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="epd-relay", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    def with_config(sub: argparse.ArgumentParser, handler) -> argparse.ArgumentParser:
        sub.add_argument("--config", type=Path, default=DEFAULT_PATH, help="config file (default ./config.toml)")
        sub.set_defaults(handler=handler)
        return sub

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        return with_config(commands.add_parser(name, help=help_text), handler)

    command("serve", _cmd_serve, "run the relay until SIGTERM")
    check = command("check", _cmd_check, "check the upstream provider step by step")
    check.add_argument("--user", help="login to test (default [upstream.smtp] username)")
    check.add_argument("--ask-password", action="store_true", help="ignore a stored password")
    backup = command("backup", _cmd_backup, "copy both databases and the key file, while the service runs")
    backup.add_argument("directory", type=Path, help="an empty or new directory, e.g. /var/backups/epd-relay/2026-12-03")
    import_stunnel = commands.add_parser(
        "import-stunnel", help="print config.toml sections equivalent to a stunnel.conf"
    )
    import_stunnel.add_argument("file", type=Path, help="e.g. /etc/stunnel/stunnel.conf")
    import_stunnel.set_defaults(handler=_cmd_import_stunnel, needs_config=False)
    accounts_parser = commands.add_parser("account", help="mail accounts")
    account_commands = accounts_parser.add_subparsers(dest="account_command", required=True)
    account = with_config(account_commands.add_parser("set", help="create or change a mail account"), _cmd_account)
    account.add_argument("username")
    account.add_argument("--address", help="envelope sender the login may use (default: the login)")
    account.add_argument(
        "--store-password", action="store_true",
        help="read the upstream password from stdin and keep it encrypted for delivery",
    )
    account.add_argument("--forget-password", action="store_true", help="drop a stored password")
    panel.add_commands(commands, with_config)
    queue_parser = commands.add_parser("queue", help="messages not yet delivered or failed")
    queue_commands = queue_parser.add_subparsers(dest="queue_command", required=True)
    for name, help_text in (("list", "list them with their state and last reason"),
                            ("release", "send a message held after repeated crashes again")):
        sub = with_config(queue_commands.add_parser(name, help=help_text), _cmd_queue)
        if name == "release":
            sub.add_argument("id", help="queue id, as in the log and the 250 reply")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    try:
        if not getattr(args, "needs_config", True):
            return args.handler(args)
        config = load(args.config)
        return args.handler(config, args)
    except RelayError as error:
        print(f"epd-relay: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
