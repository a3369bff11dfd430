/*
 * The caller's account (Bearer):
 *   GET    /auth/me                 the account, from a valid access token
 *   DELETE /auth/me {"password"}    deletes it: 204
 */
#include <string.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "password.h"
#include "base_codec.h"
#include "base_secret.h"

enum { F_PASSWORD, F__MAX };

static const struct auth_field_spec fields[F__MAX] = {
	[F_PASSWORD] = { "password", AUTH_PW_MAX_BYTES, NULL },
};

static enum auth_err
me(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	struct auth_user u;
	json_object *j, *roles;
	enum auth_err e;
	size_t i;

	(void)req;
	/* A deleted or disabled account's tokens are dead, and so are those
	 * of a revoked session. */
	e = auth_flow_bearer_user(ctx, &u);
	if (e != AUTH_OK)
		return e;
	j = auth_http_json_object();
	roles = auth_http_json_array();
	for (i = 0; i < u.nroles; i++)
		auth_http_json_push(roles, auth_http_json_string(u.roles[i]));
	auth_http_json_add_str(j, "id", u.id);
	auth_http_json_add_str(j, "email", u.email);
	auth_http_json_add_bool(j, "email_verified", u.email_verified);
	auth_http_json_add_str(j, "created_at", u.created_at);
	auth_http_json_add(j, "roles", roles);
	auth_wipe(&u, sizeof(u));
	auth_http_resp_json(rs, 200, j);
	return AUTH_OK;
}

/*
 * DELETE /auth/me: the password is guessed as a password change's is, on
 * the same budgets: the address's login delay in the flow, the address's
 * login_ip rule here (counted for this route only, not for GET), queued
 * to go with the flow's login gate in one Redis call (checked now if the
 * queue is full).
 */
static enum auth_err
delete(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct auth_str *pw = req->field[F_PASSWORD];
	struct auth_client cl = auth_endpoint_client(req);
	enum auth_err e;

	if (auth_rl_defer(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), req->client_ip,
	    strlen(req->client_ip)) != 0 &&
	    auth_rl_check(AUTH_RL_RULE(AUTH_RL_LOGIN_IP), req->client_ip,
	    strlen(req->client_ip), ctx->rl) == AUTH_OK && !ctx->rl->allowed)
		return AUTH_ERR_RATE_LIMITED;
	if ((e = auth_flow_account_delete(ctx, &cl, pw->p, pw->len)) !=
	    AUTH_OK)
		return e;
	rs->status = 204;
	return AUTH_OK;
}

static const struct auth_route routes[] = {
	{ "/auth/me", false, NULL, AUTH_M(AUTH_GET), 0, me },
	{ "/auth/me", false, NULL, AUTH_M(AUTH_DELETE), AUTH_F(F_PASSWORD),
	    delete },
};

static const struct auth_endpoint endpoint = {
	.name = "me",
	AUTH_ENDPOINT_TABLES(fields, routes),
	.keys = AUTH_KEYS_VERIFY,
	.needs_db = true,
	.bearer = true,
	.hash_passwords = true,
};

AUTH_ENDPOINT_MAIN(endpoint)
