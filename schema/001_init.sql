-- 001: the initial schema. Released files are never edited; add 002_....sql.
-- schema_migrations is created by `authctl migrate` itself.

CREATE TABLE users (
	id			uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	email			text NOT NULL
	    CONSTRAINT users_email_length
		CHECK (octet_length(email) BETWEEN 3 AND 254)
	    CONSTRAINT users_email_trimmed
		CHECK (email !~ '^[[:space:]]' AND email !~ '[[:space:]]$'),
	password_hash		text NOT NULL
	    CONSTRAINT users_password_hash_length
		CHECK (octet_length(password_hash) BETWEEN 1 AND 255),
	email_verified_at	timestamptz,
	disabled_at		timestamptz,
	created_at		timestamptz NOT NULL DEFAULT now(),
	updated_at		timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE user_roles (
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role		text NOT NULL
	    CONSTRAINT user_roles_role_format
		CHECK (role ~ '^[a-z][a-z0-9_:-]{0,31}$'),
	PRIMARY KEY (user_id, role)
);

-- A session is one refresh-token family, started by one login.
CREATE TABLE sessions (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_used_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	revoked_at	timestamptz,
	revoke_reason	text
	    CONSTRAINT sessions_revoke_reason_length
		CHECK (octet_length(revoke_reason) <= 256),
	ip		inet,
	user_agent	text
	    CONSTRAINT sessions_user_agent_length
		CHECK (octet_length(user_agent) <= 512)
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- Only the SHA-256 of a refresh token is stored.
CREATE TABLE refresh_tokens (
	token_hash	bytea PRIMARY KEY
	    CONSTRAINT refresh_tokens_hash_length
		CHECK (octet_length(token_hash) = 32),
	session_id	uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	rotated_at	timestamptz,
	revoked_at	timestamptz
);
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

-- Verification and reset tokens; only their SHA-256 is stored.
CREATE TABLE email_tokens (
	token_hash	bytea PRIMARY KEY
	    CONSTRAINT email_tokens_hash_length
		CHECK (octet_length(token_hash) = 32),
	user_id		uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose		text NOT NULL
	    CONSTRAINT email_tokens_purpose
		CHECK (purpose IN ('verify', 'reset')),
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);
CREATE INDEX email_tokens_user_purpose_idx ON email_tokens (user_id, purpose);

-- Emails queued in the transaction that caused them; payload is sealed.
CREATE TABLE outbox (
	id		bigserial PRIMARY KEY,
	created_at	timestamptz NOT NULL DEFAULT now(),
	recipient	text NOT NULL
	    CONSTRAINT outbox_recipient_length
		CHECK (octet_length(recipient) BETWEEN 3 AND 254),
	template	text NOT NULL
	    CONSTRAINT outbox_template_format
		CHECK (template ~ '^[a-z][a-z0-9_.-]{0,63}$'),
	payload		bytea NOT NULL,
	status		text NOT NULL DEFAULT 'pending'
	    CONSTRAINT outbox_status
		CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
	attempts	integer NOT NULL DEFAULT 0
	    CONSTRAINT outbox_attempts_nonnegative CHECK (attempts >= 0),
	next_attempt_at	timestamptz NOT NULL DEFAULT now(),
	last_error	text,
	sent_at		timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (next_attempt_at)
    WHERE status = 'pending';

CREATE TABLE audit_events (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	user_id		uuid REFERENCES users (id) ON DELETE SET NULL,
	event		text NOT NULL
	    CONSTRAINT audit_events_event_format
		CHECK (event ~ '^[a-z][a-z0-9_.:-]{0,63}$'),
	ip		inet,
	user_agent	text
	    CONSTRAINT audit_events_user_agent_length
		CHECK (octet_length(user_agent) <= 512),
	request_id	text
	    CONSTRAINT audit_events_request_id_length
		CHECK (octet_length(request_id) <= 128),
	detail		jsonb
);
CREATE INDEX audit_events_user_at_idx ON audit_events (user_id, at);
