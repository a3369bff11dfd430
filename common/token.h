/*
 * Random tokens, hashing and encoding helpers shared by every flow.
 * Tokens are 256 bits from getrandom(2), base64url without padding (43 chars),
 * and only their SHA-256 is ever stored.
 */
#ifndef AUTH_TOKEN_H
#define AUTH_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define AUTH_TOKEN_BYTES	32
#define AUTH_TOKEN_LEN		43	/* base64url chars of 32 bytes */
#define AUTH_HASH_LEN		32	/* SHA-256 */
#define AUTH_UUID_LEN		36

/* Fills buf with len bytes from the kernel CSPRNG. 0, or -1 on failure. */
int	auth_random_bytes(void *buf, size_t len);

/* Writes a new NUL-terminated token to out. 0, or -1 on failure. */
int	auth_token_new(char out[AUTH_TOKEN_LEN + 1]);

/* True if s is exactly AUTH_TOKEN_LEN base64url characters. */
bool	auth_token_wellformed(const char *s, size_t len);

/* SHA-256 of data. */
void	auth_sha256(const void *data, size_t len, unsigned char out[AUTH_HASH_LEN]);

/*
 * base64url without padding. Encode returns the length written (a NUL is
 * added) or 0 if outsz is too small. Decode returns the decoded length, or -1
 * on a character outside the alphabet, bad length, or outsz too small.
 */
size_t	auth_b64url_encode(const void *in, size_t len, char *out, size_t outsz);
ssize_t	auth_b64url_decode(const char *in, size_t len, void *out, size_t outsz);

/* Constant-time equality, lengths included (a length mismatch is false). */
bool	auth_ct_equal(const void *a, size_t alen, const void *b, size_t blen);

/* explicit_bzero; safe with NULL. */
void	auth_wipe(void *p, size_t len);

/* True if s is a canonical lowercase 8-4-4-4-12 hex UUID of length 36. */
bool	auth_uuid_valid(const char *s, size_t len);

/* Lowercase hex of in into out (2*len+1 bytes). */
void	auth_hex(const void *in, size_t len, char *out);

#endif
