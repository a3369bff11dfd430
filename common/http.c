/*
 * Request parsing (form encoding, JSON, query, cookies, Authorization) and
 * response building. Nothing here does I/O: endpoint.c reads the request and
 * writes the response.
 */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <fcgiapp.h>
#include <json-c/printbuf.h>

#include "base_codec.h"
#include "base_num.h"
#include "base_secret.h"
#include "base_utf8.h"

#define AUTH_JSON_DEPTH	16

const char *
auth_req_param(const struct auth_req *r, const char *name)
{
	if (r->envp == NULL)
		return NULL;
	return FCGX_GetParam(name, r->envp);
}

const struct auth_str *
auth_req_field(const struct auth_req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (r->fields[i].present && strcmp(r->fields[i].name, name) == 0)
			return &r->fields[i].val;
	return NULL;
}

/*
 * Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above
 * U+10FFFF, no NUL.
 */
bool
auth_utf8_valid(const char *s, size_t len)
{
	return auth_utf8_check(s, len, false, NULL);
}

int
auth_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long long v;

	if (s == NULL || strlen(s) > 20 ||
	    auth_parse_num(s, 0, max, &v, NULL) == -1)
		return -1;
	*out = (unsigned long)v;
	return 0;
}

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
auth_form_parse(const char *body, size_t len, char **bufp, size_t *bufszp,
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
		if (!auth_utf8_valid(k, (size_t)kd) ||
		    !auth_utf8_valid(v, (size_t)vd))
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

/* json-c reads NaN and Infinity, which JSON (RFC 8259) does not have. */
static bool
json_numbers_finite(json_object *j, int depth)
{
	size_t i, n;

	if (depth > AUTH_JSON_DEPTH)
		return false;
	switch (json_object_get_type(j)) {
	case json_type_double:
		return isfinite(json_object_get_double(j));
	case json_type_array:
		n = json_object_array_length(j);
		for (i = 0; i < n; i++)
			if (!json_numbers_finite(json_object_array_get_idx(j, i),
			    depth + 1))
				return false;
		return true;
	case json_type_object: {
		json_object_object_foreach(j, k, v) {
			(void)k;
			if (!json_numbers_finite(v, depth + 1))
				return false;
		}
		return true;
	}
	default:
		return true;
	}
}

/*
 * The tokener decodes each string into its own buffer before copying it
 * into the object; that buffer keeps the last, longest, strings, and after
 * an error its stack holds the objects it was building. json-c 0.16 has no
 * call that clears them, so this reaches into the struct that
 * json_tokener.h still declares.
 */
static void
tokener_free(struct json_tokener *tok)
{
	int i;

	if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0)
		auth_wipe(tok->pb->buf, (size_t)tok->pb->size);
	/* A body cut short leaves half-built objects for the tokener to free. */
	for (i = 0; i <= tok->depth && i < tok->max_depth; i++)
		auth_json_burn(tok->stack[i].current);
	json_tokener_free(tok);
}

void
auth_json_burn(json_object *j)
{
	size_t	i, n;

	switch (json_object_get_type(j)) {
	case json_type_string:
		/* The object's own buffer: writable, only its getter is const. */
		auth_wipe((char *)json_object_get_string(j),
		    (size_t)json_object_get_string_len(j));
		break;
	case json_type_object: {
		json_object_object_foreach(j, key, val) {
			(void)key;
			auth_json_burn(val);
		}
		break;
	}
	case json_type_array:
		n = json_object_array_length(j);
		for (i = 0; i < n; i++)
			auth_json_burn(json_object_array_get_idx(j, i));
		break;
	default:
		break;
	}
}

json_object *
auth_json_parse(const char *body, size_t len)
{
	struct json_tokener *tok = NULL;
	json_object *j = NULL;
	size_t end;

	if (len > (size_t)INT32_MAX)
		return NULL;
	if ((tok = json_tokener_new_ex(AUTH_JSON_DEPTH)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	j = json_tokener_parse_ex(tok, body, (int)len);
	if (j == NULL || json_tokener_get_error(tok) != json_tokener_success)
		goto bad;
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (!isspace((unsigned char)body[end]))
			goto bad;
	if (!json_object_is_type(j, json_type_object) ||
	    !json_numbers_finite(j, 0))
		goto bad;
	tokener_free(tok);
	return j;
bad:
	auth_json_burn(j);
	json_object_put(j);
	tokener_free(tok);
	return NULL;
}

struct query_find {
	const char	*name;
	char		*buf;
	size_t		 bufsz;
	long		 found;
};

static int
query_match(void *arg, const char *k, size_t klen, const char *v, size_t vlen)
{
	struct query_find *q = arg;

	if (q->found >= 0 || strlen(q->name) != klen ||
	    memcmp(q->name, k, klen) != 0)
		return 0;
	if (vlen >= q->bufsz)
		return -1;
	memcpy(q->buf, v, vlen);
	q->buf[vlen] = '\0';
	q->found = (long)vlen;
	return 0;
}

long
auth_req_query(const struct auth_req *r, const char *name, char *buf,
    size_t bufsz)
{
	struct query_find q = { name, buf, bufsz, -1 };
	char *tmp = NULL;
	size_t tmpsz;

	if (r->query == NULL || bufsz == 0)
		return -1;
	if (auth_form_parse(r->query, strlen(r->query), &tmp, &tmpsz,
	    query_match, &q) != 0)
		q.found = -1;
	if (tmp != NULL)
		auth_wipe(tmp, tmpsz);
	free(tmp);
	return q.found;
}

long
auth_req_cookie(const struct auth_req *r, const char *name, char *buf,
    size_t bufsz)
{
	const char *p = r->cookie;
	size_t nlen = strlen(name);

	if (p == NULL || bufsz == 0)
		return -1;
	while (*p != '\0') {
		const char *end, *val;
		size_t vlen;

		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == '=') {
			val = p + nlen + 1;
			vlen = (size_t)(end - val);
			while (vlen > 0 && (val[vlen - 1] == ' ' ||
			    val[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
				val++;
				vlen -= 2;
			}
			if (vlen >= bufsz)
				return -1;
			memcpy(buf, val, vlen);
			buf[vlen] = '\0';
			return (long)vlen;
		}
		p = end;
	}
	return -1;
}

long
auth_req_bearer(const struct auth_req *r, const char **tok)
{
	const char *a = r->authorization, *p;
	size_t len;

	if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
		return -1;
	p = a + 7;
	while (*p == ' ')
		p++;
	len = strlen(p);
	while (len > 0 && p[len - 1] == ' ')
		len--;
	if (len == 0)
		return -1;
	*tok = p;
	return (long)len;
}

void
auth_resp_init(struct auth_resp *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->status = 500;
}

/* Frees the body, wiped first: it may carry tokens (a login's answer, a
 * page with a one-time token in its form). */
static void
auth_resp_drop_body(struct auth_resp *rs)
{
	auth_json_burn(rs->json);
	json_object_put(rs->json);
	rs->json = NULL;
	if (rs->raw != NULL)
		auth_wipe(rs->raw, rs->raw_len);
	free(rs->raw);
	rs->raw = NULL;
	rs->raw_len = 0;
}

void
auth_resp_free(struct auth_resp *rs)
{
	if (rs == NULL)
		return;
	auth_resp_drop_body(rs);
	auth_resp_init(rs);		/* zeroes the extra headers too */
}

void
auth_resp_json(struct auth_resp *rs, int status, json_object *j)
{
	auth_resp_drop_body(rs);
	rs->json = j;
	rs->status = status;
	rs->content_type = "application/json";
}

void
auth_resp_problem(struct auth_resp *rs, enum auth_err e, json_object *errors)
{
	const struct auth_err_info *ei = auth_err_info(e);
	json_object *j;

	if ((j = json_object_new_object()) == NULL) {
		json_object_put(errors);
		auth_resp_json(rs, ei->status, NULL);
		return;
	}
	json_object_object_add(j, "type", json_object_new_string("about:blank"));
	json_object_object_add(j, "title", json_object_new_string(ei->title));
	json_object_object_add(j, "status", json_object_new_int(ei->status));
	json_object_object_add(j, "detail", json_object_new_string(ei->detail));
	json_object_object_add(j, "code", json_object_new_string(ei->code));
	if (errors != NULL)
		json_object_object_add(j, "errors", errors);
	auth_resp_json(rs, ei->status, j);
	rs->content_type = "application/problem+json";
	rs->err = e;
}

int
auth_resp_html(struct auth_resp *rs, int status, const char *html, size_t len)
{
	char *copy;

	if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, html, len);
	copy[len] = '\0';
	auth_resp_drop_body(rs);
	rs->raw = copy;
	rs->raw_len = len;
	rs->status = status;
	rs->content_type = "text/html; charset=utf-8";
	return 0;
}

enum auth_err
auth_resp_page(struct auth_resp *rs, int status, const char *title,
    const char *body)
{
	char html[4096];
	int n, rc;

	n = snprintf(html, sizeof(html), "<!DOCTYPE html>\n<html lang=\"en\">"
	    "<head><meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width,initial-scale=1\"><title>%s</title>"
	    "</head><body><main>%s</main></body></html>\n", title, body);
	rc = n < 0 || (size_t)n >= sizeof(html) ? -1 :
	    auth_resp_html(rs, status, html, (size_t)n);
	/* A page's form may carry a one-time token. */
	auth_wipe(html, sizeof(html));
	if (rc != 0)
		return AUTH_ERR_INTERNAL;
	auth_resp_header(rs, "Content-Security-Policy", "default-src 'none'; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	auth_resp_header(rs, "Referrer-Policy", "no-referrer");
	auth_resp_header(rs, "X-Frame-Options", "DENY");
	return AUTH_OK;
}

static bool
header_safe(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			return false;
	return true;
}

int
auth_resp_header(struct auth_resp *rs, const char *name, const char *fmt, ...)
{
	char value[1024];
	va_list ap;
	int n, m;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value) ||
	    !header_safe(name, strlen(name)) || strchr(name, ':') != NULL ||
	    !header_safe(value, (size_t)n))
		return -1;
	m = snprintf(rs->headers + rs->headers_len,
	    sizeof(rs->headers) - rs->headers_len, "%s: %s\r\n", name, value);
	if (m < 0 || (size_t)m >= sizeof(rs->headers) - rs->headers_len) {
		rs->headers[rs->headers_len] = '\0';
		return -1;
	}
	rs->headers_len += (size_t)m;
	return 0;
}

int
auth_html_escape(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i, o = 0;

	if (outsz == 0)
		return -1;
	for (i = 0; i < len; i++) {
		const char *rep = NULL;
		size_t rlen;

		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: break;
		}
		rlen = rep ? strlen(rep) : 1;
		if (outsz - o <= rlen)
			return -1;
		if (rep)
			memcpy(out + o, rep, rlen);
		else
			out[o] = s[i];
		o += rlen;
	}
	out[o] = '\0';
	return (int)o;
}

/* Parses a textual IPv4 or IPv6 address; the family, or 0 if neither. */
static int
ip_parse(const char *s, size_t len, unsigned char addr[16])
{
	char buf[AUTH_IP_MAX + 1];

	if (len == 0 || len > AUTH_IP_MAX)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, buf, addr) == 1)
		return AF_INET6;
	return 0;
}

int
auth_cidr_parse_list(const char *s, struct auth_cidr *out, size_t max)
{
	size_t n = 0;

	while (*s != '\0') {
		const char *end, *slash;
		size_t len;
		unsigned long bits;
		char num[4];

		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		end = s + strcspn(s, ", ");
		len = (size_t)(end - s);
		slash = memchr(s, '/', len);
		if (n == max)
			return -1;
		out[n].family = ip_parse(s, slash ? (size_t)(slash - s) : len,
		    out[n].addr);
		if (out[n].family == 0)
			return -1;
		bits = out[n].family == AF_INET ? 32 : 128;
		if (slash != NULL) {
			size_t blen = (size_t)(end - slash - 1);
			unsigned long b;

			if (blen == 0 || blen >= sizeof(num))
				return -1;
			memcpy(num, slash + 1, blen);
			num[blen] = '\0';
			if (auth_parse_ulong(num, bits, &b) != 0)
				return -1;
			bits = b;
		}
		out[n].bits = (unsigned)bits;
		n++;
		s = end;
	}
	return (int)n;
}

static bool
cidr_contains(const struct auth_cidr *c, int family,
    const unsigned char addr[16])
{
	unsigned full = c->bits / 8, rest = c->bits % 8;
	unsigned char mask;

	if (c->family != family)
		return false;
	if (memcmp(c->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (c->addr[full] & mask) == (addr[full] & mask);
}

bool
auth_cidr_match(const struct auth_cidr *list, size_t n, const char *ip)
{
	unsigned char addr[16];
	int family;
	size_t i;

	if (ip == NULL || (family = ip_parse(ip, strlen(ip), addr)) == 0)
		return false;
	for (i = 0; i < n; i++)
		if (cidr_contains(&list[i], family, addr))
			return true;
	return false;
}

void
auth_client_ip(const struct auth_cidr *trusted, size_t n, const char *remote,
    const char *xff, char out[AUTH_IP_MAX + 1])
{
	unsigned char addr[16];
	const char *end, *start;
	size_t len;

	snprintf(out, AUTH_IP_MAX + 1, "%s", remote ? remote : "");
	if (xff == NULL || n == 0 || !auth_cidr_match(trusted, n, out))
		return;
	/* Walk right to left while the hops are our own proxies. */
	end = xff + strlen(xff);
	while (end > xff) {
		while (end > xff && (end[-1] == ' ' || end[-1] == ','))
			end--;
		start = end;
		while (start > xff && start[-1] != ',')
			start--;
		while (start < end && *start == ' ')
			start++;
		len = (size_t)(end - start);
		if (len == 0)
			break;
		if (ip_parse(start, len, addr) == 0)
			return;
		memcpy(out, start, len);
		out[len] = '\0';
		if (!auth_cidr_match(trusted, n, out))
			return;
		end = start;
	}
}
