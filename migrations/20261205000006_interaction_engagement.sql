-- A verification the widget sent names the engagement it was an arrival of, so the log's list,
-- wait API and stream can say so and filter on it (`?engagement=`). NULL for the verify
-- endpoint's and the playground's; the partial index holds the widget's rows only, so the
-- verify endpoint's inserts do not pay for it.
ALTER TABLE interactions ADD COLUMN engagement TEXT;
CREATE INDEX interactions_by_engagement ON interactions (engagement, seq) WHERE engagement IS NOT NULL;
