/*
 * Key administration (authctl only): generate, activate, retire and list
 * the keys of a keys_dir laid out as keyring.h describes.
 */
#ifndef AUTH_KEYADMIN_H
#define AUTH_KEYADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "keyring.h"

/*
 * Generates a new ES256 (P-256) key pair in dir, writes <kid>.key (0600) and
 * <kid>.pub, and makes it active if no key is active yet. Writes the kid to
 * kid_out. Returns 0, or -1 with a reason in err.
 */
int	auth_keys_generate(const char *dir, char *kid_out, size_t kid_len,
	    char *err, size_t errlen);

/* The same for alg AUTH_JWT_ES256 or AUTH_JWT_RS256 (AUTH_RSA_BITS). */
int	auth_keys_generate_alg(const char *dir, enum auth_jwt_alg alg,
	    char *kid_out, size_t kid_len, char *err, size_t errlen);

/*
 * Makes kid the signing key of dir: its .key must be private to its owner
 * and match its .pub; with want_alg < AUTH_JWT_ALG__MAX its algorithm must
 * be want_alg. `active` is replaced atomically. 0, or -1 with err set.
 */
int	auth_keys_activate(const char *dir, const char *kid,
	    enum auth_jwt_alg want_alg, char *err, size_t errlen);

/*
 * Retires kid (never the active key): moves <kid>.pub to retired/ and
 * deletes <kid>.key. 0, or -1 with err set.
 */
int	auth_keys_retire(const char *dir, const char *kid, char *err,
	    size_t errlen);

struct auth_key_info {
	char			 kid[AUTH_KID_MAX + 1];
	enum auth_jwt_alg	 alg;
	unsigned		 bits;		/* 256 for P-256, the RSA size */
	bool			 active;
	bool			 retired;
	bool			 has_private;	/* a <kid>.key exists */
	bool			 private_loose;	/* ... readable by group/others */
	long long		 created;	/* mtime of the .pub */
};

/*
 * Describes the keys of dir, retired ones after the others, into out (at
 * most max). Returns how many, or -1 with err set.
 */
long	auth_keys_list(const char *dir, struct auth_key_info *out, size_t max,
	    char *err, size_t errlen);

#endif
