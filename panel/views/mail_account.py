"""«Учетные записи электронной почты»: the system account, its presets and «Проверить учетную запись».

Everyone may look and run the check; only an admin saves. The saved account is in force
for the relay at once (daemon/mail_account.py); its password, when «Запомнить пароль» is
on, is kept encrypted with the daemon's key in the accounts table, never in this row.
"""
import logging
import time
from dataclasses import dataclass

from aiohttp import web

from daemon.provider import logins, mail_account
from daemon.provider.check import CheckReport, check_pop3, check_smtp
from daemon.provider.mail_account import MailAccount
from panel import keys
from panel.check_report import ShownStep, explain_all
from panel.mail_account_form import (
    PRESETS,
    Preset,
    Typed,
    typed_from_account,
    typed_from_form,
    validate,
    with_preset,
    with_standard_ports,
)
from panel.responses import see_other, url_for
from panel.templating import render

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckSection:
    title: str
    ok: bool
    steps: list[ShownStep]


@dataclass(frozen=True)
class CheckOutcome:
    ok: bool
    sections: list[CheckSection]
    problem: str = ""  # the check could not start: what is missing


async def page(request: web.Request) -> web.Response:
    saved = await mail_account.load(request.app[keys.RELAY_DB])
    typed = typed_from_account(saved or mail_account.from_config(request.app[keys.SETTINGS].file))
    preset = PRESETS.get(request.query.get("preset", ""))
    if preset is not None:
        typed = with_preset(typed, preset)
    return await _render(request, typed, saved, preset=preset, just_saved="saved" in request.query)


async def save(request: web.Request) -> web.Response:
    session = request[keys.SESSION]
    if session is None or not session.user.is_admin:
        raise web.HTTPForbidden()
    db, form = request.app[keys.RELAY_DB], await request.post()
    saved = await mail_account.load(db)
    typed = typed_from_form(form)
    retype = bool(form.get("password") or form.get("smtp_password"))  # never echoed back
    preset = PRESETS.get(str(form.get("preset", "")))
    if preset is not None:  # a preset button: fill the form, save nothing yet
        return await _render(request, with_preset(typed, preset), saved, preset=preset, retype_password=retype)
    if "standard_ports" in form:
        return await _render(request, with_standard_ports(typed), saved, retype_password=retype)
    account = validate(typed)
    passwords = {}
    if account is not None:
        passwords = _typed_passwords(account, form)
        await _require_passwords_to_remember(db, account, passwords, typed)
    if account is None or typed.errors:
        return await _render(request, typed, saved, status=400, retype_password=retype)
    now = time.time()
    await mail_account.save(db, account, now)
    await _keep_or_forget_passwords(request, account, passwords, saved, now)
    mail_account.install_saved(request.app[keys.SETTINGS], account)
    log.info("mail account saved by %s", session.user.name)
    return see_other(url_for(request, "mail_account", {"saved": 1}))


def _typed_passwords(account: MailAccount, form) -> dict[str, str]:
    """Login -> the password typed for it (empty when none was typed)."""
    password = form.get("password", "")
    smtp_password = form.get("smtp_password", "") if not account.smtp_auth_as_pop3 else password
    typed = {account.username: password}
    if account.use_for_sending:
        typed[account.smtp_login] = smtp_password
    return {login: value if isinstance(value, str) else "" for login, value in typed.items() if login}


async def _has_stored_password(db, login: str) -> bool:
    existing = await logins.get_login(db, login)
    return existing is not None and existing.has_stored_password


async def _require_passwords_to_remember(db, account: MailAccount, passwords: dict[str, str], typed: Typed) -> None:
    if not account.remember_password:
        return
    for login, password in passwords.items():
        if not password and not await _has_stored_password(db, login):
            field = "password" if login == account.username else "smtp_password"
            typed.errors[field] = "Введите пароль: чтобы его запомнить, его нужно указать"


async def _keep_or_forget_passwords(
    request: web.Request, account: MailAccount, passwords: dict[str, str], saved: MailAccount | None, now: float
) -> None:
    db, box = request.app[keys.RELAY_DB], request.app[keys.BOX]
    for login, password in passwords.items():
        keep = account.remember_password and password
        await logins.save_login(
            db, login, address=account.address, now=now, box=box,
            stored_password=password if keep else None,
        )
        if not account.remember_password:
            await logins.forget_stored_password(db, login)
    # A login the account no longer uses keeps no password of ours.
    for login in (saved.logins if saved and saved.remember_password else ()):
        if login not in passwords:
            await logins.forget_stored_password(db, login)


async def check(request: web.Request) -> web.Response:
    """«Проверить учетную запись»: the saved settings, step by step, with the daemon's own checks."""
    db, box, settings = request.app[keys.RELAY_DB], request.app[keys.BOX], request.app[keys.SETTINGS]
    form = await request.post()
    saved = await mail_account.load(db)
    account = saved or mail_account.from_config(settings.file)
    config = mail_account.apply(settings.file, saved) if saved else settings.current
    smtp, pop3 = config.upstream_smtp, config.upstream_pop3
    wanted = {}  # login -> the form field its password comes from
    if not smtp.captures_locally and smtp.username:
        wanted[smtp.username] = "password" if account.smtp_auth_as_pop3 else "smtp_password"
    if pop3.enabled and account.username:
        wanted[account.username] = "password"
    passwords, missing = {}, []
    for login, field in wanted.items():
        typed = form.get(field, "")
        password = typed if isinstance(typed, str) and typed else await logins.stored_password(db, box, login)
        if password:
            passwords[login] = password
        else:
            missing.append(login)
    outcome: CheckOutcome
    if smtp.captures_locally and not pop3.enabled:
        outcome = CheckOutcome(False, [], "nothing")
    elif missing:
        outcome = CheckOutcome(False, [], "password")
    else:
        outcome = await _run_checks(config, account, passwords)
    return await _render(
        request, typed_from_account(account), saved, outcome=outcome, missing_passwords=missing
    )


async def _run_checks(config, account: MailAccount, passwords: dict[str, str]) -> CheckOutcome:
    smtp, pop3 = config.upstream_smtp, config.upstream_pop3
    sections = []
    if not smtp.captures_locally:
        login = smtp.username or None
        report = await check_smtp(smtp, login, passwords.get(login) if login else None)
        sections.append(_section(f"Сервер исходящей почты (SMTP) {smtp.host}, порт {smtp.port}", report))
    if pop3.enabled:
        report = await check_pop3(pop3, account.username, passwords[account.username])
        sections.append(_section(f"Сервер входящей почты (POP3) {pop3.host}, порт {pop3.port}", report))
    return CheckOutcome(all(section.ok for section in sections), sections)


def _section(title: str, report: CheckReport) -> CheckSection:
    return CheckSection(title, report.ok, explain_all(report.steps))


async def _render(
    request: web.Request,
    typed: Typed,
    saved: MailAccount | None,
    *,
    preset: Preset | None = None,
    just_saved: bool = False,
    retype_password: bool = False,
    outcome: CheckOutcome | None = None,
    missing_passwords: list[str] | None = None,
    status: int = 200,
) -> web.Response:
    db, settings = request.app[keys.RELAY_DB], request.app[keys.SETTINGS]
    session = request[keys.SESSION]
    stored = {
        "password": bool(typed.username) and await _has_stored_password(db, typed.username),
        "smtp_password": bool(typed.smtp_username) and await _has_stored_password(db, typed.smtp_username),
    }
    return render(request, "mail_account.html", {
        "form": typed,
        "errors": typed.errors,
        "presets": list(PRESETS.values()),
        "preset": preset,
        "can_edit": session is not None and session.user.is_admin,
        "saved": saved is not None,
        "just_saved": just_saved,
        "retype_password": retype_password,
        "stored": stored,
        "pending": mail_account.pending(settings),
        "running_captures": settings.current.upstream_smtp.captures_locally,
        "outcome": outcome,
        "missing_passwords": missing_passwords or [],
    }, status=status)
