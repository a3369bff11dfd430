/*
 * The one bounded buffer: appends that fit are copied, the first one that
 * does not marks the buffer failed and drops it and every later one. The
 * storage is either the buffer's own (malloc'd, grown up to max, wiped on
 * free) or fixed caller storage.
 */
#ifndef AUTH_BASE_BUF_H
#define AUTH_BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct auth_buf {
	char	*p;		/* NUL-terminated contents; NULL while empty */
	size_t	 len;
	size_t	 cap;		/* bytes at p */
	size_t	 max;		/* longest contents allowed */
	bool	 fixed;		/* p is the caller's: never grown or freed */
	bool	 failed;	/* an append did not fit or memory ran out */
};

/* An empty growable buffer of at most max bytes. */
#define AUTH_BUF_INIT(max)	{ NULL, 0, 0, (max), false, false }

/* Uses mem (size >= 1 bytes) as storage, holding at most max < size bytes. */
void	auth_buf_fixed(struct auth_buf *b, char *mem, size_t size, size_t max);

/* Appends n bytes of s. true, or false once the buffer has failed. */
bool	auth_buf_add(struct auth_buf *b, const void *s, size_t n);

/* Appends the NUL-terminated s. */
bool	auth_buf_str(struct auth_buf *b, const char *s);

/* Appends what printf would print (at most 1023 bytes; longer fails). */
bool	auth_buf_printf(struct auth_buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Wipes and frees growable storage; empties the buffer, keeps max. */
void	auth_buf_free(struct auth_buf *b);

#endif
