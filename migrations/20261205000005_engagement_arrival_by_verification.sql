-- A verification's page links the engagement it was an arrival of: find it by verification.
CREATE INDEX engagement_arrivals_by_verification ON engagement_arrivals (verification);
