/* Signing keys: ES256 key files and the HS256 secret, loaded once. */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
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

#include "keys.h"
#include "keys_internal.h"
#include "token.h"

#define KEY_FILE_MAX	8192	/* a P-256 PEM is about 250 bytes */

static void __attribute__((format(printf, 3, 4)))
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* True if s is a 43-character base64url kid. */
static bool
kid_valid(const char *s, size_t len)
{
	unsigned char	raw[AUTH_HASH_LEN];

	return len == AUTH_TOKEN_LEN &&
	    auth_b64url_decode(s, len, raw, sizeof(raw)) == AUTH_HASH_LEN;
}

/*
 * Reads the regular file path (at most max bytes) into a malloc'd buffer
 * *out of *outlen bytes, NUL-terminated; with secret, refuses a file any
 * group or other permission bit is set on. The caller wipes and frees *out.
 * 0, or -1 with a reason in err.
 */
static int
read_small_file(const char *path, size_t max, bool secret,
    unsigned char **out, size_t *outlen, char *err, size_t errlen)
{
	struct stat	 st;
	unsigned char	*buf = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (secret && (st.st_mode & 077) != 0) {
		seterr(err, errlen, "%s: accessible by group or others (mode "
		    "%03o); chmod 600 it", path, (unsigned)(st.st_mode & 0777));
		goto out;
	}
	if (st.st_size < 0 || (size_t)st.st_size > max) {
		seterr(err, errlen, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (got <= max) {
		n = read(fd, buf + got, max + 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			seterr(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max) {
		seterr(err, errlen, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		auth_wipe(buf, max + 1);
		free(buf);
	}
	close(fd);
	return rc;
}

/* Writes len bytes to fd, retrying short writes. 0, or -1. */
static int
write_all(int fd, const void *p, size_t len)
{
	const unsigned char	*c = p;
	ssize_t			 n;

	while (len > 0) {
		n = write(fd, c, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Creates path exclusively with mode and writes the contents of the memory
 * BIO b. 0, or -1 with a reason in err (the file is removed on failure).
 */
static int
write_new_file(const char *path, mode_t mode, BIO *b, char *err,
    size_t errlen)
{
	char	*data;
	long	 len;
	int	 fd;

	if ((len = BIO_get_mem_data(b, &data)) <= 0) {
		seterr(err, errlen, "%s: nothing to write", path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1 || write_all(fd, data, (size_t)len) == -1 ||
	    fsync(fd) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

/* Big-endian, zero-padded coordinate name of pkey into b64 (43 chars). */
static int
coord_b64(const EVP_PKEY *pkey, const char *name, char b64[AUTH_EC_COORD_B64 + 1])
{
	BIGNUM		*bn = NULL;
	unsigned char	 raw[AUTH_EC_COORD_LEN];
	int		 rc = -1;

	if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
		return -1;
	if (BN_bn2binpad(bn, raw, sizeof(raw)) != (int)sizeof(raw))
		goto out;
	if (auth_b64url_encode(raw, sizeof(raw), b64, AUTH_EC_COORD_B64 + 1) !=
	    AUTH_EC_COORD_B64)
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
	if (coord_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_X, bx) == -1 ||
	    coord_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, by) == -1)
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

int
auth_keys_generate(const char *dir, char *kid_out, size_t kid_len,
    char *err, size_t errlen)
{
	EVP_PKEY	*pkey = NULL;
	BIO		*priv = NULL, *pub = NULL, *act = NULL;
	char		 kid[AUTH_KID_MAX + 1];
	char		 keypath[AUTH_PATH_MAX + 64], pubpath[AUTH_PATH_MAX + 64];
	char		 tmp[AUTH_PATH_MAX + 64], active[AUTH_PATH_MAX + 64];
	struct stat	 st;
	bool		 keyfile = false, pubfile = false;
	int		 rc = -1;

	if (dir == NULL || dir[0] == '\0' || strlen(dir) >= AUTH_PATH_MAX) {
		seterr(err, errlen, "no key directory");
		return -1;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		seterr(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	if ((pkey = EVP_EC_gen(SN_X9_62_prime256v1)) == NULL) {
		seterr(err, errlen, "cannot generate a P-256 key");
		goto out;
	}
	if (auth_key_thumbprint(pkey, kid, NULL, NULL) == -1) {
		seterr(err, errlen, "cannot compute the key thumbprint");
		goto out;
	}
	if (kid_out == NULL || kid_len <= strlen(kid)) {
		seterr(err, errlen, "kid buffer too small");
		goto out;
	}
	priv = BIO_new(BIO_s_secmem());
	pub = BIO_new(BIO_s_mem());
	act = BIO_new(BIO_s_mem());
	if (priv == NULL || pub == NULL || act == NULL ||
	    !PEM_write_bio_PrivateKey(priv, pkey, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_PUBKEY(pub, pkey) || BIO_printf(act, "%s\n", kid) <= 0) {
		seterr(err, errlen, "cannot encode the key");
		goto out;
	}
	snprintf(keypath, sizeof(keypath), "%s/%s.key", dir, kid);
	if (write_new_file(keypath, 0600, priv, err, errlen) == -1)
		goto out;
	keyfile = true;
	snprintf(pubpath, sizeof(pubpath), "%s/%s.pub", dir, kid);
	if (write_new_file(pubpath, 0644, pub, err, errlen) == -1)
		goto out;
	pubfile = true;
	/* link(2) publishes a complete file and never replaces one. */
	snprintf(active, sizeof(active), "%s/active", dir);
	snprintf(tmp, sizeof(tmp), "%s/.active.%ld", dir, (long)getpid());
	(void)unlink(tmp);
	if (write_new_file(tmp, 0644, act, err, errlen) == -1)
		goto out;
	if (link(tmp, active) == -1 && errno != EEXIST) {
		seterr(err, errlen, "%s: %s", active, strerror(errno));
		unlink(tmp);
		goto out;
	}
	unlink(tmp);
	memcpy(kid_out, kid, strlen(kid) + 1);
	rc = 0;
out:
	if (rc == -1 && pubfile)
		unlink(pubpath);
	if (rc == -1 && keyfile)
		unlink(keypath);
	BIO_free(priv);
	BIO_free(pub);
	BIO_free(act);
	EVP_PKEY_free(pkey);
	return rc;
}

/* Parses one PEM file of path (public or private). NULL with err set. */
static EVP_PKEY *
load_pem(const char *path, bool priv, char *err, size_t errlen)
{
	unsigned char	*buf = NULL;
	size_t		 len;
	BIO		*b = NULL;
	EVP_PKEY	*pkey = NULL;

	if (read_small_file(path, KEY_FILE_MAX, priv, &buf, &len, err,
	    errlen) == -1)
		return NULL;
	if ((b = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	pkey = priv ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) :
	    PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	if (pkey == NULL)
		seterr(err, errlen, "%s: not a PEM %s key", path,
		    priv ? "private" : "public");
out:
	BIO_free(b);
	auth_wipe(buf, len);
	free(buf);
	return pkey;
}

/* Loads every <kid>.pub in cfg->keys_dir into kr. 0, or -1. */
static int
load_public_keys(struct auth_keyring *kr, const char *dir, char *err,
    size_t errlen)
{
	DIR		*d;
	struct dirent	*de;
	struct auth_key	*k;
	char		 path[AUTH_PATH_MAX + 64], kid[AUTH_KID_MAX + 1];
	size_t		 nlen;
	int		 rc = -1;

	if ((d = opendir(dir)) == NULL) {
		seterr(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		nlen = strlen(de->d_name);
		if (nlen < 5 || strcmp(de->d_name + nlen - 4, ".pub") != 0 ||
		    de->d_name[0] == '.')
			continue;
		if (!kid_valid(de->d_name, nlen - 4)) {
			seterr(err, errlen, "%s/%s: name is not a key "
			    "thumbprint", dir, de->d_name);
			goto out;
		}
		if (kr->nkeys == AUTH_KEYS_MAX) {
			seterr(err, errlen, "%s: more than %d public keys", dir,
			    AUTH_KEYS_MAX);
			goto out;
		}
		k = &kr->keys[kr->nkeys];
		memcpy(k->kid, de->d_name, nlen - 4);
		k->kid[nlen - 4] = '\0';
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((k->pub = load_pem(path, false, err, errlen)) == NULL)
			goto out;
		kr->nkeys++;
		if (auth_key_thumbprint(k->pub, kid, k->x, k->y) == -1) {
			seterr(err, errlen, "%s: not a P-256 key", path);
			goto out;
		}
		if (strcmp(kid, k->kid) != 0) {
			seterr(err, errlen, "%s: file name does not match the "
			    "key thumbprint %s", path, kid);
			goto out;
		}
	}
	if (kr->nkeys == 0) {
		seterr(err, errlen, "%s: no public keys (authctl keys generate)",
		    dir);
		goto out;
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

/* Reads the active kid into kr->active; 0, or -1 (err set) if absent/bad. */
static int
load_active(struct auth_keyring *kr, const char *dir, char *err,
    size_t errlen)
{
	unsigned char	*buf = NULL;
	char		 path[AUTH_PATH_MAX + 64];
	size_t		 len;
	int		 rc = -1;

	snprintf(path, sizeof(path), "%s/active", dir);
	if (read_small_file(path, 256, false, &buf, &len, err, errlen) == -1)
		return -1;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
	    buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		len--;
	if (!kid_valid((const char *)buf, len)) {
		seterr(err, errlen, "%s: not a key id", path);
		goto out;
	}
	if (auth_keyring_find(kr, (const char *)buf, len) == NULL) {
		seterr(err, errlen, "%s: no public key for the active kid", path);
		goto out;
	}
	memcpy(kr->active, buf, len);
	kr->active[len] = '\0';
	rc = 0;
out:
	free(buf);
	return rc;
}

/* Loads the active private key and checks it against its public key. */
static int
load_signing_key(struct auth_keyring *kr, const char *dir, char *err,
    size_t errlen)
{
	const struct auth_key	*k;
	char			 path[AUTH_PATH_MAX + 64];

	k = auth_keyring_find(kr, kr->active, strlen(kr->active));
	snprintf(path, sizeof(path), "%s/%s.key", dir, kr->active);
	if (k == NULL || (kr->sign = load_pem(path, true, err, errlen)) == NULL)
		return -1;
	if (EVP_PKEY_eq(kr->sign, k->pub) != 1) {
		seterr(err, errlen, "%s: does not match %s.pub", path, kr->active);
		return -1;
	}
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
		seterr(err, errlen, "hs256_secret_file is not set");
		return -1;
	}
	if (read_small_file(path, AUTH_HS256_SECRET_MAX, true, &buf, &len,
	    err, errlen) == -1)
		return -1;
	if (len < AUTH_HS256_SECRET_MIN) {
		seterr(err, errlen, "%s: shorter than %d bytes", path,
		    AUTH_HS256_SECRET_MIN);
		goto out;
	}
	if ((kidin = malloc(len + 3)) == NULL) {
		seterr(err, errlen, "out of memory");
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
	if (kidin != NULL) {
		auth_wipe(kidin, len + 3);
		free(kidin);
	}
	if (buf != NULL) {
		auth_wipe(buf, len);
		free(buf);
	}
	auth_wipe(h, sizeof(h));
	return rc;
}

struct auth_keyring *
auth_keyring_load(const struct auth_config *cfg, bool signing, char *err,
    size_t errlen)
{
	struct auth_keyring	*kr;

	if (cfg == NULL) {
		seterr(err, errlen, "no configuration");
		return NULL;
	}
	if ((kr = calloc(1, sizeof(*kr))) == NULL) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	kr->alg = cfg->jwt_alg;
	switch (cfg->jwt_alg) {
	case AUTH_JWT_ES256:
		if (cfg->keys_dir[0] == '\0') {
			seterr(err, errlen, "keys_dir is not set");
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
		break;
	default:
		seterr(err, errlen, "unsupported jwt_alg");
		goto fail;
	}
	return kr;
fail:
	auth_keyring_free(kr);
	return NULL;
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
	if (kr->secret != NULL) {
		auth_wipe(kr->secret, kr->secretlen);
		free(kr->secret);
	}
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
	if (kr == NULL || kr->alg != AUTH_JWT_ES256)
		return set;
	for (i = 0; i < kr->nkeys; i++) {
		if ((jwk = json_object_new_object()) == NULL)
			goto fail;
		if (jwk_set(jwk, "kty", "EC") == -1 ||
		    jwk_set(jwk, "crv", "P-256") == -1 ||
		    jwk_set(jwk, "x", kr->keys[i].x) == -1 ||
		    jwk_set(jwk, "y", kr->keys[i].y) == -1 ||
		    jwk_set(jwk, "kid", kr->keys[i].kid) == -1 ||
		    jwk_set(jwk, "alg", "ES256") == -1 ||
		    jwk_set(jwk, "use", "sig") == -1 ||
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
