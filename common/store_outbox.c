/* outbox: queueing, delivery and the operator's commands. */
#include "store_outbox.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base_email.h"
#include "db.h"
#include "log.h"

/* The columns of a message, in the order of the C_MSG_* enum. */
#define OUTBOX_MSG_COLS(t) \
	t "id, " t "attempts, " t "recipient, " t "template, " t "payload"

enum {
	C_MSG_ID = 0,
	C_MSG_ATTEMPTS,
	C_MSG_RECIPIENT,
	C_MSG_TEMPLATE,
	C_MSG_PAYLOAD,
	C_MSG__MAX
};

/* outbox_list's columns */
enum {
	C_OL_ID = 0,
	C_OL_CREATED_AT,
	C_OL_RECIPIENT,
	C_OL_TEMPLATE,
	C_OL_STATUS,
	C_OL_ATTEMPTS,
	C_OL_NOTE,
	C_OL__MAX
};

enum {
	ST_OUTBOX_INSERT = 0,
	ST_OUTBOX_CLAIM,
	ST_OUTBOX_SENT,
	ST_OUTBOX_FAILED,
	ST_OUTBOX_RELEASE,
	ST_OUTBOX_RECLAIM,
	ST_OUTBOX_NEXT_DUE,
	ST_OUTBOX_LIST,
	ST_OUTBOX_NEWEST,
	ST_OUTBOX_RETRY,
	ST_OUTBOX_PURGE_SENT,
	ST_OUTBOX_PURGE_FAILED,
	ST_OUTBOX_FORGET,
	ST_OUTBOX_BACKLOG,
	ST_OUTBOX__MAX
};

/* outbox_backlog's columns */
enum {
	C_OB_PENDING = 0,
	C_OB_OLDEST_AGE,
	C_OB__MAX
};

static const struct auth_stmt outbox_stmts[ST_OUTBOX__MAX] = {
	/* The mailers LISTEN; the notice goes out when the caller commits. */
	[ST_OUTBOX_INSERT] = { "outbox_insert",
	    "WITH o AS (INSERT INTO outbox (recipient, template, payload) "
	    "VALUES ($1::text, $2::text, $3::bytea) RETURNING id) "
	    "SELECT pg_notify('" AUTH_OUTBOX_CHANNEL "', '') FROM o" },
	/* A claim is a lease held in next_attempt_at. */
	[ST_OUTBOX_CLAIM] = { "outbox_claim",
	    "UPDATE outbox o SET status = 'sending',"
	    " attempts = o.attempts + 1,"
	    " next_attempt_at = now() + $1::bigint * interval '1 second' "
	    "FROM (SELECT id FROM outbox"
	    " WHERE status = 'pending' AND next_attempt_at <= now()"
	    " ORDER BY next_attempt_at, id LIMIT 1"
	    " FOR UPDATE SKIP LOCKED) c "
	    "WHERE o.id = c.id "
	    "RETURNING " OUTBOX_MSG_COLS("o.") },
	[ST_OUTBOX_SENT] = { "outbox_sent",
	    "UPDATE outbox SET status = 'sent', sent_at = now(),"
	    " payload = ''::bytea, last_error = NULL "
	    "WHERE id = $1::bigint AND status = 'sending'"
	    " AND attempts = $2::integer" },
	[ST_OUTBOX_FAILED] = { "outbox_failed",
	    "UPDATE outbox SET"
	    " status = CASE WHEN $3::boolean THEN 'failed' ELSE 'pending' END,"
	    " next_attempt_at = now() + $4::bigint * interval '1 second',"
	    " last_error = $5::text "
	    "WHERE id = $1::bigint AND status = 'sending'"
	    " AND attempts = $2::integer" },
	[ST_OUTBOX_RELEASE] = { "outbox_release",
	    "WITH r AS (UPDATE outbox SET status = 'pending',"
	    " attempts = greatest(attempts - 1, 0), next_attempt_at = now()"
	    " WHERE id = $1::bigint AND status = 'sending'"
	    " AND attempts = $2::integer RETURNING id) "
	    "SELECT pg_notify('" AUTH_OUTBOX_CHANNEL "', '') FROM r" },
	[ST_OUTBOX_RECLAIM] = { "outbox_reclaim",
	    "UPDATE outbox SET status = 'pending', next_attempt_at = now() "
	    "WHERE status = 'sending' AND next_attempt_at <= now()" },
	[ST_OUTBOX_NEXT_DUE] = { "outbox_next_due",
	    "SELECT ceil(greatest(0, extract(epoch FROM"
	    " min(next_attempt_at) - now())) * 1000)::bigint "
	    "FROM outbox WHERE status = 'pending'" },
	/* ---- operator commands ---- */
	[ST_OUTBOX_LIST] = { "outbox_list",
	    "SELECT id, " STORE_TS("created_at") ", recipient, template,"
	    " status, attempts, coalesce(" STORE_TS("next_attempt_at")
	    " || ' ' || left(regexp_replace(coalesce(last_error, ''),"
	    " '[[:cntrl:]]', ' ', 'g'), 200), '') "
	    "FROM (SELECT * FROM outbox ORDER BY id DESC LIMIT $1::bigint) o "
	    "ORDER BY id" },
	[ST_OUTBOX_NEWEST] = { "outbox_newest",
	    "SELECT " OUTBOX_MSG_COLS("") " FROM outbox "
	    "WHERE lower(recipient) = lower($1::text)"
	    " AND ($2::text IS NULL OR template = $2::text) "
	    "ORDER BY id DESC LIMIT 1" },
	[ST_OUTBOX_RETRY] = { "outbox_retry",
	    "WITH u AS (UPDATE outbox SET status = 'pending', attempts = 0,"
	    " next_attempt_at = now(), last_error = NULL"
	    " WHERE id = $1::bigint AND status = 'failed' RETURNING id) "
	    "SELECT pg_notify('" AUTH_OUTBOX_CHANNEL "', '') FROM u" },
	[ST_OUTBOX_PURGE_SENT] = { "outbox_purge_sent",
	    "DELETE FROM outbox WHERE status = 'sent'"
	    " AND sent_at < now() - $1::bigint * interval '1 day'" },
	[ST_OUTBOX_PURGE_FAILED] = { "outbox_purge_failed",
	    "DELETE FROM outbox WHERE status = 'failed'"
	    " AND created_at < now() - $1::bigint * interval '1 day'" },
	/* Every row of one address, by its key (migration 003's index). */
	[ST_OUTBOX_FORGET] = { "outbox_forget",
	    "DELETE FROM outbox WHERE translate(recipient,"
	    " 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
	    " = $1::text" },
	/* ---- health and metrics (the partial index of pending rows) ---- */
	[ST_OUTBOX_BACKLOG] = { "outbox_backlog",
	    "SELECT count(*), coalesce(greatest(0, floor(extract(epoch FROM"
	    " now() - min(created_at)))), 0)::bigint "
	    "FROM outbox WHERE status = 'pending'" },
};
const struct auth_stmt_group auth_store_outbox_group = {
	outbox_stmts, ST_OUTBOX__MAX
};

#define STMT(st)	(&outbox_stmts[(st)])

enum auth_err
auth_store_outbox_insert(const char *recipient, const char *template,
    const unsigned char *payload, size_t len)
{
	const char *const vals[3] = { recipient, template,
	    (const char *)payload };
	const int	 lens[3] = { 0, 0, (int)len };
	const int	 fmts[3] = { 0, 0, 1 };
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if (len > INT32_MAX / 2)
		return AUTH_ERR_INTERNAL;
	rc = store_exec(STMT(ST_OUTBOX_INSERT), 3, vals, lens, fmts, &r);
	PQclear(r);
	return rc;
}

void
auth_store_outbox_msg_clear(struct auth_outbox_msg *m)
{
	if (m == NULL)
		return;
	if (m->payload != NULL) {
		auth_wipe(m->payload, m->payload_len);
		free(m->payload);
	}
	auth_wipe(m, sizeof(*m));
}

/* Fills m from row 0 of an OUTBOX_MSG_COLS result; m is cleared on error. */
static enum auth_err
outbox_msg_fill(const PGresult *r, struct auth_outbox_msg *m)
{
	unsigned char	*raw = NULL;
	size_t		 rawlen = 0;
	long long	 v;
	enum auth_err	 rc = AUTH_ERR_INTERNAL;

	if (PQntuples(r) != 1 || PQnfields(r) != C_MSG__MAX ||
	    (m->id = store_llong(r, 0, C_MSG_ID)) < 0 ||
	    (v = store_llong(r, 0, C_MSG_ATTEMPTS)) < 0 || v > INT32_MAX ||
	    store_copy(r, 0, C_MSG_RECIPIENT, m->recipient,
	    sizeof(m->recipient), false) == -1 ||
	    store_copy(r, 0, C_MSG_TEMPLATE, m->template, sizeof(m->template),
	    false) == -1 || PQgetisnull(r, 0, C_MSG_PAYLOAD)) {
		auth_log_error(NULL, "store: unexpected outbox row");
		goto out;
	}
	m->attempts = (int)v;
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0,
	    C_MSG_PAYLOAD), &rawlen);
	if (raw == NULL)
		goto out;
	if ((m->payload = malloc(rawlen > 0 ? rawlen : 1)) == NULL)
		goto out;
	memcpy(m->payload, raw, rawlen);
	m->payload_len = rawlen;
	rc = AUTH_OK;
out:
	if (raw != NULL) {
		auth_wipe(raw, rawlen);
		PQfreemem(raw);
	}
	if (rc != AUTH_OK)
		auth_store_outbox_msg_clear(m);
	return rc;
}

/* Runs st (returning OUTBOX_MSG_COLS) into m; NOT_FOUND if no row. */
static enum auth_err
outbox_msg_get(int st, int n, const char *const *vals,
    struct auth_outbox_msg *m)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	memset(m, 0, sizeof(*m));
	if ((rc = store_exec(STMT(st), n, vals, NULL, NULL, &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) == 0)
		rc = AUTH_ERR_NOT_FOUND;
	else
		rc = outbox_msg_fill(r, m);
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_outbox_claim(long lease_seconds, struct auth_outbox_msg *m)
{
	char		 lease[24];
	const char *const vals[1] = { lease };

	snprintf(lease, sizeof(lease), "%ld", lease_seconds);
	return outbox_msg_get(ST_OUTBOX_CLAIM, 1, vals, m);
}

/* Runs an UPDATE of a claimed row; NOT_FOUND if the claim is gone. */
static enum auth_err
store_outbox_update(int st, int n, const char *const *vals,
    bool counts_rows)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if ((rc = store_exec(STMT(st), n, vals, NULL, NULL, &r)) != AUTH_OK)
		goto out;
	if (counts_rows ? store_affected(r) == 0 : PQntuples(r) == 0)
		rc = AUTH_ERR_NOT_FOUND;
out:
	PQclear(r);
	return rc;
}

/* Runs st with the claim of m (id, attempts) as its parameters. */
static enum auth_err
outbox_claimed_update(int st, const struct auth_outbox_msg *m,
    bool counts_rows)
{
	char		 id[24], att[16];
	const char *const vals[2] = { id, att };

	snprintf(id, sizeof(id), "%lld", m->id);
	snprintf(att, sizeof(att), "%d", m->attempts);
	return store_outbox_update(st, 2, vals, counts_rows);
}

enum auth_err
auth_store_outbox_sent(const struct auth_outbox_msg *m)
{
	return outbox_claimed_update(ST_OUTBOX_SENT, m, true);
}

enum auth_err
auth_store_outbox_failed(const struct auth_outbox_msg *m, long delay,
    bool give_up, const char *error)
{
	char		 id[24], att[16], d[24], why[AUTH_OUTBOX_ERROR_MAX + 1];
	const char *const vals[5] = { id, att, give_up ? "true" : "false", d,
	    why };

	snprintf(id, sizeof(id), "%lld", m->id);
	snprintf(att, sizeof(att), "%d", m->attempts);
	snprintf(d, sizeof(d), "%ld", delay > 0 ? delay : 0);
	store_clean_text(error != NULL ? error : "unknown error", why,
	    sizeof(why));
	return store_outbox_update(ST_OUTBOX_FAILED, 5, vals, true);
}

enum auth_err
auth_store_outbox_release(const struct auth_outbox_msg *m)
{
	return outbox_claimed_update(ST_OUTBOX_RELEASE, m, false);
}

enum auth_err
auth_store_outbox_reclaim(long *count)
{
	return store_run(STMT(ST_OUTBOX_RECLAIM), 0, NULL, count);
}

enum auth_err
auth_store_outbox_next_due(double *seconds)
{
	PGresult	*r = NULL;
	long long	 ms;
	enum auth_err	 rc;

	*seconds = 0;
	if ((rc = store_exec(STMT(ST_OUTBOX_NEXT_DUE), 0, NULL, NULL, NULL,
	    &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, STORE_C_ONLY)) {
		rc = AUTH_ERR_NOT_FOUND;
		goto out;
	}
	/* whole milliseconds: no float parser needed */
	if ((ms = store_llong(r, 0, STORE_C_ONLY)) > 0)
		*seconds = (double)ms / 1000;
out:
	PQclear(r);
	return rc;
}

/*
 * Behind a transaction pooler a notification reaches whichever client
 * holds the server connection then: no LISTEN, the mailer polls alone.
 */
enum auth_err
auth_store_outbox_backlog(long long *pending, long long *oldest_age)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	*pending = 0;
	*oldest_age = 0;
	if ((rc = store_exec(STMT(ST_OUTBOX_BACKLOG), 0, NULL, NULL, NULL,
	    &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) != 1 || PQnfields(r) != C_OB__MAX ||
	    (*pending = store_llong(r, 0, C_OB_PENDING)) < 0 ||
	    (*oldest_age = store_llong(r, 0, C_OB_OLDEST_AGE)) < 0) {
		*pending = *oldest_age = 0;
		rc = AUTH_ERR_INTERNAL;
	}
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_outbox_listen(void)
{
	if (auth_db_pooled())
		return auth_db_conn() != NULL ? AUTH_OK : AUTH_ERR_UNAVAILABLE;
	return auth_db_utility("LISTEN " AUTH_OUTBOX_CHANNEL, "LISTEN");
}

/* Drops the notifications libpq has buffered; true if there were any. */
static bool
outbox_notifies_drain(PGconn *conn)
{
	PGnotify	*n;
	bool		 any = false;

	while ((n = PQnotifies(conn)) != NULL) {
		any = true;
		PQfreemem(n);
	}
	return any;
}

enum auth_err
auth_store_outbox_wait(int ms)
{
	struct pollfd	 pfd;
	PGconn		*conn;

	if ((conn = auth_db_conn()) == NULL)
		return AUTH_ERR_UNAVAILABLE;
	if (outbox_notifies_drain(conn))
		return AUTH_OK;
	pfd.fd = PQsocket(conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0)
		goto lost;
	if (poll(&pfd, 1, ms) <= 0)
		return AUTH_OK;	/* timeout, or a signal */
	if (PQconsumeInput(conn) == 0)
		goto lost;
	outbox_notifies_drain(conn);
	return AUTH_OK;
lost:
	auth_db_reset();
	return AUTH_ERR_UNAVAILABLE;
}

/* ---- operator commands ------------------------------------------------ */

static const struct store_col ol_cols[C_OL__MAX] = {
	STORE_COL(C_OL_ID, struct auth_outbox_row, id),
	STORE_COL(C_OL_CREATED_AT, struct auth_outbox_row, created_at),
	STORE_COL(C_OL_RECIPIENT, struct auth_outbox_row, recipient),
	STORE_COL(C_OL_TEMPLATE, struct auth_outbox_row, template),
	STORE_COL(C_OL_STATUS, struct auth_outbox_row, status),
	STORE_COL(C_OL_ATTEMPTS, struct auth_outbox_row, attempts),
	STORE_COL(C_OL_NOTE, struct auth_outbox_row, note),
};

enum auth_err
auth_store_outbox_list(int (*fn)(void *arg, const struct auth_outbox_row *row),
    void *arg)
{
	char			 max[24];
	const char *const	 vals[1] = { max };
	struct auth_outbox_row	 row;
	struct store_rows	 it;
	enum auth_err		 rc;
	int			 more;

	snprintf(max, sizeof(max), "%d", AUTH_OUTBOX_LIST_MAX);
	if ((rc = store_rows_open(&it, STMT(ST_OUTBOX_LIST), 1, vals, ol_cols,
	    C_OL__MAX)) == AUTH_OK) {
		while ((more = store_rows_next(&it, &row)) == 1 &&
		    fn(arg, &row) == 0)
			continue;
		if (more != 0)
			rc = AUTH_ERR_INTERNAL;
	}
	store_rows_close(&it);
	return rc;
}

enum auth_err
auth_store_outbox_newest(const char *email, const char *template,
    struct auth_outbox_msg *m)
{
	const char *const vals[2] = { email, template };

	return outbox_msg_get(ST_OUTBOX_NEWEST, 2, vals, m);
}

enum auth_err
auth_store_outbox_retry(long long id)
{
	char		 ids[24];
	const char *const vals[1] = { ids };

	snprintf(ids, sizeof(ids), "%lld", id);
	return store_outbox_update(ST_OUTBOX_RETRY, 1, vals, false);
}

/* Runs the DELETE st of rows older than days; *count gets how many. */
static enum auth_err
outbox_purge(int st, long days, long *count)
{
	char		 d[24];
	const char *const vals[1] = { d };

	snprintf(d, sizeof(d), "%ld", days);
	return store_run(STMT(st), 1, vals, count);
}

enum auth_err
auth_store_outbox_purge_sent(long days, long *count)
{
	return outbox_purge(ST_OUTBOX_PURGE_SENT, days, count);
}

enum auth_err
auth_store_outbox_purge_failed(long days, long *count)
{
	return outbox_purge(ST_OUTBOX_PURGE_FAILED, days, count);
}

enum auth_err
auth_store_outbox_forget(const char *email, long *count)
{
	char key[AUTH_EMAIL_MAX + 1];
	const char *const vals[1] = { key };

	*count = 0;
	if (email == NULL || auth_email_key(email, strlen(email), key,
	    NULL) != 0)
		return AUTH_OK;
	return store_run(STMT(ST_OUTBOX_FORGET), 1, vals, count);
}
