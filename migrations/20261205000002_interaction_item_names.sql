-- Items may carry a `name` (Talkative's widget examples send one; the article's signed format
-- has none): kept beside the label so the list can search it and the API filter on it
-- (`?name=`). Verdicts recorded before names were read have none to backfill.
ALTER TABLE interaction_items ADD COLUMN name TEXT;
