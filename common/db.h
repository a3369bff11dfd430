/*
 * The process's one PostgreSQL connection: opened lazily, every statement of
 * the store files (store_stmt.h) prepared once per connection, re-opened
 * after a failure.
 */
#ifndef AUTH_DB_H
#define AUTH_DB_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "base_err.h"
#include "config.h"

/* Remembers the conninfo; no I/O. Call once at start. */
void	auth_db_init(const char *conninfo);

/*
 * Behind a transaction pooler (database_pooler = transaction) a server
 * connection serves other clients between transactions: nothing may live
 * in the session. Statements then go unnamed (parse, bind and execute in
 * one round trip, as PQexecParams) instead of prepared once per
 * connection, and nothing LISTENs. Call after auth_db_init; no I/O.
 */
void	auth_db_set_pooler(enum auth_db_pooler p);

/* True behind a transaction pooler (see auth_db_set_pooler). */
bool	auth_db_pooled(void);

/*
 * Returns a connection ready for use with every statement prepared, opening
 * it if needed; NULL if the database is unreachable (the next call tries
 * again). Owned by db.c.
 */
PGconn *auth_db_conn(void);

/* Drops the connection (after a connection-level failure). */
void	auth_db_reset(void);

/* Closes the connection at process exit. */
void	auth_db_close(void);

/*
 * Runs prepared statement name with nparams text parameters (NULL = SQL
 * NULL; lengths ignored for text, used for binary params flagged in
 * formats). On success *res holds the result (the caller PQclear()s it).
 * Returns AUTH_OK, AUTH_ERR_UNAVAILABLE if the connection is lost (it is
 * then reset, and inside a transaction every further statement and the
 * COMMIT fail the same way until the ROLLBACK), or AUTH_ERR_INTERNAL for any
 * other failure (logged, without parameters; a unique violation, SQLSTATE
 * 23505, is not logged).
 */
enum auth_err auth_db_exec(const char *name, int nparams,
	    const char *const *values, const int *lengths, const int *formats,
	    PGresult **res);

/*
 * Runs a statement PostgreSQL cannot prepare (LISTEN) on the process
 * connection, opening it if needed; AUTH_OK if its command tag is tag.
 */
enum auth_err auth_db_utility(const char *sql, const char *tag);

/*
 * Runs fn(arg), one request's database work. If it fails with
 * AUTH_ERR_UNAVAILABLE before any statement but BEGIN was sent (the
 * connection could not be opened, or was found dead first), runs it once
 * more on a fresh connection. Once a statement was sent, the server may
 * have run or even committed it with the answer lost: a retry would do the
 * change twice (a rotation seen as its own reuse, a reset link as used),
 * so the failure stands and the caller answers 503.
 */
enum auth_err auth_db_run(enum auth_err (*fn)(void *), void *arg);

/* For tests: fn is called with a statement's name (or "COMMIT") just
 * before it is sent; NULL turns it off. */
void	auth_db_test_hook(void (*fn)(const char *what));

/*
 * The number of database round trips the process has made: statements and
 * transaction commands sent, the connection's set-up (connect, prepares)
 * left out. For tests and benchmarks: a request's count is the difference.
 */
unsigned long auth_db_round_trips(void);

/* Transactions: BEGIN / COMMIT / ROLLBACK on the process connection. */
enum auth_err auth_db_begin(void);
enum auth_err auth_db_commit(void);
void	auth_db_rollback(void);

/* The key database_url. */
extern const struct auth_cfg_module auth_db_cfg;

#endif
