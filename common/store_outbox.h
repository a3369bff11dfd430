/*
 * outbox: the sealed mails the flows queue, auth-mailer delivers and
 * authctl inspects. A payload is sealed (seal.h) with aad = recipient "\n"
 * template.
 */
#ifndef AUTH_STORE_OUTBOX_H
#define AUTH_STORE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "base_err.h"
#include "jwt.h"
#include "store_stmt.h"
#include "base_codec.h"
#include "base_secret.h"

#define AUTH_OUTBOX_CHANNEL	"authd_outbox"	/* NOTIFY on every insert */
#define AUTH_OUTBOX_ERROR_MAX	512		/* bytes of last_error kept */
#define AUTH_OUTBOX_TEMPLATE_MAX 64
#define AUTH_OUTBOX_LIST_MAX	100		/* newest rows listed */

/* Queues a message; the mailers are notified when the caller commits. */
enum auth_err auth_store_outbox_insert(const char *recipient,
	    const char *template, const unsigned char *payload, size_t len);

/* A claimed outbox row; auth_store_outbox_msg_clear wipes and frees it. */
struct auth_outbox_msg {
	long long	 id;
	int		 attempts;	/* including this one */
	char		 recipient[AUTH_EMAIL_MAX + 1];
	char		 template[AUTH_OUTBOX_TEMPLATE_MAX + 1];
	unsigned char	*payload;	/* sealed (seal.h); malloc'd */
	size_t		 payload_len;
};
void	auth_store_outbox_msg_clear(struct auth_outbox_msg *m);

/* ---- delivery (tools/auth-mailer) ---- */

/*
 * Claims the longest-due pending row (FOR UPDATE SKIP LOCKED: concurrent
 * mailers never claim one row twice): status sending, attempts + 1, and a
 * lease of lease_seconds after which another mailer may reclaim it.
 * AUTH_ERR_NOT_FOUND if nothing is due.
 */
enum auth_err auth_store_outbox_claim(long lease_seconds,
	    struct auth_outbox_msg *m);
/* Marks a claimed row sent and empties its payload. AUTH_ERR_NOT_FOUND if
 * the claim was lost (its lease ran out and the row was reclaimed). */
enum auth_err auth_store_outbox_sent(const struct auth_outbox_msg *m);
/* Records a failed attempt: pending again in delay seconds, or failed for
 * good with give_up; error is stored cleaned and truncated. */
enum auth_err auth_store_outbox_failed(const struct auth_outbox_msg *m,
	    long delay, bool give_up, const char *error);
/* Hands a claimed row back as it was before the claim. */
enum auth_err auth_store_outbox_release(const struct auth_outbox_msg *m);
/* Makes rows whose lease ran out pending again; *count may be NULL. */
enum auth_err auth_store_outbox_reclaim(long *count);
/* Seconds until the next pending row is due (0: now); AUTH_ERR_NOT_FOUND
 * if none is pending. */
enum auth_err auth_store_outbox_next_due(double *seconds);
/* Subscribes the process connection to AUTH_OUTBOX_CHANNEL (again after
 * every reconnect), opening it if needed. */
enum auth_err auth_store_outbox_listen(void);
/* Waits up to ms for a notification (or a signal). AUTH_ERR_UNAVAILABLE
 * if the connection broke (it is then reset). */
enum auth_err auth_store_outbox_wait(int ms);

/* ---- health and metrics ---- */

/* Messages waiting for delivery or a retry (status pending), and whole
 * seconds since the oldest of them was queued (0 if none). */
enum auth_err auth_store_outbox_backlog(long long *pending,
	    long long *oldest_age);

/* ---- operator commands (authctl outbox) ---- */

/* One row of authctl outbox list, as text; note is "next_attempt_at
 * last_error" (controls blanked, 200 characters) or "". */
struct auth_outbox_row {
	char	id[24];
	char	created_at[AUTH_TS_MAX];
	char	recipient[AUTH_EMAIL_MAX + 1];
	char	template[AUTH_OUTBOX_TEMPLATE_MAX + 1];
	char	status[16];
	char	attempts[16];
	char	note[AUTH_TS_MAX + 1024];
};

/* Calls fn for the newest AUTH_OUTBOX_LIST_MAX rows, oldest first; a
 * non-zero return from fn stops with AUTH_ERR_INTERNAL. */
enum auth_err auth_store_outbox_list(
	    int (*fn)(void *arg, const struct auth_outbox_row *row), void *arg);
/* The newest message to email (any case) of template (NULL: any), its
 * payload empty once sent; NOT_FOUND if none. Clear m after use. */
enum auth_err auth_store_outbox_newest(const char *email,
	    const char *template, struct auth_outbox_msg *m);
/* Makes failed message id pending again with its attempts reset and
 * notifies the mailers; NOT_FOUND if no failed message has this id. */
enum auth_err auth_store_outbox_retry(long long id);
/* Deletes sent messages sent more than days ago; *count gets how many. */
enum auth_err auth_store_outbox_purge_sent(long days, long *count);
/* Deletes failed messages created more than days ago; *count as above. */
enum auth_err auth_store_outbox_purge_failed(long days, long *count);

/* Deletes every outbox row to email (compared by its key, pending or
 * not): an account's deletion. *count gets how many. */
enum auth_err auth_store_outbox_forget(const char *email, long *count);

#endif
