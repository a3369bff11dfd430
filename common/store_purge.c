/* authctl purge: one DELETE per kind of dead row. */
#include "store_purge.h"

static const struct auth_stmt purge_stmts[AUTH_PURGE__MAX] = {
	[AUTH_PURGE_REFRESH] = { "purge_refresh",
	    "DELETE FROM refresh_tokens"
	    " WHERE expires_at < now() - interval '1 day'" },
	[AUTH_PURGE_SESSIONS] = { "purge_sessions",
	    "DELETE FROM sessions WHERE expires_at < now() - interval '1 day'"
	    " OR revoked_at < now() - interval '30 days'" },
	[AUTH_PURGE_EMAIL_TOKENS] = { "purge_email_tokens",
	    "DELETE FROM email_tokens"
	    " WHERE expires_at < now() - interval '1 day'"
	    " OR used_at < now() - interval '1 day'" },
	[AUTH_PURGE_OUTBOX] = { "purge_outbox",
	    "DELETE FROM outbox WHERE (status = 'sent'"
	    " AND sent_at < now() - interval '7 days') OR (status = 'failed'"
	    " AND created_at < now() - interval '30 days')" },
};
const struct auth_stmt_group auth_store_purge_group = {
	purge_stmts, AUTH_PURGE__MAX
};

static const char *const purge_names[AUTH_PURGE__MAX] = {
	[AUTH_PURGE_REFRESH] = "expired refresh tokens",
	[AUTH_PURGE_SESSIONS] = "expired or long-revoked sessions",
	[AUTH_PURGE_EMAIL_TOKENS] = "expired or used email tokens",
	[AUTH_PURGE_OUTBOX] = "old sent or failed outbox messages",
};

const char *
auth_store_purge_name(enum auth_purge p)
{
	return p < AUTH_PURGE__MAX ? purge_names[p] : "unknown";
}

enum auth_err
auth_store_purge(enum auth_purge p, long *count)
{
	*count = 0;
	if (p >= AUTH_PURGE__MAX)
		return AUTH_ERR_INTERNAL;
	return store_run(&purge_stmts[p], 0, NULL, count);
}
