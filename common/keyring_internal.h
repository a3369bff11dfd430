/*
 * The keyring's inside, shared by keyring.c, keyadmin.c and jwt.c only.
 * Nothing else includes this header (but the unit tests).
 */
#ifndef AUTH_KEYRING_INTERNAL_H
#define AUTH_KEYRING_INTERNAL_H

#include <stddef.h>

#include <openssl/evp.h>

#include "config.h"
#include "keyring.h"

#define AUTH_HS256_SECRET_MIN	32
#define AUTH_HS256_SECRET_MAX	4096
#define AUTH_EC_COORD_LEN	32	/* P-256 field element */
#define AUTH_EC_COORD_B64	43	/* its base64url length */
#define AUTH_RSA_N_B64_MAX	683	/* base64url of a 4096-bit modulus */
#define AUTH_RSA_E_B64_MAX	11	/* base64url of an exponent <= 8 bytes */
#define AUTH_JWS_SIG_MAX	(AUTH_RSA_BITS_MAX / 8)	/* longest signature */

struct auth_key {
	char		 kid[AUTH_KID_MAX + 1];
	enum auth_jwt_alg alg;			/* ES256 or RS256 */
	EVP_PKEY	*pub;			/* verifies, alg only */
	char		 x[AUTH_EC_COORD_B64 + 1];	/* ES256 JWK coordinates */
	char		 y[AUTH_EC_COORD_B64 + 1];
	char		 n[AUTH_RSA_N_B64_MAX + 1];	/* RS256 JWK modulus */
	char		 e[AUTH_RSA_E_B64_MAX + 1];	/* and exponent */
	unsigned	 bits;
};

/* What a change check compares: keys_dir and `active`, or the secret. */
struct auth_keys_stamp {
	long long	 a_sec, a_nsec, a_ino, a_size;
	long long	 b_sec, b_nsec, b_ino, b_size;
};

struct auth_keyring {
	enum auth_jwt_alg alg;			/* cfg->jwt_alg */
	struct auth_key	 keys[AUTH_KEYS_MAX];	/* public keys */
	size_t		 nkeys;
	EVP_PKEY	*sign;			/* active private key or NULL */
	enum auth_jwt_alg sign_alg;		/* its algorithm */
	char		 active[AUTH_KID_MAX + 1];	/* kid that signs ("" if none) */
	unsigned char	*secret;		/* HS256 secret or NULL */
	size_t		 secretlen;
	char		 hs_kid[AUTH_KID_MAX + 1];
	struct auth_keys_stamp stamp;		/* files as loaded */
	struct auth_keys_stamp failed;		/* files that did not load */
	long long	 checked;		/* last change check */
};

/* The public key named kid (len bytes), or NULL. Owned by kr. */
const struct auth_key *auth_keyring_find(const struct auth_keyring *kr,
	    const char *kid, size_t len);

/*
 * RFC 7638 thumbprint of a P-256 key into kid (43 chars + NUL), and the
 * base64url x and y coordinates if x/y are not NULL. 0, or -1 if pkey is
 * not a P-256 key.
 */
int	auth_key_thumbprint(const EVP_PKEY *pkey, char kid[AUTH_KID_MAX + 1],
	    char x[AUTH_EC_COORD_B64 + 1], char y[AUTH_EC_COORD_B64 + 1]);

/*
 * jwt.c's signer: the raw JWS signature of data under kr's active key
 * (r || s for ES256, RSASSA-PKCS1-v1_5 for RS256, the HMAC for HS256) into
 * sig, its length in *siglen. 0, or -1. Exposed for the interoperability
 * tests.
 */
int	auth_jwt_sign_raw(const struct auth_keyring *kr, const char *data,
	    size_t len, unsigned char sig[AUTH_JWS_SIG_MAX], size_t *siglen);

/* The kid length of a directory entry "<kid>.pub" (no dot file), else 0. */
size_t	auth_keyring_pub_name(const char *name);

/* True if s (len bytes) is a 43-character base64url kid. */
bool	auth_keyring_kid_valid(const char *s, size_t len);

/*
 * Fills k (kid, alg, JWK members, bits) from pkey: a P-256 key is ES256, an
 * RSA key of AUTH_RSA_BITS_MIN..MAX bits RS256. 0, or -1 with err set
 * (what names the key in it).
 */
int	auth_keyring_describe(EVP_PKEY *pkey, struct auth_key *k,
	    const char *what, char *err, size_t errlen);

/*
 * Loads <kid>.pub (kidlen bytes of kid) of dir into k, checking that its
 * name is its thumbprint. 0, or -1 with err set (k->pub may be set: the
 * caller frees it).
 */
int	auth_keyring_load_pub(const char *dir, const char *kid, size_t kidlen,
	    struct auth_key *k, char *err, size_t errlen);

/*
 * Loads <kid>.key of dir and checks it against pub. Returns it (the caller
 * frees it), or NULL with err set.
 */
EVP_PKEY *auth_keyring_load_priv(const char *dir, const char *kid,
	    EVP_PKEY *pub, char *err, size_t errlen);

/* Reads the kid in dir/active into kid; 0, or -1 (err set) if absent/bad. */
int	auth_keyring_read_active(const char *dir, char kid[AUTH_KID_MAX + 1],
	    char *err, size_t errlen);

#endif
