/*
 * Signing keys, loaded once per process and reloaded when they change.
 *
 * Public-key modes (jwt_alg ES256 or RS256), key directory layout (keys_dir):
 *   <kid>.key      private key, PEM (PKCS#8), mode 0600 (anything looser is
 *                  refused, by the endpoints and by authctl alike)
 *   <kid>.pub      public key, PEM (SubjectPublicKeyInfo): a P-256 key
 *                  (ES256) or an RSA key of 2048 to 4096 bits (RS256)
 *   active         one line: the kid that signs new tokens
 *   retired/       retired public keys (<kid>.pub); never read for tokens
 * kid is the RFC 7638 JWK thumbprint (base64url SHA-256, 43 chars).
 *
 * Exactly one key signs: the active one, whose algorithm must be jwt_alg.
 * Every <kid>.pub in keys_dir verifies, each with its own algorithm only
 * (a P-256 key ES256 tokens, an RSA key RS256 tokens), so the directory
 * may hold keys of both kinds while moving from one to the other, and a
 * rotation never logs anyone out. Retiring a key moves its .pub to
 * retired/ and deletes its .key: tokens it signed stop verifying.
 *
 * Generating, activating, retiring and listing keys is keyadmin.h (authctl).
 *
 * Reload: auth_keyring_refresh() looks at keys_dir and `active` (or the
 * HS256 secret file) at most once every AUTH_KEYS_RECHECK seconds and
 * reloads the whole keyring when either changed; a keyring that does not
 * load is reported once and the old one kept, less every key whose .pub
 * left keys_dir (so a stray or half-written file never keeps a retired key
 * trusted), and the reload is tried again at the next check. The endpoint loop calls it before
 * each request, so `authctl keys activate|retire` reaches running
 * processes within about a second, without a web-server restart.
 *
 * HS256: hs256_secret_file holds at least 32 secret bytes; its kid is
 * "hs-" followed by 16 hex digits of SHA-256("kid" || secret). HS256 is
 * never mixed with public keys.
 */
#ifndef AUTH_KEYRING_H
#define AUTH_KEYRING_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

#define AUTH_KID_MAX		64
#define AUTH_KEYS_MAX		16
#define AUTH_KEYS_RECHECK	1	/* seconds between change checks */
#define AUTH_RSA_BITS		2048	/* generated RSA keys */
#define AUTH_RSA_BITS_MIN	2048
#define AUTH_RSA_BITS_MAX	4096
#define AUTH_KEYS_RETIRED	"retired"

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
 * Reloads *kr from its files if they changed since it was loaded, looking
 * at most once every AUTH_KEYS_RECHECK seconds (now is the caller's clock in
 * seconds). Returns 0 if *kr is unchanged, 1 if it was replaced (the old one
 * freed), -1 if the new files do not load (err set once per change; *kr is
 * kept, less the keys whose .pub left keys_dir; tried again at the next
 * check).
 */
int	auth_keyring_refresh(struct auth_keyring **kr,
	    const struct auth_config *cfg, bool signing, long long now,
	    char *err, size_t errlen);

#include <json-c/json_types.h>

/*
 * The RFC 7517 JWK Set of every public key in kr (kty "EC", crv, x, y or
 * kty "RSA", n, e; kid, alg, use "sig"); an empty set for HS256. The caller
 * releases it with json_object_put. NULL on allocation failure.
 */
json_object *auth_keyring_jwks(const struct auth_keyring *kr);

/* The keys keys_dir and hs256_secret_file (and HS256's need of the latter). */
extern const struct auth_cfg_module auth_keyring_cfg;

#endif
