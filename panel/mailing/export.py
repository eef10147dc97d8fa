"""«Сохранить»: the journal as CSV (Excel's Russian dialect: UTF-8 with BOM, «;») or XLSX.

Written in a job process, row by row from the store, so 100,000 entries cost neither the
event loop nor much memory.
"""
import csv
import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from panel.mailing.labels import ENTRY_STATUS_LABELS

HEADER = ("Рассылка", "Период", "Лицевой счет", "Адрес", "Статус", "Причина", "Ответ сервера", "Message-ID",
          "Номер в очереди", "Следующая попытка", "Повторная отправка", "Изменено")


def _time(value: float | None) -> str:
    return dt.datetime.fromtimestamp(value).strftime("%d.%m.%Y %H:%M:%S") if value else ""


def _rows(database: Path, where_sql: str, params: list):
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=60)) as connection:
        cursor = connection.execute(
            "SELECT j.run_id, j.period, j.account_number, j.address, j.status, j.reason, j.reply, j.message_id,"
            f" j.queue_id, j.next_attempt_at, j.resend, j.updated_at FROM send_journal j{where_sql} ORDER BY j.id",
            params,
        )
        for row in cursor:
            yield (row[0], row[1], row[2], row[3], ENTRY_STATUS_LABELS.get(row[4], row[4]), row[5], row[6], row[7],
                   row[8], _time(row[9]), "да" if row[10] else "", _time(row[11]))


def export_csv(database: Path, where_sql: str, params: list, path: Path) -> int:
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        for row in _rows(database, where_sql, params):
            writer.writerow(row)
            count += 1
    return count


def export_xlsx(database: Path, where_sql: str, params: list, path: Path) -> int:
    from openpyxl import Workbook  # imported in the job process only: it takes a while

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Журнал отправки")
    sheet.append(HEADER)
    count = 0
    for row in _rows(database, where_sql, params):
        sheet.append(row)
        count += 1
    workbook.save(path)
    return count
