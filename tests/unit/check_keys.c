/*
 * Unit tests for key rotation in common/keyring.c and common/keyadmin.c
 * and RS256 in common/jwt.c:
 * RS256 beside ES256, each key pinned to its own algorithm, activate,
 * retire, list, and the reload of a changed key directory.
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "jwt.h"
#include "keyadmin.h"
#include "keyring.h"
#include "keyring_internal.h"
#include "base_codec.h"
#include "base_secret.h"

#define NOW	1700000000LL
#define ISS	"https://auth.example.test"
#define AUD	"example-api"
#define SUB	"123e4567-e89b-42d3-a456-426614174000"

/* RFC 7638, section 3.1: an RSA key and its JWK thumbprint. */
#define RFC7638_N \
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7" \
	"aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBX" \
	"Arwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9" \
	"c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM" \
	"4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
#define RFC7638_KID	"NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

static char			 tmpdir[64], dir[128];
static struct auth_config	 cfg;
static char			 es_kid[AUTH_KID_MAX + 1], rs_kid[AUTH_KID_MAX + 1];

static void
base_config(struct auth_config *c, enum auth_jwt_alg alg)
{
	memset(c, 0, sizeof(*c));
	c->jwt_alg = alg;
	snprintf(c->keys_dir, sizeof(c->keys_dir), "%s", dir);
	snprintf(c->issuer, sizeof(c->issuer), "%s", ISS);
	snprintf(c->audience, sizeof(c->audience), "%s", AUD);
	c->access_ttl = 300;
	c->clock_leeway = 30;
}

/* An ES256 key (active) and an RS256 key in dir. */
static void
setup(void)
{
	char	err[256];

	strcpy(tmpdir, "/tmp/check_keys.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(dir, sizeof(dir), "%s/keys", tmpdir);
	ck_assert_msg(auth_keys_generate_alg(dir, AUTH_JWT_ES256, es_kid,
	    sizeof(es_kid), err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(auth_keys_generate_alg(dir, AUTH_JWT_RS256, rs_kid,
	    sizeof(rs_kid), err, sizeof(err)) == 0, "%s", err);
	base_config(&cfg, AUTH_JWT_ES256);
}

static void
teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct auth_keyring *
load(const struct auth_config *c, bool signing)
{
	struct auth_keyring	*k;
	char			 err[256];

	k = auth_keyring_load(c, signing, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	return k;
}

static char *
issue(const struct auth_keyring *k, const struct auth_config *c)
{
	struct auth_jwt_claims	 cl;
	char			*tok = NULL;

	memset(&cl, 0, sizeof(cl));
	strcpy(cl.sub, SUB);
	strcpy(cl.email, "a@example.com");
	strcpy(cl.roles[0], "admin");
	cl.nroles = 1;
	ck_assert_int_eq(auth_jwt_issue(k, c, NOW, &cl, &tok), AUTH_OK);
	return tok;
}

static enum auth_err
verify(const struct auth_keyring *k, const struct auth_config *c,
    const char *tok)
{
	struct auth_jwt_claims	cl;

	return auth_jwt_verify(k, c, tok, strlen(tok), NOW, &cl);
}

/* header (JSON, any alg) + standard payload, signed by k's active key. */
static char *
sign_header(const struct auth_keyring *k, const char *header)
{
	char		 pl[512];
	unsigned char	 sig[AUTH_JWS_SIG_MAX];
	size_t		 slen = 0, cap, o;
	char		*tok;

	snprintf(pl, sizeof(pl), "{\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
	    "\"sub\":\"" SUB "\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,"
	    "\"jti\":\"abcdefghijklmnopqrstuv\"}", NOW, NOW, NOW + 300);
	cap = strlen(header) * 2 + strlen(pl) * 2 + 1024;
	ck_assert_ptr_nonnull(tok = malloc(cap));
	o = auth_b64url_encode(header, strlen(header), tok, cap);
	tok[o++] = '.';
	o += auth_b64url_encode(pl, strlen(pl), tok + o, cap - o);
	ck_assert_int_eq(auth_jwt_sign_raw(k, tok, o, sig, &slen), 0);
	tok[o++] = '.';
	ck_assert_uint_gt(auth_b64url_encode(sig, slen, tok + o, cap - o), 0);
	return tok;
}

static int
activate(const char *kid, enum auth_jwt_alg want, char *err, size_t errlen)
{
	return auth_keys_activate(dir, kid, want, err, errlen);
}

/* ---- core -------------------------------------------------------------- */

START_TEST(test_rs256_roundtrip)
{
	struct auth_config	 rc;
	struct auth_keyring	*k;
	struct auth_jwt_claims	 cl;
	char			 err[256], h[256];
	char			*tok;

	base_config(&rc, AUTH_JWT_RS256);
	ck_assert_msg(activate(rs_kid, AUTH_JWT_RS256, err, sizeof(err)) == 0,
	    "%s", err);
	k = load(&rc, true);
	tok = issue(k, &rc);
	ck_assert_int_eq(auth_jwt_verify(k, &rc, tok, strlen(tok), NOW, &cl),
	    AUTH_OK);
	ck_assert_str_eq(cl.sub, SUB);
	ck_assert_str_eq(cl.roles[0], "admin");
	/* header: RS256 and the RSA kid; a 2048-bit signature */
	snprintf(h, sizeof(h), "{\"alg\":\"RS256\",\"typ\":\"at+jwt\","
	    "\"kid\":\"%s\"}", rs_kid);
	ck_assert_uint_eq(strcspn(tok, "."), strlen(h) * 4 / 3 +
	    (strlen(h) % 3 ? 1 : 0));
	ck_assert_uint_eq(strlen(strrchr(tok, '.') + 1), 342);
	/* the ES256 key still verifies under jwt_alg RS256 */
	free(tok);
	base_config(&cfg, AUTH_JWT_ES256);
	ck_assert_msg(activate(es_kid, AUTH_JWT_ES256, err, sizeof(err)) == 0,
	    "%s", err);
	{
		struct auth_keyring *ek = load(&cfg, true);

		tok = issue(ek, &cfg);
		auth_keyring_free(ek);
	}
	ck_assert_int_eq(verify(k, &rc, tok), AUTH_OK);
	free(tok);
	auth_keyring_free(k);
}
END_TEST

START_TEST(test_jwks_both_kinds)
{
	struct auth_keyring	*k = load(&cfg, false);
	json_object		*set, *keys, *jwk, *v;
	size_t			 i, ec = 0, rsa = 0;

	ck_assert_ptr_nonnull(set = auth_keyring_jwks(k));
	ck_assert(json_object_object_get_ex(set, "keys", &keys));
	ck_assert_uint_eq(json_object_array_length(keys), 2);
	for (i = 0; i < 2; i++) {
		jwk = json_object_array_get_idx(keys, i);
		ck_assert(json_object_object_get_ex(jwk, "kty", &v));
		if (strcmp(json_object_get_string(v), "RSA") == 0) {
			rsa++;
			ck_assert(json_object_object_get_ex(jwk, "alg", &v));
			ck_assert_str_eq(json_object_get_string(v), "RS256");
			ck_assert(json_object_object_get_ex(jwk, "e", &v));
			ck_assert_str_eq(json_object_get_string(v), "AQAB");
			ck_assert(json_object_object_get_ex(jwk, "n", &v));
			ck_assert_int_eq(json_object_get_string_len(v), 342);
			ck_assert(!json_object_object_get_ex(jwk, "x", NULL));
			ck_assert(json_object_object_get_ex(jwk, "kid", &v));
			ck_assert_str_eq(json_object_get_string(v), rs_kid);
		} else {
			ec++;
			ck_assert(json_object_object_get_ex(jwk, "alg", &v));
			ck_assert_str_eq(json_object_get_string(v), "ES256");
			ck_assert(!json_object_object_get_ex(jwk, "n", NULL));
		}
		ck_assert(json_object_object_get_ex(jwk, "use", &v));
		ck_assert_str_eq(json_object_get_string(v), "sig");
		ck_assert(!json_object_object_get_ex(jwk, "d", NULL));
	}
	ck_assert_uint_eq(ec, 1);
	ck_assert_uint_eq(rsa, 1);
	json_object_put(set);
	auth_keyring_free(k);
}
END_TEST

/* The RFC 7638 example key, written as <thumbprint>.pub, loads: our RSA
 * thumbprint is the standard one. */
START_TEST(test_rsa_thumbprint_known_answer)
{
	OSSL_PARAM_BLD	*bld;
	OSSL_PARAM	*params;
	EVP_PKEY_CTX	*pctx;
	EVP_PKEY	*pkey = NULL;
	BIGNUM		*n, *e;
	unsigned char	 raw[256];
	char		 path[256], kdir[128], err[256];
	struct auth_config c;
	struct auth_keyring *k;
	FILE		*f;

	ck_assert_int_eq(auth_b64url_decode(RFC7638_N, strlen(RFC7638_N), raw,
	    sizeof(raw)), 256);
	n = BN_bin2bn(raw, 256, NULL);
	e = BN_new();
	BN_set_word(e, 65537);
	bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
	params = OSSL_PARAM_BLD_to_param(bld);
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	ck_assert_int_eq(EVP_PKEY_fromdata_init(pctx), 1);
	ck_assert_int_eq(EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY,
	    params), 1);
	snprintf(kdir, sizeof(kdir), "%s/rfc", tmpdir);
	ck_assert_int_eq(mkdir(kdir, 0700), 0);
	snprintf(path, sizeof(path), "%s/" RFC7638_KID ".pub", kdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(PEM_write_PUBKEY(f, pkey), 1);
	fclose(f);
	base_config(&c, AUTH_JWT_RS256);
	snprintf(c.keys_dir, sizeof(c.keys_dir), "%s", kdir);
	k = auth_keyring_load(&c, false, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_ptr_nonnull(auth_keyring_find(k, RFC7638_KID, 43));
	ck_assert_str_eq(auth_keyring_find(k, RFC7638_KID, 43)->n, RFC7638_N);
	auth_keyring_free(k);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
}
END_TEST

/* ---- rotation ----------------------------------------------------------- */

START_TEST(test_activate_retire_list)
{
	struct auth_key_info	 info[8];
	struct auth_keyring	*k;
	char			 err[256], kid3[AUTH_KID_MAX + 1], path[256];
	char			*old, *tok;
	struct stat		 st;
	long			 n, i;

	k = load(&cfg, true);
	old = issue(k, &cfg);
	auth_keyring_free(k);
	ck_assert_int_eq(auth_keys_generate(dir, kid3, sizeof(kid3), err,
	    sizeof(err)), 0);
	ck_assert_msg(activate(kid3, AUTH_JWT_ES256, err, sizeof(err)) == 0,
	    "%s", err);
	k = load(&cfg, true);
	tok = issue(k, &cfg);
	ck_assert(strstr(tok, ".") != NULL);
	/* both the token of the old key and of the new one verify */
	ck_assert_int_eq(verify(k, &cfg, old), AUTH_OK);
	ck_assert_int_eq(verify(k, &cfg, tok), AUTH_OK);
	auth_keyring_free(k);

	n = auth_keys_list(dir, info, 8, err, sizeof(err));
	ck_assert_int_eq(n, 3);
	for (i = 0; i < n; i++) {
		ck_assert(info[i].has_private && !info[i].private_loose);
		ck_assert(!info[i].retired);
		ck_assert_int_eq(info[i].active, strcmp(info[i].kid, kid3) == 0);
		ck_assert_uint_eq(info[i].bits, info[i].alg == AUTH_JWT_RS256 ?
		    2048 : 256);
	}

	/* the active key cannot be retired; the old one can */
	ck_assert_int_eq(auth_keys_retire(dir, kid3, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "active") != NULL, "%s", err);
	ck_assert_msg(auth_keys_retire(dir, es_kid, err, sizeof(err)) == 0,
	    "%s", err);
	snprintf(path, sizeof(path), "%s/%s.key", dir, es_kid);
	ck_assert_int_eq(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/retired/%s.pub", dir, es_kid);
	ck_assert_int_eq(stat(path, &st), 0);
	k = load(&cfg, true);
	ck_assert_int_eq(verify(k, &cfg, old), AUTH_ERR_UNAUTHORIZED);
	ck_assert_int_eq(verify(k, &cfg, tok), AUTH_OK);
	auth_keyring_free(k);
	n = auth_keys_list(dir, info, 8, err, sizeof(err));
	ck_assert_int_eq(n, 3);
	ck_assert(info[2].retired && strcmp(info[2].kid, es_kid) == 0);
	/* a retired key cannot come back */
	ck_assert_int_eq(activate(es_kid, AUTH_JWT_ES256, err, sizeof(err)),
	    -1);
	free(old);
	free(tok);
}
END_TEST

START_TEST(test_refresh)
{
	struct auth_keyring	*k;
	char			 err[256], kid3[AUTH_KID_MAX + 1], path[256];
	char			*tok;
	FILE			*f;

	k = load(&cfg, true);
	ck_assert_str_eq(k->active, es_kid);
	ck_assert_int_eq(auth_keyring_refresh(&k, &cfg, true, NOW, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(auth_keys_generate(dir, kid3, sizeof(kid3), err,
	    sizeof(err)), 0);
	ck_assert_int_eq(activate(kid3, AUTH_JWT_ES256, err, sizeof(err)), 0);
	/* not looked at again within AUTH_KEYS_RECHECK seconds */
	ck_assert_int_eq(auth_keyring_refresh(&k, &cfg, true, NOW, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(k->active, es_kid);
	ck_assert_int_eq(auth_keyring_refresh(&k, &cfg, true,
	    NOW + AUTH_KEYS_RECHECK, err, sizeof(err)), 1);
	ck_assert_str_eq(k->active, kid3);
	tok = issue(k, &cfg);
	ck_assert(strstr(tok, kid3) == NULL);	/* kid is in the b64 header */
	ck_assert_int_eq(verify(k, &cfg, tok), AUTH_OK);
	/* unchanged files: no reload */
	ck_assert_int_eq(auth_keyring_refresh(&k, &cfg, true, NOW + 10, err,
	    sizeof(err)), 0);
	/* a broken change is reported once and the loaded keys stay */
	snprintf(path, sizeof(path), "%s/" RFC7638_KID ".pub", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("not a key\n", f);
	fclose(f);
	ck_assert_int_eq(auth_keyring_refresh(&k, &cfg, true, NOW + 20, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, RFC7638_KID) != NULL, "%s", err);
	ck_assert_int_eq(auth_keyring_refresh(&k, &cfg, true, NOW + 30, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(verify(k, &cfg, tok), AUTH_OK);
	unlink(path);
	ck_assert_int_eq(auth_keyring_refresh(&k, &cfg, true, NOW + 40, err,
	    sizeof(err)), 1);
	ck_assert_int_eq(verify(k, &cfg, tok), AUTH_OK);
	free(tok);
	auth_keyring_free(k);
	ck_assert_int_eq(auth_keyring_refresh(NULL, &cfg, true, NOW, err,
	    sizeof(err)), 0);
}
END_TEST

/* Writes n bytes of s to path, replacing its contents in place. */
static void
put_file(const char *path, const char *s, size_t n)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(s, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* The contents of path (NUL-terminated, the caller frees it). */
static char *
get_file(const char *path)
{
	char	*buf;
	FILE	*f;
	size_t	 n;

	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(buf = calloc(1, 8192));
	n = fread(buf, 1, 8191, f);
	ck_assert_uint_gt(n, 0);
	fclose(f);
	return buf;
}

/*
 * A reload that fails on a half-written file still drops a key retired at
 * the same time, and is tried again once the file is complete.
 */
START_TEST(test_refresh_failed_drops_retired)
{
	struct auth_keyring	*k;
	char			 err[256], kid3[AUTH_KID_MAX + 1];
	char			 kid4[AUTH_KID_MAX + 1], other[160], path[256];
	char			*old, *tok, *pem;

	k = load(&cfg, true);
	old = issue(k, &cfg);
	ck_assert_int_eq(auth_keys_generate(dir, kid3, sizeof(kid3), err,
	    sizeof(err)), 0);
	ck_assert_int_eq(activate(kid3, AUTH_JWT_ES256, err, sizeof(err)), 0);
	ck_assert_int_eq(auth_keyring_refresh(&k, &cfg, true, NOW + 10, err,
	    sizeof(err)), 1);
	tok = issue(k, &cfg);
	/* a key being copied in: the first half of its public file */
	snprintf(other, sizeof(other), "%s/other", tmpdir);
	ck_assert_int_eq(auth_keys_generate(other, kid4, sizeof(kid4), err,
	    sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s.pub", other, kid4);
	pem = get_file(path);
	snprintf(path, sizeof(path), "%s/%s.pub", dir, kid4);
	put_file(path, pem, strlen(pem) / 2);
	ck_assert_msg(auth_keys_retire(dir, es_kid, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(auth_keyring_refresh(&k, &cfg, true, NOW + 20, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, kid4) != NULL, "%s", err);
	/* the retired key no longer verifies; the others still do */
	ck_assert_int_eq(verify(k, &cfg, old), AUTH_ERR_UNAUTHORIZED);
	ck_assert_int_eq(verify(k, &cfg, tok), AUTH_OK);
	ck_assert_ptr_null(auth_keyring_find(k, es_kid, strlen(es_kid)));
	ck_assert_ptr_nonnull(auth_keyring_find(k, rs_kid, strlen(rs_kid)));
	ck_assert_str_eq(k->active, kid3);
	/* quiet while the same files fail; loaded once the file is whole */
	ck_assert_int_eq(auth_keyring_refresh(&k, &cfg, true, NOW + 21, err,
	    sizeof(err)), 0);
	put_file(path, pem, strlen(pem));
	ck_assert_int_eq(auth_keyring_refresh(&k, &cfg, true, NOW + 22, err,
	    sizeof(err)), 1);
	ck_assert_ptr_nonnull(auth_keyring_find(k, kid4, strlen(kid4)));
	ck_assert_int_eq(verify(k, &cfg, old), AUTH_ERR_UNAUTHORIZED);
	ck_assert_int_eq(verify(k, &cfg, tok), AUTH_OK);
	free(pem);
	free(old);
	free(tok);
	auth_keyring_free(k);
}
END_TEST

/* ---- security ----------------------------------------------------------- */

/* Each key verifies its own algorithm only, whatever the header says. */
START_TEST(test_alg_pinned_per_key)
{
	struct auth_config	 rc;
	struct auth_keyring	*ek, *rk;
	char			 h[256], err[256], pem[1024];
	char			*tok;
	unsigned char		 mac[32];
	unsigned int		 mlen;
	size_t			 o, cap;
	FILE			*f;

	ek = load(&cfg, true);			/* signs ES256 */
	base_config(&rc, AUTH_JWT_RS256);
	ck_assert_int_eq(activate(rs_kid, AUTH_JWT_RS256, err, sizeof(err)), 0);
	rk = load(&rc, true);			/* signs RS256 */

	/* an RS256 signature under the ES256 kid, and the other way round */
	snprintf(h, sizeof(h), "{\"alg\":\"RS256\",\"typ\":\"at+jwt\","
	    "\"kid\":\"%s\"}", es_kid);
	tok = sign_header(rk, h);
	ck_assert_int_eq(verify(ek, &cfg, tok), AUTH_ERR_UNAUTHORIZED);
	free(tok);
	snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"typ\":\"at+jwt\","
	    "\"kid\":\"%s\"}", rs_kid);
	tok = sign_header(ek, h);
	ck_assert_int_eq(verify(ek, &cfg, tok), AUTH_ERR_UNAUTHORIZED);
	free(tok);
	/* right key, header naming the other algorithm */
	snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"typ\":\"at+jwt\","
	    "\"kid\":\"%s\"}", rs_kid);
	tok = sign_header(rk, h);
	ck_assert_int_eq(verify(rk, &rc, tok), AUTH_ERR_UNAUTHORIZED);
	free(tok);
	/* control: the RS256 header with the RSA kid passes */
	snprintf(h, sizeof(h), "{\"alg\":\"RS256\",\"typ\":\"at+jwt\","
	    "\"kid\":\"%s\"}", rs_kid);
	tok = sign_header(rk, h);
	ck_assert_int_eq(verify(rk, &rc, tok), AUTH_OK);
	ck_assert_int_eq(verify(ek, &cfg, tok), AUTH_OK);
	free(tok);
	/* HS256 and PS256 and RS384 headers under the RSA kid */
	snprintf(h, sizeof(h), "{\"alg\":\"PS256\",\"typ\":\"at+jwt\","
	    "\"kid\":\"%s\"}", rs_kid);
	tok = sign_header(rk, h);
	ck_assert_int_eq(verify(rk, &rc, tok), AUTH_ERR_UNAUTHORIZED);
	free(tok);
	snprintf(h, sizeof(h), "{\"alg\":\"RS384\",\"typ\":\"at+jwt\","
	    "\"kid\":\"%s\"}", rs_kid);
	tok = sign_header(rk, h);
	ck_assert_int_eq(verify(rk, &rc, tok), AUTH_ERR_UNAUTHORIZED);
	free(tok);
	/* HS256 keyed with the RSA public key PEM (algorithm confusion) */
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/%s.pub", dir, rs_kid);
		ck_assert_ptr_nonnull(f = fopen(path, "r"));
		o = fread(pem, 1, sizeof(pem) - 1, f);
		pem[o] = '\0';
		fclose(f);
	}
	snprintf(h, sizeof(h), "{\"alg\":\"HS256\",\"typ\":\"at+jwt\","
	    "\"kid\":\"%s\"}", rs_kid);
	tok = sign_header(rk, h);
	cap = strlen(tok) + 64;
	tok = realloc(tok, cap);
	o = (size_t)(strrchr(tok, '.') - tok);
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), pem, (int)strlen(pem),
	    (const unsigned char *)tok, o, mac, &mlen));
	auth_b64url_encode(mac, mlen, tok + o + 1, cap - o - 1);
	ck_assert_int_eq(verify(rk, &rc, tok), AUTH_ERR_UNAUTHORIZED);
	free(tok);
	auth_keyring_free(ek);
	auth_keyring_free(rk);
}
END_TEST

START_TEST(test_signing_key_must_match_jwt_alg)
{
	struct auth_config	 rc;
	char			 err[256];

	/* active is the ES256 key: an RS256 signer refuses to start */
	base_config(&rc, AUTH_JWT_RS256);
	ck_assert_ptr_null(auth_keyring_load(&rc, true, err, sizeof(err)));
	ck_assert_msg(strstr(err, "jwt_alg is RS256") != NULL, "%s", err);
	/* verification alone is fine */
	auth_keyring_free(load(&rc, false));
	/* activate refuses a key of another algorithm than asked */
	ck_assert_int_eq(activate(rs_kid, AUTH_JWT_ES256, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "jwt_alg") != NULL, "%s", err);
}
END_TEST

START_TEST(test_activate_refusals)
{
	char	err[256], path[256];

	/* a private key readable by the group is refused, with the reason */
	snprintf(path, sizeof(path), "%s/%s.key", dir, rs_kid);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(activate(rs_kid, AUTH_JWT_ALG__MAX, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "group or others") != NULL, "%s", err);
	ck_assert_int_eq(chmod(path, 0604), 0);
	ck_assert_int_eq(activate(rs_kid, AUTH_JWT_ALG__MAX, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(activate(rs_kid, AUTH_JWT_ALG__MAX, err, sizeof(err)),
	    0);
	/* kids that are not thumbprints, unknown kids, path tricks */
	ck_assert_int_eq(activate("../keys/x", AUTH_JWT_ALG__MAX, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(activate("", AUTH_JWT_ALG__MAX, err, sizeof(err)), -1);
	ck_assert_int_eq(activate(RFC7638_KID, AUTH_JWT_ALG__MAX, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(auth_keys_retire(dir, "../active", err, sizeof(err)),
	    -1);
	ck_assert_int_eq(auth_keys_retire(dir, RFC7638_KID, err, sizeof(err)),
	    -1);
}
END_TEST

START_TEST(test_weak_rsa_key_refused)
{
	EVP_PKEY	*pkey;
	char		 err[256], kdir[128], path[256];
	struct auth_config c;
	FILE		*f;

	ck_assert_ptr_nonnull(pkey = EVP_RSA_gen(1024));
	snprintf(kdir, sizeof(kdir), "%s/weak", tmpdir);
	ck_assert_int_eq(mkdir(kdir, 0700), 0);
	snprintf(path, sizeof(path), "%s/" RFC7638_KID ".pub", kdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(PEM_write_PUBKEY(f, pkey), 1);
	fclose(f);
	base_config(&c, AUTH_JWT_RS256);
	snprintf(c.keys_dir, sizeof(c.keys_dir), "%s", kdir);
	ck_assert_ptr_null(auth_keyring_load(&c, false, err, sizeof(err)));
	ck_assert_msg(strstr(err, "1024 bits") != NULL, "%s", err);
	EVP_PKEY_free(pkey);
}
END_TEST

START_TEST(test_keys_limit)
{
	char	err[256], kid[AUTH_KID_MAX + 1];
	int	i;

	/* AUTH_KEYS_MAX public keys load; one more is refused with advice */
	for (i = 2; i < AUTH_KEYS_MAX; i++)
		ck_assert_int_eq(auth_keys_generate(dir, kid, sizeof(kid), err,
		    sizeof(err)), 0);
	auth_keyring_free(load(&cfg, true));
	ck_assert_int_eq(auth_keys_generate(dir, kid, sizeof(kid), err,
	    sizeof(err)), 0);
	ck_assert_ptr_null(auth_keyring_load(&cfg, true, err, sizeof(err)));
	ck_assert_msg(strstr(err, "retire") != NULL, "%s", err);
	ck_assert_int_eq(auth_keys_retire(dir, kid, err, sizeof(err)), 0);
	auth_keyring_free(load(&cfg, true));
}
END_TEST

static Suite *
keys_suite(void)
{
	Suite	*s = suite_create("keys");
	TCase	*core = tcase_create("core");
	TCase	*rot = tcase_create("rotation");
	TCase	*sec = tcase_create("security");

	tcase_add_checked_fixture(core, setup, teardown);
	tcase_add_checked_fixture(rot, setup, teardown);
	tcase_add_checked_fixture(sec, setup, teardown);
	tcase_set_timeout(core, 60);
	tcase_set_timeout(rot, 60);
	tcase_set_timeout(sec, 60);

	tcase_add_test(core, test_rs256_roundtrip);
	tcase_add_test(core, test_jwks_both_kinds);
	tcase_add_test(core, test_rsa_thumbprint_known_answer);
	tcase_add_test(rot, test_activate_retire_list);
	tcase_add_test(rot, test_refresh);
	tcase_add_test(rot, test_refresh_failed_drops_retired);
	tcase_add_test(sec, test_alg_pinned_per_key);
	tcase_add_test(sec, test_signing_key_must_match_jwt_alg);
	tcase_add_test(sec, test_activate_refusals);
	tcase_add_test(sec, test_weak_rsa_key_refused);
	tcase_add_test(sec, test_keys_limit);

	suite_add_tcase(s, core);
	suite_add_tcase(s, rot);
	suite_add_tcase(s, sec);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(keys_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
