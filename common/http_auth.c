/* Cookies and the Bearer token of Authorization. */
#include "http_auth.h"

#include <string.h>
#include <strings.h>

long
auth_http_cookie(const struct auth_req *r, const char *name, char *buf,
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
auth_http_bearer(const struct auth_req *r, const char **tok)
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

