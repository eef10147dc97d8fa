"""Organisations (УК, ТСЖ): the list, a new one, the card."""
import time

from aiohttp import web

from panel import keys, organisation_form
from panel.documents.protection import PasswordRule
from panel.organisations_store import (
    NameTaken,
    create_organisation,
    get_organisation,
    list_organisations,
    update_organisation,
)
from panel.responses import see_other, url_for
from panel.templating import render

NAME_TAKEN = "Организация с таким наименованием уже есть"


async def organisations(request: web.Request) -> web.Response:
    rows = await list_organisations(request.app[keys.PANEL_DB])
    return render(request, "organisations.html", {"organisations": rows, "saved": "saved" in request.query})


def _card(request: web.Request, values: dict, errors: dict, *, organisation_id: int | None,
          status: int = 200, saved: bool = False) -> web.Response:
    return render(request, "organisation.html", {
        "organisation_id": organisation_id,
        "values": values,
        "errors": errors,
        "kinds": list(organisation_form.KINDS.items()),
        "password_rules": [(rule.value, rule.label) for rule in PasswordRule],
        "email_text_limit": organisation_form.MAX_EMAIL_TEXT,
        "missing": organisation_form.missing_printed(values) if organisation_id and not errors else [],
        "saved": saved,
    }, status)


async def new_organisation(request: web.Request) -> web.Response:
    return _card(request, organisation_form.blank(), {}, organisation_id=None)


async def create(request: web.Request) -> web.Response:
    values, errors = organisation_form.check(await request.post())
    if not errors:
        try:
            organisation_id = await create_organisation(request.app[keys.PANEL_DB], values, time.time())
        except NameTaken:
            errors = {"name": NAME_TAKEN}
        else:
            return see_other(url_for(request, "organisation", {"saved": 1}, id=organisation_id))
    return _card(request, values, errors, organisation_id=None, status=400)


async def organisation(request: web.Request) -> web.Response:
    organisation_id = int(request.match_info["id"])  # the route matches 1 to 18 digits
    values = await get_organisation(request.app[keys.PANEL_DB], organisation_id)
    if values is None:
        raise web.HTTPNotFound()
    return _card(request, values, {}, organisation_id=organisation_id, saved="saved" in request.query)


async def update(request: web.Request) -> web.Response:
    organisation_id = int(request.match_info["id"])  # the route matches 1 to 18 digits
    db = request.app[keys.PANEL_DB]
    if await get_organisation(db, organisation_id) is None:
        raise web.HTTPNotFound()
    values, errors = organisation_form.check(await request.post())
    if not errors:
        try:
            if not await update_organisation(db, organisation_id, values, time.time()):
                raise web.HTTPNotFound()
        except NameTaken:
            errors = {"name": NAME_TAKEN}
        else:
            return see_other(url_for(request, "organisation", {"saved": 1}, id=organisation_id))
    return _card(request, values, errors, organisation_id=organisation_id, status=400)
