"""Letters of a send run, made in the job processes: each account's document rendered and
put in its e-mail (panel/mailing/message.py), read from the store where it is made.

The service names this job by panel.jobs.Job and never imports this module: it brings
reportlab."""
import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

from panel.documents.protection import NoPassword, PasswordRule
from panel.documents.read_model import read_documents
from panel.documents.render import render_pdf
from panel.mailing.letter_batch import Prepared, Sender, Wanted
from panel.mailing.message import Letter, compose


def prepare_letters(database: Path, period: str, wanted: list[Wanted], sender: Sender, date: dt.datetime) -> list[Prepared]:
    """The letters, in the order wanted; an account without a document (deleted since the run
    began) or whose PDF password cannot be made is skipped with the reason."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=60)) as connection:
        documents = {d.account_number: d for d in read_documents(connection, [w.account_id for w in wanted], period)}
        settings = _organisation_settings(connection, [w.account_id for w in wanted])
    prepared = []
    for item in wanted:
        number, kind, text, rule = settings.get(item.account_id, ("", "", "", ""))
        document = documents.get(number)
        if document is None:
            prepared.append(Prepared(item.entry_id, None, "Нет платежного документа за период"))
            continue
        letter = Letter(
            sender_name=sender.name, sender_address=sender.address, recipient_address=item.address,
            account_number=document.account_number, period=period, organisation_name=document.recipient.name,
            organisation_kind=kind, total_for_period=document.total_for_period, amount_due=document.amount_due,
            organisation_text=text, pdf=render_pdf(document), password_rule=PasswordRule(rule or PasswordRule.OFF),
        )
        try:
            prepared.append(Prepared(item.entry_id, compose(letter, item.message_id, date)))
        except NoPassword as error:
            prepared.append(Prepared(item.entry_id, None, str(error)))
    return prepared


def _organisation_settings(connection: sqlite3.Connection, account_ids: list[int]) -> dict[int, tuple[str, str, str, str]]:
    """Account id -> (its number, its organisation's kind, letter text and PDF password rule)."""
    rows = connection.execute(
        "SELECT a.id, a.number, COALESCE(o.kind, ''), COALESCE(o.email_text, ''), COALESCE(o.pdf_password_rule, '')"
        " FROM personal_accounts a LEFT JOIN organisations o ON o.id = a.organisation_id"
        f" WHERE a.id IN ({', '.join('?' * len(account_ids))})",
        account_ids,
    ).fetchall()
    return {row[0]: (row[1], row[2], row[3], row[4]) for row in rows}
