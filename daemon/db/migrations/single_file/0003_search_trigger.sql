-- The account search index is rewritten only when a searched column changes: a phone
-- or a delivery method edited (or an import touching only those) leaves it alone.
DROP TRIGGER personal_accounts_search_update;
CREATE TRIGGER personal_accounts_search_update
AFTER UPDATE OF number, payer, premises, building, postal_address, email ON personal_accounts BEGIN
    INSERT INTO personal_accounts_search (personal_accounts_search, rowid, number, payer, address, email)
    VALUES ('delete', old.id, old.number, old.payer, old.premises || ' ' || old.building || ' ' || old.postal_address, old.email);
    INSERT INTO personal_accounts_search (rowid, number, payer, address, email)
    VALUES (new.id, new.number, new.payer, new.premises || ' ' || new.building || ' ' || new.postal_address, new.email);
END;
