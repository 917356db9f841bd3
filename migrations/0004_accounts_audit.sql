-- People who can log in, their API tokens, and the audit trail of every edit.
-- Passwords are kept only as argon2 PHC strings, tokens only as SHA-256 hex.
CREATE TABLE accounts (
    name text COLLATE "C" PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('retail', 'business', 'planner', 'admin')),
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE TABLE api_tokens (
    token_hash text PRIMARY KEY,
    account text COLLATE "C" NOT NULL REFERENCES accounts (name),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
-- Appended, never edited: who did what, when, the state before and after.
CREATE TABLE audit_log (
    audit_id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    target_id text NOT NULL,
    before jsonb,
    after jsonb
);
CREATE INDEX audit_log_target_idx ON audit_log (target, target_id);
