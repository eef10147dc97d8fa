-- The panel's store: staff users and their sessions, organisations, personal accounts
-- (лицевые счета) and their monthly payment documents. The relay never waits for a write
-- here: its queue lives in another file (migrations/relay).
-- Money and areas are decimal strings ("2447.90"), never floats.

CREATE TABLE staff_users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'operator')),
    created_at REAL NOT NULL
);

CREATE TABLE panel_sessions (
    token_hash TEXT PRIMARY KEY,          -- sha256 of the cookie value
    user_id INTEGER NOT NULL REFERENCES staff_users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);

CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE,
    remote TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX login_failures_name ON login_failures (name, at);

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL DEFAULT 'УК',
    inn TEXT NOT NULL DEFAULT '',
    kpp TEXT NOT NULL DEFAULT '',
    bank_account TEXT NOT NULL DEFAULT '',
    bank_name TEXT NOT NULL DEFAULT '',
    bic TEXT NOT NULL DEFAULT '',
    corr_account TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    site TEXT NOT NULL DEFAULT '',
    work_hours TEXT NOT NULL DEFAULT '',
    centre_name TEXT NOT NULL DEFAULT '',        -- расчетный центр
    centre_address TEXT NOT NULL DEFAULT '',
    centre_work_hours TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL
);

CREATE TABLE personal_accounts (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,                 -- номер лицевого счета
    code TEXT NOT NULL DEFAULT '',
    payer TEXT NOT NULL,                         -- контрагент / наименование
    payer_on_document TEXT NOT NULL DEFAULT '',  -- when the document names the payer otherwise
    owner TEXT NOT NULL DEFAULT '',              -- ответственный собственник
    organisation_id INTEGER REFERENCES organisations (id),
    premises TEXT NOT NULL DEFAULT '',
    building TEXT NOT NULL DEFAULT '',
    postal_address TEXT NOT NULL DEFAULT '',
    total_area TEXT NOT NULL DEFAULT '',
    living_area TEXT NOT NULL DEFAULT '',
    registered INTEGER,
    residents INTEGER,
    category TEXT NOT NULL DEFAULT '',
    ownership_share TEXT NOT NULL DEFAULT '',
    housing_fund TEXT NOT NULL DEFAULT '',
    opened TEXT NOT NULL DEFAULT '',             -- ISO date
    closed TEXT NOT NULL DEFAULT '',
    delivery_method TEXT NOT NULL DEFAULT 'post' CHECK (delivery_method IN ('email', 'post', 'in_person')),
    email TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL
);
CREATE INDEX personal_accounts_organisation ON personal_accounts (organisation_id, number);

-- Substring search over number, payer, address and e-mail that stays fast at 100,000 rows.
CREATE VIRTUAL TABLE personal_accounts_search USING fts5 (
    number, payer, address, email, content = 'personal_accounts', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER personal_accounts_search_insert AFTER INSERT ON personal_accounts BEGIN
    INSERT INTO personal_accounts_search (rowid, number, payer, address, email)
    VALUES (new.id, new.number, new.payer, new.premises || ' ' || new.building || ' ' || new.postal_address, new.email);
END;
CREATE TRIGGER personal_accounts_search_delete AFTER DELETE ON personal_accounts BEGIN
    INSERT INTO personal_accounts_search (personal_accounts_search, rowid, number, payer, address, email)
    VALUES ('delete', old.id, old.number, old.payer, old.premises || ' ' || old.building || ' ' || old.postal_address, old.email);
END;
-- Rewritten only when a searched column changes: a phone or a delivery method edited
-- (or an import touching only those) leaves the index alone.
CREATE TRIGGER personal_accounts_search_update
AFTER UPDATE OF number, payer, premises, building, postal_address, email ON personal_accounts BEGIN
    INSERT INTO personal_accounts_search (personal_accounts_search, rowid, number, payer, address, email)
    VALUES ('delete', old.id, old.number, old.payer, old.premises || ' ' || old.building || ' ' || old.postal_address, old.email);
    INSERT INTO personal_accounts_search (rowid, number, payer, address, email)
    VALUES (new.id, new.number, new.payer, new.premises || ' ' || new.building || ' ' || new.postal_address, new.email);
END;

-- «Платежный документ» of one account for one month, as imported.
CREATE TABLE payment_documents (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES personal_accounts (id) ON DELETE CASCADE,
    period TEXT NOT NULL,                        -- "2013-07"
    advance TEXT NOT NULL DEFAULT '0.00',
    last_payment_date TEXT NOT NULL DEFAULT '',
    last_payment_amount TEXT NOT NULL DEFAULT '',
    payments_counted_until TEXT NOT NULL DEFAULT '',
    total_for_period TEXT NOT NULL,
    total_with_advance TEXT NOT NULL,
    updated_at REAL NOT NULL,
    UNIQUE (account_id, period)
);

CREATE TABLE charge_lines (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES payment_documents (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    section TEXT NOT NULL DEFAULT '',            -- "", "Коммунальные услуги", "Прочие"
    service TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    volume_individual TEXT NOT NULL DEFAULT '',
    volume_individual_basis TEXT NOT NULL DEFAULT '',
    volume_common TEXT NOT NULL DEFAULT '',
    volume_common_basis TEXT NOT NULL DEFAULT '',
    tariff TEXT NOT NULL DEFAULT '',
    amount_individual TEXT NOT NULL DEFAULT '',
    amount_common TEXT NOT NULL DEFAULT '',
    charged TEXT NOT NULL DEFAULT '',
    recalculation TEXT NOT NULL DEFAULT '',
    benefits TEXT NOT NULL DEFAULT '',
    total TEXT NOT NULL,
    total_individual TEXT NOT NULL DEFAULT '',
    total_common TEXT NOT NULL DEFAULT '',
    norm_individual TEXT NOT NULL DEFAULT '',
    norm_common TEXT NOT NULL DEFAULT '',
    meter_individual TEXT NOT NULL DEFAULT '',
    meter_common TEXT NOT NULL DEFAULT '',
    house_volume_individual TEXT NOT NULL DEFAULT '',
    house_volume_common TEXT NOT NULL DEFAULT '',
    UNIQUE (document_id, position)
);

-- House figures printed under the table, per building and month.
CREATE TABLE house_facts (
    building TEXT NOT NULL,
    period TEXT NOT NULL,
    common_property_area TEXT NOT NULL DEFAULT '',
    residents_in_house INTEGER,
    premises_area TEXT NOT NULL DEFAULT '',
    total_house_area TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (building, period)
);
