/* schema_migrations on a connection of its own. */
#include "store_migrate.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

/* pg_advisory_lock key held for a whole migrate run ("authmigr"). */
#define MIG_LOCK_KEY		"7022364363398637938"
#define MIG_CONNECT_TIMEOUT	"10"

enum {
	MIG_LOCK = 0,
	MIG_CREATE,
	MIG_APPLIED,
	MIG_RECORD,
	MIG__MAX
};

/* The statements, run with bound parameters (the connection outlives no
 * command, so nothing is prepared). */
static const struct auth_stmt mig_stmts[MIG__MAX] = {
	[MIG_LOCK] = { "taking the migration lock",
	    "SELECT pg_advisory_lock(" MIG_LOCK_KEY ")" },
	[MIG_CREATE] = { "creating schema_migrations",
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version integer PRIMARY KEY,"
	    " name text NOT NULL,"
	    " checksum text NOT NULL,"
	    " applied_at timestamptz NOT NULL DEFAULT now())" },
	[MIG_APPLIED] = { "reading schema_migrations",
	    "SELECT version, name, checksum, " STORE_TS("applied_at")
	    " FROM schema_migrations ORDER BY version" },
	[MIG_RECORD] = { "recording the migration",
	    "INSERT INTO schema_migrations (version, name, checksum) "
	    "VALUES ($1::int, $2::text, $3::text)" },
};

/* MIG_APPLIED's columns */
enum {
	C_MIG_VERSION = 0,
	C_MIG_NAME,
	C_MIG_CHECKSUM,
	C_MIG_APPLIED_AT,
	C_MIG__MAX
};

static PGconn	*mig_conn;

/* Puts "what: " and the primary message of r (or of the connection), up
 * to its first newline, into err. */
static void
mig_err(char *err, size_t errsz, const char *what, const PGresult *r)
{
	const char	*msg = NULL;
	size_t		 len;

	if (r != NULL)
		msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	if (msg == NULL)
		msg = mig_conn != NULL ? PQerrorMessage(mig_conn) :
		    "out of memory";
	len = strcspn(msg, "\r\n");
	snprintf(err, errsz, "%s: %.*s", what, (int)len, msg);
}

/* Runs sql (no parameters); AUTH_OK, else err says why. */
static enum auth_err
mig_run(const char *what, const char *sql, char *err, size_t errsz)
{
	PGresult	*r;
	enum auth_err	 rc = AUTH_OK;

	r = PQexec(mig_conn, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_EMPTY_QUERY) {
		mig_err(err, errsz, what, r);
		rc = AUTH_ERR_INTERNAL;
	}
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_migrate_open(const char *conninfo, char *err, size_t errsz)
{
	const char *const keys[] = { "connect_timeout", "dbname",
	    "client_encoding", "application_name", NULL };
	const char *const vals[] = { MIG_CONNECT_TIMEOUT, conninfo, "UTF8",
	    "authctl", NULL };
	PGresult	*r;

	auth_store_migrate_close();
	mig_conn = PQconnectdbParams(keys, vals, 1);
	if (mig_conn == NULL || PQstatus(mig_conn) != CONNECTION_OK) {
		mig_err(err, errsz, "cannot connect to the database", NULL);
		auth_store_migrate_close();
		return AUTH_ERR_UNAVAILABLE;
	}
	r = PQexec(mig_conn, "SET client_min_messages = warning");
	PQclear(r);
	return AUTH_OK;
}

void
auth_store_migrate_close(void)
{
	if (mig_conn != NULL)
		PQfinish(mig_conn);
	mig_conn = NULL;
}

enum auth_err
auth_store_migrate_lock(char *err, size_t errsz)
{
	enum auth_err rc;

	if ((rc = mig_run(mig_stmts[MIG_LOCK].name, mig_stmts[MIG_LOCK].sql,
	    err, errsz)) != AUTH_OK)
		return rc;
	return mig_run(mig_stmts[MIG_CREATE].name, mig_stmts[MIG_CREATE].sql,
	    err, errsz);
}

/* Fills m from row i of MIG_APPLIED; -1 after a message in err. */
static int
mig_row_fill(const PGresult *r, int i, struct auth_migration_row *m,
    char *err, size_t errsz)
{
	long long v;

	memset(m, 0, sizeof(*m));
	v = store_llong(r, i, C_MIG_VERSION);
	if (v < 0 || v > INT_MAX) {
		snprintf(err, errsz, "schema_migrations: version %.20s out of "
		    "range", PQgetvalue(r, i, C_MIG_VERSION));
		return -1;
	}
	m->version = (int)v;
	snprintf(m->name, sizeof(m->name), "%s", PQgetvalue(r, i, C_MIG_NAME));
	snprintf(m->checksum, sizeof(m->checksum), "%s",
	    PQgetvalue(r, i, C_MIG_CHECKSUM));
	snprintf(m->applied_at, sizeof(m->applied_at), "%s",
	    PQgetvalue(r, i, C_MIG_APPLIED_AT));
	return 0;
}

enum auth_err
auth_store_migrate_applied(
    int (*fn)(void *arg, const struct auth_migration_row *row), void *arg,
    char *err, size_t errsz)
{
	struct auth_migration_row	 m;
	PGresult			*r;
	const char			*state;
	enum auth_err			 rc = AUTH_ERR_INTERNAL;
	int				 i;

	err[0] = '\0';
	r = PQexec(mig_conn, mig_stmts[MIG_APPLIED].sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (state != NULL && strcmp(state, "42P01") == 0)
			rc = AUTH_OK;	/* no table yet: nothing applied */
		else
			mig_err(err, errsz, mig_stmts[MIG_APPLIED].name, r);
		goto out;
	}
	if (PQnfields(r) != C_MIG__MAX) {
		snprintf(err, errsz, "schema_migrations: unexpected columns");
		goto out;
	}
	for (i = 0; i < PQntuples(r); i++)
		if (mig_row_fill(r, i, &m, err, errsz) == -1 ||
		    fn(arg, &m) != 0)
			goto out;
	rc = AUTH_OK;
out:
	PQclear(r);
	return rc;
}

/* Records version in the open transaction; AUTH_OK, else err says why. */
static enum auth_err
mig_record(int version, const char *name, const char *checksum, char *err,
    size_t errsz)
{
	char		 ver[16];
	const char	*vals[3] = { ver, name, checksum };
	PGresult	*r;
	enum auth_err	 rc = AUTH_OK;

	snprintf(ver, sizeof(ver), "%d", version);
	r = PQexecParams(mig_conn, mig_stmts[MIG_RECORD].sql, 3, NULL, vals,
	    NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		mig_err(err, errsz, mig_stmts[MIG_RECORD].name, r);
		rc = AUTH_ERR_INTERNAL;
	}
	PQclear(r);
	return rc;
}

/* COMMITs; a COMMIT that reports ROLLBACK failed. */
static enum auth_err
mig_commit(char *err, size_t errsz)
{
	PGresult	*r;
	enum auth_err	 rc = AUTH_OK;

	r = PQexec(mig_conn, "COMMIT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK ||
	    strcmp(PQcmdStatus(r), "COMMIT") != 0) {
		mig_err(err, errsz, "COMMIT", r);
		rc = AUTH_ERR_INTERNAL;
	}
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_migrate_apply(int version, const char *name, const char *checksum,
    const char *sql, char *err, size_t errsz)
{
	char		 ignored[8];
	enum auth_err	 rc;

	if ((rc = mig_run("BEGIN", "BEGIN", err, errsz)) != AUTH_OK)
		return rc;
	if ((rc = mig_run(name, sql, err, errsz)) != AUTH_OK ||
	    (rc = mig_record(version, name, checksum, err, errsz)) != AUTH_OK)
		goto fail;
	if (PQtransactionStatus(mig_conn) != PQTRANS_INTRANS) {
		snprintf(err, errsz, "%s: ends the transaction itself; remove "
		    "its BEGIN/COMMIT", name);
		rc = AUTH_ERR_INTERNAL;
		goto fail;
	}
	if ((rc = mig_commit(err, errsz)) != AUTH_OK)
		goto fail;
	return AUTH_OK;
fail:
	(void)mig_run("ROLLBACK", "ROLLBACK", ignored, sizeof(ignored));
	return rc;
}
