/*
 * libFuzzer harness for the body reader: CONTENT_LENGTH, the media type,
 * UTF-8, JSON and form bodies and the query of a GET, read into an
 * endpoint's field table through a FastCGI stream over the input. The
 * first byte picks method and media type.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_body.h"
#include "http_req.h"
#include "fuzz.h"

enum { F_EMAIL, F_PASSWORD, F_TOKEN, F__MAX };

static const struct auth_field_spec specs[F__MAX] = {
	[F_EMAIL] = { "email", 1024, NULL },
	[F_PASSWORD] = { "password", 4096, NULL },
	[F_TOKEN] = { "token", 64, NULL },
};

static void
stream_end(FCGX_Stream *s)
{
	s->isClosed = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "application/json",
	    "application/x-www-form-urlencoded", "application/json; charset=x",
	    "text/plain" };
	struct auth_req req;
	FCGX_Stream in;
	json_object *errors = NULL;
	char cl[32], ct[64], *env[3], *body;
	size_t i, blen;

	if (size < 1)
		return 0;
	body = fuzz_str(data + 1, size - 1);
	blen = size - 1;
	/* a declared length a little off now and then: the short read */
	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu",
	    blen + ((data[0] & 0x10) ? 1 : 0));
	snprintf(ct, sizeof(ct), "CONTENT_TYPE=%s", types[data[0] & 3]);
	env[0] = cl;
	env[1] = ct;
	env[2] = NULL;
	memset(&req, 0, sizeof(req));
	memset(&in, 0, sizeof(in));
	in.rdNext = in.stopUnget = (unsigned char *)body;
	in.stop = in.wrNext = (unsigned char *)body + blen;
	in.isReader = 1;
	in.fillBuffProc = stream_end;
	req.envp = env;
	req.method = (data[0] & 4) ? AUTH_GET : AUTH_POST;
	req.query = body;
	if (auth_http_body_read(&req, &in, 16384, specs, F__MAX,
	    &errors) == AUTH_OK)
		for (i = 0; i < F__MAX; i++)
			if (req.fields[i].present && (req.fields[i].val.len !=
			    strlen(req.fields[i].val.p)))
				abort();	/* an embedded NUL got through */
	json_object_put(errors);
	auth_http_req_free(&req);
	free(body);
	return 0;
}
