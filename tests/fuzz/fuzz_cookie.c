/* libFuzzer harness for the Cookie, Authorization and query parsers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_req r;
	char *s, buf[64];
	const char *tok;
	long n;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&r, 0, sizeof(r));
	r.cookie = s;
	r.authorization = s;
	r.query = s;
	n = auth_http_cookie(&r, "refresh_token", buf, sizeof(buf));
	if (n >= (long)sizeof(buf) || (n >= 0 && strlen(buf) > (size_t)n))
		abort();
	n = auth_http_bearer(&r, &tok);
	if (n >= 0 && (tok < s || tok + n > s + strlen(s)))
		abort();
	n = auth_http_query(&r, "token", buf, sizeof(buf));
	if (n >= (long)sizeof(buf))
		abort();
	free(s);
	return 0;
}
