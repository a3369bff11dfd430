/*
 * GET /bench/hello: the benchmark's FastCGI floor. The same endpoint loop as
 * every real endpoint (config, request id, routing, log line), and a
 * handler that does nothing. Built only for bench/run, never installed.
 */
#include <json-c/json.h>

#include "endpoint.h"

static enum auth_err
hello(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	json_object *j = json_object_new_object();

	(void)ctx;
	(void)req;
	if (j == NULL)
		return AUTH_ERR_INTERNAL;
	json_object_object_add(j, "hello", json_object_new_string("world"));
	auth_resp_json(rs, 200, j);
	return AUTH_OK;
}

static const struct auth_endpoint endpoint = {
	.name = "hello",
	.path = "/bench/hello",
	.methods = AUTH_M(AUTH_GET),
	.handler = hello,
};

int
main(int argc, char **argv)
{
	return auth_endpoint_main(&endpoint, argc, argv);
}
