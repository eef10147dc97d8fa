"""The start page: where things stand."""
from aiohttp import web

from panel import keys
from panel.templating import render


async def home(request: web.Request) -> web.Response:
    db = request.app[keys.DB]
    rows = await db.fetchall("SELECT state, COUNT(*) AS n FROM messages GROUP BY state")
    counts = {row["state"]: row["n"] for row in rows}
    accounts = (await db.fetchone("SELECT COUNT(*) FROM personal_accounts"))[0]
    organisations = (await db.fetchone("SELECT COUNT(*) FROM organisations"))[0]
    upstream = request.app[keys.SETTINGS].current.upstream_smtp
    return render(request, "home.html", {
        "counts": counts,
        "accounts": accounts,
        "organisations": organisations,
        "captures_locally": upstream.captures_locally,
    })
