/*
 * Sealing of outbox payloads (they carry one-time links): AES-256-GCM under a
 * 32-byte key read from outbox_key_file, so a database dump holds no usable
 * token. Format: 12-byte nonce || ciphertext || 16-byte tag. The aad binds the
 * payload to its row's recipient and template.
 */
#ifndef AUTH_SEAL_H
#define AUTH_SEAL_H

#include <stddef.h>

#include "config.h"

#define AUTH_SEAL_KEY_LEN	32
#define AUTH_SEAL_OVERHEAD	28

/* Reads exactly 32 key bytes from path (mode must not be group/world
 * readable). 0, or -1 with a reason in err. */
int	auth_seal_key_load(const char *path, unsigned char key[AUTH_SEAL_KEY_LEN],
	    char *err, size_t errlen);

/* Creates path with 32 random bytes, mode 0600, unless it exists. 0 / -1. */
int	auth_seal_key_generate(const char *path, char *err, size_t errlen);

/* Seals len bytes of pt; *out (malloc'd, *outlen bytes) is freed by caller. */
int	auth_seal(const unsigned char key[AUTH_SEAL_KEY_LEN], const void *aad,
	    size_t aadlen, const void *pt, size_t len, unsigned char **out,
	    size_t *outlen);

/* Opens a sealed buffer; *out is malloc'd, NUL-terminated (not counted in
 * *outlen), and freed by the caller after auth_wipe. 0, or -1 if forged. */
int	auth_unseal(const unsigned char key[AUTH_SEAL_KEY_LEN], const void *aad,
	    size_t aadlen, const unsigned char *in, size_t len, char **out,
	    size_t *outlen);

/* The key outbox_key_file. */
extern const struct auth_cfg_module auth_seal_cfg;

#endif
