"""Russian names of the journal's statuses, for the pages and the exported files."""
from panel.mailing.journal import EntryStatus, RunState

ENTRY_STATUS_LABELS = {
    EntryStatus.PENDING: "ожидает отправки",
    EntryStatus.SKIPPED: "пропущен",
    EntryStatus.SUBMITTING: "передается",
    EntryStatus.QUEUED: "в очереди релея",
    EntryStatus.DELIVERED: "доставлено",
    EntryStatus.DEFERRED: "отложено",
    EntryStatus.FAILED: "не доставлено",
    EntryStatus.BOUNCED: "возвращено",
    EntryStatus.CANCELLED: "отменено",
}

RUN_STATE_LABELS = {
    RunState.RUNNING: "идет отправка",
    RunState.PAUSED: "приостановлена",
    RunState.WAITING: "ожидает",
    RunState.WAITING_PASSWORD: "ждет пароль",
    RunState.STOPPED: "остановлена",
    RunState.CANCELLED: "отменена",
    RunState.FINISHED: "все письма переданы",
}
