/*
 * Secrets. Tokens are 256 bits from getrandom(2), base64url without
 * padding (43 chars); compare them in constant time, wipe them after use.
 */
#ifndef AUTH_BASE_SECRET_H
#define AUTH_BASE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_TOKEN_BYTES	32
#define AUTH_TOKEN_LEN		43	/* base64url chars of 32 bytes */

/* Fills buf with len bytes from the kernel CSPRNG. 0, or -1 on failure. */
int	auth_random_bytes(void *buf, size_t len);

/* Writes a new NUL-terminated token to out. 0, or -1 on failure. */
int	auth_token_new(char out[AUTH_TOKEN_LEN + 1]);

/* True if s is exactly AUTH_TOKEN_LEN base64url characters. */
bool	auth_token_wellformed(const char *s, size_t len);

/* Constant-time equality, lengths included (a length mismatch is false). */
bool	auth_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* explicit_bzero; safe with NULL. */
void	auth_wipe(void *p, size_t len);

/* Wipes len bytes of the malloc'd p, then frees it; safe with NULL. */
void	auth_wipe_free(void *p, size_t len);

/*
 * Reads a regular file of at most max bytes (no symlink) into *out,
 * malloc'd and NUL-terminated, *outlen bytes; the caller wipes and frees
 * it. With secret, a file group or others may access is refused. Returns
 * 0, or -1 with a one-line reason in err.
 */
int	auth_key_file_read(const char *path, size_t max, bool secret,
	    unsigned char **out, size_t *outlen, char *err, size_t errlen);

/*
 * Reads a secret key of exactly len bytes from path into key (what
 * auth_key_file_read refuses, this refuses too). name is the config key
 * that names the file, for the message when path is empty. 0, or -1 with
 * a one-line reason in err; key is wiped on failure.
 */
int	auth_key_file_load(const char *name, const char *path,
	    unsigned char *key, size_t len, char *err, size_t errlen);

/*
 * Creates path (no symlink, mode 0600) holding len random bytes, unless it
 * exists already. 0, or -1 with a reason in err (a half-written file is
 * removed).
 */
int	auth_key_file_create(const char *name, const char *path, size_t len,
	    char *err, size_t errlen);

#endif
