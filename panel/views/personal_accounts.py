"""«Лицевые счета»: the list with search and paging, a new account, the card."""
import time

from aiohttp import web

from panel import keys, personal_account_form
from panel.organisations_store import choices
from panel.personal_account_search import ListQuery, Mode, list_accounts
from panel.personal_accounts_store import (
    DELIVERY_LABELS,
    DeliveryMethod,
    NumberTaken,
    create_account,
    get_account,
    update_account,
)
from panel.responses import see_other, url_for
from panel.templating import render

NUMBER_TAKEN = "Лицевой счет с таким номером уже есть"


def _organisation_filter(text: str, known: list[tuple[int, str]]) -> int | None:
    if text.isascii() and text.isdigit() and int(text) in {id_ for id_, _ in known}:
        return int(text)
    return None


async def accounts(request: web.Request) -> web.Response:
    db = request.app[keys.PANEL_DB]
    organisations = await choices(db)
    text = request.query.get("q", "").strip()
    organisation_id = _organisation_filter(request.query.get("organisation", ""), organisations)
    query = ListQuery(
        text=text,
        organisation_id=organisation_id,
        after=request.query.get("after") or None,
        before=request.query.get("before") or None,
    )
    page = await list_accounts(db, query)
    filters = {"q": text} if text else {}
    if organisation_id is not None:
        filters["organisation"] = str(organisation_id)

    def url(**key: str) -> str:
        return url_for(request, "accounts", filters | key)
    return render(request, "accounts.html", {
        "page": page,
        "q": text,
        "organisation_id": organisation_id,
        "organisations": organisations,
        "first_url": url() if page.previous_key else None,
        "next_url": url(after=page.next_key) if page.next_key else None,
        "previous_url": url(before=page.previous_key) if page.previous_key else None,
        "prefix_only": page.mode is Mode.PREFIX,
        "delivery_labels": DELIVERY_LABELS,
        "email_method": DeliveryMethod.EMAIL.value,
    })


async def _card(request: web.Request, values: dict, errors: dict, *, account_id: int | None,
                status: int = 200, saved: bool = False) -> web.Response:
    organisations = await choices(request.app[keys.PANEL_DB])
    email_unused = bool(values.get("email")) and values.get("delivery_method") != DeliveryMethod.EMAIL
    return render(request, "account.html", {
        "account_id": account_id,
        "values": values,
        "errors": errors,
        "organisation_options": [("", "— не указана —"), *organisations],
        "delivery_options": [(method.value, label) for method, label in DELIVERY_LABELS.items()],
        "delivery_label": DELIVERY_LABELS.get(values.get("delivery_method"), ""),
        "email_unused": email_unused,
        "categories": personal_account_form.CATEGORIES,
        "housing_funds": personal_account_form.HOUSING_FUNDS,
        "saved": saved,
    }, status)


async def new_account(request: web.Request) -> web.Response:
    values = personal_account_form.blank()
    organisation = request.query.get("organisation", "")
    if organisation.isascii() and organisation.isdigit():
        values["organisation_id"] = organisation
    return await _card(request, values, {}, account_id=None)


async def create(request: web.Request) -> web.Response:
    db = request.app[keys.PANEL_DB]
    organisation_ids = [id_ for id_, _ in await choices(db)]
    values, errors = personal_account_form.check(await request.post(), organisation_ids)
    if not errors:
        try:
            account_id = await create_account(db, values, time.time())
        except NumberTaken:
            errors = {"number": NUMBER_TAKEN}
            values = personal_account_form.shown(values)
        else:
            return see_other(url_for(request, "account", {"saved": 1}, id=account_id))
    return await _card(request, values, errors, account_id=None, status=400)


async def account(request: web.Request) -> web.Response:
    account_id = int(request.match_info["id"])  # the route matches 1 to 18 digits
    stored = await get_account(request.app[keys.PANEL_DB], account_id)
    if stored is None:
        raise web.HTTPNotFound()
    return await _card(request, personal_account_form.shown(stored), {}, account_id=account_id,
                       saved="saved" in request.query)


async def update(request: web.Request) -> web.Response:
    account_id = int(request.match_info["id"])  # the route matches 1 to 18 digits
    db = request.app[keys.PANEL_DB]
    if await get_account(db, account_id) is None:
        raise web.HTTPNotFound()
    organisation_ids = [id_ for id_, _ in await choices(db)]
    values, errors = personal_account_form.check(await request.post(), organisation_ids)
    if not errors:
        try:
            if not await update_account(db, account_id, values, time.time()):
                raise web.HTTPNotFound()
        except NumberTaken:
            errors = {"number": NUMBER_TAKEN}
            values = personal_account_form.shown(values)
        else:
            return see_other(url_for(request, "account", {"saved": 1}, id=account_id))
    return await _card(request, values, errors, account_id=account_id, status=400)
