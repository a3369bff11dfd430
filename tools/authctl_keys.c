/*
 * authctl keys generate|list|activate|retire|seal-key|hmac-key: the signing
 * keys of the key directory, the outbox sealing key and the HMAC key.
 */
#include <sys/stat.h>

#include <err.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authctl.h"
#include "endpoint_config.h"
#include "hmac.h"
#include "keyadmin.h"
#include "keyring.h"
#include "seal.h"

/* The signing algorithm of the configuration, if it names one with keys. */
static enum auth_jwt_alg
config_key_alg(const struct auth_config *cfg)
{
	return cfg->jwt_alg == AUTH_JWT_ES256 || cfg->jwt_alg == AUTH_JWT_RS256 ?
	    cfg->jwt_alg : AUTH_JWT_ALG__MAX;
}

/*
 * The key directory: --dir, else the configuration's (then required).
 * *want is the configured signing algorithm (AUTH_JWT_ALG__MAX if none).
 * 0, or -1 after a message.
 */
static int
keys_dir(const struct authctl_opts *o, struct auth_config *cfg,
    const char **dir, enum auth_jwt_alg *want)
{
	char	err[512];
	bool	have_cfg = false;

	if ((*dir = o->dir) == NULL) {
		if (authctl_config(cfg) == -1)
			return -1;
		have_cfg = true;
		*dir = cfg->keys_dir;
	} else if (auth_config_load(cfg, NULL, err, sizeof(err)) == 0)
		have_cfg = true;
	if ((*dir)[0] == '\0') {
		warnx("no key directory given or configured");
		return -1;
	}
	*want = have_cfg ? config_key_alg(cfg) : AUTH_JWT_ALG__MAX;
	return 0;
}

int
authctl_keys_generate(const struct authctl_opts *o)
{
	struct auth_config	 cfg;
	enum auth_jwt_alg	 alg = AUTH_JWT_ALG__MAX, want;
	char			 kid[AUTH_KID_MAX + 1], err[512];
	const char		*dir;

	if (o->alg != NULL) {
		if (strcmp(o->alg, "ES256") == 0)
			alg = AUTH_JWT_ES256;
		else if (strcmp(o->alg, "RS256") == 0)
			alg = AUTH_JWT_RS256;
		else {
			warnx("keys generate: --alg is ES256 or RS256");
			return AUTHCTL_USAGE;
		}
	}
	if (keys_dir(o, &cfg, &dir, &want) == -1)
		return AUTHCTL_FAIL;
	if (alg == AUTH_JWT_ALG__MAX)
		alg = want != AUTH_JWT_ALG__MAX ? want : AUTH_JWT_ES256;
	if (auth_keys_generate_alg(dir, alg, kid, sizeof(kid), err,
	    sizeof(err)) == -1) {
		warnx("keys generate: %s", err);
		return AUTHCTL_FAIL;
	}
	printf("%s\n", kid);
	return AUTHCTL_OK;
}

/* Prints the keys of the directory; 1 if a private key is readable by
 * others. */
int
authctl_keys_list(const struct authctl_opts *o)
{
	struct auth_key_info	 info[2 * AUTH_KEYS_MAX + 8];
	struct auth_config	 cfg;
	enum auth_jwt_alg	 want;
	char			 err[512], when[32];
	const char		*dir;
	struct tm		 tm;
	time_t			 t;
	long			 n, i;
	int			 rc = AUTHCTL_OK;

	if (keys_dir(o, &cfg, &dir, &want) == -1)
		return AUTHCTL_FAIL;
	if ((n = auth_keys_list(dir, info, sizeof(info) / sizeof(info[0]),
	    err, sizeof(err))) < 0) {
		warnx("keys list: %s", err);
		return AUTHCTL_FAIL;
	}
	printf("kid\talg\tbits\tstatus\tcreated\n");
	for (i = 0; i < n; i++) {
		t = (time_t)info[i].created;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			snprintf(when, sizeof(when), "-");
		printf("%s\t%s\t%u\t%s\t%s\n", info[i].kid,
		    auth_jwt_alg_name(info[i].alg), info[i].bits,
		    info[i].active ? "active" : info[i].retired ? "retired" :
		    info[i].has_private ? "verifies" : "verifies (no .key)",
		    when);
		if (info[i].private_loose) {
			warnx("%s/%s.key is readable by group or others: "
			    "chmod 600 it (the endpoints refuse to sign with "
			    "it)", dir, info[i].kid);
			rc = AUTHCTL_FAIL;
		}
	}
	return rc;
}

/* keys activate KID, keys retire KID. */
int
authctl_keys_state(const struct authctl_opts *o)
{
	const bool		 activate = o->verb == VERB_KEYS_ACTIVATE;
	struct auth_config	 cfg;
	enum auth_jwt_alg	 want;
	char			 err[512];
	const char		*dir;
	int			 rc;

	if (keys_dir(o, &cfg, &dir, &want) == -1)
		return AUTHCTL_FAIL;
	rc = activate ? auth_keys_activate(dir, o->arg, want, err,
	    sizeof(err)) : auth_keys_retire(dir, o->arg, err, sizeof(err));
	if (rc == -1) {
		warnx("keys %s: %s", activate ? "activate" : "retire",
		    err);
		return AUTHCTL_FAIL;
	}
	if (activate)
		printf("%s signs new tokens; the endpoints pick it up within "
		    "%d s\n", o->arg, AUTH_KEYS_RECHECK + 1);
	else
		printf("%s retired: tokens it signed are no longer accepted\n",
		    o->arg);
	return AUTHCTL_OK;
}


/*
 * Writes a new secret key file unless it exists: the outbox sealing key
 * (seal-key, outbox_key_file) or the HMAC key (hmac-key, hmac_key_file).
 */
int
authctl_keys_secret(const struct authctl_opts *o)
{
	struct auth_config	 cfg;
	struct stat		 st;
	const bool		 seal = o->verb == VERB_KEYS_SEAL;
	const char		*file = o->file;
	char			 err[512];
	int			 rc;

	if (file == NULL) {
		if (authctl_config(&cfg) == -1)
			return AUTHCTL_FAIL;
		file = seal ? cfg.outbox_key_file : cfg.hmac_key_file;
	}
	if (file[0] == '\0') {
		warnx("no %s given or configured",
		    seal ? "outbox_key_file" : "hmac_key_file");
		return AUTHCTL_FAIL;
	}
	if (stat(file, &st) == 0) {
		printf("%s exists; kept\n", file);
		return AUTHCTL_OK;
	}
	rc = seal ? auth_seal_key_generate(file, err, sizeof(err)) :
	    auth_hmac_key_generate(file, err, sizeof(err));
	if (rc == -1) {
		warnx("keys %s: %s", seal ? "seal-key" : "hmac-key", err);
		return AUTHCTL_FAIL;
	}
	printf("wrote %s\n", file);
	return AUTHCTL_OK;
}
