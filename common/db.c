#include "db.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "base_metric.h"
#include "log.h"
#include "store_stmt.h"

#define DB_CONNINFO_MAX		1024
#define DB_CONNECT_TIMEOUT	"3"

static char	 db_conninfo[DB_CONNINFO_MAX];
static PGconn	*db_conn;
/*
 * Between a BEGIN that succeeded and its COMMIT or ROLLBACK. If the
 * connection is lost meanwhile, the transaction is gone with it: statements
 * must not run on a new connection (each would commit by itself), and the
 * COMMIT must not report success.
 */
static bool	 db_in_tx;
/*
 * Since auth_db_run began: a statement other than BEGIN was handed to the
 * connection, so the server may have run it (or committed it) even if the
 * answer never came back.
 */
static bool	 db_sent;
static void	(*db_hook)(const char *);
/* Statements and transaction commands sent (the connection's set-up and
 * its prepares not counted): each is one round trip. */
static unsigned long	 db_trips;

unsigned long
auth_db_round_trips(void)
{
	return db_trips;
}

/* Behind a transaction pooler: unnamed statements only. */
static bool	 db_unnamed;

void
auth_db_test_hook(void (*fn)(const char *what))
{
	db_hook = fn;
}

/* Notes that the statement what is about to be sent. */
static void
db_sending(const char *what)
{
	db_sent = true;
	if (db_hook != NULL)
		db_hook(what);
}

void
auth_db_init(const char *conninfo)
{
	int n;

	n = snprintf(db_conninfo, sizeof(db_conninfo), "%s",
	    conninfo != NULL ? conninfo : "");
	if (n < 0 || (size_t)n >= sizeof(db_conninfo)) {
		auth_log_error(NULL, "db: conninfo longer than %d bytes",
		    DB_CONNINFO_MAX - 1);
		db_conninfo[0] = '\0';
	}
}

void
auth_db_set_pooler(enum auth_db_pooler p)
{
	db_unnamed = p == AUTH_DB_POOLER_TRANSACTION;
}

bool
auth_db_pooled(void)
{
	return db_unnamed;
}

/* The text of statement name of the store files; NULL if there is none. */
static const char *
db_stmt_sql(const char *name)
{
	const struct auth_stmt_group	*g;
	size_t				 i, j;

	for (i = 0; i < auth_store_ngroups; i++) {
		g = auth_store_groups[i];
		for (j = 0; j < g->nstmts; j++)
			if (strcmp(g->stmts[j].name, name) == 0)
				return g->stmts[j].sql;
	}
	return NULL;
}

void
auth_db_reset(void)
{
	if (db_conn != NULL)
		PQfinish(db_conn);
	db_conn = NULL;
}

void
auth_db_close(void)
{
	auth_db_reset();
}

/* Logs the first line of libpq's connection error (it names no password). */
static void
db_log_conn_error(const char *what)
{
	const char	*msg;
	size_t		 len;

	auth_metric_add(AUTH_METRIC_DB_ERRORS, 1);
	msg = db_conn != NULL ? PQerrorMessage(db_conn) : "out of memory";
	len = strcspn(msg, "\r\n");
	if (len > 200)
		len = 200;
	auth_log_error(NULL, "db: %s: %.*s", what, (int)len, msg);
}

/* Server notices and warnings go to the log by SQLSTATE only. */
static void
db_notice(void *arg, const PGresult *r)
{
	const char *sev, *state;

	(void)arg;
	sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	auth_log_info(NULL, "db: server %s, SQLSTATE %s",
	    sev != NULL ? sev : "notice", state != NULL ? state : "none");
}

/* Prepares the statements of one store file; false after a message. */
static bool
db_prepare(const struct auth_stmt_group *g)
{
	const struct auth_stmt	*st;
	const char		*state;
	PGresult		*r;
	size_t			 i;

	for (i = 0; i < g->nstmts; i++) {
		st = &g->stmts[i];
		r = PQprepare(db_conn, st->name, st->sql, 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			state = r != NULL ? PQresultErrorField(r,
			    PG_DIAG_SQLSTATE) : NULL;
			auth_log_error(NULL, "db: prepare %s failed: SQLSTATE %s",
			    st->name, state != NULL ? state : "none");
			PQclear(r);
			return false;
		}
		PQclear(r);
	}
	return true;
}

/*
 * Opens the connection and prepares every statement of the store files. The
 * conninfo may be a URI or key=value string; connect_timeout comes first so
 * the conninfo can override it, client_encoding last so it cannot.
 */
static bool
db_open(void)
{
	const char *const keys[] = { "connect_timeout", "dbname",
	    "client_encoding", NULL };
	const char *const vals[] = { DB_CONNECT_TIMEOUT, db_conninfo,
	    "UTF8", NULL };
	size_t		 i;

	db_conn = PQconnectdbParams(keys, vals, 1);
	if (db_conn == NULL || PQstatus(db_conn) != CONNECTION_OK) {
		db_log_conn_error("connect failed");
		goto fail;
	}
	PQsetNoticeReceiver(db_conn, db_notice, NULL);
	for (i = 0; i < auth_store_ngroups && !db_unnamed; i++)
		if (!db_prepare(auth_store_groups[i]))
			goto fail;
	return true;
fail:
	auth_db_reset();
	return false;
}

/*
 * An idle connection has nothing to read; if its socket is readable the
 * server has closed it (restart, idle timeout) or sent a fatal error. Lets
 * libpq read it so that PQstatus tells, without sending a statement.
 */
static void
db_check_idle(void)
{
	struct pollfd	pfd;
	int		i;

	if (PQtransactionStatus(db_conn) != PQTRANS_IDLE)
		return;
	for (i = 0; i < 4 && PQstatus(db_conn) == CONNECTION_OK; i++) {
		pfd.fd = PQsocket(db_conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd < 0 || poll(&pfd, 1, 0) < 0)
			break;
		if (pfd.revents == 0)
			return;
		if (PQconsumeInput(db_conn) == 0)
			break;
	}
	if (PQstatus(db_conn) != CONNECTION_OK ||
	    PQtransactionStatus(db_conn) == PQTRANS_UNKNOWN) {
		auth_log_info(NULL, "db: connection closed by the server; "
		    "reconnecting");
		auth_db_reset();
	}
}

PGconn *
auth_db_conn(void)
{
	if (db_conn != NULL) {
		if (PQstatus(db_conn) != CONNECTION_OK)
			auth_db_reset();
		else
			db_check_idle();
	}
	if (db_conn == NULL && !db_open())
		return NULL;
	return db_conn;
}

/* True if the error in r (or on the connection) means the link is gone. */
static bool
db_conn_lost(const PGresult *r)
{
	const char *state;

	if (db_conn == NULL || PQstatus(db_conn) != CONNECTION_OK)
		return true;
	state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (state == NULL)
		return r == NULL;
	/* Class 08 (connection exception) and the 57P0x shutdown family. */
	return strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0;
}

enum auth_err
auth_db_exec(const char *name, int nparams, const char *const *values,
    const int *lengths, const int *formats, PGresult **res)
{
	PGresult	*r = NULL;
	const char	*state, *constraint, *sql = NULL;
	enum auth_err	 rc = AUTH_ERR_INTERNAL;

	*res = NULL;
	if (db_unnamed && (sql = db_stmt_sql(name)) == NULL) {
		auth_log_error(NULL, "db: no statement %s", name);
		goto out;
	}
	if (db_in_tx && (db_conn == NULL || PQstatus(db_conn) !=
	    CONNECTION_OK)) {
		auth_db_reset();
		rc = AUTH_ERR_UNAVAILABLE;
		goto out;
	}
	if (auth_db_conn() == NULL) {
		rc = AUTH_ERR_UNAVAILABLE;
		goto out;
	}
	db_sending(name);
	db_trips++;
	if (sql != NULL)
		r = PQexecParams(db_conn, sql, nparams, NULL, values, lengths,
		    formats, 0);
	else
		r = PQexecPrepared(db_conn, name, nparams, values, lengths,
		    formats, 0);
	switch (PQresultStatus(r)) {
	case PGRES_TUPLES_OK:
	case PGRES_COMMAND_OK:
		*res = r;
		r = NULL;
		rc = AUTH_OK;
		goto out;
	default:
		break;
	}
	if (db_conn_lost(r)) {
		auth_metric_add(AUTH_METRIC_DB_ERRORS, 1);
		auth_log_error(NULL, "db: %s: connection lost", name);
		auth_db_reset();
		rc = AUTH_ERR_UNAVAILABLE;
		goto out;
	}
	state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (state != NULL && strcmp(state, "23505") == 0)
		goto out;
	auth_metric_add(AUTH_METRIC_DB_ERRORS, 1);
	constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
	auth_log_error(NULL, "db: %s failed: SQLSTATE %s%s%s", name,
	    state != NULL ? state : "none",
	    constraint != NULL ? ", constraint " : "",
	    constraint != NULL ? constraint : "");
out:
	PQclear(r);
	return rc;
}

/*
 * Runs a transaction-control command: AUTH_OK, AUTH_ERR_UNAVAILABLE if the
 * connection is gone (it is then reset), else AUTH_ERR_INTERNAL.
 */
static enum auth_err
db_command(const char *sql, const char *expect_tag)
{
	PGresult	*r;
	enum auth_err	 rc = AUTH_OK;

	db_trips++;
	r = PQexec(db_conn, sql);
	if (PQresultStatus(r) == PGRES_COMMAND_OK &&
	    strcmp(PQcmdStatus(r), expect_tag) == 0)
		goto out;
	auth_metric_add(AUTH_METRIC_DB_ERRORS, 1);
	if (db_conn_lost(r)) {
		auth_log_error(NULL, "db: %s: connection lost", sql);
		auth_db_reset();
		rc = AUTH_ERR_UNAVAILABLE;
		goto out;
	}
	rc = AUTH_ERR_INTERNAL;
	if (PQresultStatus(r) == PGRES_COMMAND_OK)
		auth_log_error(NULL, "db: %s ended as %s", sql, PQcmdStatus(r));
	else
		auth_log_error(NULL, "db: %s failed: SQLSTATE %s", sql,
		    PQresultErrorField(r, PG_DIAG_SQLSTATE) != NULL ?
		    PQresultErrorField(r, PG_DIAG_SQLSTATE) : "none");
out:
	PQclear(r);
	return rc;
}

/*
 * BEGIN is retried once on a fresh connection: nothing has run yet, so a
 * stale connection costs a reconnect, not an error.
 */
enum auth_err
auth_db_begin(void)
{
	enum auth_err	rc = AUTH_ERR_UNAVAILABLE;
	int		attempt;

	db_in_tx = false;
	for (attempt = 0; attempt < 2; attempt++) {
		if (auth_db_conn() == NULL)
			return AUTH_ERR_UNAVAILABLE;
		if (PQtransactionStatus(db_conn) != PQTRANS_IDLE) {
			auth_log_error(NULL, "db: BEGIN inside a transaction; "
			    "rolling back the previous one");
			auth_db_rollback();
			continue;
		}
		rc = db_command("BEGIN", "BEGIN");
		db_in_tx = rc == AUTH_OK;
		if (rc != AUTH_ERR_UNAVAILABLE)
			return rc;
	}
	return rc;
}

/* A COMMIT of a failed transaction reports ROLLBACK: that is an error. */
enum auth_err
auth_db_commit(void)
{
	enum auth_err rc;
	bool in_tx = db_in_tx;

	db_in_tx = false;
	/* The connection the transaction ran on is gone, or never began one. */
	if (db_conn == NULL || !in_tx ||
	    PQtransactionStatus(db_conn) == PQTRANS_IDLE) {
		auth_log_error(NULL, "db: COMMIT without its transaction");
		auth_db_rollback();
		return AUTH_ERR_UNAVAILABLE;
	}
	db_sending("COMMIT");
	rc = db_command("COMMIT", "COMMIT");
	if (rc == AUTH_ERR_INTERNAL)
		auth_db_rollback();
	return rc;
}

void
auth_db_rollback(void)
{
	db_in_tx = false;
	if (db_conn == NULL)
		return;
	if (PQstatus(db_conn) != CONNECTION_OK) {
		auth_db_reset();
		return;
	}
	if (PQtransactionStatus(db_conn) != PQTRANS_IDLE)
		(void)db_command("ROLLBACK", "ROLLBACK");
}

enum auth_err
auth_db_utility(const char *sql, const char *tag)
{
	if (auth_db_conn() == NULL)
		return AUTH_ERR_UNAVAILABLE;
	db_sending(sql);
	return db_command(sql, tag);
}

enum auth_err
auth_db_run(enum auth_err (*fn)(void *), void *arg)
{
	enum auth_err e;

	db_sent = false;
	e = fn(arg);
	if (e == AUTH_ERR_UNAVAILABLE && !db_sent) {
		auth_db_reset();
		e = fn(arg);
	}
	return e;
}

/* ---- configuration ------------------------------------------------------ */

static const char *const db_pooler_names[] = { "none", "transaction", NULL };

_Static_assert(sizeof(db_pooler_names) / sizeof(db_pooler_names[0]) ==
    AUTH_DB_POOLER__MAX + 1, "a name per pooler");

static const struct auth_cfg_key db_keys[] = {
	AUTH_CFG_STR(database_url, NULL, "dbname=auth"),
	AUTH_CFG_ENUM(database_pooler, db_pooler_names, "none"),
};

const struct auth_cfg_module auth_db_cfg = AUTH_CFG_MODULE(db_keys, NULL);
