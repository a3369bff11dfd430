/* libFuzzer harness for form encoding (bodies) and the query string. */
#include <stdlib.h>
#include <string.h>

#include "base_utf8.h"
#include "http_form.h"
#include "http_req.h"
#include "fuzz.h"

static int
sink(void *arg, const char *k, size_t klen, const char *v, size_t vlen)
{
	size_t *n = arg;

	/* Decoded pairs are NUL-terminated and valid UTF-8. */
	if (strlen(k) != klen || strlen(v) != vlen ||
	    !auth_utf8_check(k, klen, false, NULL) ||
	    !auth_utf8_check(v, vlen, false, NULL))
		abort();
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_req r;
	char *s = fuzz_str(data, size), *buf = NULL, q[64];
	size_t n = 0, bufsz = 0;
	long len;

	if (auth_http_form_parse(s, size, &buf, &bufsz, sink, &n) == 0 &&
	    n > 0 && buf == NULL)
		abort();
	free(buf);
	memset(&r, 0, sizeof(r));
	r.query = s;
	len = auth_http_query(&r, "token", q, sizeof(q));
	if (len >= (long)sizeof(q) || (len >= 0 && strlen(q) != (size_t)len))
		abort();
	free(s);
	return 0;
}
