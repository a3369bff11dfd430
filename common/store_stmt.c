/*
 * The statement registry of the process connection and the row readers
 * shared by the store files.
 */
#include "store_stmt.h"

#include <arpa/inet.h>

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "base_num.h"
#include "base_utf8.h"
#include "base_codec.h"
#include "base_secret.h"

#define STORE_IP_MAX		64

static const struct auth_stmt stmt_ping = { "ping", "SELECT 1" };
static const struct auth_stmt_group ping_group = { &stmt_ping, 1 };

const struct auth_stmt_group *const auth_store_groups[] = {
	&ping_group,
	&auth_store_user_group,
	&auth_store_session_group,
	&auth_store_email_token_group,
	&auth_store_outbox_group,
	&auth_store_audit_group,
	&auth_store_purge_group,
};
const size_t auth_store_ngroups =
    sizeof(auth_store_groups) / sizeof(auth_store_groups[0]);

enum auth_err
store_exec(const struct auth_stmt *st, int n, const char *const *vals,
    const int *lens, const int *fmts, PGresult **res)
{
	return auth_db_exec(st->name, n, vals, lens, fmts, res);
}

/* Copies field (row, col) into dst; -1 if NULL was not allowed or too long. */
int
store_copy(const PGresult *r, int row, int col, char *dst, size_t dstsz,
    bool null_ok)
{
	size_t len;

	dst[0] = '\0';
	if (PQgetisnull(r, row, col))
		return null_ok ? 0 : -1;
	len = (size_t)PQgetlength(r, row, col);
	if (len >= dstsz)
		return -1;
	memcpy(dst, PQgetvalue(r, row, col), len);
	dst[len] = '\0';
	return 0;
}

bool
store_bool(const PGresult *r, int row, int col)
{
	return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* Parses a whole non-negative decimal field; -1 on anything else. */
long long
store_llong(const PGresult *r, int row, int col)
{
	unsigned long long v;

	if (PQgetisnull(r, row, col) ||
	    auth_parse_num(PQgetvalue(r, row, col), 0, LLONG_MAX, &v,
	    NULL) == -1)
		return -1;
	return (long long)v;
}

/* Number of rows a command touched. */
long long
store_affected(const PGresult *r)
{
	unsigned long long v;

	if (auth_parse_num(PQcmdTuples((PGresult *)r), 0, LLONG_MAX, &v,
	    NULL) == -1)
		return 0;
	return (long long)v;
}

bool
store_uuid_ok(const char *s)
{
	return s != NULL && auth_uuid_valid(s, strnlen(s, AUTH_UUID_LEN + 1));
}

/*
 * Copies s into out (outsz bytes) as valid UTF-8 without control
 * characters: invalid bytes and controls become '?', and the copy stops at
 * a character boundary before outsz - 1 bytes.
 */
void
store_clean_text(const char *s, char *out, size_t outsz)
{
	auth_utf8_clean(s, out, outsz);
}

/* Returns ip if it is a textual IPv4 or IPv6 address, else NULL. */
const char *
store_inet(const char *ip)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (ip == NULL || strnlen(ip, STORE_IP_MAX) == STORE_IP_MAX)
		return NULL;
	if (inet_pton(AF_INET, ip, buf) == 1 ||
	    inet_pton(AF_INET6, ip, buf) == 1)
		return ip;
	return NULL;
}

enum auth_err
store_change(const struct auth_stmt *st, int n, const char *const *vals,
    const int *lens, const int *fmts)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if ((rc = store_exec(st, n, vals, lens, fmts, &r)) == AUTH_OK &&
	    store_affected(r) == 0)
		rc = AUTH_ERR_NOT_FOUND;
	PQclear(r);
	return rc;
}

enum auth_err
store_update(const struct auth_stmt *st, int n, const char *const *vals)
{
	if (!store_uuid_ok(vals[0]))
		return AUTH_ERR_NOT_FOUND;
	return store_change(st, n, vals, NULL, NULL);
}

enum auth_err
store_update_id(const struct auth_stmt *st, const char *id)
{
	const char *const vals[1] = { id };

	return store_update(st, 1, vals);
}

enum auth_err
store_exec_hash(const struct auth_stmt *st, const unsigned char *hash,
    PGresult **res)
{
	const char *const vals[1] = { (const char *)hash };
	const int	 lens[1] = { AUTH_HASH_LEN };
	const int	 fmts[1] = { 1 };

	return store_exec(st, 1, vals, lens, fmts, res);
}

/* Runs a statement answering one count(*) into *count. */
enum auth_err
store_count(const struct auth_stmt *st, int n, const char *const *vals,
    long *count)
{
	PGresult	*r = NULL;
	long long	 v;
	enum auth_err	 rc;

	if (count != NULL)
		*count = 0;
	if ((rc = store_exec(st, n, vals, NULL, NULL, &r)) != AUTH_OK)
		goto out;
	if (PQntuples(r) != 1 || (v = store_llong(r, 0, 0)) < 0) {
		rc = AUTH_ERR_INTERNAL;
		goto out;
	}
	if (count != NULL)
		*count = (long)v;
out:
	PQclear(r);
	return rc;
}

enum auth_err
auth_store_ping(void)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	rc = store_exec(&stmt_ping, 0, NULL, NULL, NULL, &r);
	PQclear(r);
	return rc;
}

enum auth_err
store_run(const struct auth_stmt *st, int n, const char *const *vals,
    long *count)
{
	PGresult	*r = NULL;
	enum auth_err	 rc;

	if (count != NULL)
		*count = 0;
	rc = store_exec(st, n, vals, NULL, NULL, &r);
	if (rc == AUTH_OK && count != NULL)
		*count = (long)store_affected(r);
	PQclear(r);
	return rc;
}

enum auth_err
store_rows_open(struct store_rows *it, const struct auth_stmt *st, int n,
    const char *const *vals, const struct store_col *cols, size_t ncols)
{
	enum auth_err rc;

	memset(it, 0, sizeof(*it));
	it->cols = cols;
	it->ncols = ncols;
	if ((rc = store_exec(st, n, vals, NULL, NULL, &it->r)) != AUTH_OK)
		return rc;
	if ((size_t)PQnfields(it->r) != ncols) {
		auth_log_error(NULL, "store: %s: unexpected columns", st->name);
		return AUTH_ERR_INTERNAL;
	}
	return AUTH_OK;
}

int
store_rows_next(struct store_rows *it, void *row)
{
	size_t i;

	if (it->r == NULL || it->i >= PQntuples(it->r))
		return 0;
	for (i = 0; i < it->ncols; i++)
		if (store_copy(it->r, it->i, it->cols[i].col,
		    (char *)row + it->cols[i].off, it->cols[i].size,
		    false) == -1) {
			auth_log_error(NULL, "store: unexpected row");
			return -1;
		}
	it->i++;
	return 1;
}

void
store_rows_close(struct store_rows *it)
{
	PQclear(it->r);
	it->r = NULL;
}

enum auth_err
store_flag_count(const PGresult *r, long *count)
{
	long long n;

	if (PQntuples(r) != 1 || PQnfields(r) != 2 ||
	    (n = store_llong(r, 0, 1)) < 0)
		return AUTH_ERR_INTERNAL;
	if (!store_bool(r, 0, 0))
		return AUTH_ERR_NOT_FOUND;
	*count = (long)n;
	return AUTH_OK;
}

enum auth_err
store_one_id(const PGresult *r, char id[AUTH_UUID_LEN + 1])
{
	if (PQntuples(r) != 1)
		return AUTH_ERR_NOT_FOUND;
	if (store_copy(r, 0, STORE_C_ONLY, id, AUTH_UUID_LEN + 1, false) == -1)
		return AUTH_ERR_INTERNAL;
	return AUTH_OK;
}
