-- «Отправить по email»: each send run of a period's documents, and the «Журнал отправки
-- платежных документов»: one entry per personal account of the run, with what really
-- happened to its message (from the relay's queue, and bounces read from the mailbox).
-- States are panel.mailing.journal.RunState / EntryStatus values.

CREATE TABLE send_runs (
    id INTEGER PRIMARY KEY,
    period TEXT NOT NULL,                     -- "2013-07"
    organisation_id INTEGER REFERENCES organisations (id) ON DELETE SET NULL,
    selection TEXT NOT NULL DEFAULT '{}',     -- the report's «Отбор» as JSON: delivery, q
    title TEXT NOT NULL DEFAULT '',           -- "Июль 2013, УК «Север»", as staff chose it
    resend INTEGER NOT NULL DEFAULT 0,        -- 1: documents already sent go again, confirmed
    stored_password INTEGER NOT NULL DEFAULT 0,  -- 1: sends with the remembered password, also after a restart
    state TEXT NOT NULL,
    state_reason TEXT NOT NULL DEFAULT '',    -- why it waits or stopped, in Russian
    resume_at REAL,                           -- a run waiting for the provider's daily limit
    started_by TEXT NOT NULL,                 -- a staff user's name, or "command line"
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX send_runs_state ON send_runs (state);

CREATE TABLE send_journal (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES send_runs (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL,
    account_number TEXT NOT NULL,
    period TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',          -- why skipped, deferred, failed or bounced
    reply TEXT NOT NULL DEFAULT '',           -- the provider's reply, as it came
    message_id TEXT NOT NULL DEFAULT '',      -- recorded before the message is handed over
    queue_id TEXT NOT NULL DEFAULT '',        -- the relay's, from its 250
    next_attempt_at REAL,                     -- deferred: when the relay tries again
    resend INTEGER NOT NULL DEFAULT 0,
    submitted_at REAL,                        -- handed to the relay (for the provider's limits)
    updated_at REAL NOT NULL,
    UNIQUE (run_id, account_id)
);
CREATE INDEX send_journal_run ON send_journal (run_id, id);
CREATE INDEX send_journal_run_status ON send_journal (run_id, status, id);
CREATE INDEX send_journal_status ON send_journal (status, id);
CREATE INDEX send_journal_account ON send_journal (account_number, id);
CREATE INDEX send_journal_period ON send_journal (period, id);
CREATE INDEX send_journal_sent ON send_journal (period, account_id, status);
CREATE INDEX send_journal_message_id ON send_journal (message_id) WHERE message_id != '';
CREATE INDEX send_journal_submitted ON send_journal (submitted_at) WHERE submitted_at IS NOT NULL;
