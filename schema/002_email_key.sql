-- 002: users.email_key, the one normal form of an address that every
-- lookup compares and every per-account limit counts by: ASCII letters
-- lower-cased, every other byte kept (auth_email_key in
-- common/base_email.c; stored addresses are already trimmed). lower()
-- follows the database's ctype, which under UTF-8 maps U+0130 to 'i' and
-- U+212A to 'k', so look-alike addresses matched one account; translate()
-- maps the 26 ASCII letters only, in every locale.

-- Two existing addresses that differ only in ASCII case (possible where
-- lower() mapped them apart) would get the same key: say which, and stop.
DO $$
DECLARE
	n	bigint;
BEGIN
	SELECT count(*) INTO n FROM (
		SELECT 1 FROM users
		GROUP BY translate(email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
		    'abcdefghijklmnopqrstuvwxyz')
		HAVING count(*) > 1) d;
	IF n > 0 THEN
		RAISE EXCEPTION 'users: % addresses are held by more than one '
		    'account when compared ASCII case-insensitively; merge or '
		    'rename those accounts, then migrate again', n;
	END IF;
END
$$;

-- Filled for existing rows, and for every later insert or update, by the
-- same rule: it cannot drift from email.
ALTER TABLE users ADD COLUMN email_key text NOT NULL
    GENERATED ALWAYS AS (translate(email, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
	'abcdefghijklmnopqrstuvwxyz')) STORED;
CREATE UNIQUE INDEX users_email_key_key ON users (email_key);

-- The old index compared lower(email): it must not refuse an address
-- whose key is free, nor stand for the rule. email_key replaces it.
DROP INDEX users_email_lower_key;
