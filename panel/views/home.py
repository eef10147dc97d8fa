"""The start page: where things stand."""
from aiohttp import web

from daemon.queue import messages
from panel import keys
from panel.templating import render


async def home(request: web.Request) -> web.Response:
    db = request.app[keys.PANEL_DB]
    counts = await messages.count_by_state(request.app[keys.RELAY_DB])
    accounts = (await db.fetchone("SELECT COUNT(*) FROM personal_accounts"))[0]
    organisations = (await db.fetchone("SELECT COUNT(*) FROM organisations"))[0]
    upstream = request.app[keys.SETTINGS].current.upstream_smtp
    return render(request, "home.html", {
        "counts": counts,
        "accounts": accounts,
        "organisations": organisations,
        "captures_locally": upstream.captures_locally,
    })
