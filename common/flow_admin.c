/*
 * Administration: the admin API's caller check, the user listing and its
 * cursor, roles, disabling, revoking sessions and deleting accounts (by an
 * admin, by authctl and by the owner). Every change runs in one
 * transaction with its audit event; an admin's events name the admin in
 * their detail ("admin_id"), authctl's say {"by":"authctl"}.
 */
#include "flow.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "hmac.h"
#include "store_outbox.h"
#include "base_codec.h"
#include "base_secret.h"

#define CURSOR_MAC_LEN	16
/* "<created_at to the microsecond>,<uuid>" */
#define CURSOR_TEXT_MAX	(AUTH_TS_MAX + 1 + AUTH_UUID_LEN)

/* The detail of an event of actor by (an admin's id, or NULL for
 * authctl), with sessions revoked n (or -1: none said). */
static void
actor_detail(const char *by, long n, char *out, size_t outsz)
{
	char sessions[48] = "";

	if (n >= 0)
		snprintf(sessions, sizeof(sessions), ",\"sessions_revoked\":%ld",
		    n);
	if (by != NULL)
		snprintf(out, outsz, "{\"admin_id\":\"%s\"%s}", by, sessions);
	else
		snprintf(out, outsz, "{\"by\":\"authctl\"%s}", sessions);
}

/* Writes event ev of user_id done by actor by (see actor_detail). */
static void
actor_audit(enum auth_audit_event ev, const char *user_id,
    const struct auth_client *cl, const char *by, long n)
{
	char detail[160];

	actor_detail(by, n, detail, sizeof(detail));
	auth_flow_audit_event(ev, user_id, cl, detail);
}

/* True if u holds role. */
static bool
user_has_role(const struct auth_user *u, const char *role)
{
	size_t i;

	for (i = 0; i < u->nroles; i++)
		if (strcmp(u->roles[i], role) == 0)
			return true;
	return false;
}

enum auth_err
auth_flow_admin_caller(const struct auth_ctx *ctx)
{
	struct auth_user u;
	enum auth_err e;

	memset(&u, 0, sizeof(u));
	if ((e = auth_flow_bearer_user(ctx, &u)) == AUTH_OK &&
	    !user_has_role(&u, ctx->cfg->admin_role))
		e = AUTH_ERR_FORBIDDEN;
	auth_wipe(&u, sizeof(u));
	return e;
}

void
auth_flow_admin_audit(enum auth_audit_event ev, const char *user_id,
    const struct auth_client *cl, const char *by)
{
	actor_audit(ev, user_id, cl, by, -1);
}

/* ---- the listing and its cursor ---- */

/* The cursor of row: base64url of an HMAC of its text, then the text. */
static int
cursor_make(const struct auth_user_row *row, char *out, size_t outsz)
{
	unsigned char buf[CURSOR_MAC_LEN + CURSOR_TEXT_MAX + 1];
	unsigned char mac[AUTH_HASH_LEN];
	int n;

	n = snprintf((char *)buf + CURSOR_MAC_LEN, sizeof(buf) -
	    CURSOR_MAC_LEN, "%s,%s", row->cursor, row->id);
	if (n < 0 || (size_t)n >= sizeof(buf) - CURSOR_MAC_LEN ||
	    auth_hmac(AUTH_HMAC_ADMIN_CURSOR, buf + CURSOR_MAC_LEN, (size_t)n,
	    mac) != 0)
		return -1;
	memcpy(buf, mac, CURSOR_MAC_LEN);
	if (auth_b64url_encode(buf, CURSOR_MAC_LEN + (size_t)n, out,
	    outsz) == 0)
		return -1;
	return 0;
}

/* Splits a cursor into the created_at and id of its row; -1 unless it is
 * one that cursor_make made. */
static int
cursor_read(const char *cur, size_t len, char ts[AUTH_TS_MAX],
    char id[AUTH_UUID_LEN + 1])
{
	unsigned char buf[CURSOR_MAC_LEN + CURSOR_TEXT_MAX + 1];
	unsigned char mac[AUTH_HASH_LEN];
	const char *text, *comma;
	ssize_t n;
	size_t tlen;

	n = auth_b64url_decode(cur, len, buf, sizeof(buf) - 1);
	if (n <= CURSOR_MAC_LEN)
		return -1;
	text = (const char *)buf + CURSOR_MAC_LEN;
	tlen = (size_t)n - CURSOR_MAC_LEN;
	if (auth_hmac(AUTH_HMAC_ADMIN_CURSOR, text, tlen, mac) != 0 ||
	    !auth_ct_equal(mac, CURSOR_MAC_LEN, buf, CURSOR_MAC_LEN))
		return -1;
	buf[n] = '\0';
	if ((comma = strchr(text, ',')) == NULL ||
	    (size_t)(comma - text) >= AUTH_TS_MAX ||
	    !auth_uuid_valid(comma + 1, strlen(comma + 1)))
		return -1;
	memcpy(ts, text, (size_t)(comma - text));
	ts[comma - text] = '\0';
	memcpy(id, comma + 1, AUTH_UUID_LEN + 1);
	return 0;
}

/* The LIKE pattern of the addresses that start with q: its key, with
 * \, % and _ escaped, and a final %. -1 if q is not a usable prefix. */
static int
prefix_pattern(const char *q, size_t qlen, char *out, size_t outsz)
{
	size_t i, o = 0;
	char c;

	if (qlen == 0 || qlen > AUTH_EMAIL_MAX)
		return -1;
	for (i = 0; i < qlen; i++) {
		c = q[i];
		if (c == '\0' || o + 3 >= outsz)
			return -1;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c == '\\' || c == '%' || c == '_')
			out[o++] = '\\';
		out[o++] = c;
	}
	out[o++] = '%';
	out[o] = '\0';
	return 0;
}

struct listing {
	int	(*fn)(void *arg, const struct auth_user_row *row);
	void	*arg;
	long	 seen, limit;
	char	*next;
	size_t	 nextsz;
};

/* Passes on the first limit rows; one more means there is a next page,
 * whose cursor is the last passed row's. */
static int
listing_row(void *arg, const struct auth_user_row *row)
{
	struct listing *l = arg;

	if (++l->seen > l->limit)
		return 0;
	if (l->seen == l->limit && cursor_make(row, l->next, l->nextsz) != 0)
		return -1;
	return l->fn(l->arg, row);
}

enum auth_err
auth_flow_admin_users(const struct auth_ctx *ctx,
    const struct auth_admin_query *q,
    int (*fn)(void *arg, const struct auth_user_row *row), void *arg,
    char *next, size_t nextsz)
{
	char pattern[2 * AUTH_EMAIL_MAX + 2];
	char ts[AUTH_TS_MAX], id[AUTH_UUID_LEN + 1];
	struct listing l = { fn, arg, 0, q->limit, next, nextsz };
	enum auth_err e;

	if ((e = auth_flow_admin_caller(ctx)) != AUTH_OK)
		return e;
	if (q->q != NULL && q->qlen > 0 && prefix_pattern(q->q, q->qlen, pattern,
	    sizeof(pattern)) != 0)
		return AUTH_ERR_VALIDATION;
	/* Read before next is written: they may be one buffer. */
	if (q->cursor != NULL && cursor_read(q->cursor, q->cursor_len, ts,
	    id) != 0)
		return AUTH_ERR_INVALID_CURSOR;
	next[0] = '\0';
	if ((e = auth_store_user_list(q->q != NULL && q->qlen > 0 ?
	    pattern : NULL,
	    q->cursor != NULL ? ts : NULL, q->cursor != NULL ? id : NULL,
	    q->limit + 1, listing_row, &l)) != AUTH_OK)
		return e;
	if (l.seen <= l.limit)
		next[0] = '\0';
	return AUTH_OK;
}

/* ---- changes ---- */

/* Grants or revokes role of user_id inside the transaction. */
static enum auth_err
role_set_tx(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *by, const char *user_id, const char *role, bool grant)
{
	struct auth_user u;
	char detail[200], actor[160];
	long changed = 0, n = -1;
	enum auth_err e;

	if ((e = auth_store_user_by_id(user_id, &u)) != AUTH_OK ||
	    (e = auth_store_role_set(u.id, role, grant, &changed)) !=
	    AUTH_OK || changed == 0)
		goto out;
	/* An admin no more: whatever their sessions hold ends now. */
	if (!grant && strcmp(role, ctx->cfg->admin_role) == 0 &&
	    (e = auth_store_sessions_revoke_user(u.id, NULL,
	    auth_revoke_names[AUTH_REVOKE_ROLE_REVOKED], &n)) != AUTH_OK)
		goto out;
	actor_detail(by, n, actor, sizeof(actor));
	snprintf(detail, sizeof(detail), "{\"role\":\"%s\",%s", role,
	    actor + 1);
	auth_flow_audit_event(grant ? AUTH_AUDIT_ROLE_GRANTED :
	    AUTH_AUDIT_ROLE_REVOKED, u.id, cl, detail);
out:
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_role_set(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *by, const char *user_id, const char *role, bool grant)
{
	enum auth_err e;

	if (!auth_store_role_valid(role, strlen(role)))
		return AUTH_ERR_VALIDATION;
	if ((e = auth_db_begin()) != AUTH_OK)
		return e;
	return auth_flow_tx_end(role_set_tx(ctx, cl, by, user_id, role,
	    grant));
}

/* Disables (revoking every session) or enables user_id, inside the
 * transaction. */
static enum auth_err
disable_tx(const struct auth_client *cl, const char *by,
    const char *user_id, bool disabled)
{
	long n = 0;
	enum auth_err e;

	if ((e = auth_store_user_set_disabled(user_id, disabled)) != AUTH_OK)
		return e;
	if (!disabled) {
		actor_audit(AUTH_AUDIT_ACCOUNT_ENABLED, user_id, cl, by, -1);
		return AUTH_OK;
	}
	if ((e = auth_store_sessions_revoke_user(user_id, NULL,
	    auth_revoke_names[AUTH_REVOKE_ACCOUNT_DISABLED], &n)) != AUTH_OK)
		return e;
	actor_audit(AUTH_AUDIT_ACCOUNT_DISABLED, user_id, cl, by, n);
	return AUTH_OK;
}

enum auth_err
auth_flow_admin_set_disabled(const struct auth_client *cl, const char *by,
    const char *user_id, bool disabled)
{
	enum auth_err e;

	if ((e = auth_db_begin()) != AUTH_OK)
		return e;
	return auth_flow_tx_end(disable_tx(cl, by, user_id, disabled));
}

/* Revokes every session of user_id, inside the transaction. */
static enum auth_err
revoke_tx(const struct auth_client *cl, const char *by, const char *user_id)
{
	struct auth_user u;
	long n = 0;
	enum auth_err e;

	if ((e = auth_store_user_by_id(user_id, &u)) == AUTH_OK &&
	    (e = auth_store_sessions_revoke_user(u.id, NULL,
	    auth_revoke_names[AUTH_REVOKE_BY_ADMIN], &n)) == AUTH_OK)
		actor_audit(AUTH_AUDIT_SESSIONS_REVOKED_BY_ADMIN, u.id, cl, by,
		    n);
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_admin_revoke_sessions(const struct auth_client *cl,
    const char *by, const char *user_id)
{
	enum auth_err e;

	if ((e = auth_db_begin()) != AUTH_OK)
		return e;
	return auth_flow_tx_end(revoke_tx(cl, by, user_id));
}

/*
 * Deletes u inside the transaction: the event first (it names the row
 * about to go; the id stays in audit_events, no address is written), then
 * every outbox row to the address, then the row with its sessions, tokens
 * and roles. detail is the event's.
 */
static enum auth_err
delete_tx(const struct auth_client *cl, const struct auth_user *u,
    const char *detail)
{
	long n = 0;
	enum auth_err e;

	auth_flow_audit_event(AUTH_AUDIT_ACCOUNT_DELETED, u->id, cl, detail);
	if ((e = auth_store_outbox_forget(u->email, &n)) != AUTH_OK)
		return e;
	return auth_store_user_delete(u->id);
}

/* delete_tx in a transaction of its own. */
static enum auth_err
delete_user(const struct auth_client *cl, const struct auth_user *u,
    const char *detail)
{
	enum auth_err e;

	if ((e = auth_db_begin()) != AUTH_OK)
		return e;
	return auth_flow_tx_end(delete_tx(cl, u, detail));
}

enum auth_err
auth_flow_user_delete(const struct auth_client *cl, const char *by,
    const char *user_id)
{
	char detail[160];
	struct auth_user u;
	enum auth_err e;

	actor_detail(by, -1, detail, sizeof(detail));
	if ((e = auth_store_user_by_id(user_id, &u)) == AUTH_OK)
		e = delete_user(cl, &u, detail);
	auth_wipe(&u, sizeof(u));
	return e;
}

enum auth_err
auth_flow_account_delete(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *pw, size_t pw_len)
{
	struct auth_user u;
	enum auth_err e;

	memset(&u, 0, sizeof(u));
	if ((e = auth_flow_bearer_user(ctx, &u)) == AUTH_OK &&
	    (e = auth_flow_password_check(ctx, cl, &u, pw, pw_len,
	    "account_delete")) == AUTH_OK)
		e = delete_user(cl, &u, "{\"by\":\"owner\"}");
	auth_wipe(&u, sizeof(u));
	return e;
}

/* ---- the key ---- */

/* admin_role: a role name as user_roles' CHECK has it. */
static const char *
admin_check_role(char *s)
{
	if (!auth_store_role_valid(s, strlen(s)))
		return "must be a role name: a lower-case letter, then up to 31 "
		    "of a-z, 0-9, _, : and -";
	return NULL;
}

static const struct auth_cfg_key admin_keys[] = {
	AUTH_CFG_STR(admin_role, admin_check_role, "admin"),
};

const struct auth_cfg_module auth_flow_admin_cfg =
    AUTH_CFG_MODULE(admin_keys, NULL);
