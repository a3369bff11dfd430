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
	json_object *j = auth_http_json_object();

	(void)ctx;
	(void)req;
	auth_http_json_add_str(j, "hello", "world");
	auth_http_resp_json(rs, 200, j);
	return AUTH_OK;
}

static const struct auth_route routes[] = {
	{ "/bench/hello", false, NULL, AUTH_M(AUTH_GET), 0, hello },
};

static const struct auth_endpoint endpoint = {
	.name = "hello",
	AUTH_ENDPOINT_ROUTES(routes),
};

AUTH_ENDPOINT_MAIN(endpoint)
