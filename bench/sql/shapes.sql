-- The server-side functions of bench/run --only shapes: the work of
-- refresh_rotate and session_logout (common/store_session.c) in PL/pgSQL,
-- to measure against the single statements. Created in the bench stack's
-- database only, never by the schema.
CREATE SCHEMA IF NOT EXISTS bench_shapes;
GRANT USAGE ON SCHEMA bench_shapes TO PUBLIC;

CREATE OR REPLACE FUNCTION bench_shapes.refresh_rotate(th bytea, sh bytea,
    ttl bigint, leeway bigint) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	sid	uuid;
	uid	uuid;
	rot	timestamptz;
BEGIN
	SELECT rt.session_id, s.user_id, rt.rotated_at INTO sid, uid, rot
	FROM sessions s JOIN refresh_tokens rt ON rt.session_id = s.id
	JOIN users u ON u.id = s.user_id
	WHERE rt.token_hash = th AND rt.revoked_at IS NULL
	AND s.revoked_at IS NULL AND rt.expires_at > now()
	AND s.expires_at > now() AND u.disabled_at IS NULL
	FOR UPDATE OF s, rt;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	IF rot IS NOT NULL AND NOT (leeway > 0 AND coalesce(greatest(0,
	    floor(extract(epoch FROM now() - rot)))::bigint, 0) < leeway) THEN
		UPDATE sessions SET revoke_reason = CASE WHEN revoked_at IS NULL
		    THEN 'refresh_token_reuse' ELSE revoke_reason END,
		    revoked_at = coalesce(revoked_at, now()) WHERE id = sid;
		UPDATE refresh_tokens SET revoked_at = now()
		WHERE session_id = sid AND revoked_at IS NULL;
		INSERT INTO audit_events (user_id, event, ip, user_agent,
		    request_id, detail)
		VALUES (uid, 'refresh_token_reuse', '127.0.0.1', NULL,
		    'bench-floor-0123456789abcdef', NULL);
		RETURN true;
	END IF;
	IF rot IS NULL THEN
		UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = th;
		INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
		SELECT sh, s.id, least(now() + ttl * interval '1 second',
		    s.expires_at) FROM sessions s WHERE s.id = sid;
	END IF;
	UPDATE sessions SET last_used_at = now() WHERE id = sid;
	RETURN false;
END
$$;

CREATE OR REPLACE FUNCTION bench_shapes.logout(th bytea) RETURNS bigint
    LANGUAGE plpgsql AS $$
DECLARE
	sid	uuid;
	uid	uuid;
BEGIN
	SELECT rt.session_id INTO sid FROM refresh_tokens rt
	WHERE rt.token_hash = th;
	IF NOT FOUND THEN
		RETURN 0;
	END IF;
	UPDATE sessions SET revoke_reason = CASE WHEN revoked_at IS NULL
	    THEN 'logout' ELSE revoke_reason END,
	    revoked_at = coalesce(revoked_at, now())
	WHERE id = sid RETURNING user_id INTO uid;
	UPDATE refresh_tokens SET revoked_at = now()
	WHERE session_id = sid AND revoked_at IS NULL;
	INSERT INTO audit_events (user_id, event, ip, user_agent, request_id,
	    detail)
	VALUES (uid, 'logout', '127.0.0.1', NULL,
	    'bench-floor-0123456789abcdef', NULL);
	RETURN 1;
END
$$;
