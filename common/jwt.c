/* Access tokens: compact JWS (ES256, RS256 or HS256), OpenSSL and json-c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "jwt.h"
#include "keyring_internal.h"

#define JWT_TYP			"at+jwt"
#define JWT_HEADER_B64_MAX	512	/* ours is about 130 */
#define JWT_SIG_LEN		64	/* ES256 r || s; HS256 uses 32 */
#define JWT_SIG_B64_MAX		((AUTH_JWS_SIG_MAX * 4 + 2) / 3)
#define JWT_AUD_MAX		16
#define JWT_LEEWAY_MAX		3600

/* The order n of the P-256 group, big-endian. */
static const unsigned char p256_order[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

/* The one name table of enum auth_jwt_alg, NULL-terminated for the config. */
static const char *const jwt_alg_names[AUTH_JWT_ALG__MAX + 1] = {
	[AUTH_JWT_ES256] = "ES256",
	[AUTH_JWT_HS256] = "HS256",
	[AUTH_JWT_RS256] = "RS256",
	[AUTH_JWT_ALG__MAX] = NULL,
};

const char *
auth_jwt_alg_name(enum auth_jwt_alg alg)
{
	if ((unsigned)alg >= AUTH_JWT_ALG__MAX)
		return "unknown";
	return jwt_alg_names[alg];
}

enum auth_jwt_alg
auth_jwt_alg_from_name(const char *name)
{
	int	alg;

	for (alg = 0; alg < AUTH_JWT_ALG__MAX; alg++)
		if (strcmp(name, jwt_alg_names[alg]) == 0)
			break;
	return (enum auth_jwt_alg)alg;
}

/* True if the 32-byte big-endian v is in [1, n-1]. */
static bool
p256_scalar_ok(const unsigned char v[32])
{
	unsigned char	acc = 0;
	size_t		i;

	for (i = 0; i < 32; i++)
		acc |= v[i];
	if (acc == 0)
		return false;
	return memcmp(v, p256_order, 32) < 0;
}

/* RSASSA-PKCS1-v1_5 SHA-256 of data under key into sig. 0, or -1. */
static int
jwt_rs256_sign(EVP_PKEY *key, const char *data, size_t len,
    unsigned char sig[AUTH_JWS_SIG_MAX], size_t *siglen)
{
	EVP_MD_CTX	*md = NULL;
	EVP_PKEY_CTX	*pctx = NULL;
	size_t		 slen = AUTH_JWS_SIG_MAX;
	int		 rc = -1;

	if (EVP_PKEY_get_size(key) > AUTH_JWS_SIG_MAX ||
	    (md = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_DigestSign(md, sig, &slen, (const unsigned char *)data,
	    len) != 1)
		goto out;
	*siglen = slen;
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

int
auth_jwt_sign_raw(const struct auth_keyring *kr, const char *data, size_t len,
    unsigned char sig[AUTH_JWS_SIG_MAX], size_t *siglen)
{
	EVP_MD_CTX		*md = NULL;
	ECDSA_SIG		*es = NULL;
	const BIGNUM		*r, *s;
	const unsigned char	*p;
	unsigned char		 der[128];
	unsigned int		 hlen = 0;
	size_t			 dlen = sizeof(der);
	int			 rc = -1;

	if (kr->alg == AUTH_JWT_HS256) {
		if (kr->secret == NULL || HMAC(EVP_sha256(), kr->secret,
		    (int)kr->secretlen, (const unsigned char *)data, len, sig,
		    &hlen) == NULL || hlen != 32)
			return -1;
		*siglen = hlen;
		return 0;
	}
	if (kr->sign != NULL && kr->sign_alg == AUTH_JWT_RS256)
		return jwt_rs256_sign(kr->sign, data, len, sig, siglen);
	if (kr->sign == NULL || kr->sign_alg != AUTH_JWT_ES256 ||
	    (md = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, kr->sign) != 1 ||
	    EVP_DigestSign(md, der, &dlen, (const unsigned char *)data,
	    len) != 1)
		goto out;
	p = der;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	if (BN_bn2binpad(r, sig, 32) != 32 || BN_bn2binpad(s, sig + 32, 32) != 32)
		goto out;
	*siglen = JWT_SIG_LEN;
	rc = 0;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	return rc;
}

/* Verifies a raw signature over data with pub (ES256). True if valid. */
static bool
jwt_es256_ok(EVP_PKEY *pub, const char *data, size_t len,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX	*md = NULL;
	ECDSA_SIG	*es = NULL;
	BIGNUM		*r = NULL, *s = NULL;
	unsigned char	*der = NULL;
	int		 dlen;
	bool		 ok = false;

	if (siglen != JWT_SIG_LEN || !p256_scalar_ok(sig) ||
	    !p256_scalar_ok(sig + 32))
		return false;
	if ((es = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(sig, 32, NULL)) == NULL ||
	    (s = BN_bin2bn(sig + 32, 32, NULL)) == NULL)
		goto out;
	if (ECDSA_SIG_set0(es, r, s) != 1)
		goto out;
	r = s = NULL;
	if ((dlen = i2d_ECDSA_SIG(es, &der)) <= 0)
		goto out;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) != 1)
		goto out;
	ok = EVP_DigestVerify(md, der, (size_t)dlen,
	    (const unsigned char *)data, len) == 1;
out:
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(es);
	return ok;
}

/* Verifies an RS256 signature over data with pub. True if valid. */
static bool
jwt_rs256_ok(EVP_PKEY *pub, const char *data, size_t len,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX	*md = NULL;
	EVP_PKEY_CTX	*pctx = NULL;
	bool		 ok = false;

	if (EVP_PKEY_get_size(pub) <= 0 ||
	    siglen != (size_t)EVP_PKEY_get_size(pub))
		return false;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return false;
	if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, pub) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1)
		ok = EVP_DigestVerify(md, sig, siglen,
		    (const unsigned char *)data, len) == 1;
	EVP_MD_CTX_free(md);
	return ok;
}

/* Verifies an HS256 MAC over data in constant time. True if valid. */
static bool
jwt_hs256_ok(const struct auth_keyring *kr, const char *data, size_t len,
    const unsigned char *sig, size_t siglen)
{
	unsigned char	mac[32];
	unsigned int	mlen = 0;
	bool		ok;

	if (kr->secret == NULL || HMAC(EVP_sha256(), kr->secret,
	    (int)kr->secretlen, (const unsigned char *)data, len, mac,
	    &mlen) == NULL || mlen != sizeof(mac))
		return false;
	ok = auth_ct_equal(mac, sizeof(mac), sig, siglen);
	auth_wipe(mac, sizeof(mac));
	return ok;
}

/* Adds name = v to obj, taking v; false (v released) on failure. */
static bool
jadd(json_object *obj, const char *name, json_object *v)
{
	if (v == NULL)
		return false;
	if (json_object_object_add(obj, name, v) != 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

/* True if the caller's claims are within the documented bounds. */
static bool
jwt_claims_ok(const struct auth_jwt_claims *c)
{
	size_t	i, n;

	if (!auth_uuid_valid(c->sub, strnlen(c->sub, sizeof(c->sub))))
		return false;
	n = strnlen(c->sid, sizeof(c->sid));
	if (n != 0 && !auth_uuid_valid(c->sid, n))
		return false;
	if (strnlen(c->email, sizeof(c->email)) == sizeof(c->email))
		return false;
	if (c->nroles > AUTH_ROLES_MAX)
		return false;
	for (i = 0; i < c->nroles; i++) {
		n = strnlen(c->roles[i], sizeof(c->roles[i]));
		if (n == 0 || n == sizeof(c->roles[i]))
			return false;
	}
	return true;
}

/*
 * The claims object of c under cfg's issuer and audience, or NULL on
 * allocation failure. The caller puts it.
 */
static json_object *
jwt_payload(const struct auth_config *cfg, const struct auth_jwt_claims *c)
{
	json_object	*pl = NULL, *roles, *role;
	size_t		 i;

	if ((pl = json_object_new_object()) == NULL ||
	    !jadd(pl, "iss", json_object_new_string(cfg->issuer)) ||
	    !jadd(pl, "aud", json_object_new_string(cfg->audience)) ||
	    !jadd(pl, "sub", json_object_new_string(c->sub)) ||
	    !jadd(pl, "iat", json_object_new_int64(c->iat)) ||
	    !jadd(pl, "nbf", json_object_new_int64(c->nbf)) ||
	    !jadd(pl, "exp", json_object_new_int64(c->exp)) ||
	    !jadd(pl, "jti", json_object_new_string(c->jti)) ||
	    !jadd(pl, "email", json_object_new_string(c->email)) ||
	    !jadd(pl, "email_verified", json_object_new_boolean(c->email_verified)))
		goto out;
	if ((roles = json_object_new_array()) == NULL)
		goto out;
	if (!jadd(pl, "roles", roles))
		goto out;
	for (i = 0; i < c->nroles; i++) {
		if ((role = json_object_new_string(c->roles[i])) == NULL)
			goto out;
		if (json_object_array_add(roles, role) != 0) {
			json_object_put(role);
			goto out;
		}
	}
	if (c->sid[0] != '\0' &&
	    !jadd(pl, "sid", json_object_new_string(c->sid)))
		goto out;
	return pl;
out:
	json_object_put(pl);
	return NULL;
}

enum auth_err
auth_jwt_issue(const struct auth_keyring *kr, const struct auth_config *cfg,
    long long now, struct auth_jwt_claims *c, char **out)
{
	json_object	*pl = NULL;
	unsigned char	 jti[16], sig[AUTH_JWS_SIG_MAX];
	char		 header[160], hb64[256];
	const char	*kid, *payload;
	char		*tok = NULL;
	size_t		 plen, cap, o, siglen = 0;
	enum auth_err	 rc = AUTH_ERR_INTERNAL;
	int		 n;

	if (out != NULL)
		*out = NULL;
	if (kr == NULL || cfg == NULL || c == NULL || out == NULL ||
	    kr->alg != cfg->jwt_alg || cfg->jwt_alg >= AUTH_JWT_ALG__MAX ||
	    cfg->access_ttl <= 0 || now <= 0 || now > INT64_MAX / 2 ||
	    !jwt_claims_ok(c))
		return AUTH_ERR_INTERNAL;
	kid = kr->active;
	if (kid[0] == '\0' || kr->sign_alg != cfg->jwt_alg)
		return AUTH_ERR_INTERNAL;
	if (auth_random_bytes(jti, sizeof(jti)) == -1 ||
	    auth_b64url_encode(jti, sizeof(jti), c->jti, sizeof(c->jti)) == 0)
		return AUTH_ERR_INTERNAL;
	c->iat = c->nbf = now;
	c->exp = now + cfg->access_ttl;

	n = snprintf(header, sizeof(header),
	    "{\"alg\":\"%s\",\"typ\":\"" JWT_TYP "\",\"kid\":\"%s\"}",
	    jwt_alg_names[cfg->jwt_alg], kid);
	if (n < 0 || (size_t)n >= sizeof(header) ||
	    auth_b64url_encode(header, (size_t)n, hb64, sizeof(hb64)) == 0)
		goto out;

	if ((pl = jwt_payload(cfg, c)) == NULL)
		goto out;
	payload = json_object_to_json_string_ext(pl,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (payload == NULL)
		goto out;
	plen = strlen(payload);

	/* header.payload.signature, each base64url */
	cap = strlen(hb64) + 1 + (plen + 2) / 3 * 4 + 1 + JWT_SIG_B64_MAX + 1;
	if (cap > AUTH_JWT_MAX + 1 || (tok = malloc(cap)) == NULL)
		goto out;
	o = strlen(hb64);
	memcpy(tok, hb64, o);
	tok[o++] = '.';
	o += auth_b64url_encode(payload, plen, tok + o, cap - o);
	if (auth_jwt_sign_raw(kr, tok, o, sig, &siglen) == -1)
		goto out;
	tok[o++] = '.';
	if (auth_b64url_encode(sig, siglen, tok + o, cap - o) == 0)
		goto out;
	*out = tok;
	tok = NULL;
	rc = AUTH_OK;
out:
	free(tok);
	json_object_put(pl);
	auth_wipe(jti, sizeof(jti));
	return rc;
}

/* Decodes a base64url segment of at most max input chars and parses it as a
 * JSON object. NULL if anything is off; the caller puts the result. */
static json_object *
jwt_segment_json(const char *seg, size_t len, size_t max)
{
	json_tokener	*tk = NULL;
	json_object	*obj = NULL;
	char		*buf = NULL;
	ssize_t		 n;

	if (len == 0 || len > max || (buf = malloc(len)) == NULL)
		return NULL;
	n = auth_b64url_decode(seg, len, buf, len);
	if (n <= 0 || memchr(buf, '\0', (size_t)n) != NULL)
		goto out;
	if ((tk = json_tokener_new_ex(8)) == NULL)
		goto out;
	obj = json_tokener_parse_ex(tk, buf, (int)n);
	if (obj == NULL || json_tokener_get_error(tk) != json_tokener_success ||
	    json_tokener_get_parse_end(tk) != (size_t)n ||
	    !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		obj = NULL;
	}
out:
	if (tk != NULL)
		json_tokener_free(tk);
	free(buf);
	return obj;
}

/* The string member name of obj (length in *len), or NULL. */
static const char *
jstr(json_object *obj, const char *name, size_t *len)
{
	json_object	*v;
	const char	*s;
	int		 n;

	if (!json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	if (s == NULL || n < 0 || strlen(s) != (size_t)n)
		return NULL;
	*len = (size_t)n;
	return s;
}

/* True if member name of obj is a JSON integer; stores it in *v. */
static bool
jint(json_object *obj, const char *name, long long *v)
{
	json_object	*o;

	if (!json_object_object_get_ex(obj, name, &o) ||
	    !json_object_is_type(o, json_type_int))
		return false;
	*v = json_object_get_int64(o);
	return true;
}

/* True if s (len) equals the NUL-terminated want exactly. */
static bool
jeq(const char *s, size_t len, const char *want)
{
	return s != NULL && strlen(want) == len && memcmp(s, want, len) == 0;
}

/* Checks the header of a token: typ, known kid, and alg pinned: HS256 in
 * the HS256 mode, else the algorithm of the key kid names. Returns the
 * public key to verify with through *key (NULL for HS256). */
static bool
jwt_header_ok(const struct auth_keyring *kr, const struct auth_config *cfg,
    const char *seg, size_t len, const struct auth_key **key)
{
	json_object	*h;
	const char	*alg, *typ, *kid;
	size_t		 alen = 0, tlen = 0, klen = 0;
	bool		 ok = false;

	*key = NULL;
	if ((h = jwt_segment_json(seg, len, JWT_HEADER_B64_MAX)) == NULL)
		return false;
	alg = jstr(h, "alg", &alen);
	typ = jstr(h, "typ", &tlen);
	kid = jstr(h, "kid", &klen);
	if (alg == NULL || !jeq(typ, tlen, JWT_TYP) || kid == NULL ||
	    json_object_object_get_ex(h, "crit", NULL))
		goto out;
	if (cfg->jwt_alg == AUTH_JWT_HS256) {
		ok = jeq(alg, alen, jwt_alg_names[AUTH_JWT_HS256]) &&
		    kr->secret != NULL && jeq(kid, klen, kr->hs_kid);
		goto out;
	}
	if ((*key = auth_keyring_find(kr, kid, klen)) == NULL ||
	    ((*key)->alg != AUTH_JWT_ES256 && (*key)->alg != AUTH_JWT_RS256) ||
	    !jeq(alg, alen, jwt_alg_names[(*key)->alg])) {
		*key = NULL;
		goto out;
	}
	ok = true;
out:
	json_object_put(h);
	return ok;
}

/* True if aud is the configured audience or an array holding it. */
static bool
jwt_aud_ok(json_object *pl, const char *want)
{
	json_object	*aud, *v;
	size_t		 i, n;

	if (!json_object_object_get_ex(pl, "aud", &aud))
		return false;
	if (json_object_is_type(aud, json_type_string))
		return jeq(json_object_get_string(aud),
		    (size_t)json_object_get_string_len(aud), want);
	if (!json_object_is_type(aud, json_type_array))
		return false;
	n = json_object_array_length(aud);
	if (n > JWT_AUD_MAX)
		return false;
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(aud, i);
		if (json_object_is_type(v, json_type_string) &&
		    jeq(json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), want))
			return true;
	}
	return false;
}

/* Reads and checks the claims of a verified payload into c. */
static bool
jwt_claims_read(json_object *pl, const struct auth_config *cfg,
    long long now, struct auth_jwt_claims *c)
{
	json_object	*v, *roles;
	const char	*s;
	size_t		 len = 0, i, n;
	long		 leeway = cfg->clock_leeway;

	if (leeway < 0)
		leeway = 0;
	if (leeway > JWT_LEEWAY_MAX)
		leeway = JWT_LEEWAY_MAX;
	memset(c, 0, sizeof(*c));

	s = jstr(pl, "iss", &len);
	if (!jeq(s, len, cfg->issuer) || !jwt_aud_ok(pl, cfg->audience))
		return false;
	if (!jint(pl, "exp", &c->exp) || !jint(pl, "nbf", &c->nbf) ||
	    !jint(pl, "iat", &c->iat))
		return false;
	/* now < exp + leeway, now >= nbf - leeway, iat not in the future;
	 * written so that no sum can overflow. */
	if (c->exp <= now - leeway || c->nbf > now + leeway ||
	    c->iat > now + leeway)
		return false;

	if ((s = jstr(pl, "sub", &len)) == NULL || !auth_uuid_valid(s, len))
		return false;
	memcpy(c->sub, s, len);
	if (json_object_object_get_ex(pl, "sid", NULL)) {
		if ((s = jstr(pl, "sid", &len)) == NULL ||
		    !auth_uuid_valid(s, len))
			return false;
		memcpy(c->sid, s, len);
	}
	if ((s = jstr(pl, "jti", &len)) == NULL || len == 0 ||
	    len >= sizeof(c->jti))
		return false;
	memcpy(c->jti, s, len);
	if (json_object_object_get_ex(pl, "email", NULL)) {
		if ((s = jstr(pl, "email", &len)) == NULL ||
		    len > AUTH_EMAIL_MAX)
			return false;
		memcpy(c->email, s, len);
	}
	if (json_object_object_get_ex(pl, "email_verified", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return false;
		c->email_verified = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(pl, "roles", &roles)) {
		if (!json_object_is_type(roles, json_type_array))
			return false;
		n = json_object_array_length(roles);
		if (n > AUTH_ROLES_MAX)
			return false;
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(roles, i);
			if (!json_object_is_type(v, json_type_string))
				return false;
			s = json_object_get_string(v);
			len = (size_t)json_object_get_string_len(v);
			if (len == 0 || len > AUTH_ROLE_MAX ||
			    strlen(s) != len)
				return false;
			memcpy(c->roles[i], s, len);
		}
		c->nroles = n;
	}
	return true;
}

enum auth_err
auth_jwt_verify(const struct auth_keyring *kr, const struct auth_config *cfg,
    const char *tok, size_t len, long long now, struct auth_jwt_claims *out)
{
	const struct auth_key	*key = NULL;
	struct auth_jwt_claims	 c;
	json_object		*pl = NULL;
	unsigned char		 sig[AUTH_JWS_SIG_MAX + 3];
	const char		*d1, *d2;
	size_t			 signedlen, slen;
	ssize_t			 n;
	bool			 ok;
	enum auth_err		 rc = AUTH_ERR_UNAUTHORIZED;

	if (kr == NULL || cfg == NULL || tok == NULL || out == NULL ||
	    cfg->jwt_alg >= AUTH_JWT_ALG__MAX || kr->alg != cfg->jwt_alg)
		return AUTH_ERR_UNAUTHORIZED;
	if (len == 0 || len > AUTH_JWT_MAX || memchr(tok, '\0', len) != NULL)
		return AUTH_ERR_UNAUTHORIZED;
	if ((d1 = memchr(tok, '.', len)) == NULL)
		return AUTH_ERR_UNAUTHORIZED;
	if ((d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok))) == NULL)
		return AUTH_ERR_UNAUTHORIZED;
	if (memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - tok)) != NULL)
		return AUTH_ERR_UNAUTHORIZED;

	if (!jwt_header_ok(kr, cfg, tok, (size_t)(d1 - tok), &key))
		return AUTH_ERR_UNAUTHORIZED;

	signedlen = (size_t)(d2 - tok);
	slen = len - signedlen - 1;
	if (slen > JWT_SIG_B64_MAX)
		return AUTH_ERR_UNAUTHORIZED;
	n = auth_b64url_decode(d2 + 1, slen, sig, sizeof(sig));
	if (n < 0)
		return AUTH_ERR_UNAUTHORIZED;
	if (cfg->jwt_alg == AUTH_JWT_HS256)
		ok = key == NULL && jwt_hs256_ok(kr, tok, signedlen, sig,
		    (size_t)n);
	else if (key != NULL && key->alg == AUTH_JWT_ES256)
		ok = jwt_es256_ok(key->pub, tok, signedlen, sig, (size_t)n);
	else if (key != NULL && key->alg == AUTH_JWT_RS256)
		ok = jwt_rs256_ok(key->pub, tok, signedlen, sig, (size_t)n);
	else
		ok = false;
	if (!ok)
		return AUTH_ERR_UNAUTHORIZED;

	pl = jwt_segment_json(d1 + 1, (size_t)(d2 - d1 - 1), AUTH_JWT_MAX);
	if (pl == NULL)
		goto out;
	if (!jwt_claims_read(pl, cfg, now, &c))
		goto out;
	memcpy(out, &c, sizeof(c));
	rc = AUTH_OK;
out:
	json_object_put(pl);
	return rc;
}

int
auth_jwt_peek_sub(const char *tok, size_t len, char sub[AUTH_UUID_LEN + 1])
{
	json_object	*pl;
	const char	*d1, *d2, *s;
	size_t		 n;
	int		 rc = -1;

	sub[0] = '\0';
	if (tok == NULL || len == 0 || len > AUTH_JWT_MAX ||
	    (d1 = memchr(tok, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok))) == NULL)
		return -1;
	if ((pl = jwt_segment_json(d1 + 1, (size_t)(d2 - d1 - 1),
	    AUTH_JWT_MAX)) == NULL)
		return -1;
	if ((s = jstr(pl, "sub", &n)) != NULL && auth_uuid_valid(s, n)) {
		memcpy(sub, s, n);
		sub[n] = '\0';
		rc = 0;
	}
	json_object_put(pl);
	return rc;
}

/* ---- configuration ------------------------------------------------------ */

static const struct auth_cfg_key jwt_keys[] = {
	AUTH_CFG_STR(issuer, auth_cfg_check_http_url, "http://127.0.0.1:8080"),
	AUTH_CFG_STR(audience, NULL, "authd"),
	AUTH_CFG_ENUM(jwt_alg, jwt_alg_names, "ES256"),
	AUTH_CFG_NUM(access_ttl, AUTH_CFG_T_LONG, 30, 86400, "300"),
	AUTH_CFG_NUM(clock_leeway, AUTH_CFG_T_LONG, 0, 300, "30"),
};

const struct auth_cfg_module auth_jwt_cfg = AUTH_CFG_MODULE(jwt_keys, NULL);
