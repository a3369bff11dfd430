/*
 * libFuzzer harness for access-token verification (shape, header, signature,
 * claims) with an ES256 key generated at start: nothing the fuzzer makes
 * may verify, and nothing may crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt.h"
#include "keyadmin.h"
#include "keyring.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct auth_config cfg;
static struct auth_keyring *kr;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/fuzz-jwt-XXXXXX", kid[AUTH_KID_MAX + 1], err[256];

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	memset(&cfg, 0, sizeof(cfg));
	cfg.jwt_alg = AUTH_JWT_ES256;
	snprintf(cfg.keys_dir, sizeof(cfg.keys_dir), "%s/keys", dir);
	snprintf(cfg.issuer, sizeof(cfg.issuer), "https://auth.example");
	snprintf(cfg.audience, sizeof(cfg.audience), "authd");
	cfg.access_ttl = 300;
	cfg.clock_leeway = 30;
	if (auth_keys_generate(cfg.keys_dir, kid, sizeof(kid), err,
	    sizeof(err)) != 0 ||
	    (kr = auth_keyring_load(&cfg, false, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_jwt: %s\n", err);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_jwt_claims c;

	if (auth_jwt_verify(kr, &cfg, (const char *)data, size, 1795000000,
	    &c) == AUTH_OK)
		abort();	/* forged without the private key */
	return 0;
}
