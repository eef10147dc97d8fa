-- The provider's sending limits for the system mail account, set in the panel: how many
-- messages the monthly mailing hands over a minute and in any 24 hours (0: no limit).
ALTER TABLE mail_account ADD COLUMN per_minute INTEGER NOT NULL DEFAULT 20;
ALTER TABLE mail_account ADD COLUMN per_day INTEGER NOT NULL DEFAULT 500;
