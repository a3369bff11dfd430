/* The rows no flow can use any more, deleted by authctl purge. */
#ifndef AUTH_STORE_PURGE_H
#define AUTH_STORE_PURGE_H

#include "base_err.h"
#include "store_stmt.h"

/*
 * What purge deletes. Rotated refresh tokens stay until they expire so that
 * reuse is still detected; revoked sessions stay a while for the audit trail.
 */
enum auth_purge {
	AUTH_PURGE_REFRESH = 0,		/* expired refresh tokens */
	AUTH_PURGE_SESSIONS,		/* expired or long-revoked sessions */
	AUTH_PURGE_EMAIL_TOKENS,	/* expired or used email tokens */
	AUTH_PURGE_OUTBOX,		/* old sent or failed outbox messages */
	AUTH_PURGE__MAX
};

/* What p deletes, in words ("expired refresh tokens"). */
const char *auth_store_purge_name(enum auth_purge p);
/* Deletes the rows of p; *count gets how many. Idempotent. */
enum auth_err auth_store_purge(enum auth_purge p, long *count);

#endif
