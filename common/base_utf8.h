/*
 * UTF-8 (RFC 3629): one step function that every validation, count and
 * escape loops over. Strict: no overlong forms, no surrogates, nothing
 * above U+10FFFF, no truncated sequence.
 */
#ifndef AUTH_BASE_UTF8_H
#define AUTH_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the character at s (avail bytes, at least 1). Returns its length
 * (1 to 4) and stores the code point in *cp if cp is not NULL, or returns 0
 * for an invalid or truncated sequence. NUL is a valid 1-byte character.
 */
size_t	auth_utf8_step(const unsigned char *s, size_t avail, uint32_t *cp);

/*
 * True if s (len bytes) is valid UTF-8 without NUL and, with no_ctl,
 * without C0 controls or DEL. Stores the number of characters in *chars if
 * chars is not NULL.
 */
bool	auth_utf8_check(const char *s, size_t len, bool no_ctl,
	    size_t *chars);

/*
 * Copies the NUL-terminated s into out (outsz >= 1 bytes) as valid UTF-8
 * without controls: an invalid byte or a control becomes '?', and the copy
 * stops at a character boundary that leaves room for the NUL.
 */
void	auth_utf8_clean(const char *s, char *out, size_t outsz);

#endif
