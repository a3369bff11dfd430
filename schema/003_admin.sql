-- 003: what the administration needs.

-- An audit event outlives its account: a deleted user's events keep the
-- user id (and never held the address), so the foreign key that set it to
-- NULL goes.
ALTER TABLE audit_events DROP CONSTRAINT audit_events_user_id_fkey;

-- The admin listing: newest first, keyset pagination on (created_at, id).
CREATE INDEX users_created_id_idx ON users (created_at, id);

-- Search by address prefix (email_key LIKE 'prefix%' in any collation).
CREATE INDEX users_email_key_prefix_idx ON users
    (email_key text_pattern_ops);

-- Deleting an account removes the outbox rows of its address, found by
-- the address's key.
CREATE INDEX outbox_recipient_key_idx ON outbox
    (translate(recipient, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
	'abcdefghijklmnopqrstuvwxyz'));
