/* libFuzzer harness for the Cookie and Authorization header parsers. */
#include <stdlib.h>
#include <string.h>

#include "http_auth.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_req r;
	char *s = fuzz_str(data, size), buf[64];
	const char *tok;
	long n;

	memset(&r, 0, sizeof(r));
	r.cookie = s;
	r.authorization = s;
	n = auth_http_cookie(&r, "refresh_token", buf, sizeof(buf));
	if (n >= (long)sizeof(buf) || (n >= 0 && strlen(buf) != (size_t)n))
		abort();
	n = auth_http_bearer(&r, &tok);
	if (n >= 0 && (tok < s || tok + n > s + strlen(s)))
		abort();
	free(s);
	return 0;
}
