"""The panel's commands: `epd-relay user add|passwd`, `import`, `demo`, `render` and `send`."""
import argparse
import asyncio
import getpass
import sys
import time
from collections.abc import Callable
from pathlib import Path

from daemon.config import Config
from daemon.db.stores import panel_store
from panel import users
from panel.demo import load_demo
from panel.documents.render_command import add_render_command
from panel.mailing.send_command import add_send_command
from panel.imports import import_file
from panel.imports.report_text import report_lines

Handler = Callable[[Config, argparse.Namespace], int]


def _new_password(prompt: str) -> str | None:
    """From a prompt, asked twice, or one line of stdin when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != first:
        print("the passwords differ; nothing changed", file=sys.stderr)
        return None
    return first


async def _user(config: Config, args: argparse.Namespace) -> int:
    password = _new_password(f"Password for panel user {args.name}: ")
    if password is None:
        return 2
    async with panel_store(config.storage) as db:
        try:
            if args.user_command == "add":
                user = await users.add_user(db, args.name, password, users.Role(args.role), time.time())
                print(f"panel user {user.name} added ({user.role})")
            else:
                await users.set_password(db, args.name, password)
                print(f"password of panel user {args.name} changed")
        except users.UserError as error:
            print(f"epd-relay: {error}", file=sys.stderr)
            return 2
    return 0


def _cmd_user(config: Config, args: argparse.Namespace) -> int:
    return asyncio.run(_user(config, args))


async def _import(config: Config, args: argparse.Namespace) -> int:
    path = args.file
    try:
        data = path.read_bytes()
    except OSError as error:
        print(f"epd-relay: cannot read {path}: {error.strerror or error}", file=sys.stderr)
        return 2
    async with panel_store(config.storage) as db:
        report = await import_file(db, data, path.name, time.time())
    print("\n".join(report_lines(report)))
    return 0 if report.applied else 1


def _cmd_import(config: Config, args: argparse.Namespace) -> int:
    return asyncio.run(_import(config, args))


async def _demo(config: Config, args: argparse.Namespace) -> int:
    async with panel_store(config.storage) as db:
        result = await load_demo(db, time.time())
    print("\n".join(result.lines()))
    return 0 if result.loaded else 1


def _cmd_demo(config: Config, args: argparse.Namespace) -> int:
    return asyncio.run(_demo(config, args))


def add_commands(
    commands: argparse._SubParsersAction,
    with_config: Callable[[argparse.ArgumentParser, Handler], argparse.ArgumentParser],
) -> None:
    """Add the panel's commands; ``with_config`` gives a command its --config and handler."""
    import_data = with_config(commands.add_parser(
        "import", help="import personal accounts or monthly charges from CSV or XLSX (all or nothing)",
    ), _cmd_import)
    import_data.add_argument("file", type=Path, help="e.g. examples/accounts.csv; columns in examples/README.md")
    with_config(commands.add_parser(
        "demo", help="add the demo's organisations, accounts and July 2013 documents (again: nothing changes)",
    ), _cmd_demo)
    add_render_command(commands, with_config)
    add_send_command(commands, with_config)
    users_parser = commands.add_parser("user", help="staff users of the panel")
    user_commands = users_parser.add_subparsers(dest="user_command", required=True)
    for name, help_text in (("add", "create a panel user"), ("passwd", "change a panel user's password")):
        sub = with_config(user_commands.add_parser(
            name, help=f"{help_text}; the password is asked twice, or read from stdin"
        ), _cmd_user)
        sub.add_argument("name")
        if name == "add":
            sub.add_argument("--role", choices=[role.value for role in users.Role], default="operator",
                             help="admin: mail server settings and users; operator: everything else"
                                  " (default)")
