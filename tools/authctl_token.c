/* authctl token verify TOKEN: the header and claims of a token that
 * verifies with the configured keys, now. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "authctl.h"
#include "keyring.h"
#include "base_codec.h"
#include "base_secret.h"

/* Prints segment seg (len) of a token, base64url JSON, indented; 0 or -1. */
static int
print_segment(const char *what, const char *seg, size_t len)
{
	json_object	*obj;
	char		*buf;
	ssize_t		 n;
	int		 rc = -1;

	if ((buf = malloc(len + 1)) == NULL)
		return -1;
	n = auth_b64url_decode(seg, len, buf, len + 1);
	if (n > 0) {
		buf[n] = '\0';
		if ((obj = json_tokener_parse(buf)) != NULL) {
			printf("%s: %s\n", what, json_object_to_json_string_ext(obj,
			    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(obj);
			rc = 0;
		}
	}
	free(buf);
	return rc;
}

int
authctl_token_verify(const struct authctl_opts *o)
{
	struct auth_config	 cfg;
	struct auth_keyring	*kr;
	struct auth_jwt_claims	 c;
	const char		*tok, *d1, *d2;
	char			 err[512];
	size_t			 len;
	enum auth_err		 e;

	tok = o->arg;
	len = strnlen(tok, AUTH_JWT_MAX + 1);
	if (authctl_config(&cfg) == -1)
		return 1;
	if ((kr = auth_keyring_load(&cfg, false, err, sizeof(err))) == NULL) {
		warnx("keys: %s", err);
		return 1;
	}
	e = auth_jwt_verify(kr, &cfg, tok, len, (long long)time(NULL), &c);
	auth_keyring_free(kr);
	if (e != AUTH_OK) {
		warnx("token verify: not a valid access token here (shape, "
		    "algorithm, kid, signature, iss, aud, exp or nbf)");
		if ((d1 = memchr(tok, '.', len)) != NULL)
			(void)print_segment("header (unverified)", tok,
			    (size_t)(d1 - tok));
		return 1;
	}
	d1 = strchr(tok, '.');
	d2 = strchr(d1 + 1, '.');
	if (print_segment("header", tok, (size_t)(d1 - tok)) == -1 ||
	    print_segment("claims", d1 + 1, (size_t)(d2 - d1 - 1)) == -1) {
		warnx("token verify: cannot print the token");
		return 1;
	}
	printf("verified: sub %s, expires in %lld s\n", c.sub,
	    c.exp - (long long)time(NULL));
	return 0;
}
