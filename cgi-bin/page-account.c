/*
 * The account page and the session steps of a browser.
 *   GET  /account                     profile, live sessions, forms; 303
 *                                     to /login?next=/account without a
 *                                     session (to the renew step with
 *                                     only a refresh cookie)
 *   POST /account/sessions/revoke     {session_id}: revokes one session
 *   POST /account/password            {current_password,new_password}
 *   POST /account/logout-all          revokes every session
 *   POST /account/delete              {password}: deletes the account,
 *                                     expires the cookies, 303 to /login
 *   POST /logout                      revokes this session, expires the
 *                                     cookies, 303 to /login
 *   GET  /auth/session/renew?next=P   rotates the refresh cookie as POST
 *                                     /auth/refresh does, sets both
 *                                     cookies, 303 to P
 * Every POST is cookie-authenticated: the CSRF rule, bound to the session.
 */
#include <stdio.h>
#include <string.h>

#include "endpoint.h"
#include "endpoint_web.h"
#include "http_ua.h"
#include "password.h"
#include "base_codec.h"
#include "base_secret.h"

#define ACCOUNT		"/account"
#define LOGIN		"/login"
#define RENEW		"/auth/session/renew"
#define ROWS_MAX	(100 * 1024)

enum { F_CSRF, F_SESSION_ID, F_CURRENT_PASSWORD, F_NEW_PASSWORD, F_NEXT,
    F_PASSWORD, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_CSRF] = { AUTH_CSRF_FIELD, 64, NULL },
	[F_SESSION_ID] = { "session_id", AUTH_UUID_LEN, NULL },
	[F_CURRENT_PASSWORD] = { "current_password", AUTH_PW_MAX_BYTES, NULL },
	[F_NEW_PASSWORD] = { "new_password", AUTH_PW_MAX_BYTES, NULL },
	[F_NEXT] = { "next", AUTH_NEXT_MAX, NULL },
	[F_PASSWORD] = { "password", AUTH_PW_MAX_BYTES, NULL },
};

/* The notices of ?done=NAME after an action. */
static const struct auth_notice notices[] = {
	{ "password-changed", "Your password is changed. Every other device "
	    "is signed out." },
	{ "session-revoked", "That device is signed out." },
	{ "session-gone", "That session had ended already." },
};


/* What the session rows are rendered with. */
struct rows {
	const struct auth_ctx	*ctx;
	const char		*csrf;
	struct auth_buf		 b;
};

/* "2026-12-01T09:20:00Z" as "2026-12-01 09:20 UTC". */
static void
when(const char *ts, char *out, size_t outsz)
{
	if (strlen(ts) >= 16 && ts[10] == 'T')
		snprintf(out, outsz, "%.10s %.5s UTC", ts, ts + 11);
	else
		snprintf(out, outsz, "%s", ts);
}

static int
row(void *arg, const struct auth_session_row *r)
{
	struct rows *st = arg;
	struct auth_buf action = AUTH_BUF_INIT(4096);
	char device[64], last[40];
	const struct auth_tmpl_var rv[2] = {
		{ "csrf_token", st->csrf }, { "session_id", r->id },
	};
	int rc = -1;

	auth_http_device(r->user_agent, device, sizeof(device));
	when(r->last_used_at, last, sizeof(last));
	if (strcmp(r->id, st->ctx->bearer.sid) == 0 ?
	    auth_endpoint_fragment(st->ctx, "account_current", NULL, 0, NULL,
	    0, &action) != 0 :
	    auth_endpoint_fragment(st->ctx, "account_revoke", rv, 2, NULL, 0,
	    &action) != 0)
		goto out;
	{
		const struct auth_tmpl_var v[] = {
			{ "device", device },
			{ "ip", r->ip[0] ? r->ip : "unknown" },
			{ "last_used", last },
		};
		const struct auth_tmpl_var h = {
			"action", action.p ? action.p : ""
		};

		rc = auth_endpoint_fragment(st->ctx, "account_session", v,
		    AUTH_NITEMS(v), &h, 1, &st->b);
	}
out:
	auth_buf_free(&action);
	return rc;
}

/* Away from the account: to the renew step with a refresh cookie, else
 * to the login page; next is the account page. */
static enum auth_err
away(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	return auth_endpoint_redirect_next(rs,
	    auth_endpoint_has_refresh_cookie(ctx, req) ? RENEW : LOGIN,
	    ACCOUNT);
}

/* The account page (status) with the reasons of the password form and
 * of the delete form. */
static enum auth_err
account_with(struct auth_ctx *ctx, struct auth_req *req,
    struct auth_resp *rs, int status, const char *cur_why,
    const char *new_why, const char *del_why)
{
	struct rows st = { ctx, NULL, AUTH_BUF_INIT(ROWS_MAX) };
	char csrf[AUTH_CSRF_TOKEN_LEN + 1], notice[1024];
	struct auth_page_err ce, ne, de;
	struct auth_user u;
	enum auth_err e;

	if ((e = auth_flow_bearer_user(ctx, &u)) != AUTH_OK)
		goto out;
	st.csrf = csrf;
	if (auth_endpoint_csrf_token(ctx->bearer.sid, csrf) != 0 ||
	    (e = auth_flow_sessions_list(ctx, row, &st)) != AUTH_OK ||
	    st.b.failed) {
		e = e != AUTH_OK ? e : AUTH_ERR_INTERNAL;
		goto out;
	}
	auth_endpoint_field_error(ctx, "current_password", cur_why, &ce);
	auth_endpoint_field_error(ctx, "new_password", new_why, &ne);
	auth_endpoint_field_error(ctx, "delete_password", del_why, &de);
	auth_endpoint_notice(ctx, cur_why || new_why || del_why ? NULL :
	    auth_endpoint_done(req, notices, AUTH_NITEMS(notices)), notice,
	    sizeof(notice));
	{
		const struct auth_tmpl_var v[] = {
			{ "email", u.email }, { "csrf_token", csrf },
		};
		const struct auth_tmpl_var h[] = {
			{ "notice", notice },
			{ "sessions", st.b.p ? st.b.p : "" },
			{ "current_msg", ce.msg }, { "current_attr", ce.attr },
			{ "new_msg", ne.msg }, { "new_attr", ne.attr },
			{ "delete_msg", de.msg }, { "delete_attr", de.attr },
		};

		e = auth_endpoint_page_with(ctx, rs, status, "account", v,
		    AUTH_NITEMS(v), h, AUTH_NITEMS(h));
	}
out:
	auth_buf_free(&st.b);
	auth_wipe(&u, sizeof(u));
	return e;
}

/* The account page with the password form's reasons. */
static enum auth_err
account(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs,
    int status, const char *cur_why, const char *new_why)
{
	return account_with(ctx, req, rs, status, cur_why, new_why, NULL);
}

static enum auth_err
account_page(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	enum auth_err e;

	if (auth_endpoint_access_cookie(ctx, req) != AUTH_OK)
		return away(ctx, req, rs);
	e = account(ctx, req, rs, 200, NULL, NULL);
	if (e == AUTH_ERR_UNAUTHORIZED) {	/* revoked, disabled */
		auth_resp_free(rs);
		auth_endpoint_session_clear(ctx, rs);
		return auth_endpoint_redirect_next(rs, LOGIN, ACCOUNT);
	}
	return e;
}

/*
 * What every account action starts with: a session by the access cookie
 * (else *gone and a 303 away) and the CSRF rule bound to it.
 */
static enum auth_err
action_start(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs,
    bool *gone)
{
	*gone = false;
	if (auth_endpoint_access_cookie(ctx, req) != AUTH_OK) {
		*gone = true;
		return away(ctx, req, rs);
	}
	return auth_endpoint_csrf_check(ctx, req, ctx->bearer.sid);
}

/* The end of a session: cookies expired, Clear-Site-Data, 303 to login. */
static enum auth_err
ended(struct auth_ctx *ctx, struct auth_resp *rs, const char *location)
{
	auth_endpoint_session_clear(ctx, rs);
	auth_resp_header(rs, "Clear-Site-Data", "\"cookies\"");
	return auth_endpoint_redirect(rs, location);
}

static enum auth_err
revoke(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *sid = req->field[F_SESSION_ID];
	struct auth_client cl = auth_endpoint_client(req);
	char id[AUTH_UUID_LEN + 1];
	bool gone;
	enum auth_err e;

	if ((e = action_start(ctx, req, rs, &gone)) != AUTH_OK || gone)
		return e;
	if (sid == NULL || !auth_uuid_valid(sid->p, sid->len))
		return auth_endpoint_redirect(rs, ACCOUNT "?done=session-gone");
	snprintf(id, sizeof(id), "%.*s", (int)sid->len, sid->p);
	e = auth_flow_session_revoke(ctx, &cl, id);
	if (e == AUTH_ERR_NOT_FOUND)
		return auth_endpoint_redirect(rs, ACCOUNT "?done=session-gone");
	if (e != AUTH_OK)
		return e;
	return auth_endpoint_redirect(rs, ACCOUNT "?done=session-revoked");
}

static enum auth_err
change(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *cur = req->field[F_CURRENT_PASSWORD];
	const struct auth_str *pw = req->field[F_NEW_PASSWORD];
	struct auth_client cl = auth_endpoint_client(req);
	const char *weak = NULL;
	char why[160];
	bool gone;
	enum auth_err e;

	if ((e = action_start(ctx, req, rs, &gone)) != AUTH_OK || gone)
		return e;
	if (cur == NULL || cur->len == 0 || pw == NULL || pw->len == 0)
		e = AUTH_ERR_VALIDATION;
	else
		e = auth_flow_password_change(ctx, &cl, cur->p, cur->len,
		    pw->p, pw->len, &weak);
	if (e == AUTH_OK)
		return auth_endpoint_redirect(rs, ACCOUNT "?done=password-changed");
	if (e == AUTH_ERR_INVALID_CREDENTIALS || e == AUTH_ERR_RATE_LIMITED)
		return account(ctx, req, rs, auth_err_info(e)->status,
		    e == AUTH_ERR_RATE_LIMITED ? "Too many attempts. Wait a "
		    "moment, then try again." :
		    "This is not your current password.", NULL) == AUTH_OK ?
		    e : AUTH_ERR_INTERNAL;
	if (e != AUTH_ERR_VALIDATION)
		return e;
	snprintf(why, sizeof(why), "Password: %s.", weak ? weak : "required");
	return account(ctx, req, rs, 422, cur == NULL || cur->len == 0 ?
	    "Enter your current password." : NULL, weak != NULL ||
	    pw == NULL || pw->len == 0 ? why : NULL) == AUTH_OK ?
	    AUTH_ERR_VALIDATION : AUTH_ERR_INTERNAL;
}

/* POST /account/delete: the password confirms it; counted as a password
 * change's guess is. */
static enum auth_err
delete_account(struct auth_ctx *ctx, struct auth_req *req,
    struct auth_resp *rs)
{
	const struct auth_str *pw = req->field[F_PASSWORD];
	struct auth_client cl = auth_endpoint_client(req);
	const char *why;
	bool gone;
	enum auth_err e;

	if ((e = action_start(ctx, req, rs, &gone)) != AUTH_OK || gone)
		return e;
	if (pw == NULL || pw->len == 0)
		e = AUTH_ERR_VALIDATION;
	else
		e = auth_flow_account_delete(ctx, &cl, pw->p, pw->len);
	if (e == AUTH_OK)
		return ended(ctx, rs, LOGIN "?done=account-deleted");
	if (e == AUTH_ERR_VALIDATION)
		why = "Enter your password to delete the account.";
	else if (e == AUTH_ERR_INVALID_CREDENTIALS)
		why = "This is not your password.";
	else if (e == AUTH_ERR_RATE_LIMITED)
		why = "Too many attempts. Wait a moment, then try again.";
	else
		return e;
	return account_with(ctx, req, rs, auth_err_info(e)->status, NULL, NULL,
	    why) == AUTH_OK ? e : AUTH_ERR_INTERNAL;
}

static enum auth_err
logout_all(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_endpoint_client(req);
	bool gone;
	enum auth_err e;

	if ((e = action_start(ctx, req, rs, &gone)) != AUTH_OK || gone)
		return e;
	if ((e = auth_flow_logout_all(ctx, &cl)) != AUTH_OK &&
	    e != AUTH_ERR_UNAUTHORIZED)
		return e;
	return ended(ctx, rs, LOGIN "?done=signed-out-everywhere");
}

/* The session a logout names: the access cookie's, else the refresh
 * cookie's (tok, len bytes; len < 0 for none); "" for none. */
static enum auth_err
logout_sid(struct auth_ctx *ctx, struct auth_req *req, const char *tok,
    long len, char sid[AUTH_UUID_LEN + 1])
{
	enum auth_err e;

	sid[0] = '\0';
	if (auth_endpoint_access_cookie(ctx, req) == AUTH_OK) {
		snprintf(sid, AUTH_UUID_LEN + 1, "%s", ctx->bearer.sid);
		return AUTH_OK;
	}
	if (len <= 0)
		return AUTH_OK;
	e = auth_flow_refresh_sid(tok, (size_t)len, sid);
	if (e == AUTH_ERR_NOT_FOUND) {
		sid[0] = '\0';
		return AUTH_OK;
	}
	return e;
}

static enum auth_err
logout(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_endpoint_client(req);
	char tok[AUTH_REFRESH_TOKEN_MAX + 1], sid[AUTH_UUID_LEN + 1];
	long len;
	enum auth_err e;

	len = auth_http_cookie_get(req, AUTH_COOKIE_REFRESH,
	    auth_http_cookie_secure(ctx->cfg), tok, sizeof(tok));
	if ((e = logout_sid(ctx, req, tok, len, sid)) != AUTH_OK)
		goto out;
	if (sid[0] == '\0') {		/* no session: nothing to change */
		e = ended(ctx, rs, LOGIN "?done=signed-out");
		goto out;
	}
	if ((e = auth_endpoint_csrf_check(ctx, req, sid)) != AUTH_OK)
		goto out;
	if (len > 0)
		e = auth_flow_logout(ctx, &cl, tok, (size_t)len);
	else
		e = auth_flow_session_revoke(ctx, &cl, sid);
	if (e == AUTH_OK || e == AUTH_ERR_NOT_FOUND)
		e = ended(ctx, rs, LOGIN "?done=signed-out");
out:
	auth_wipe(tok, sizeof(tok));
	return e;
}

static enum auth_err
renew(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_endpoint_client(req);
	char tok[AUTH_REFRESH_TOKEN_MAX + 1], next[AUTH_NEXT_MAX + 1];
	struct auth_tokens t;
	long len;
	enum auth_err e;

	auth_endpoint_next(req, next, sizeof(next));
	len = auth_http_cookie_get(req, AUTH_COOKIE_REFRESH,
	    auth_http_cookie_secure(ctx->cfg), tok, sizeof(tok));
	if (len <= 0)
		return auth_endpoint_redirect_next(rs, LOGIN, next);
	e = auth_flow_refresh(ctx, &cl, tok, (size_t)len, &t);
	auth_wipe(tok, sizeof(tok));
	if (e == AUTH_ERR_INVALID_REFRESH_TOKEN) {
		auth_endpoint_session_clear(ctx, rs);
		return auth_endpoint_redirect_next(rs, LOGIN, next);
	}
	if (e != AUTH_OK)
		return e;
	return auth_endpoint_session_redirect(ctx, req, rs, &t, next);
}

static const struct auth_route routes[] = {
	{ ACCOUNT, false, NULL, AUTH_M(AUTH_GET), 0, account_page },
	{ ACCOUNT "/sessions/revoke", false, NULL, AUTH_M(AUTH_POST), 0,
	    revoke },
	{ ACCOUNT "/password", false, NULL, AUTH_M(AUTH_POST), 0, change },
	{ ACCOUNT "/logout-all", false, NULL, AUTH_M(AUTH_POST), 0,
	    logout_all },
	{ ACCOUNT "/delete", false, NULL, AUTH_M(AUTH_POST), 0,
	    delete_account },
	{ "/logout", false, NULL, AUTH_M(AUTH_POST), 0, logout },
	{ RENEW, false, NULL, AUTH_M(AUTH_GET), 0, renew },
};

/* One process for the session steps: the same keys and limits. */
static const struct auth_endpoint endpoint = {
	.name = "page-account",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.keys = AUTH_KEYS_SIGN,
	.needs_db = true,
	.needs_hmac = true,
	.pages = true,
	.hash_passwords = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_LOGOUT_IP) },
};

AUTH_ENDPOINT_MAIN(endpoint)
