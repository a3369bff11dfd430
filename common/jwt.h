/*
 * Access tokens: compact JWS, header {"alg","typ":"at+jwt","kid"}. The
 * algorithm is pinned by configuration: a token whose header names any other
 * algorithm, an unknown kid or another typ is rejected before its claims are
 * read. Signing and verification use keys loaded once (keyring.h).
 */
#ifndef AUTH_JWT_H
#define AUTH_JWT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "base_err.h"
#include "keyring.h"
#include "base_codec.h"
#include "base_email.h"
#include "base_secret.h"

#define AUTH_JWT_MAX		4096	/* longest token we accept */
#define AUTH_ROLES_MAX		8
#define AUTH_ROLE_MAX		32

struct auth_jwt_claims {
	char		sub[AUTH_UUID_LEN + 1];		/* user id */
	char		sid[AUTH_UUID_LEN + 1];		/* session id ("" if none) */
	char		jti[32];
	char		email[AUTH_EMAIL_MAX + 1];
	bool		email_verified;
	char		roles[AUTH_ROLES_MAX][AUTH_ROLE_MAX + 1];
	size_t		nroles;
	long long	iat, nbf, exp;
};

/*
 * Issues a token for c (sub, sid, email, email_verified, roles); iat/nbf are
 * set to now, exp to now + cfg->access_ttl, jti fresh. *out is malloc'd,
 * NUL-terminated; the caller frees it.
 */
enum auth_err auth_jwt_issue(const struct auth_keyring *kr,
	    const struct auth_config *cfg, long long now,
	    struct auth_jwt_claims *c, char **out);

/*
 * Verifies tok (len bytes): shape, header (alg pinned, typ, kid known),
 * signature, then iss, aud, exp, nbf (with cfg->clock_leeway) and sub.
 * Fills *out on AUTH_OK; anything else is AUTH_ERR_UNAUTHORIZED.
 */
enum auth_err auth_jwt_verify(const struct auth_keyring *kr,
	    const struct auth_config *cfg, const char *tok, size_t len,
	    long long now, struct auth_jwt_claims *out);

/*
 * The sub claim of tok as it reads, signature NOT checked: for counting a
 * request before the signature work, never for trusting it. 0, or -1 when
 * tok has no payload with a UUID sub.
 */
int	auth_jwt_peek_sub(const char *tok, size_t len,
	    char sub[AUTH_UUID_LEN + 1]);

/* The name of alg ("ES256", ...), "unknown" out of range. */
const char *auth_jwt_alg_name(enum auth_jwt_alg alg);

/* The algorithm called name (exactly), or AUTH_JWT_ALG__MAX. */
enum auth_jwt_alg auth_jwt_alg_from_name(const char *name);

/* The keys issuer, audience, jwt_alg, access_ttl and clock_leeway. */
extern const struct auth_cfg_module auth_jwt_cfg;

#endif
