/*
 * libFuzzer harness for the body parsers: form encoding, JSON objects,
 * UTF-8 validation, the strict number parser. The first input byte picks
 * the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_addr.h"
#include "http_auth.h"
#include "http_body.h"
#include "http_form.h"
#include "http_json.h"
#include "http_page.h"
#include "http_req.h"
#include "http_resp.h"
#include "base_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
sink(void *arg, const char *k, size_t klen, const char *v, size_t vlen)
{
	size_t *n = arg;

	/* Decoded pairs are NUL-terminated and valid UTF-8. */
	if (strlen(k) != klen || strlen(v) != vlen ||
	    !auth_utf8_check(k, klen, false, NULL) || !auth_utf8_check(v, vlen, false, NULL))
		abort();
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy, *buf = NULL;
	json_object *j;
	unsigned long v;
	size_t n = 0, bufsz = 0;

	if (size < 1)
		return 0;
	if ((copy = malloc(size)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		if (auth_http_form_parse(copy, size - 1, &buf, &bufsz, sink, &n) == 0 &&
		    (buf == NULL || bufsz < size + 1))
			abort();
		free(buf);
		break;
	case 1:
		if ((j = auth_json_parse(copy, size - 1)) != NULL &&
		    !json_object_is_type(j, json_type_object))
			abort();
		json_object_put(j);
		break;
	case 2:
		(void)auth_utf8_check(copy, size - 1, false, NULL);
		break;
	default:
		if (auth_parse_ulong(copy, 16384, &v) == 0 && v > 16384)
			abort();
		break;
	}
	free(copy);
	return 0;
}
