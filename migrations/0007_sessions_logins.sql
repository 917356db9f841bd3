-- Login sessions (only the SHA-256 of the session id is kept), shared by
-- every server on this database, and the failed logins per name tried.
CREATE TABLE login_sessions (
    session_hash text PRIMARY KEY,
    account text COLLATE "C" NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX login_sessions_account_idx ON login_sessions (account);
CREATE INDEX login_sessions_expires_idx ON login_sessions (expires_at);
-- One row per name tried (an account or not), so a lockout tells no names apart.
CREATE TABLE failed_logins (
    name text COLLATE "C" PRIMARY KEY,
    failures integer NOT NULL,
    window_started_at timestamptz NOT NULL,
    last_failure_at timestamptz NOT NULL,
    locked_until timestamptz,
    lockouts integer NOT NULL
);
