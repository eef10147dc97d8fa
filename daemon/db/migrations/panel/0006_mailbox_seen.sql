-- The messages already read from the system account's mailbox over POP3, by UIDL, so that
-- a restart does not read them again (bounces: panel/mailing/mailbox.py). «mailbox» names
-- the server and the login ("pop.yandex.ru/uk-okean@yandex.ru"); a UIDL no longer on the
-- server is pruned when the mailbox is next read. Nothing is ever deleted on the server.

CREATE TABLE mailbox_seen (
    mailbox TEXT NOT NULL,
    uidl TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (mailbox, uidl)
) WITHOUT ROWID;
