/*
 * GET /.well-known/jwks.json: the JWK Set of every key that still verifies,
 * for other services to check our access tokens. Cacheable for five
 * minutes, with an ETag (a hash of the body) and If-None-Match -> 304.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "endpoint.h"
#include "keyring.h"
#include "base_codec.h"
#include "base_secret.h"

#define JWKS_MAX_AGE	300	/* seconds; a new key is published at least
				   this long before it is activated */
#define ETAG_LEN	(AUTH_TOKEN_LEN + 2)	/* "base64url(SHA-256)" */

/* True if the If-None-Match list inm names etag (or is "*"). */
static bool
etag_matches(const char *inm, const char *etag)
{
	size_t	elen = strlen(etag), n;

	while (inm != NULL && *inm != '\0') {
		inm += strspn(inm, " \t,");
		n = strcspn(inm, ",");
		while (n > 0 && (inm[n - 1] == ' ' || inm[n - 1] == '\t'))
			n--;
		if ((n == 1 && inm[0] == '*') ||
		    (n == elen && memcmp(inm, etag, n) == 0) ||
		    (n == elen + 2 && strncmp(inm, "W/", 2) == 0 &&
		    memcmp(inm + 2, etag, elen) == 0))
			return true;
		inm += n;
		inm += strcspn(inm, ",");
	}
	return false;
}

static enum auth_err
jwks(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	json_object	*set;
	const char	*body;
	unsigned char	 h[AUTH_HASH_LEN];
	char		 b64[AUTH_TOKEN_LEN + 1], etag[ETAG_LEN + 1];

	if ((set = auth_keyring_jwks(ctx->keys)) == NULL)
		return AUTH_ERR_INTERNAL;
	body = json_object_to_json_string_ext(set,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (body == NULL) {
		json_object_put(set);
		return AUTH_ERR_INTERNAL;
	}
	auth_sha256(body, strlen(body), h);
	auth_b64url_encode(h, sizeof(h), b64, sizeof(b64));
	snprintf(etag, sizeof(etag), "\"%s\"", b64);
	rs->cacheable = true;
	auth_resp_header(rs, "Cache-Control", "public, max-age=%d",
	    JWKS_MAX_AGE);
	auth_resp_header(rs, "ETag", "%s", etag);
	if (etag_matches(auth_http_param(req, "HTTP_IF_NONE_MATCH"), etag)) {
		json_object_put(set);
		rs->status = 304;
		return AUTH_OK;
	}
	auth_http_resp_json(rs, 200, set);
	return AUTH_OK;
}

static const struct auth_route routes[] = {
	{ "/.well-known/jwks.json", false, NULL,
	    AUTH_M(AUTH_GET) | AUTH_M(AUTH_HEAD), 0, jwks },
};

static const struct auth_endpoint endpoint = {
	.name = "jwks",
	AUTH_ENDPOINT_ROUTES(routes),
	.keys = AUTH_KEYS_VERIFY,
};

AUTH_ENDPOINT_MAIN(endpoint)
