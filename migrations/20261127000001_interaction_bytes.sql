-- The size of each interaction (request + verdict, in bytes), so the log can be bounded in bytes
-- and listed in pages of bounded size without reading the rows themselves.
ALTER TABLE interactions ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
UPDATE interactions SET bytes = length(CAST(request AS BLOB)) + length(CAST(verdict AS BLOB));
-- Covering index for pruning and paging by size: a scan in seq order reads only this index,
-- never a row's (possibly 500 KB) overflow pages.
CREATE INDEX interactions_seq_bytes ON interactions (seq, bytes);
