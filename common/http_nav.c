/* The `next` of the pages and its query encoding; page navigations. */
#include "http_nav.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* The value of hex digit c, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One round of the checks on s, len bytes. */
static bool
next_plain_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] != '/' || (len > 1 && (s[1] == '/' ||
	    s[1] == '\\')))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == '\\')
			return false;
	}
	/* Starting with "/", it has no scheme. */
	return true;
}

/*
 * Decodes %XX of in (len bytes) into out (len + 1 bytes). Its length, or
 * -1 for a malformed escape.
 */
static long
pct_decode(const char *in, size_t len, char *out)
{
	size_t i, o = 0;
	int h, l;

	for (i = 0; i < len; i++) {
		if (in[i] != '%') {
			out[o++] = in[i];
			continue;
		}
		if (i + 2 >= len)
			return -1;
		if ((h = hexval((unsigned char)in[i + 1])) < 0 ||
		    (l = hexval((unsigned char)in[i + 2])) < 0)
			return -1;
		out[o++] = (char)(h * 16 + l);
		i += 2;
	}
	out[o] = '\0';
	return (long)o;
}

bool
auth_http_next_ok(const char *s, size_t len)
{
	char a[AUTH_NEXT_MAX + 1], b[AUTH_NEXT_MAX + 1];
	long n;

	if (s == NULL || len == 0 || len > AUTH_NEXT_MAX ||
	    memchr(s, '\0', len) != NULL)
		return false;
	memcpy(a, s, len);
	a[len] = '\0';
	for (;;) {
		if (!next_plain_ok(a, len))
			return false;
		if (memchr(a, '%', len) == NULL)
			return true;
		if ((n = pct_decode(a, len, b)) < 0)
			return false;
		if ((size_t)n == len && memcmp(a, b, len) == 0)
			return true;
		len = (size_t)n;
		memcpy(a, b, len + 1);
	}
}

void
auth_http_next(const char *s, size_t len, char *out, size_t outsz)
{
	const char *v = AUTH_NEXT_DEFAULT;
	size_t vlen = strlen(AUTH_NEXT_DEFAULT);

	if (outsz == 0)
		return;
	if (s != NULL && auth_http_next_ok(s, len) && len < outsz) {
		v = s;
		vlen = len;
	}
	if (vlen >= outsz)
		vlen = 0;
	memcpy(out, v, vlen);
	out[vlen] = '\0';
}

int
auth_http_query_encode(const char *s, char *out, size_t outsz)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~/", c) != NULL) {
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)c;
			continue;
		}
		if (o + 3 >= outsz)
			return -1;
		out[o++] = '%';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	if (o >= outsz)
		return -1;
	out[o] = '\0';
	return 0;
}

/* A qvalue (RFC 9110 12.4.2) of n bytes in thousandths; -1 if malformed. */
static int
qvalue(const char *s, size_t n)
{
	int q, scale = 100;
	size_t i;

	if (n == 0 || (s[0] != '0' && s[0] != '1') || (n > 1 && s[1] != '.') ||
	    n > 5)
		return -1;
	q = (s[0] - '0') * 1000;
	for (i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/*
 * The q (thousandths) that the Accept list a gives to type/sub: that of its
 * most specific matching range (type/sub, type/ *, * / *), 0 if none.
 */
static int
accept_q(const char *a, const char *type, const char *sub)
{
	int best = 0, spec = 0, s, q;
	size_t tlen = strlen(type), slen = strlen(sub), n, r;
	const char *p, *par, *end;

	for (; *a != '\0'; a += n + (a[n] == ',')) {
		a += strspn(a, " \t");
		n = strcspn(a, ",");
		r = strcspn(a, ";, \t");
		if (r == 3 && strncmp(a, "*/*", 3) == 0)
			s = 1;
		else if (r == tlen + 2 && strncasecmp(a, type, tlen) == 0 &&
		    strncmp(a + tlen, "/*", 2) == 0)
			s = 2;
		else if (r == tlen + 1 + slen && strncasecmp(a, type, tlen) ==
		    0 && a[tlen] == '/' && strncasecmp(a + tlen + 1, sub,
		    slen) == 0)
			s = 3;
		else
			continue;
		q = 1000;
		end = a + n;
		for (p = a + r; p < end && (par = memchr(p, ';',
		    (size_t)(end - p))) != NULL; p = par + 1) {
			par += 1 + strspn(par + 1, " \t");
			if ((par[0] == 'q' || par[0] == 'Q') && par[1] == '=')
				q = qvalue(par + 2, strcspn(par + 2, ";, \t"));
		}
		if (q >= 0 && s > spec) {
			spec = s;
			best = q;
		}
	}
	return best;
}

bool
auth_http_navigation(const struct auth_req *r)
{
	const char *mode = auth_http_param(r, "HTTP_SEC_FETCH_MODE");
	const char *accept = auth_http_param(r, "HTTP_ACCEPT");

	if (mode != NULL && strcasecmp(mode, "navigate") == 0)
		return true;
	return accept != NULL && accept_q(accept, "text", "html") >
	    accept_q(accept, "application", "json");
}

bool
auth_http_method_safe(enum auth_method m)
{
	return m == AUTH_GET || m == AUTH_HEAD || m == AUTH_OPTIONS;
}
