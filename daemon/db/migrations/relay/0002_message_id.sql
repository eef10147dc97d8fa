-- The Message-ID header of each queued message, so that a sender (the panel's monthly
-- mailing) can ask whether a message of its own was accepted before sending it again.
ALTER TABLE messages ADD COLUMN message_id TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_message_id ON messages (message_id) WHERE message_id != '';
