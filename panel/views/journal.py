"""«Журнал отправки платежных документов»: every letter of every run and what became of it."""
import asyncio
import tempfile
import time
from pathlib import Path

from aiohttp import web

from panel import keys
from panel.documents.selection import periods
from panel.mailing import journal
from panel.mailing.export import export_csv, export_xlsx
from panel.mailing.journal import EntryStatus
from panel.mailing.journal_query import JournalFilter, journal_page, where
from panel.mailing.labels import ENTRY_STATUS_LABELS, RUN_STATE_LABELS
from panel.organisations_store import choices
from panel.responses import url_for
from panel.templating import render
from panel.validation import period_label

EXPORTS = {"csv": (export_csv, "text/csv; charset=utf-8"),
           "xlsx": (export_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


async def _filter(request: web.Request) -> tuple[JournalFilter, dict[str, str]]:
    query = request.query
    db = request.app[keys.PANEL_DB]
    known_periods = await periods(db)
    organisations = {id_ for id_, _ in await choices(db)}
    status = query.get("status", "")
    journal_filter = JournalFilter(
        period=query.get("period") if query.get("period") in known_periods else None,
        organisation_id=organisation if (organisation := _number(query.get("organisation", ""))) in organisations else None,
        run_id=_number(query.get("run", "")),
        status=EntryStatus(status) if status in EntryStatus.__members__.values() else None,
        account=query.get("account", "").strip()[:64],
    )
    parameters = {name: str(value) for name, value in (
        ("period", journal_filter.period), ("organisation", journal_filter.organisation_id),
        ("run", journal_filter.run_id), ("status", journal_filter.status), ("account", journal_filter.account),
    ) if value not in (None, "")}
    return journal_filter, parameters


async def journal_view(request: web.Request) -> web.Response:
    db = request.app[keys.PANEL_DB]
    journal_filter, parameters = await _filter(request)
    page = await journal_page(db, journal_filter, _number(request.query.get("before", "")))
    return render(request, "journal.html", {
        "filter": journal_filter,
        "parameters": parameters,
        "page": page,
        "runs": await journal.recent_runs(db),
        "periods": [(period, period_label(period)) for period in await periods(db)],
        "organisations": await choices(db),
        "statuses": list(ENTRY_STATUS_LABELS.items()),
        "status_labels": ENTRY_STATUS_LABELS,
        "run_state_labels": RUN_STATE_LABELS,
        "next_url": url_for(request, "journal", parameters | {"before": page.next_key}) if page.next_key else None,
        "first_url": url_for(request, "journal", parameters) if "before" in request.query else None,
        "previous_url": None,
    })


async def export(request: web.Request) -> web.StreamResponse:
    """«Сохранить» as CSV or XLSX, with the page's filters, written in a job process."""
    kind = request.match_info["kind"]
    write, content_type = EXPORTS[kind]
    journal_filter, _ = await _filter(request)
    where_sql, params = where(journal_filter)
    database = request.app[keys.SETTINGS].current.storage.panel_database
    directory = Path(tempfile.mkdtemp(prefix="epd-journal-"))
    path = directory / f"journal.{kind}"
    try:
        await request.app[keys.JOBS].run(write, database, where_sql, params, path)
        name = f"EPD_journal_{time.strftime('%Y-%m-%d')}.{kind}"
        response = web.StreamResponse(headers={
            "Content-Type": content_type, "Content-Disposition": f'attachment; filename="{name}"',
        })
        await response.prepare(request)
        with open(path, "rb") as source:
            while chunk := await asyncio.to_thread(source.read, 256 * 1024):
                await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        path.unlink(missing_ok=True)
        directory.rmdir()
