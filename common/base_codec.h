/*
 * Codecs: SHA-256, base64url without padding, lowercase hex, the UUID
 * check. Tokens are stored only as their SHA-256.
 */
#ifndef AUTH_BASE_CODEC_H
#define AUTH_BASE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define AUTH_HASH_LEN		32	/* SHA-256 */
#define AUTH_UUID_LEN		36

/* SHA-256 of data. */
void	auth_sha256(const void *data, size_t len, unsigned char out[AUTH_HASH_LEN]);

/*
 * base64url without padding. Encode returns the length written (a NUL is
 * added) or 0 if outsz is too small. Decode returns the decoded length, or -1
 * on a character outside the alphabet, bad length, or outsz too small.
 */
size_t	auth_b64url_encode(const void *in, size_t len, char *out, size_t outsz);
ssize_t	auth_b64url_decode(const char *in, size_t len, void *out, size_t outsz);

/* True if s is a canonical lowercase 8-4-4-4-12 hex UUID of length 36. */
bool	auth_uuid_valid(const char *s, size_t len);

/* Lowercase hex of in into out (2*len+1 bytes). */
void	auth_hex(const void *in, size_t len, char *out);

#endif
