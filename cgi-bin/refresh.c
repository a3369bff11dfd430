/*
 * POST /auth/refresh: rotate a refresh token within its family. The token
 * comes in the body, or in the refresh cookie: then the CSRF rule holds
 * and the rotated pair is set in the cookies too.
 */
#include "endpoint.h"
#include "endpoint_web.h"
#include "base_codec.h"
#include "base_secret.h"

enum { F_REFRESH_TOKEN, F_CSRF, F__MAX };

/* Not required: the refresh cookie will do. */
static const struct auth_field_spec fields[F__MAX] = {
	[F_REFRESH_TOKEN] = { "refresh_token", AUTH_REFRESH_TOKEN_MAX, NULL },
	[F_CSRF] = { AUTH_CSRF_FIELD, 64, NULL },
};

static enum auth_err
refresh(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_client cl = auth_endpoint_client(req);
	struct auth_tokens t;
	char buf[AUTH_REFRESH_TOKEN_MAX + 1];
	const char *tok;
	bool cookie;
	size_t len;
	enum auth_err e;

	e = auth_endpoint_refresh_input(ctx, req, rs, buf, sizeof(buf), &tok,
	    &len, &cookie);
	if (e == AUTH_OK)
		e = auth_flow_refresh(ctx, &cl, tok, len, &t);
	auth_wipe(buf, sizeof(buf));
	if (e != AUTH_OK)
		return e;
	if (cookie && (e = auth_endpoint_session_set(ctx, rs, &t)) != AUTH_OK) {
		auth_tokens_clear(&t);
		return e;
	}
	auth_endpoint_tokens(req, rs, &t);
	return AUTH_OK;
}

static const struct auth_route routes[] = {
	{ "/auth/refresh", false, NULL, AUTH_M(AUTH_POST), 0, refresh },
};

static const struct auth_endpoint endpoint = {
	.name = "refresh",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.keys = AUTH_KEYS_SIGN,
	.needs_db = true,
	.needs_hmac = true,
	.limits = { AUTH_RL_RULE(AUTH_RL_REFRESH_IP) },
	/* refresh_ip goes with refresh_session, in one Redis call. */
	.defer_ip = true,
};

AUTH_ENDPOINT_MAIN(endpoint)
