-- The mail queue: one row per accepted message, one per recipient.
-- States are daemon.queue.MessageState / RecipientState values.
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

-- Every state change of a message, for the journal and for people reading what happened.
CREATE TABLE message_events (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    at REAL NOT NULL,
    state TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX message_events_message ON message_events (message_id);

-- Upstream accounts. password_encrypted: the upstream password, encrypted with the key file,
-- only when a person chose to store it. local_password_hash: for local capture mode.
CREATE TABLE accounts (
    username TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    password_encrypted BLOB,
    local_password_hash TEXT,
    created_at REAL NOT NULL
);

-- Credentials the upstream accepted once, kept only as a salted hash, so that AUTH can be
-- accepted while the upstream is unreachable.
CREATE TABLE verified_credentials (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    verified_at REAL NOT NULL
);

-- Accounts whose delivery is paused, e.g. after a provider's 554 spam block.
CREATE TABLE account_pauses (
    username TEXT PRIMARY KEY,
    until REAL NOT NULL,
    reason TEXT NOT NULL
);
