/*
 * Signing keys, loaded once per process.
 *
 * ES256 key directory layout (keys_dir):
 *   <kid>.key   private key, PEM (PKCS#8), mode 0600
 *   <kid>.pub   public key, PEM (SubjectPublicKeyInfo)
 *   active      one line: the kid that signs new tokens
 * kid is the RFC 7638 JWK thumbprint (base64url SHA-256, 43 chars).
 * Every <kid>.pub verifies; only the active key signs.
 *
 * HS256: hs256_secret_file holds at least 32 secret bytes; its kid is
 * "hs-" followed by 16 hex digits of SHA-256("kid" || secret).
 */
#ifndef AUTH_KEYS_H
#define AUTH_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define AUTH_KID_MAX	64
#define AUTH_KEYS_MAX	16

struct auth_keyring;

/*
 * Loads the keys for cfg->jwt_alg. With signing, the active private key must
 * load too. Returns a keyring the caller frees with auth_keyring_free, or NULL
 * with a one-line reason in err.
 */
struct auth_keyring *auth_keyring_load(const struct auth_config *cfg,
	    bool signing, char *err, size_t errlen);
void	auth_keyring_free(struct auth_keyring *kr);

/*
 * Generates a new ES256 (P-256) key pair in dir, writes <kid>.key (0600) and
 * <kid>.pub, and makes it active if no key is active yet. Writes the kid to
 * kid_out. Returns 0, or -1 with a reason in err.
 */
int	auth_keys_generate(const char *dir, char *kid_out, size_t kid_len,
	    char *err, size_t errlen);

#include <json-c/json_types.h>

/*
 * The RFC 7517 JWK Set of every public key in kr (kty, crv, x, y, kid,
 * alg "ES256", use "sig"); an empty set for HS256. The caller releases it
 * with json_object_put. NULL on allocation failure.
 */
json_object *auth_keyring_jwks(const struct auth_keyring *kr);

#endif
