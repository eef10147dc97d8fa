"""«Платежный документ»: the report of a period's documents, chosen by organisation and «Отбор»;
one document as PDF; «На принтер», all of them in one PDF built in the background."""
from aiohttp import web

from panel import keys
from panel.documents.model import Recipient
from panel.documents.printing import PrintState
from panel.documents.qr import qr_problems
from panel.documents.selection import account_ids, periods, summary
from panel.jobs import Job
from panel.organisations_store import choices, get_organisation
from panel.personal_account_search import ListQuery, Mode, list_accounts
from panel.personal_accounts_store import DELIVERY_LABELS, DeliveryMethod
from panel.responses import see_other, url_for
from panel.templating import render
from panel.validation import period_label

RENDER_ACCOUNT = Job("panel.documents.jobs", "render_account")

RECIPIENT_FIELDS = tuple(Recipient.__dataclass_fields__)


def _choice(text: str, known) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and int(text) in known else None


def selection_of(request: web.Request, known_periods: list[str], organisations: list[tuple[int, str]]) -> ListQuery:
    """The report's selection from the query string; unknown values fall back to «все»."""
    return selection_of_values(request.query, known_periods, organisations)


def selection_of_values(query, known_periods: list[str], organisations: list[tuple[int, str]]) -> ListQuery:
    """The same from a query string or a posted form."""
    period = query.get("period", "")
    delivery = query.get("delivery", "")
    return ListQuery(
        text=query.get("q", "").strip(),
        organisation_id=_choice(query.get("organisation", ""), {id_ for id_, _ in organisations}),
        delivery_method=delivery if delivery in DeliveryMethod.__members__.values() else None,
        period=period if period in known_periods else (known_periods[0] if known_periods else None),
        after=query.get("after") or None,
        before=query.get("before") or None,
    )


def selection_parameters(selection: ListQuery) -> dict[str, str]:
    """The query string that selects the same documents (without paging)."""
    parameters = {"period": selection.period or ""}
    if selection.organisation_id is not None:
        parameters["organisation"] = str(selection.organisation_id)
    if selection.delivery_method is not None:
        parameters["delivery"] = selection.delivery_method
    if selection.text:
        parameters["q"] = selection.text
    return parameters


async def report(request: web.Request) -> web.Response:
    db = request.app[keys.PANEL_DB]
    known_periods = await periods(db)
    organisations = await choices(db)
    selection = selection_of(request, known_periods, organisations)
    formed = "period" in request.query and selection.period is not None  # «Сформировать» was pressed
    page = await list_accounts(db, selection) if formed else None
    documents, due = await summary(db, selection) if formed else (0, None)
    parameters = selection_parameters(selection)

    def url(**key: str) -> str:
        return url_for(request, "documents", parameters | key)

    organisation = await get_organisation(db, selection.organisation_id) if selection.organisation_id else None
    recipient = Recipient(**{name: organisation[name] for name in RECIPIENT_FIELDS}) if organisation else None
    return render(request, "documents.html", {
        "qr_problems": qr_problems(recipient) if recipient else [],
        "selection_parameters": parameters,
        "periods": [(period, period_label(period)) for period in known_periods],
        "organisations": organisations,
        "delivery_options": [(method.value, label) for method, label in DELIVERY_LABELS.items()],
        "delivery_labels": DELIVERY_LABELS,
        "selection": selection,
        "formed": formed,
        "page": page,
        "documents": documents,
        "due": due,
        "prefix_only": page is not None and page.mode is Mode.PREFIX,
        "first_url": url() if page and page.previous_key else None,
        "next_url": url(after=page.next_key) if page and page.next_key else None,
        "previous_url": url(before=page.previous_key) if page and page.previous_key else None,
    })


async def document_pdf(request: web.Request) -> web.Response:
    """One document, shown by the browser (inline), rendered in a job process."""
    period, account_id = request.match_info["period"], int(request.match_info["account"])
    database = request.app[keys.SETTINGS].current.storage.panel_database
    rendered = await request.app[keys.JOBS].run(RENDER_ACCOUNT, database, account_id, period)
    if rendered is None:
        raise web.HTTPNotFound()
    name, pdf = rendered
    return web.Response(body=pdf, content_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "no-store",
    })


async def print_selection(request: web.Request) -> web.Response:
    """«На принтер»: start building one PDF of every document of the selection."""
    db = request.app[keys.PANEL_DB]
    known_periods, organisations = await periods(db), await choices(db)
    form = await request.post()
    selection = selection_of_values(form, known_periods, organisations)
    if selection.period is None:
        raise web.HTTPSeeOther(url_for(request, "documents"))
    ids = await account_ids(db, selection)
    job = request.app[keys.PRINTING].start(ids, selection.period, title_of(selection, organisations))
    return see_other(url_for(request, "print_job", job=job.id))


def title_of(selection: ListQuery, organisations: list[tuple[int, str]]) -> str:
    parts = [period_label(selection.period)]
    if selection.organisation_id is not None:
        parts.append(dict(organisations)[selection.organisation_id])
    if selection.delivery_method is not None:
        parts.append(DELIVERY_LABELS[DeliveryMethod(selection.delivery_method)].lower())
    if selection.text:
        parts.append(f"«{selection.text}»")
    return ", ".join(parts)


async def print_job(request: web.Request) -> web.Response:
    job = request.app[keys.PRINTING].get(request.match_info["job"])
    if job is None:
        raise web.HTTPNotFound()
    return render(request, "print.html", {"job": job, "running": job.state is PrintState.RUNNING})


async def print_file(request: web.Request) -> web.StreamResponse:
    job = request.app[keys.PRINTING].get(request.match_info["job"])
    if job is None or job.state is not PrintState.DONE or job.path is None:
        raise web.HTTPNotFound()
    return web.FileResponse(job.path, headers={
        "Content-Type": "application/pdf",
        "Content-Disposition": f'attachment; filename="EPD_{job.period}_print.pdf"',
    })
