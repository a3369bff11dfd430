/*
 * The one number parser, after OpenBSD's strtonum(3): the whole string is
 * decimal digits (no sign, no space, no prefix), its value in [min, max].
 */
#ifndef AUTH_BASE_NUM_H
#define AUTH_BASE_NUM_H

#include <stddef.h>

/*
 * Parses the NUL-terminated s. Returns 0 and sets *out, or -1 with *errstr
 * (if errstr is not NULL) set to "invalid" (empty, a non-digit, or beyond
 * the unsigned long long range), "too small" or "too large".
 */
int	auth_parse_num(const char *s, unsigned long long min,
	    unsigned long long max, unsigned long long *out,
	    const char **errstr);

/* The same over exactly len bytes of s (a NUL among them is invalid). */
int	auth_parse_numn(const char *s, size_t len, unsigned long long min,
	    unsigned long long max, unsigned long long *out,
	    const char **errstr);

#endif
