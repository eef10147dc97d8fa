-- «Примечание» of an organisation, shown on its card and in the list: e.g. that its
-- requisites are the demo's, fictional (epd-relay demo).

ALTER TABLE organisations ADD COLUMN note TEXT NOT NULL DEFAULT '';
