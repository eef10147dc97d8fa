-- The relay's store: the mail queue, the logins it sends with, and the provider settings.
-- Only the relay writes the queue; the panel reads it by queue id and saves the mail account.
-- States are daemon.queue.messages.MessageState / RecipientState values.
-- (An installation from before the split kept all of this and the panel's data in one
-- file, epd-relay.db: daemon.db.single_file splits it at start.)

-- One row per accepted message.
CREATE TABLE messages (
    id TEXT PRIMARY KEY,                 -- queue id, shown to the client in the 250 reply
    state TEXT NOT NULL,
    account TEXT NOT NULL,               -- upstream login the message is sent with
    sender TEXT NOT NULL,
    size INTEGER NOT NULL,
    received_at REAL NOT NULL,
    next_attempt_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    sending INTEGER NOT NULL DEFAULT 0,     -- 1 while handed to the provider
    recoveries INTEGER NOT NULL DEFAULT 0,  -- times a crash happened while it was sending
    reason TEXT NOT NULL DEFAULT '',     -- why it is deferred, held or failed
    updated_at REAL NOT NULL
);
CREATE INDEX messages_due ON messages (state, next_attempt_at);

-- A message's content lives beside its queue row until it is delivered or failed. Both are
-- written in one transaction, so a 250 costs one fsync and a row never lacks its content.
CREATE TABLE message_contents (
    message_id TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    content BLOB NOT NULL
);

CREATE TABLE recipients (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    state TEXT NOT NULL,
    reply_code INTEGER,
    reply_text TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL
);
CREATE INDEX recipients_message ON recipients (message_id);

-- Every state change of a message (and every bounce written), for the journal and for
-- people reading what happened.
CREATE TABLE message_events (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    at REAL NOT NULL,
    state TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX message_events_message ON message_events (message_id);

-- Logins at the provider. password_encrypted: the provider password, encrypted with the key
-- file, only when a person chose to store it. local_password_hash: for local capture mode.
CREATE TABLE mail_logins (
    username TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    password_encrypted BLOB,
    local_password_hash TEXT,
    created_at REAL NOT NULL
);

-- Credentials the provider accepted once, kept only as a salted hash, so that AUTH can be
-- accepted while the provider is unreachable.
CREATE TABLE verified_credentials (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    verified_at REAL NOT NULL
);

-- Logins whose delivery is paused, e.g. after a provider's 554 spam block.
CREATE TABLE account_pauses (
    username TEXT PRIMARY KEY,
    until REAL NOT NULL,
    reason TEXT NOT NULL
);

-- «Системная учетная запись», saved in the panel: one row. The relay reads its servers from
-- here once saved; config.toml's [upstream.*] is only the initial value. The password lives
-- in mail_logins.
CREATE TABLE mail_account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    title TEXT NOT NULL,
    sender_name TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL,
    username TEXT NOT NULL,
    remember_password INTEGER NOT NULL DEFAULT 0,
    pop3_host TEXT NOT NULL DEFAULT '',
    pop3_port INTEGER NOT NULL DEFAULT 995,
    pop3_secure INTEGER NOT NULL DEFAULT 1,      -- 1: POP3S (implicit TLS), 0: STLS
    smtp_host TEXT NOT NULL DEFAULT '',
    smtp_port INTEGER NOT NULL DEFAULT 465,
    smtp_secure INTEGER NOT NULL DEFAULT 1,      -- 1: implicit TLS, 0: STARTTLS
    smtp_auth_as_pop3 INTEGER NOT NULL DEFAULT 1,
    smtp_username TEXT NOT NULL DEFAULT '',      -- used when smtp_auth_as_pop3 = 0
    use_for_sending INTEGER NOT NULL DEFAULT 1,
    use_for_receiving INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL
);
