-- The covering index interactions_browse made every verification's recorded row cost a second
-- B-tree entry of up to ~600 bytes (summary and codes again): about 4 µs of server CPU per
-- verify under load, over the 2 % the verify path may grow (issue #15). The list, its counts
-- and its search read the table instead; at 10,000 rows that stays far under the portal's
-- 50 ms budget (benches/interactions_page.rs, figures in benches/README.md).
DROP INDEX IF EXISTS interactions_browse;
