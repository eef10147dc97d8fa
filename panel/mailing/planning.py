"""Who a send run writes to: every personal account of the report's selection, and why not.

Only «По электронной почте» with a valid address and a document for the period gets a
letter (the seed: an address alone is not enough); every other account of the selection
is in the run's journal as skipped, with the reason. A document an earlier run sent (or
may have sent) is skipped too, unless sending it again was confirmed.
"""
from dataclasses import dataclass, replace

from daemon.db.connect import Database
from panel import validation
from panel.mailing.journal import NewEntry, already_sent
from panel.personal_account_search import ListQuery, mode_of, where_clause
from panel.personal_accounts_store import DELIVERY_LABELS, DeliveryMethod


ALREADY_SENT = "Документ за этот период уже отправлен (повторная отправка не выбрана)"


@dataclass(frozen=True)
class Plan:
    entries: list[NewEntry]
    letters: int          # entries that get a letter
    sent_before: int      # accounts whose document for the period an earlier run sent

    @property
    def skipped(self) -> int:
        return len(self.entries) - self.letters


async def plan_run(db: Database, query: ListQuery, period: str, resend: bool = False) -> Plan:
    """The selection's accounts (the period's document or not), by number."""
    selection = ListQuery(text=query.text, organisation_id=query.organisation_id,
                          delivery_method=query.delivery_method)
    source, terms, params = where_clause(selection, mode_of(selection.text))
    where = f" WHERE {' AND '.join(terms)}" if terms else ""
    rows = await db.fetchall(
        f"SELECT pa.id, pa.number, pa.delivery_method, pa.email, d.id IS NOT NULL AS has_document FROM {source}"
        f" LEFT JOIN payment_documents d ON d.account_id = pa.id AND d.period = ?{where} ORDER BY pa.number",
        (period, *params),
    )
    label = validation.period_label(period)
    entries = [NewEntry(row["id"], row["number"], row["email"] if row["delivery_method"] == "email" else "",
                        _skip_reason(row, label)) for row in rows]
    sent = await already_sent(db, period, [entry.account_id for entry in entries if not entry.skip_reason])
    if not resend:
        entries = [replace(entry, skip_reason=ALREADY_SENT) if entry.account_id in sent else entry
                   for entry in entries]
    return Plan(entries, sum(1 for entry in entries if not entry.skip_reason), len(sent))


def _skip_reason(row, period_label: str) -> str:
    method = row["delivery_method"]
    if method != DeliveryMethod.EMAIL:
        return f"Способ доставки: {DELIVERY_LABELS[DeliveryMethod(method)].lower()}"
    if not row["email"]:
        return "Не указан адрес электронной почты"
    try:
        validation.email(row["email"])
    except validation.Invalid:
        return f"Неверный адрес электронной почты: {row['email']}"
    if not row["has_document"]:
        return f"Нет платежного документа за {period_label}"
    return ""
