/*
 * The one normal form of an email address: the key that every per-account
 * limit counts by and every account lookup compares (users.email_key).
 */
#ifndef AUTH_BASE_EMAIL_H
#define AUTH_BASE_EMAIL_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_EMAIL_MAX		254	/* bytes of an address, RFC 5321 */

/* Trims ASCII whitespace (space, tab, CR, LF) at both ends of s. */
void	auth_email_trim(const char **s, size_t *len);

/*
 * Writes the key of the address s (len bytes) to out: trimmed as
 * auth_email_trim, ASCII letters lower-cased, every other byte kept as is.
 * No Unicode case mapping, so U+0130 or U+212A never become 'i' or 'k'.
 * Returns -1 if the trimmed address is empty, longer than AUTH_EMAIL_MAX
 * or holds a NUL; else 0, with *ascii (may be NULL) false when a byte is
 * not ASCII. No account has a non-ASCII key: signup and import refuse
 * them, so such a key names an unknown account.
 */
int	auth_email_key(const char *s, size_t len, char out[AUTH_EMAIL_MAX + 1],
	    bool *ascii);

#endif
