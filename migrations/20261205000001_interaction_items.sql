-- The log's browse columns were a string protocol: `codes` (' code code ') and `summary`
-- ('label<TAB>data' lines, data cut at 120 characters, 480 bytes in all), written in Rust and
-- in SQL, read by splitting strings, matched with LIKE and instr. A label filter matched across
-- the tab (`label=email%09foo` found data starting with "foo"), and search saw only the first
-- 120 characters of data. Now: what an interaction carried is one row per item, whole, and its
-- codes a JSON array, each with one encoder and one decoder (storage/interactions.rs).

-- One row per item an interaction carried: accepted items first, then rejected, in verdict
-- order. Clustered by (seq, position): recording appends at the end of the tree, pruning cuts
-- its start, and a row's items are one range. No other index: a filter reads them per row.
CREATE TABLE interaction_items (
    seq      INTEGER NOT NULL,   -- interactions.seq (deleted with it: see insert_batch, clear)
    position INTEGER NOT NULL,   -- 0-based
    label    TEXT    NOT NULL,
    data     TEXT    NOT NULL,
    PRIMARY KEY (seq, position)
) STRICT, WITHOUT ROWID;

INSERT INTO interaction_items (seq, position, label, data)
SELECT i.seq, CAST(a.key AS INTEGER),
       COALESCE(json_extract(a.value, '$.label'), ''), COALESCE(json_extract(a.value, '$.data'), '')
FROM interactions AS i, json_each(i.verdict, '$.accepted') AS a
WHERE json_valid(i.verdict);

INSERT INTO interaction_items (seq, position, label, data)
SELECT i.seq, COALESCE(json_array_length(i.verdict, '$.accepted'), 0) + CAST(r.key AS INTEGER),
       COALESCE(json_extract(r.value, '$.label'), ''), COALESCE(json_extract(r.value, '$.data'), '')
FROM interactions AS i, json_each(i.verdict, '$.rejected') AS r
WHERE json_valid(i.verdict);

-- The codes a verdict carries, each once, as a JSON array of code names: the signature's error
-- first, then rejection reasons, then warnings.
ALTER TABLE interactions ADD COLUMN verdict_codes TEXT NOT NULL DEFAULT '[]';

UPDATE interactions SET verdict_codes = COALESCE((
    SELECT json_group_array(code) FROM (
        SELECT code, MIN(place) AS first FROM (
            SELECT 0 AS place, json_extract(verdict, '$.signature.error.code') AS code
            UNION ALL SELECT 1, json_extract(value, '$.reason.code') FROM json_each(verdict, '$.rejected')
            UNION ALL SELECT 2, json_extract(value, '$.code') FROM json_each(verdict, '$.warnings')
        ) WHERE code IS NOT NULL GROUP BY code ORDER BY first
    )
), '[]')
WHERE json_valid(verdict);

-- The retention bound counts what a row keeps: its items are part of it now.
UPDATE interactions SET bytes = bytes + COALESCE((
    SELECT SUM(length(CAST(label AS BLOB)) + length(CAST(data AS BLOB)))
    FROM interaction_items WHERE interaction_items.seq = interactions.seq
), 0);

ALTER TABLE interactions DROP COLUMN codes;
ALTER TABLE interactions DROP COLUMN summary;
