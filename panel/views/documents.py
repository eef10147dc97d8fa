"""«Платежный документ»: the report of a period's documents, chosen by organisation and «Отбор»."""
from aiohttp import web

from panel import keys
from panel.documents.selection import periods, summary
from panel.organisations_store import choices
from panel.personal_account_search import ListQuery, Mode, list_accounts
from panel.personal_accounts_store import DELIVERY_LABELS, DeliveryMethod
from panel.responses import url_for
from panel.templating import render
from panel.validation import period_label


def _choice(text: str, known) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and int(text) in known else None


def selection_of(request: web.Request, known_periods: list[str], organisations: list[tuple[int, str]]) -> ListQuery:
    """The report's selection from the query string; unknown values fall back to «все»."""
    query = request.query
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

    return render(request, "documents.html", {
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
