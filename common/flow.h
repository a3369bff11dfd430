/*
 * The business rules, one file per user story: flow_signup.c (signup,
 * email verification, resend), flow_login.c (login, refresh rotation,
 * logout), flow_password.c (forgot, reset, change), flow_session.c (the
 * Bearer caller, sessions, logout everywhere), flow_operator.c (authctl's
 * account changes), flow_admin.c (roles, the admin API, deletion). They
 * share only what this header declares under "shared": the context, email
 * addresses, the login delay (flow.c), the password check
 * (flow_password.c), the audit writer (flow_audit.c) and the email-token
 * step (flow_email_token.c). Callable without HTTP (the tools and tests
 * call them too); they return an enum auth_err and never write a response.
 */
#ifndef AUTH_FLOW_H
#define AUTH_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base_email.h"
#include "config.h"
#include "base_err.h"
#include "jwt.h"
#include "keyring.h"
#include "rl.h"
#include "seal.h"
#include "store_session.h"
#include "store_user.h"

/* ---- shared: the context (flow.c) ---- */

/* What every flow can use: configuration and keys, loaded once. */
struct auth_ctx {
	const struct auth_config	*cfg;
	const struct auth_keyring	*keys;		/* NULL if not loaded */
	const unsigned char		*seal_key;	/* NULL if not loaded */
	long long			 now;		/* request time, seconds */
	struct auth_jwt_claims		 bearer;	/* the caller, if authenticated */
	struct auth_rl_verdict		*rl;		/* set by a flow that answers
							   AUTH_ERR_RATE_LIMITED; may be NULL */
};

/* Copies the trimmed address into out; -1 if empty, too long or holding
 * a NUL. */
int	auth_email_copy(const char *s, size_t len,
	    char out[AUTH_EMAIL_MAX + 1]);

/*
 * The checks of a password guess for email by cl before its hash (rl.h,
 * auth_rl_login_gate: the endpoint's deferred per-IP rule, the account's
 * login delay, and acct unless cl's address is known good, all in one
 * Redis call): AUTH_OK, with *known set for a known-good address, or
 * AUTH_ERR_RATE_LIMITED with the refusal in ctx->rl.
 */
enum auth_err auth_flow_login_gate(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *email,
	    const struct auth_rl_rule *acct, bool *known);

/*
 * Records a wrong password of user u typed by cl: the login_failed event
 * with detail, the failure counted against u->email, and login_lockout
 * when that starts or extends a delay. An unknown address is a u with an
 * empty id: the same work, its events without a user.
 */
void	auth_flow_login_failed(const struct auth_client *cl,
	    const struct auth_user *u, const char *detail);

/*
 * Checks the password pw of the caller u, counted like a login (the
 * login delay first; a wrong one is a login_failed event whose detail
 * says "by": by, and AUTH_ERR_INVALID_CREDENTIALS). flow_password.c.
 */
enum auth_err auth_flow_password_check(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const struct auth_user *u,
	    const char *pw, size_t pw_len, const char *by);

/*
 * The time floor of the flows whose work tells whether an account exists
 * (verification resend, forgotten password): each call lasts at least
 * AUTH_FLOW_FLOOR_US. auth_flow_pad sleeps until floor_us after t0
 * (auth_clock_mono_us at the start) on the one clock (base_clock.h).
 */
#define AUTH_FLOW_FLOOR_US	(60LL * 1000)
void	auth_flow_pad(int64_t t0, int64_t floor_us);

/*
 * Ends the transaction the caller began: commits it when e is AUTH_OK and
 * returns the commit's outcome, else rolls it back and returns e.
 */
enum auth_err auth_flow_tx_end(enum auth_err e);

/* ---- shared: the audit trail (flow_audit.c) ---- */

/* The events of audit_events.event; auth_audit_names[] holds their text. */
enum auth_audit_event {
	AUTH_AUDIT_SIGNUP = 0,
	AUTH_AUDIT_SIGNUP_EXISTING_EMAIL,
	AUTH_AUDIT_EMAIL_VERIFIED,
	AUTH_AUDIT_VERIFY_EMAIL_RESENT,
	AUTH_AUDIT_LOGIN_SUCCEEDED,
	AUTH_AUDIT_LOGIN_FAILED,
	AUTH_AUDIT_LOGIN_LOCKOUT,
	AUTH_AUDIT_REFRESH_TOKEN_REUSE,
	AUTH_AUDIT_LOGOUT,
	AUTH_AUDIT_LOGOUT_ALL,
	AUTH_AUDIT_SESSION_REVOKED,
	AUTH_AUDIT_PASSWORD_RESET_REQUESTED,
	AUTH_AUDIT_PASSWORD_RESET,
	AUTH_AUDIT_PASSWORD_CHANGED,
	AUTH_AUDIT_ACCOUNT_DISABLED,
	AUTH_AUDIT_ACCOUNT_ENABLED,
	AUTH_AUDIT_ACCOUNT_DELETED,
	AUTH_AUDIT_ROLE_GRANTED,
	AUTH_AUDIT_ROLE_REVOKED,
	AUTH_AUDIT_SESSIONS_REVOKED_BY_ADMIN,
	AUTH_AUDIT_ADMIN_USERS_LISTED,
	AUTH_AUDIT_ADMIN_USER_VIEWED,
	AUTH_AUDIT__MAX
};
extern const char *const auth_audit_names[AUTH_AUDIT__MAX];

/* Writes an audit event; a failure is logged, never returned. user_id and
 * detail (JSON text) may be NULL. */
void	auth_flow_audit(const char *user_id, const char *event,
	    const struct auth_client *cl, const char *detail);

/* auth_flow_audit of ev. */
void	auth_flow_audit_event(enum auth_audit_event ev, const char *user_id,
	    const struct auth_client *cl, const char *detail);

/* Counts n sessions revoked in the node's metrics: for the changes whose
 * audit row the store writes in their own statement. */
void	auth_flow_count_revoked(long n);

/* auth_flow_audit of ev with the detail {"sessions_revoked": n}. */
void	auth_flow_audit_revoked(enum auth_audit_event ev, const char *user_id,
	    const struct auth_client *cl, long n);

/* Why a session was revoked: sessions.revoke_reason, in
 * auth_revoke_names[]. */
enum auth_revoke_reason {
	AUTH_REVOKE_REFRESH_TOKEN_REUSE = 0,
	AUTH_REVOKE_LOGOUT,
	AUTH_REVOKE_LOGOUT_ALL,
	AUTH_REVOKE_SESSION_REVOKED,
	AUTH_REVOKE_PASSWORD_RESET,
	AUTH_REVOKE_PASSWORD_CHANGED,
	AUTH_REVOKE_ACCOUNT_DISABLED,
	AUTH_REVOKE_PASSWORD_SET_BY_OPERATOR,
	AUTH_REVOKE_ROLE_REVOKED,	/* the admin role taken away */
	AUTH_REVOKE_BY_ADMIN,
	AUTH_REVOKE__MAX
};
extern const char *const auth_revoke_names[AUTH_REVOKE__MAX];

/* ---- shared: email tokens and their mail (flow_email_token.c) ---- */

/* email_tokens.purpose; auth_email_token_names[] holds their text. */
enum auth_email_token_purpose {
	AUTH_EMAIL_TOKEN_VERIFY = 0,	/* /verify-email, verify_ttl */
	AUTH_EMAIL_TOKEN_RESET,		/* /reset-password, reset_ttl */
	AUTH_EMAIL_TOKEN__MAX
};
extern const char *const auth_email_token_names[AUTH_EMAIL_TOKEN__MAX];

/* The mail templates the flows queue (outbox.template, templates/NAME.*). */
enum auth_mail_kind {
	AUTH_MAIL_VERIFY_EMAIL = 0,
	AUTH_MAIL_ACCOUNT_EXISTS,
	AUTH_MAIL_PASSWORD_RESET,
	AUTH_MAIL_TEMPLATE__MAX
};
extern const char *const auth_mail_template_names[AUTH_MAIL_TEMPLATE__MAX];

/* {"link":"<public_url><page>[?token=...]"}: a mail's sealed payload. */
#define AUTH_MAIL_PAYLOAD_MAX \
	(sizeof(((struct auth_config *)0)->public_url) + 128)

/* An email token made but not yet stored; wiped by
 * auth_flow_email_token_clear. */
struct auth_email_token {
	enum auth_email_token_purpose	purpose;
	char				token[AUTH_TOKEN_LEN + 1];
	unsigned char			hash[AUTH_HASH_LEN];
	char				payload[AUTH_MAIL_PAYLOAD_MAX];
	size_t				len;
};

/* Makes a token of purpose and its link payload; no I/O. */
enum auth_err auth_flow_email_token_make(const struct auth_ctx *ctx,
	    enum auth_email_token_purpose purpose, struct auth_email_token *t);

/*
 * Stores t for user u (voiding u's older tokens of that purpose) and
 * queues its mail to u->email, the stored address. Call inside the
 * caller's transaction. Over the mail_recipient limit, does neither and
 * returns AUTH_OK (auth_flow_mail_link too).
 */
enum auth_err auth_flow_email_token_send(const struct auth_ctx *ctx,
	    const struct auth_email_token *t, const struct auth_user *u);

/* Does the sealing work of a send and drops the result, so that an
 * address without an account costs about what one with it does. */
void	auth_flow_email_token_burn(const struct auth_ctx *ctx,
	    const struct auth_email_token *t);

void	auth_flow_email_token_clear(struct auth_email_token *t);

/* make, send and clear in one: the token step of signup and resend. */
enum auth_err auth_flow_email_token(const struct auth_ctx *ctx,
	    enum auth_email_token_purpose purpose, const struct auth_user *u);

/*
 * Queues template to recipient with the payload {"link":"<public_url>
 * <page>"} (no token), sealed under aad = recipient "\n" template. Call
 * inside the caller's transaction.
 */
enum auth_err auth_flow_mail_link(const struct auth_ctx *ctx,
	    const char *recipient, enum auth_mail_kind template,
	    const char *page);

/* ---- signup, verification, resend (flow_signup.c) ---- */

/*
 * Signs up email/pw. *created says whether a new account was made (u filled);
 * an existing address queues a notice to its owner instead (AUTH_OK,
 * *created false) or, with signup_existing = reveal, returns
 * AUTH_ERR_EMAIL_TAKEN. A weak password returns AUTH_ERR_VALIDATION with the
 * reason in *weak.
 */
enum auth_err auth_flow_signup(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *email, size_t email_len,
	    const char *pw, size_t pw_len, struct auth_user *u, bool *created,
	    const char **weak);

/* Consumes a verification token. AUTH_ERR_INVALID_TOKEN for unknown,
 * expired or used tokens alike. */
enum auth_err auth_flow_verify_email(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *token, size_t len);

/*
 * Queues a new verification link (verify_ttl; older ones voided) when an
 * enabled, unverified account has this email. AUTH_OK for every other
 * address too, and every call takes about the same time.
 */
enum auth_err auth_flow_verify_resend(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *email, size_t email_len);

/* ---- login, refresh, logout (flow_login.c) ---- */

/* An issued token pair; auth_tokens_clear wipes and frees it. */
struct auth_tokens {
	char	*access;			/* malloc'd JWT */
	char	 refresh[AUTH_TOKEN_LEN + 1];
	long	 expires_in;
	long	 refresh_expires_in;
	char	 user_id[AUTH_UUID_LEN + 1];
};
void	auth_tokens_clear(struct auth_tokens *t);

/* Checks credentials and starts a session. */
enum auth_err auth_flow_login(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *email, size_t email_len,
	    const char *pw, size_t pw_len, struct auth_tokens *out);

/* Rotates a refresh token (API.md, refresh rotation rules 1-5). */
enum auth_err auth_flow_refresh(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *token, size_t len,
	    struct auth_tokens *out);

/* The session of a refresh token, whatever its state, into sid:
 * AUTH_OK, or AUTH_ERR_NOT_FOUND for an unknown token. */
enum auth_err auth_flow_refresh_sid(const char *token, size_t len,
	    char sid[AUTH_UUID_LEN + 1]);

/* Revokes the family of a refresh token; unknown tokens are AUTH_OK. */
enum auth_err auth_flow_logout(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *token, size_t len);

/* ---- password forgot, reset, change (flow_password.c) ---- */

/*
 * Queues a reset link (<public_url>/reset-password?token=..., reset_ttl,
 * voiding older ones) if an enabled account has this email. AUTH_OK for
 * known and unknown addresses alike, each call at least
 * AUTH_FLOW_FLOOR_US long.
 */
enum auth_err auth_flow_password_forgot(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *email, size_t email_len);

/*
 * Consumes a reset token and sets pw: every session is revoked, the
 * email counts as verified and the account's login failures and delay
 * are cleared. AUTH_ERR_INVALID_TOKEN for unknown, expired,
 * used tokens (or a disabled account); a weak pw is AUTH_ERR_VALIDATION
 * with *weak set, and the token stays usable.
 */
enum auth_err auth_flow_password_reset(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *token, size_t len,
	    const char *pw, size_t pw_len, const char **weak);

/*
 * Changes the caller's password after checking cur (wrong:
 * AUTH_ERR_INVALID_CREDENTIALS, counted like a failed login); revokes every
 * other session. Weak new: AUTH_ERR_VALIDATION with *weak set.
 */
enum auth_err auth_flow_password_change(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *cur, size_t cur_len,
	    const char *pw, size_t pw_len, const char **weak);

/* ---- the Bearer caller and its sessions (flow_session.c) ---- */

/*
 * The caller of a Bearer request: AUTH_OK if ctx->bearer names an enabled
 * user and a live session of theirs (u filled, may be NULL), else
 * AUTH_ERR_UNAUTHORIZED.
 */
enum auth_err auth_flow_bearer_user(const struct auth_ctx *ctx,
	    struct auth_user *u);

/*
 * Calls fn for each live session of the caller, newest first
 * (auth_store_sessions_list); AUTH_ERR_UNAUTHORIZED as
 * auth_flow_bearer_user.
 */
enum auth_err auth_flow_sessions_list(const struct auth_ctx *ctx,
	    int (*fn)(void *arg, const struct auth_session_row *row),
	    void *arg);

/* Revokes every session of the caller. */
enum auth_err auth_flow_logout_all(const struct auth_ctx *ctx,
	    const struct auth_client *cl);

/* Revokes one live session of the caller; NOT_FOUND for anyone else's. */
enum auth_err auth_flow_session_revoke(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *session_id);

/* ---- operator actions (flow_operator.c) ---- */

/*
 * Operator actions (authctl), each in one transaction with its audit
 * event: disabling revokes every session; setting a password revokes every
 * session too.
 */
enum auth_err auth_flow_user_set_disabled(const struct auth_client *cl,
	    const char *user_id, bool disabled);
enum auth_err auth_flow_user_set_password(const struct auth_client *cl,
	    const char *user_id, const char *pw_hash);

/* ---- administration (flow_admin.c) ---- */

/*
 * The caller of an admin request: AUTH_OK if auth_flow_bearer_user admits
 * it and it holds admin_role now (read from the database, not the token),
 * else AUTH_ERR_FORBIDDEN, or AUTH_ERR_UNAUTHORIZED.
 */
enum auth_err auth_flow_admin_caller(const struct auth_ctx *ctx);

/* Writes event ev of user_id by the admin by ({"admin_id": by}). */
void	auth_flow_admin_audit(enum auth_audit_event ev, const char *user_id,
	    const struct auth_client *cl, const char *by);

/* The admin listing's query: an address prefix (NULL: all), a page size
 * and a cursor from an earlier page (NULL: the first). */
struct auth_admin_query {
	const char	*q;
	size_t		 qlen;
	long		 limit;
	const char	*cursor;
	size_t		 cursor_len;
};
#define AUTH_ADMIN_CURSOR_MAX	160	/* bytes of a cursor's text */

/*
 * Calls fn for a page of users, newest first, after checking the caller
 * (auth_flow_admin_caller); next (nextsz >= AUTH_ADMIN_CURSOR_MAX + 1)
 * gets the cursor of the next page, or "" on the last. A cursor that this
 * service did not make is AUTH_ERR_INVALID_CURSOR; an unusable prefix,
 * AUTH_ERR_VALIDATION.
 */
enum auth_err auth_flow_admin_users(const struct auth_ctx *ctx,
	    const struct auth_admin_query *q,
	    int (*fn)(void *arg, const struct auth_user_row *row), void *arg,
	    char *next, size_t nextsz);

/*
 * The changes, each in one transaction with its audit event; by is the
 * acting admin's user id, or NULL for authctl. NOT_FOUND for an unknown
 * user.
 *
 * auth_flow_role_set grants or revokes role (AUTH_ERR_VALIDATION for a
 * name user_roles' CHECK refuses; a grant held or a revoke not held
 * changes nothing and writes no event); revoking admin_role revokes every
 * session of the user. auth_flow_admin_set_disabled disables (revoking
 * every session) or enables. auth_flow_user_delete removes the user, their
 * sessions, tokens, roles and every outbox row to their address; the
 * audit events keep the user id and no address.
 */
enum auth_err auth_flow_role_set(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *by, const char *user_id,
	    const char *role, bool grant);
enum auth_err auth_flow_admin_set_disabled(const struct auth_client *cl,
	    const char *by, const char *user_id, bool disabled);
enum auth_err auth_flow_admin_revoke_sessions(const struct auth_client *cl,
	    const char *by, const char *user_id);
enum auth_err auth_flow_user_delete(const struct auth_client *cl,
	    const char *by, const char *user_id);

/* Deletes the caller's account (as auth_flow_user_delete) after checking
 * its password pw as a password change does. */
enum auth_err auth_flow_account_delete(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *pw, size_t pw_len);

/* The key admin_role. */
extern const struct auth_cfg_module auth_flow_admin_cfg;

/* The keys of the flows: public_url, the token lifetimes, signup_existing. */
extern const struct auth_cfg_module auth_flow_cfg;

#endif
