/* Navigations, same-origin requests and the `next` path of a sign-in. */
#include "http_nav.h"

#include <string.h>
#include <strings.h>

#include "http_form.h"

/* Rounds of percent-decoding `next` is checked after ("%252F" is two). */
#define NEXT_ROUNDS	4

/* The rule of one form of `next`: a leading '/' (which also rules out a
 * scheme), not "//" or "/\", no control character, no backslash. */
static bool
next_plain(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || s[0] != '/' || (len > 1 && (s[1] == '/' ||
	    s[1] == '\\')))
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\')
			return false;
	return true;
}

bool
auth_http_next_ok(const char *s, size_t len)
{
	char buf[AUTH_NEXT_MAX + 1];
	long n = (long)len;
	int round;
	bool ok = false;

	if (s == NULL || len > AUTH_NEXT_MAX || memchr(s, '\0', len) != NULL)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	for (round = 0; round < NEXT_ROUNDS; round++) {
		if (!next_plain(buf, (size_t)n))
			goto out;
		if (memchr(buf, '%', (size_t)n) == NULL) {
			ok = true;
			goto out;
		}
		if ((n = auth_http_form_decode(buf, (size_t)n, buf)) < 0 ||
		    memchr(buf, '\0', (size_t)n) != NULL)
			goto out;
	}
out:
	return ok;
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
auth_http_same_origin(const struct auth_req *r, const char *public_url)
{
	const char *origin = auth_http_param(r, "HTTP_ORIGIN");
	const char *site = auth_http_param(r, "HTTP_SEC_FETCH_SITE");
	const char *host;
	size_t n;

	if (origin == NULL)
		return site != NULL && strcmp(site, "same-origin") == 0;
	if ((host = strstr(public_url, "://")) == NULL)
		return false;
	host += 3;
	n = (size_t)(host - public_url) + strcspn(host, "/?#");
	return strlen(origin) == n && strncasecmp(origin, public_url, n) == 0;
}

bool
auth_http_method_safe(enum auth_method m)
{
	return m == AUTH_GET || m == AUTH_HEAD || m == AUTH_OPTIONS;
}

bool
auth_http_query_encode(struct auth_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3];
	size_t i;
	unsigned char c;
	bool ok = true;

	for (i = 0; i < len && ok; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c != '\0' &&
		    strchr("-._~", c) != NULL)) {
			ok = auth_buf_add(b, &s[i], 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 0xf];
		ok = auth_buf_add(b, esc, 3);
	}
	return ok && !b->failed;
}
