"""«Загрузка данных»: personal accounts and monthly charges from a CSV or XLSX upload."""
import asyncio
import logging
import time
from pathlib import PureWindowsPath
from urllib.parse import unquote

from aiohttp import web

from daemon import heap
from panel import keys
from panel.imports import ACCOUNT_COLUMNS, CHARGE_COLUMNS, ImportReport
from panel.jobs import import_job
from panel.templating import render

log = logging.getLogger(__name__)

NO_FILE = "Выберите файл CSV или XLSX для загрузки."


def _page(request: web.Request, report: ImportReport | None = None, problem: str = "", status: int = 200) -> web.Response:
    return render(request, "import.html", {
        "report": report,
        "problem": problem,
        "account_columns": ACCOUNT_COLUMNS,
        "charge_columns": CHARGE_COLUMNS,
    }, status)


def _file_name(sent: str) -> str:
    """Browsers send a quote as %22 (aiohttp's client escapes every byte); old ones a full path."""
    return PureWindowsPath(unquote(sent)).name or sent


async def page(request: web.Request) -> web.Response:
    return _page(request)


async def upload(request: web.Request) -> web.Response:
    form = await request.post()   # already read by the CSRF check; aiohttp removes the temp file
    field = form.get("file")
    if not isinstance(field, web.FileField) or not field.filename:
        return _page(request, problem=NO_FILE, status=400)
    data = await asyncio.to_thread(field.file.read)
    filename = _file_name(field.filename)
    database = request.app[keys.SETTINGS].current.storage.panel_database
    report = await request.app[keys.JOBS].run(import_job, database, data, filename, time.time())
    del data
    heap.give_back()  # the upload's copies: megabytes the relay's process need not keep
    log.info(
        "import of %r by %s: %s", filename, request[keys.SESSION].user.name,
        f"{report.created} created, {report.updated} updated" if report.applied
        else f"refused, {len(report.errors)} problems",
    )
    return _page(request, report, status=200 if report.applied else 400)
