/*
 * The server's HMAC secret (hmac_key_file, 32 bytes): keyed digests the
 * service makes and later checks itself, never shared with anyone: CSRF
 * tokens, the successor of a rotated refresh token, Redis key names. Each
 * use has its own purpose, mixed into the MAC as a label, so a digest made
 * for one purpose never stands for another.
 */
#ifndef AUTH_HMAC_H
#define AUTH_HMAC_H

#include <stdbool.h>
#include <stddef.h>

#include "base_codec.h"
#include "config.h"

#define AUTH_HMAC_KEY_LEN	32

enum auth_hmac_purpose {
	AUTH_HMAC_REFRESH_SUCCESSOR = 0,	/* the token a rotation issues */
	AUTH_HMAC_CSRF,				/* a session's CSRF token */
	AUTH_HMAC_REDIS_KEY,			/* a subject in a Redis key name */
	AUTH_HMAC_ADMIN_CURSOR,			/* the admin listing's cursor */
	AUTH_HMAC__MAX
};

/* The label of a purpose ("refresh-successor", ...). */
const char *auth_hmac_purpose_name(enum auth_hmac_purpose p);

/*
 * Loads the process's key from path (exactly 32 bytes, not readable by
 * group or others). 0, or -1 with a reason in err.
 */
int	auth_hmac_key_load(const char *path, char *err, size_t errlen);

/* Wipes the loaded key; auth_hmac fails until the next load. */
void	auth_hmac_key_unload(void);

/* Creates path with 32 random bytes, mode 0600, unless it exists. 0 / -1. */
int	auth_hmac_key_generate(const char *path, char *err, size_t errlen);

/*
 * HMAC-SHA-256 under the loaded key of the purpose's label, a NUL, and the
 * len bytes of data, into out. 0, or -1 if no key is loaded.
 */
int	auth_hmac(enum auth_hmac_purpose p, const void *data, size_t len,
	    unsigned char out[AUTH_HASH_LEN]);

/* The key hmac_key_file. */
extern const struct auth_cfg_module auth_hmac_cfg;

#endif
