-- Site searches kept for a company (business and admin), newest last.
CREATE TABLE saved_searches (
    search_id bigserial PRIMARY KEY,
    company_id text COLLATE "C" NOT NULL,
    name text NOT NULL,
    request jsonb NOT NULL,
    saved_by text NOT NULL,
    saved_at timestamptz NOT NULL
);
CREATE INDEX saved_searches_company_idx ON saved_searches (company_id);
