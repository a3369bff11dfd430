/* application/x-www-form-urlencoded decoding. */
#include "http_form.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base_utf8.h"
#include "base_codec.h"
#include "base_secret.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes one form-encoded component in place into dst (which may alias
 * src); returns the decoded length or -1 on a bad escape.
 */
static long
form_decode(const char *src, size_t len, char *dst)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (src[i] == '+')
			dst[o++] = ' ';
		else if (src[i] == '%') {
			if (len - i < 3 || (hi = hexval(src[i + 1])) < 0 ||
			    (lo = hexval(src[i + 2])) < 0)
				return -1;
			dst[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			dst[o++] = src[i];
	}
	dst[o] = '\0';
	return (long)o;
}

int
auth_http_form_parse(const char *body, size_t len, char **bufp, size_t *bufszp,
    int (*fn)(void *, const char *, size_t, const char *, size_t), void *arg)
{
	char *buf = NULL;
	size_t i = 0, o = 0, bufsz;
	int rc = -1;

	*bufp = NULL;
	*bufszp = 0;
	/*
	 * A pair decodes to at most its encoded size plus two NULs, and there
	 * are at most (len + 1) / 2 non-empty pairs: "k&k&k" needs 2 * len + 1.
	 */
	if (len > (SIZE_MAX - 2) / 2)
		return -1;
	bufsz = 2 * len + 2;
	if ((buf = malloc(bufsz)) == NULL)
		goto out;
	while (i < len) {
		const char *pair = body + i, *amp, *eq;
		size_t plen, klen, vlen;
		long kd, vd;
		char *k, *v;

		amp = memchr(pair, '&', len - i);
		plen = amp ? (size_t)(amp - pair) : len - i;
		i += plen + (amp ? 1 : 0);
		if (plen == 0)
			continue;
		eq = memchr(pair, '=', plen);
		klen = eq ? (size_t)(eq - pair) : plen;
		vlen = eq ? plen - klen - 1 : 0;
		k = buf + o;
		if ((kd = form_decode(pair, klen, k)) < 0)
			goto out;
		v = k + kd + 1;
		if ((vd = form_decode(eq ? eq + 1 : "", vlen, v)) < 0)
			goto out;
		o += (size_t)kd + 1 + (size_t)vd + 1;
		if (!auth_utf8_check(k, (size_t)kd, false, NULL) ||
		    !auth_utf8_check(v, (size_t)vd, false, NULL))
			goto out;
		if (fn != NULL && fn(arg, k, (size_t)kd, v, (size_t)vd) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc == 0) {
		*bufp = buf;
		*bufszp = bufsz;
	} else if (buf != NULL) {
		/* The pairs decoded so far may hold a password. */
		auth_wipe(buf, bufsz);
		free(buf);
	}
	return rc;
}

