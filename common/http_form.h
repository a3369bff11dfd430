/* application/x-www-form-urlencoded decoding (bodies and query strings). */
#ifndef AUTH_HTTP_FORM_H
#define AUTH_HTTP_FORM_H

#include <stddef.h>

/*
 * Decodes application/x-www-form-urlencoded body into NUL-separated
 * name/value pairs in *buf, of *bufsz bytes (owned by the caller, who wipes
 * and frees it); calls fn for each pair. Returns 0, or -1 if malformed (bad
 * %-escape, NUL, invalid UTF-8; *buf is then NULL).
 */
int	auth_http_form_parse(const char *body, size_t len, char **buf,
	    size_t *bufsz, int (*fn)(void *arg, const char *k, size_t klen,
	    const char *v, size_t vlen), void *arg);

#endif
