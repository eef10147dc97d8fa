-- What the model form of the payment document (Приказ Минстроя № 43/пр) adds to the
-- seed's: the debt of earlier periods (negative: overpaid) and penalties (пени) per
-- document; the reason for a recalculation (основание перерасчета) and an instalment
-- (рассрочка: the payment for the period and its interest) per line; the separate
-- personal account number for capital-repair contributions. All optional: '' where the
-- data has none. Money as decimal strings ("-150.00"), like the other columns.

ALTER TABLE payment_documents ADD COLUMN debt_previous TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_documents ADD COLUMN penalties TEXT NOT NULL DEFAULT '';

ALTER TABLE charge_lines ADD COLUMN recalculation_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE charge_lines ADD COLUMN instalment_payment TEXT NOT NULL DEFAULT '';
ALTER TABLE charge_lines ADD COLUMN instalment_interest TEXT NOT NULL DEFAULT '';

ALTER TABLE personal_accounts ADD COLUMN capital_repair_number TEXT NOT NULL DEFAULT '';
