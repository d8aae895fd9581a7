-- Issue #32: the Interactions search finds an interaction by the name of the key that verified
-- it (`key:NAME`, and free text). Read out of the verdict JSON (json_extract), that cost every
-- search about 12 ms per 10,000 rows per query, and a page runs three (benches/README.md); a
-- column of its own costs the verify path one short text.
ALTER TABLE interactions ADD COLUMN key_name TEXT;
UPDATE interactions SET key_name = json_extract(verdict, '$.signature.keyName')
WHERE status = 'valid';
