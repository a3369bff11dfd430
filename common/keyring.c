/*
 * The keyring of the endpoints: signing and verification keys loaded from
 * keys_dir (or the HS256 secret), reloaded when they change, and the JWK
 * Set. The key administration of authctl is keyadmin.c.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "base_codec.h"
#include "base_err.h"
#include "base_secret.h"
#include "jwt.h"
#include "keyring.h"
#include "keyring_internal.h"

#define KEY_FILE_MAX	8192	/* a 4096-bit RSA private PEM is about 3.3 KB */

/* True if s is a 43-character base64url kid. */
bool
auth_keyring_kid_valid(const char *s, size_t len)
{
	unsigned char	raw[AUTH_HASH_LEN];

	return len == AUTH_TOKEN_LEN &&
	    auth_b64url_decode(s, len, raw, sizeof(raw)) == AUTH_HASH_LEN;
}

size_t
auth_keyring_pub_name(const char *name)
{
	size_t	n = strlen(name);

	if (n < 5 || strcmp(name + n - 4, ".pub") != 0 || name[0] == '.')
		return 0;
	return n - 4;
}

/*
 * Big-endian base64url of the integer parameter name of pkey into b64 (cap
 * bytes): zero-padded to pad bytes, or minimal with pad 0. 0, or -1.
 */
static int
bn_param_b64(const EVP_PKEY *pkey, const char *name, size_t pad, char *b64,
    size_t cap)
{
	BIGNUM		*bn = NULL;
	unsigned char	 raw[AUTH_RSA_BITS_MAX / 8];
	int		 n, rc = -1;

	if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
		return -1;
	n = pad > 0 ? (int)pad : BN_num_bytes(bn);
	if (n <= 0 || (size_t)n > sizeof(raw))
		goto out;
	if ((pad > 0 ? BN_bn2binpad(bn, raw, n) : BN_bn2bin(bn, raw)) != n)
		goto out;
	if (auth_b64url_encode(raw, (size_t)n, b64, cap) == 0)
		goto out;
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

int
auth_key_thumbprint(const EVP_PKEY *pkey, char kid[AUTH_KID_MAX + 1],
    char x[AUTH_EC_COORD_B64 + 1], char y[AUTH_EC_COORD_B64 + 1])
{
	char		 group[64];
	char		 bx[AUTH_EC_COORD_B64 + 1], by[AUTH_EC_COORD_B64 + 1];
	char		 json[160];
	unsigned char	 h[AUTH_HASH_LEN];
	size_t		 glen = 0;
	int		 n;

	if (pkey == NULL || EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		return -1;
	if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), &glen) ||
	    strcmp(group, SN_X9_62_prime256v1) != 0)
		return -1;
	if (bn_param_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_X, AUTH_EC_COORD_LEN, bx,
	    sizeof(bx)) == -1 || bn_param_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_Y,
	    AUTH_EC_COORD_LEN, by, sizeof(by)) == -1)
		return -1;
	n = snprintf(json, sizeof(json),
	    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
	    bx, by);
	if (n < 0 || (size_t)n >= sizeof(json))
		return -1;
	auth_sha256(json, (size_t)n, h);
	if (auth_b64url_encode(h, sizeof(h), kid, AUTH_KID_MAX + 1) !=
	    AUTH_TOKEN_LEN)
		return -1;
	if (x != NULL)
		memcpy(x, bx, sizeof(bx));
	if (y != NULL)
		memcpy(y, by, sizeof(by));
	return 0;
}

/*
 * Fills k (kid, alg, JWK members, bits) from pkey: a P-256 key is ES256, an
 * RSA key of AUTH_RSA_BITS_MIN..MAX bits RS256. 0, or -1 with err set.
 */
int
auth_keyring_describe(EVP_PKEY *pkey, struct auth_key *k, const char *what,
    char *err, size_t errlen)
{
	char		 json[AUTH_RSA_N_B64_MAX + AUTH_RSA_E_B64_MAX + 64];
	unsigned char	 h[AUTH_HASH_LEN];
	int		 n, bits;

	memset(k->x, 0, sizeof(k->x));
	memset(k->y, 0, sizeof(k->y));
	memset(k->n, 0, sizeof(k->n));
	memset(k->e, 0, sizeof(k->e));
	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC) {
		if (auth_key_thumbprint(pkey, k->kid, k->x, k->y) == -1) {
			auth_errf(err, errlen, "%s: not a P-256 key", what);
			return -1;
		}
		k->alg = AUTH_JWT_ES256;
		k->bits = 256;
		return 0;
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
		auth_errf(err, errlen, "%s: neither a P-256 nor an RSA key",
		    what);
		return -1;
	}
	bits = EVP_PKEY_get_bits(pkey);
	if (bits < AUTH_RSA_BITS_MIN || bits > AUTH_RSA_BITS_MAX) {
		auth_errf(err, errlen, "%s: RSA key of %d bits (%d to %d "
		    "allowed)", what, bits, AUTH_RSA_BITS_MIN, AUTH_RSA_BITS_MAX);
		return -1;
	}
	if (bn_param_b64(pkey, OSSL_PKEY_PARAM_RSA_N, 0, k->n,
	    sizeof(k->n)) == -1 || bn_param_b64(pkey, OSSL_PKEY_PARAM_RSA_E, 0,
	    k->e, sizeof(k->e)) == -1) {
		auth_errf(err, errlen, "%s: unusable RSA parameters", what);
		return -1;
	}
	n = snprintf(json, sizeof(json),
	    "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", k->e, k->n);
	if (n < 0 || (size_t)n >= sizeof(json))
		return -1;
	auth_sha256(json, (size_t)n, h);
	if (auth_b64url_encode(h, sizeof(h), k->kid, sizeof(k->kid)) !=
	    AUTH_TOKEN_LEN)
		return -1;
	k->alg = AUTH_JWT_RS256;
	k->bits = (unsigned)bits;
	return 0;
}

/* Parses one PEM file of path (public or private). NULL with err set. */
static EVP_PKEY *
load_pem(const char *path, bool priv, char *err, size_t errlen)
{
	unsigned char	*buf = NULL;
	size_t		 len;
	BIO		*b = NULL;
	EVP_PKEY	*pkey = NULL;

	if (auth_key_file_read(path, KEY_FILE_MAX, priv, &buf, &len, err,
	    errlen) == -1)
		return NULL;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		auth_errf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	pkey = priv ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) :
	    PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	if (pkey == NULL)
		auth_errf(err, errlen, "%s: not a PEM %s key", path,
		    priv ? "private" : "public");
out:
	BIO_free(b);
	auth_wipe(buf, len);
	free(buf);
	return pkey;
}

/* Loads <kid>.pub of dir into k, checking that its name is its thumbprint.
 * 0, or -1 with err set (k->pub may be set: the caller frees it). */
int
auth_keyring_load_pub(const char *dir, const char *kid, size_t kidlen,
    struct auth_key *k, char *err, size_t errlen)
{
	char	path[AUTH_PATH_MAX + 64], want[AUTH_KID_MAX + 1];

	if (!auth_keyring_kid_valid(kid, kidlen)) {
		auth_errf(err, errlen, "%s/%.*s.pub: name is not a key "
		    "thumbprint", dir, (int)kidlen, kid);
		return -1;
	}
	memcpy(want, kid, kidlen);
	want[kidlen] = '\0';
	snprintf(path, sizeof(path), "%s/%s.pub", dir, want);
	if ((k->pub = load_pem(path, false, err, errlen)) == NULL)
		return -1;
	if (auth_keyring_describe(k->pub, k, path, err, errlen) == -1)
		return -1;
	if (strcmp(want, k->kid) != 0) {
		auth_errf(err, errlen, "%s: file name does not match the key "
		    "thumbprint %s", path, k->kid);
		return -1;
	}
	return 0;
}

/* Loads every <kid>.pub in dir into kr. 0, or -1. */
static int
load_public_keys(struct auth_keyring *kr, const char *dir, char *err,
    size_t errlen)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 nlen;
	int		 rc = -1;

	if ((d = opendir(dir)) == NULL) {
		auth_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if ((nlen = auth_keyring_pub_name(de->d_name)) == 0)
			continue;
		if (kr->nkeys == AUTH_KEYS_MAX) {
			auth_errf(err, errlen, "%s: more than %d public keys "
			    "(authctl keys retire)", dir, AUTH_KEYS_MAX);
			goto out;
		}
		if (auth_keyring_load_pub(dir, de->d_name, nlen,
		    &kr->keys[kr->nkeys++], err, errlen) == -1)
			goto out;
	}
	if (kr->nkeys == 0) {
		auth_errf(err, errlen, "%s: no public keys (authctl keys "
		    "generate)", dir);
		goto out;
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

/* Reads the kid in dir/active into kid; 0, or -1 (err set) if absent/bad. */
int
auth_keyring_read_active(const char *dir, char kid[AUTH_KID_MAX + 1], char *err,
    size_t errlen)
{
	unsigned char	*buf = NULL;
	char		 path[AUTH_PATH_MAX + 64];
	size_t		 len;
	int		 rc = -1;

	snprintf(path, sizeof(path), "%s/active", dir);
	if (auth_key_file_read(path, 256, false, &buf, &len, err, errlen) == -1)
		return -1;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	if (!auth_keyring_kid_valid((const char *)buf, len)) {
		auth_errf(err, errlen, "%s: not a key id", path);
		goto out;
	}
	memcpy(kid, buf, len);
	kid[len] = '\0';
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Loads the active kid into kr->active; it must have a public key. */
static int
load_active(struct auth_keyring *kr, const char *dir, char *err,
    size_t errlen)
{
	if (auth_keyring_read_active(dir, kr->active, err, errlen) == -1)
		return -1;
	if (auth_keyring_find(kr, kr->active, strlen(kr->active)) == NULL) {
		auth_errf(err, errlen, "%s/active: no public key for the "
		    "active kid", dir);
		kr->active[0] = '\0';
		return -1;
	}
	return 0;
}

/* Loads the private key of kid in dir and checks it against pub. Returns
 * it (the caller frees it), or NULL with err set. */
EVP_PKEY *
auth_keyring_load_priv(const char *dir, const char *kid, EVP_PKEY *pub,
    char *err, size_t errlen)
{
	EVP_PKEY	*priv;
	char		 path[AUTH_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s.key", dir, kid);
	if ((priv = load_pem(path, true, err, errlen)) == NULL)
		return NULL;
	if (EVP_PKEY_eq(priv, pub) != 1) {
		auth_errf(err, errlen, "%s: does not match %s.pub", path, kid);
		EVP_PKEY_free(priv);
		return NULL;
	}
	return priv;
}

/* Loads the active private key; its algorithm must be the configured one. */
static int
load_signing_key(struct auth_keyring *kr, const char *dir, char *err,
    size_t errlen)
{
	const struct auth_key	*k;

	k = auth_keyring_find(kr, kr->active, strlen(kr->active));
	if (k == NULL)
		return -1;
	if (k->alg != kr->alg) {
		auth_errf(err, errlen, "%s/active: key %s is %s but jwt_alg is "
		    "%s (activate a %s key, or change jwt_alg and restart)", dir,
		    k->kid, auth_jwt_alg_name(k->alg),
		    auth_jwt_alg_name(kr->alg), auth_jwt_alg_name(kr->alg));
		return -1;
	}
	if ((kr->sign = auth_keyring_load_priv(dir, kr->active, k->pub, err,
	    errlen)) == NULL)
		return -1;
	kr->sign_alg = k->alg;
	return 0;
}

/* Loads the HS256 secret and derives its kid. 0, or -1. */
static int
load_secret(struct auth_keyring *kr, const char *path, char *err,
    size_t errlen)
{
	unsigned char	 h[AUTH_HASH_LEN];
	unsigned char	*buf = NULL, *kidin = NULL;
	size_t		 len;
	char		 hex[2 * 8 + 1];
	int		 rc = -1;

	if (path == NULL || path[0] == '\0') {
		auth_errf(err, errlen, "hs256_secret_file is not set");
		return -1;
	}
	if (auth_key_file_read(path, AUTH_HS256_SECRET_MAX, true, &buf, &len,
	    err, errlen) == -1)
		return -1;
	if (len < AUTH_HS256_SECRET_MIN) {
		auth_errf(err, errlen, "%s: shorter than %d bytes", path,
		    AUTH_HS256_SECRET_MIN);
		goto out;
	}
	if ((kidin = malloc(len + 3)) == NULL) {
		auth_errf(err, errlen, "out of memory");
		goto out;
	}
	memcpy(kidin, "kid", 3);
	memcpy(kidin + 3, buf, len);
	auth_sha256(kidin, len + 3, h);
	auth_hex(h, 8, hex);
	snprintf(kr->hs_kid, sizeof(kr->hs_kid), "hs-%s", hex);
	kr->secret = buf;
	kr->secretlen = len;
	buf = NULL;
	rc = 0;
out:
	auth_wipe_free(kidin, len + 3);
	auth_wipe_free(buf, len);
	auth_wipe(h, sizeof(h));
	return rc;
}

/* Stat of path into the a (first) or b half of s; a missing file is zeros. */
static void
stamp_file(const char *path, bool first, struct auth_keys_stamp *s)
{
	struct stat	st;
	long long	v[4] = { 0, 0, 0, 0 };

	if (stat(path, &st) == 0) {
		v[0] = (long long)st.st_mtim.tv_sec;
		v[1] = (long long)st.st_mtim.tv_nsec;
		v[2] = (long long)st.st_ino;
		v[3] = (long long)st.st_size;
	}
	if (first) {
		s->a_sec = v[0];
		s->a_nsec = v[1];
		s->a_ino = v[2];
		s->a_size = v[3];
	} else {
		s->b_sec = v[0];
		s->b_nsec = v[1];
		s->b_ino = v[2];
		s->b_size = v[3];
	}
}

/* What the keyring of cfg is loaded from, as of now. */
static void
keys_stamp(const struct auth_config *cfg, struct auth_keys_stamp *s)
{
	char	path[AUTH_PATH_MAX + 64];

	memset(s, 0, sizeof(*s));
	if (cfg->jwt_alg == AUTH_JWT_HS256) {
		stamp_file(cfg->hs256_secret_file, true, s);
		return;
	}
	stamp_file(cfg->keys_dir, true, s);
	snprintf(path, sizeof(path), "%s/active", cfg->keys_dir);
	stamp_file(path, false, s);
}

struct auth_keyring *
auth_keyring_load(const struct auth_config *cfg, bool signing, char *err,
    size_t errlen)
{
	struct auth_keyring	*kr;

	if (cfg == NULL) {
		auth_errf(err, errlen, "no configuration");
		return NULL;
	}
	if ((kr = calloc(1, sizeof(*kr))) == NULL) {
		auth_errf(err, errlen, "out of memory");
		return NULL;
	}
	kr->alg = cfg->jwt_alg;
	/* Taken before reading: a change while loading is seen next time. */
	keys_stamp(cfg, &kr->stamp);
	switch (cfg->jwt_alg) {
	case AUTH_JWT_ES256:
	case AUTH_JWT_RS256:
		if (cfg->keys_dir[0] == '\0') {
			auth_errf(err, errlen, "keys_dir is not set");
			goto fail;
		}
		if (load_public_keys(kr, cfg->keys_dir, err, errlen) == -1)
			goto fail;
		if (signing && (load_active(kr, cfg->keys_dir, err,
		    errlen) == -1 || load_signing_key(kr, cfg->keys_dir, err,
		    errlen) == -1))
			goto fail;
		break;
	case AUTH_JWT_HS256:
		if (load_secret(kr, cfg->hs256_secret_file, err, errlen) == -1)
			goto fail;
		memcpy(kr->active, kr->hs_kid, sizeof(kr->active));
		kr->sign_alg = AUTH_JWT_HS256;
		break;
	default:
		auth_errf(err, errlen, "unsupported jwt_alg");
		goto fail;
	}
	return kr;
fail:
	auth_keyring_free(kr);
	return NULL;
}

/*
 * Drops from kr every public key whose <kid>.pub is no longer in dir (a key
 * retired while the directory as a whole does not load), so a failed reload
 * never keeps a retired key trusted. The signing key stays.
 */
static void
keyring_prune(struct auth_keyring *kr, const char *dir)
{
	char		path[AUTH_PATH_MAX + 64];
	struct stat	st;
	size_t		i = 0;

	while (i < kr->nkeys) {
		snprintf(path, sizeof(path), "%s/%s.pub", dir,
		    kr->keys[i].kid);
		if (stat(path, &st) == 0 || errno != ENOENT) {
			i++;
			continue;
		}
		EVP_PKEY_free(kr->keys[i].pub);
		memmove(&kr->keys[i], &kr->keys[i + 1],
		    (kr->nkeys - i - 1) * sizeof(kr->keys[0]));
		kr->nkeys--;
		memset(&kr->keys[kr->nkeys], 0, sizeof(kr->keys[0]));
	}
}

int
auth_keyring_refresh(struct auth_keyring **krp, const struct auth_config *cfg,
    bool signing, long long now, char *err, size_t errlen)
{
	struct auth_keyring	*kr = krp != NULL ? *krp : NULL, *nk;
	struct auth_keys_stamp	 s;

	if (kr == NULL || cfg == NULL)
		return 0;
	if (now >= kr->checked && now - kr->checked < AUTH_KEYS_RECHECK)
		return 0;
	kr->checked = now;
	keys_stamp(cfg, &s);
	if (memcmp(&s, &kr->stamp, sizeof(s)) == 0)
		return 0;
	if ((nk = auth_keyring_load(cfg, signing, err, errlen)) == NULL) {
		/* kr->stamp stays: the next check, a second on, tries again */
		if (kr->alg != AUTH_JWT_HS256)
			keyring_prune(kr, cfg->keys_dir);
		if (memcmp(&s, &kr->failed, sizeof(s)) == 0) {
			if (err != NULL && errlen > 0)
				err[0] = '\0';
			return 0;
		}
		kr->failed = s;
		return -1;
	}
	nk->checked = now;
	auth_keyring_free(kr);
	*krp = nk;
	return 1;
}

void
auth_keyring_free(struct auth_keyring *kr)
{
	size_t	i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->nkeys; i++)
		EVP_PKEY_free(kr->keys[i].pub);
	EVP_PKEY_free(kr->sign);
	auth_wipe_free(kr->secret, kr->secretlen);
	auth_wipe(kr, sizeof(*kr));
	free(kr);
}

const struct auth_key *
auth_keyring_find(const struct auth_keyring *kr, const char *kid, size_t len)
{
	size_t	i;

	if (kr == NULL || kid == NULL || len == 0 || len > AUTH_KID_MAX)
		return NULL;
	for (i = 0; i < kr->nkeys; i++)
		if (strlen(kr->keys[i].kid) == len &&
		    memcmp(kr->keys[i].kid, kid, len) == 0)
			return &kr->keys[i];
	return NULL;
}

/* Adds key name = string value to obj. 0, or -1. */
static int
jwk_set(json_object *obj, const char *name, const char *value)
{
	json_object	*v;

	if ((v = json_object_new_string(value)) == NULL)
		return -1;
	if (json_object_object_add(obj, name, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* The JWK of k, or NULL. */
static json_object *
jwk_of(const struct auth_key *k)
{
	json_object	*jwk;
	bool		 ok;

	if ((jwk = json_object_new_object()) == NULL)
		return NULL;
	if (k->alg == AUTH_JWT_ES256)
		ok = jwk_set(jwk, "kty", "EC") == 0 &&
		    jwk_set(jwk, "crv", "P-256") == 0 &&
		    jwk_set(jwk, "x", k->x) == 0 &&
		    jwk_set(jwk, "y", k->y) == 0;
	else
		ok = jwk_set(jwk, "kty", "RSA") == 0 &&
		    jwk_set(jwk, "n", k->n) == 0 &&
		    jwk_set(jwk, "e", k->e) == 0;
	if (!ok || jwk_set(jwk, "kid", k->kid) == -1 ||
	    jwk_set(jwk, "alg", auth_jwt_alg_name(k->alg)) == -1 ||
	    jwk_set(jwk, "use", "sig") == -1) {
		json_object_put(jwk);
		return NULL;
	}
	return jwk;
}

json_object *
auth_keyring_jwks(const struct auth_keyring *kr)
{
	json_object	*set = NULL, *keys = NULL, *jwk = NULL;
	size_t		 i;

	if ((set = json_object_new_object()) == NULL ||
	    (keys = json_object_new_array()) == NULL)
		goto fail;
	if (json_object_object_add(set, "keys", keys) != 0) {
		json_object_put(keys);
		goto fail;
	}
	if (kr == NULL || kr->alg == AUTH_JWT_HS256)
		return set;
	for (i = 0; i < kr->nkeys; i++) {
		if ((jwk = jwk_of(&kr->keys[i])) == NULL ||
		    json_object_array_add(keys, jwk) != 0)
			goto fail;
		jwk = NULL;
	}
	return set;
fail:
	json_object_put(jwk);
	json_object_put(set);
	return NULL;
}

/* ---- configuration ------------------------------------------------------ */

static const struct auth_cfg_key keyring_keys[] = {
	AUTH_CFG_STR(keys_dir, NULL, "/etc/authd/keys"),
	AUTH_CFG_STR(hs256_secret_file, NULL, ""),
};

static const char *
keyring_validate(const struct auth_config *c, const char **key)
{
	if (c->jwt_alg == AUTH_JWT_HS256 && c->hs256_secret_file[0] == '\0') {
		*key = "jwt_alg";
		return "jwt_alg HS256 requires hs256_secret_file";
	}
	return NULL;
}

const struct auth_cfg_module auth_keyring_cfg =
    AUTH_CFG_MODULE(keyring_keys, keyring_validate);
