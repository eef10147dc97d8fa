-- A message's content lives beside its queue row until it is delivered or failed. Both are
-- written in one transaction, so a 250 costs one fsync and a row never lacks its content.
-- (Before this, contents were files in the spool directory: daemon.legacy_spool adopts them.)
CREATE TABLE message_contents (
    message_id TEXT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    content BLOB NOT NULL
);
