-- «Текст письма жильцам»: what the organisation adds to the letter that carries a
-- resident's payment document (panel/mailing/message.py), e.g. its contacts and how to
-- pay. Several lines; '' adds nothing. Its length is checked by the organisation form.

ALTER TABLE organisations ADD COLUMN email_text TEXT NOT NULL DEFAULT '';
