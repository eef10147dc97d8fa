"""«Отправить по email»: the confirmation with the mail account's password, and a run's progress.

As in the seed: from the «Платежный документ» report, «Отправить по email» asks for the mail
account's password and its confirmation; «Продолжить» starts a run in the service. The run
page shows how far it got, whatever page reloads happen, with pause, resume and cancel.
"""
import time

from aiohttp import web

from panel import keys
from panel.documents.selection import periods
from panel.mailing import journal
from panel.mailing.journal import EntryStatus, RunState
from panel.mailing.labels import RUN_STATE_LABELS
from panel.mailing.planning import plan_run
from panel.organisations_store import choices
from panel.responses import see_other, url_for
from panel.templating import render
from panel.validation import period_label
from panel.views.documents import selection_of_values, selection_parameters, title_of

PASSWORDS_DIFFER = "Пароль и подтверждение не совпадают"
PASSWORD_MISSING = "Введите пароль учетной записи почты и его подтверждение"


async def _selection(request: web.Request, values):
    db = request.app[keys.PANEL_DB]
    known, organisations = await periods(db), await choices(db)
    selection = selection_of_values(values, known, organisations)
    if selection.period is None:
        raise web.HTTPSeeOther(url_for(request, "documents"))
    return selection, organisations


async def confirm_page(request: web.Request) -> web.Response:
    selection, organisations = await _selection(request, request.query)
    return await _confirm(request, selection, organisations)


async def _confirm(request: web.Request, selection, organisations, *, errors: dict | None = None,
                   resend: bool = False, status: int = 200) -> web.Response:
    mailing = request.app[keys.MAILING]
    plan = await plan_run(request.app[keys.PANEL_DB], selection, selection.period, resend)
    account = await mailing.account()
    errors = dict(errors or {})
    if problem := account.sender_problem:
        errors["sender"] = problem
    return render(request, "send_confirm.html", {
        "title": title_of(selection, organisations),
        "parameters": selection_parameters(selection),
        "plan": plan,
        "resend": resend,
        "sender": account.sender,
        "login": account.login,
        "stored_password": await mailing.stored_password() is not None,
        "errors": errors,
    }, status)


async def start(request: web.Request) -> web.Response:
    """«Продолжить»: the passwords checked (and with the relay), then the run starts."""
    form = await request.post()
    selection, organisations = await _selection(request, form)
    mailing, db = request.app[keys.MAILING], request.app[keys.PANEL_DB]
    resend = "resend" in form
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    stored = await mailing.stored_password()
    use_stored = stored is not None and not password and not again
    sender_problem = (await mailing.account()).sender_problem
    errors = {"sender": sender_problem} if sender_problem else {}
    if not errors and not use_stored:
        if not password or not again:
            errors["password"] = PASSWORD_MISSING
        elif password != again:
            errors["password"] = PASSWORDS_DIFFER
        else:
            accepted, reply = await mailing.check_password(password)
            if not accepted:
                errors["password"] = f"Пароль не подошел: почтовый сервер ответил «{reply}»"
    plan = await plan_run(db, selection, selection.period, resend)
    if not errors and plan.letters == 0:
        errors["plan"] = "По этому отбору отправлять некому: посмотрите причины ниже"
    if errors:
        return await _confirm(request, selection, organisations, errors=errors, resend=resend, status=400)
    run_id = await journal.create_run(
        db, period=selection.period, organisation_id=selection.organisation_id,
        selection={key: value for key, value in selection_parameters(selection).items() if key != "period"},
        title=title_of(selection, organisations), resend=resend, stored_password=use_stored,
        started_by=request[keys.SESSION].user.name, entries=plan.entries, now=time.time(),
    )
    await mailing.begin(run_id, None if use_stored else password)
    return see_other(url_for(request, "send_run", run=run_id))


async def _run(request: web.Request) -> journal.Run:
    run = await journal.get_run(request.app[keys.PANEL_DB], int(request.match_info["run"]))
    if run is None:
        raise web.HTTPNotFound()
    return run


async def run_page(request: web.Request) -> web.Response:
    return await _render_run(request, await _run(request))


async def _render_run(request: web.Request, run: journal.Run, password_error: str = "", status: int = 200) -> web.Response:
    counts = await journal.counts(request.app[keys.PANEL_DB], run.id)
    return render(request, "send_run.html", {
        "run": run,
        "period": period_label(run.period),
        "counts": counts,
        "progress": _progress(counts),
        "live": run.state in journal.UNFINISHED or counts[EntryStatus.QUEUED] or counts[EntryStatus.SUBMITTING],
        "state_label": RUN_STATE_LABELS[run.state],
        "can_retry": run.state in (RunState.FINISHED, RunState.CANCELLED)
        and (counts[EntryStatus.FAILED] or counts[EntryStatus.BOUNCED]),
        "password_error": password_error,
    }, status)


def _progress(counts: dict[EntryStatus, int]) -> dict[str, int]:
    """The figures the bar shows: prepared, handed to the relay, and what became of them."""
    handed = sum(counts[status] for status in journal.HANDED_OVER)
    letters = sum(counts.values()) - counts[EntryStatus.SKIPPED]
    return {
        "letters": letters,
        "prepared": handed + counts[EntryStatus.SUBMITTING],
        "handed": handed,
        "delivered": counts[EntryStatus.DELIVERED],
        "deferred": counts[EntryStatus.DEFERRED],
        "failed": counts[EntryStatus.FAILED],
        "bounced": counts[EntryStatus.BOUNCED],
        "skipped": counts[EntryStatus.SKIPPED],
        "cancelled": counts[EntryStatus.CANCELLED],
    }



async def run_action(request: web.Request) -> web.Response:
    """Pause, resume, cancel, the password again, «Повторить неотправленные»."""
    run = await _run(request)
    mailing, action = request.app[keys.MAILING], request.match_info["action"]
    if action == "pause":
        await mailing.pause(run.id)
    elif action == "resume":
        await mailing.resume(run.id)
    elif action == "cancel":
        await mailing.cancel(run.id)
    elif action == "retry":
        await journal.retry_not_sent(request.app[keys.PANEL_DB], run.id, time.time())
        mailing.wake()
    elif action == "password":
        form = await request.post()
        password, again = str(form.get("password", "")), str(form.get("password_again", ""))
        if not password or password != again:
            return await _render_run(request, run, PASSWORDS_DIFFER if password else PASSWORD_MISSING, 400)
        accepted, reply = await mailing.check_password(password)
        if not accepted:
            return await _render_run(request, run, f"Пароль не подошел: почтовый сервер ответил «{reply}»", 400)
        await mailing.give_password(run.id, password)
    else:
        raise web.HTTPNotFound()
    return see_other(url_for(request, "send_run", run=run.id))
