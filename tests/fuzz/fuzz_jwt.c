/*
 * libFuzzer harness for access-token verification (shape, header, signature,
 * claims) with an ES256 key generated at start: nothing the fuzzer makes
 * may verify, and nothing may crash. The key files are removed once the
 * keyring holds the key (verification never reads keys_dir again).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jwt.h"
#include "keyadmin.h"
#include "keyring.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct auth_config cfg;
static struct auth_keyring *kr;

/* Removes what auth_keys_generate wrote: dir/keys/{KID.key,KID.pub,active}. */
static void
remove_keys(const char *dir, const char *kid)
{
	char path[sizeof(cfg.keys_dir) + AUTH_KID_MAX + 8];

	snprintf(path, sizeof(path), "%s/%s.key", cfg.keys_dir, kid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s.pub", cfg.keys_dir, kid);
	unlink(path);
	snprintf(path, sizeof(path), "%s/active", cfg.keys_dir);
	unlink(path);
	rmdir(cfg.keys_dir);
	rmdir(dir);
}

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
	remove_keys(dir, kid);
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
