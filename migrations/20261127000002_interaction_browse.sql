-- What the portal's interaction list shows, filters and searches, kept beside each row so that
-- listing and searching read one covering index instead of every row's request and verdict.
ALTER TABLE interactions ADD COLUMN source TEXT;                      -- api | widget | demo | playground; NULL when recorded before sources were kept
ALTER TABLE interactions ADD COLUMN accepted INTEGER NOT NULL DEFAULT 0; -- number of accepted items
ALTER TABLE interactions ADD COLUMN codes TEXT NOT NULL DEFAULT '';     -- ' code code ': signature error first, then rejection reasons, warnings
ALTER TABLE interactions ADD COLUMN summary TEXT NOT NULL DEFAULT '';   -- 'label<TAB>data' lines, data cut short, at most ~500 bytes

UPDATE interactions SET
    accepted = COALESCE(json_array_length(verdict, '$.accepted'), 0),
    codes = ' ' || COALESCE((
        SELECT group_concat(code, ' ') FROM (
            SELECT code, MIN(place) AS first FROM (
                SELECT 0 AS place, json_extract(verdict, '$.signature.error.code') AS code
                UNION ALL SELECT 1, json_extract(value, '$.reason.code') FROM json_each(verdict, '$.rejected')
                UNION ALL SELECT 2, json_extract(value, '$.code') FROM json_each(verdict, '$.warnings')
            ) WHERE code IS NOT NULL GROUP BY code ORDER BY first
        )
    ), '') || ' ',
    summary = substr(COALESCE((
        SELECT group_concat(json_extract(value, '$.label') || char(9) || substr(json_extract(value, '$.data'), 1, 120), char(10))
        FROM (
            SELECT value FROM json_each(verdict, '$.accepted')
            UNION ALL SELECT value FROM json_each(verdict, '$.rejected')
        )
    ), ''), 1, 480)
WHERE json_valid(verdict);

CREATE INDEX interactions_browse
    ON interactions (seq, status, rejected, accepted, source, received_at, codes, summary, id);
