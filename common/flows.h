/*
 * The business rules: signup, email verification, login, refresh rotation,
 * logout. Callable without HTTP (the tools and tests call them too); they
 * return an enum auth_err and never write a response.
 */
#ifndef AUTH_FLOWS_H
#define AUTH_FLOWS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "base_err.h"
#include "jwt.h"
#include "keyring.h"
#include "rl.h"
#include "seal.h"
#include "store.h"

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

/* An issued token pair; auth_tokens_clear wipes and frees it. */
struct auth_tokens {
	char	*access;			/* malloc'd JWT */
	char	 refresh[AUTH_TOKEN_LEN + 1];
	long	 expires_in;
	long	 refresh_expires_in;
	char	 user_id[AUTH_UUID_LEN + 1];
};
void	auth_tokens_clear(struct auth_tokens *t);

/* Trims ASCII whitespace at both ends of an email address. */
void	auth_email_trim(const char **s, size_t *len);

/* Copies the trimmed address into out; -1 if empty, too long or holding
 * a NUL. */
int	auth_email_copy(const char *s, size_t len,
	    char out[AUTH_EMAIL_MAX + 1]);

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

/* Checks credentials and starts a session. */
enum auth_err auth_flow_login(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *email, size_t email_len,
	    const char *pw, size_t pw_len, struct auth_tokens *out);

/* Rotates a refresh token (API.md, refresh rotation rules 1-5). */
enum auth_err auth_flow_refresh(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *token, size_t len,
	    struct auth_tokens *out);

/* Revokes the family of a refresh token; unknown tokens are AUTH_OK. */
enum auth_err auth_flow_logout(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *token, size_t len);

/*
 * Queues an email for recipient with payload (JSON text) sealed under
 * aad = recipient "\n" template. Call inside the caller's transaction.
 */
enum auth_err auth_flow_queue_mail(const struct auth_ctx *ctx,
	    const char *recipient, const char *template, const char *payload,
	    size_t len);
/* Writes {"link":"<public_url><path>[?token=<token>]"} into buf; returns
 * its length, or -1. */
int	auth_flow_link_payload(const struct auth_ctx *ctx, const char *path,
	    const char *token, char *buf, size_t bufsz);

/* ---- account lifecycle (common/account.c) ---- */

/*
 * Queues a reset link (<public_url>/reset-password?token=..., reset_ttl,
 * voiding older ones) if an enabled account has this email. AUTH_OK for
 * known and unknown addresses alike, with about the same work.
 */
enum auth_err auth_flow_password_forgot(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *email, size_t email_len);

/*
 * Consumes a reset token and sets pw: every session is revoked and the
 * email counts as verified. AUTH_ERR_INVALID_TOKEN for unknown, expired,
 * used tokens (or a disabled account); a weak pw is AUTH_ERR_VALIDATION
 * with *weak set, and the token stays usable.
 */
enum auth_err auth_flow_password_reset(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *token, size_t len,
	    const char *pw, size_t pw_len, const char **weak);

/*
 * The caller of a Bearer request: AUTH_OK if ctx->bearer names an enabled
 * user and a live session of theirs (u filled, may be NULL), else
 * AUTH_ERR_UNAUTHORIZED.
 */
enum auth_err auth_flow_bearer_user(const struct auth_ctx *ctx,
	    struct auth_user *u);

/*
 * Changes the caller's password after checking cur (wrong:
 * AUTH_ERR_INVALID_CREDENTIALS, counted like a failed login); revokes every
 * other session. Weak new: AUTH_ERR_VALIDATION with *weak set.
 */
enum auth_err auth_flow_password_change(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *cur, size_t cur_len,
	    const char *pw, size_t pw_len, const char **weak);

/* Revokes every session of the caller. */
enum auth_err auth_flow_logout_all(const struct auth_ctx *ctx,
	    const struct auth_client *cl);

/* Revokes one live session of the caller; NOT_FOUND for anyone else's. */
enum auth_err auth_flow_session_revoke(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *session_id);

/*
 * Operator actions (authctl), each in one transaction with its audit
 * event: disabling revokes every session; setting a password revokes every
 * session too.
 */
enum auth_err auth_flow_user_set_disabled(const struct auth_client *cl,
	    const char *user_id, bool disabled);
enum auth_err auth_flow_user_set_password(const struct auth_client *cl,
	    const char *user_id, const char *pw_hash);

/*
 * The per-account login delay of email for cl (rl.h): AUTH_OK, with
 * *known set for a known-good address, or AUTH_ERR_RATE_LIMITED with
 * ctx->rl's Retry-After filled in.
 */
enum auth_err auth_flow_login_gate(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *email, bool *known);

/* Writes an audit event; a failure is logged, never returned. */
void	auth_flow_audit(const char *user_id, const char *event,
	    const struct auth_client *cl, const char *detail);

/* ---- verification email resend (common/verify_resend.c) ---- */

/*
 * Queues a new verification link (verify_ttl; older ones voided) when an
 * enabled, unverified account has this email. AUTH_OK for every other
 * address too, and every call takes about the same time.
 */
enum auth_err auth_flow_verify_resend(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *email, size_t email_len);

/* The keys of the flows: public_url, the token lifetimes, signup_existing. */
extern const struct auth_cfg_module auth_flow_cfg;

#endif
