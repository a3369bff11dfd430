/*
 * POST /auth/verify-email/resend: a new verification link for an account
 * that still needs one, and the same answer, in about the same time, for
 * every other address.
 */
#include "flows.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "log.h"
#include "base_clock.h"
#include "base_codec.h"
#include "base_secret.h"

#define TEMPLATE_VERIFY		"verify_email"
#define VERIFY_PAGE		"/verify-email"
/*
 * Every call takes at least this long, so that the inserts and the commit
 * of an eligible account do not tell it apart from an unknown address.
 */
#define RESEND_FLOOR_NS		(60LL * 1000 * 1000)

/* The work of a resend for a trimmed address; AUTH_OK when nothing is due. */
static enum auth_err
resend(const struct auth_ctx *ctx, const struct auth_client *cl,
    const char *email)
{
	struct auth_user u;
	char token[AUTH_TOKEN_LEN + 1];
	unsigned char th[AUTH_HASH_LEN];
	char payload[sizeof(ctx->cfg->public_url) + 128];
	bool in_tx = false;
	int plen;
	enum auth_err e;

	memset(token, 0, sizeof(token));
	memset(th, 0, sizeof(th));
	memset(payload, 0, sizeof(payload));
	if ((e = auth_db_begin()) != AUTH_OK)
		goto out;
	in_tx = true;
	e = auth_store_user_by_email(email, &u);
	if (e == AUTH_ERR_NOT_FOUND || (e == AUTH_OK &&
	    (u.email_verified || u.disabled))) {
		e = AUTH_OK;
		goto out;
	}
	if (e != AUTH_OK)
		goto out;
	if (auth_token_new(token) != 0) {
		e = AUTH_ERR_INTERNAL;
		goto out;
	}
	auth_sha256(token, AUTH_TOKEN_LEN, th);
	/* The insert voids every older verification token of the account. */
	if ((e = auth_store_email_token_insert(u.id, th, "verify",
	    ctx->cfg->verify_ttl)) != AUTH_OK)
		goto out;
	if ((plen = auth_flow_link_payload(ctx, VERIFY_PAGE, token, payload,
	    sizeof(payload))) < 0) {
		e = AUTH_ERR_INTERNAL;
		goto out;
	}
	/* Mail goes to the stored address, not the typed one. */
	if ((e = auth_flow_queue_mail(ctx, u.email, TEMPLATE_VERIFY, payload,
	    (size_t)plen)) != AUTH_OK)
		goto out;
	auth_flow_audit(u.id, "verify_email_resent", cl, NULL);
	e = auth_db_commit();
	in_tx = false;
out:
	if (in_tx)
		auth_db_rollback();
	auth_wipe(&u, sizeof(u));
	auth_wipe(token, sizeof(token));
	auth_wipe(th, sizeof(th));
	auth_wipe(payload, sizeof(payload));
	return e;
}

enum auth_err
auth_flow_verify_resend(const struct auth_ctx *ctx,
    const struct auth_client *cl, const char *email_in, size_t email_len)
{
	int64_t		t0;
	char		email[AUTH_EMAIL_MAX + 1];
	enum auth_err	e;

	t0 = auth_clock_mono_us();
	if (auth_email_copy(email_in, email_len, email) != 0)
		return AUTH_ERR_VALIDATION;
	e = resend(ctx, cl, email);
	auth_clock_sleep_until(t0 + RESEND_FLOOR_NS / 1000);
	return e;
}
