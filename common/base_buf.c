/* The bounded buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base_buf.h"
#include "base_secret.h"

void
auth_buf_fixed(struct auth_buf *b, char *mem, size_t size, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->p = mem;
	b->cap = size;
	b->max = max < size ? max : size - 1;
	b->fixed = true;
	mem[0] = '\0';
}

/* Makes room for need bytes plus the NUL. 0, or -1 (the buffer failed). */
static int
buf_grow(struct auth_buf *b, size_t need)
{
	size_t	 ncap;
	char	*np;

	if (need + 1 <= b->cap)
		return 0;
	if (b->fixed)
		return -1;
	ncap = b->cap ? b->cap : 1024;
	while (ncap < need + 1)
		ncap *= 2;
	if ((np = malloc(ncap)) == NULL)
		return -1;
	if (b->p != NULL) {
		memcpy(np, b->p, b->len);
		auth_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = ncap;
	return 0;
}

bool
auth_buf_add(struct auth_buf *b, const void *s, size_t n)
{
	if (b->failed || n > b->max - b->len || buf_grow(b, b->len + n) == -1) {
		b->failed = true;
		return false;
	}
	if (n > 0)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

bool
auth_buf_str(struct auth_buf *b, const char *s)
{
	return auth_buf_add(b, s, strlen(s));
}

bool
auth_buf_printf(struct auth_buf *b, const char *fmt, ...)
{
	char	tmp[1024];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->failed = true;
		return false;
	}
	return auth_buf_add(b, tmp, (size_t)n);
}

void
auth_buf_free(struct auth_buf *b)
{
	size_t	max = b->max;

	if (b->fixed)
		return;
	auth_wipe_free(b->p, b->cap);
	memset(b, 0, sizeof(*b));
	b->max = max;
}
