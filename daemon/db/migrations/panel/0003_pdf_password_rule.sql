-- An optional password on the PDF e-mailed to residents (panel/documents/protection.py):
-- 'off', or how it follows from the personal account number ('last_4_digits',
-- 'last_6_digits'). Checked by the organisation form, not here, so that a new rule needs
-- no table rebuild.

ALTER TABLE organisations ADD COLUMN pdf_password_rule TEXT NOT NULL DEFAULT 'off';
