/*
 * What every store file shares: the prepared-statement table type, the
 * client context recorded with sessions and audit events, and the row and
 * parameter readers of store_*.c. Every store function returns AUTH_OK,
 * AUTH_ERR_NOT_FOUND where a row may be missing, AUTH_ERR_UNAVAILABLE
 * (connection lost) or AUTH_ERR_INTERNAL. Transactions are the caller's
 * (auth_db_begin/commit/rollback). Token hashes are SHA-256
 * (AUTH_HASH_LEN bytes), bound as bytea.
 */
#ifndef AUTH_STORE_STMT_H
#define AUTH_STORE_STMT_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "base_err.h"
#include "base_codec.h"

#define AUTH_TS_MAX	40	/* RFC 3339 timestamp text */

/* Timestamps leave the database as RFC 3339 UTC text. */
#define STORE_TS(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

#define STORE_C_ONLY		0	/* the column of a one-column result */
#define STORE_UA_MAX		512	/* bytes, as the schema's CHECK */
#define STORE_REASON_MAX	256

/* Client context recorded with sessions and audit events. */
struct auth_client {
	const char	*ip;		/* textual IP, may be NULL */
	const char	*user_agent;	/* may be NULL; stored truncated to 512 bytes */
	const char	*request_id;	/* may be NULL */
};

/* A statement, prepared on each new connection by db.c. */
struct auth_stmt {
	const char	*name;
	const char	*sql;
};

/* The statements of one store file. */
struct auth_stmt_group {
	const struct auth_stmt	*stmts;
	size_t			 nstmts;
};

/* Every group of the process connection, for db.c to prepare. */
extern const struct auth_stmt_group *const auth_store_groups[];
extern const size_t auth_store_ngroups;

/* Each store file's group (store_<file>.c). */
extern const struct auth_stmt_group auth_store_user_group;
extern const struct auth_stmt_group auth_store_session_group;
extern const struct auth_stmt_group auth_store_email_token_group;
extern const struct auth_stmt_group auth_store_outbox_group;
extern const struct auth_stmt_group auth_store_audit_group;
extern const struct auth_stmt_group auth_store_purge_group;

/* health: SELECT 1. */
enum auth_err auth_store_ping(void);

/* ---- for store_*.c only ---- */

/* Runs statement st (see auth_db_exec); the caller PQclear()s *res. */
enum auth_err store_exec(const struct auth_stmt *st, int n,
	    const char *const *vals, const int *lens, const int *fmts,
	    PGresult **res);
/* Copies field (row, col) into dst; -1 if NULL was not allowed or too long. */
int	store_copy(const PGresult *r, int row, int col, char *dst,
	    size_t dstsz, bool null_ok);
/* True if field (row, col) is the boolean true. */
bool	store_bool(const PGresult *r, int row, int col);
/* A whole non-negative decimal field; -1 on anything else. */
long long store_llong(const PGresult *r, int row, int col);
/* Number of rows a command touched. */
long long store_affected(const PGresult *r);
/* True if s is a canonical textual UUID. */
bool	store_uuid_ok(const char *s);
/* Copies s into out as valid UTF-8 without control characters. */
void	store_clean_text(const char *s, char *out, size_t outsz);
/* Returns ip if it is a textual IPv4 or IPv6 address, else NULL. */
const char *store_inet(const char *ip);
/* Runs a statement answering one count(*) into *count (may be NULL). */
enum auth_err store_count(const struct auth_stmt *st, int n,
	    const char *const *vals, long *count);
/* Runs st; NOT_FOUND if it touched no row. */
enum auth_err store_change(const struct auth_stmt *st, int n,
	    const char *const *vals, const int *lens, const int *fmts);
/* Runs a one-row UPDATE keyed by a uuid; NOT_FOUND if no row matched. */
enum auth_err store_update(const struct auth_stmt *st, int n,
	    const char *const *vals);
/* store_update of a statement whose one parameter is the uuid id. */
enum auth_err store_update_id(const struct auth_stmt *st, const char *id);
/* Runs st with a token hash ($1::bytea) as its one parameter. */
enum auth_err store_exec_hash(const struct auth_stmt *st,
	    const unsigned char *hash, PGresult **res);
/* A text column of a result and the char array of a row struct it fills. */
struct store_col {
	int	col;
	size_t	off;
	size_t	size;
};
#define STORE_COL(c, type, field) \
	{ (c), offsetof(type, field), sizeof(((type *)0)->field) }

/* The rows of a result whose columns are all text, read one at a time. */
struct store_rows {
	PGresult		*r;
	int			 i;
	const struct store_col	*cols;
	size_t			 ncols;
};
/* Runs st; its result must have exactly the ncols columns cols. Close
 * it (also after a failure). */
enum auth_err store_rows_open(struct store_rows *it, const struct auth_stmt *st,
	    int n, const char *const *vals, const struct store_col *cols,
	    size_t ncols);
/* Fills row (the struct cols describe) with the next row: 1, 0 at the
 * end, -1 (logged) if a value is NULL or does not fit. */
int	store_rows_next(struct store_rows *it, void *row);
void	store_rows_close(struct store_rows *it);

/* Reads the one row (flag, count) of a change guarded by a check: AUTH_OK
 * and *count if the flag is true, NOT_FOUND if false. */
enum auth_err store_flag_count(const PGresult *r, long *count);
/* Copies the uuid of a one-row, one-column result into id; NOT_FOUND
 * without a row. */
enum auth_err store_one_id(const PGresult *r, char id[AUTH_UUID_LEN + 1]);

/* Runs a statement, wanting no rows back; *count (may be NULL) gets the
 * number of rows it touched. */
enum auth_err store_run(const struct auth_stmt *st, int n,
	    const char *const *vals, long *count);

#endif
