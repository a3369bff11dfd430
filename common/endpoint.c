/*
 * The FastCGI accept loop every endpoint executable shares: configuration
 * and keys are loaded once; per request: request id, routing, method check,
 * bounded body read, field extraction and validation, Bearer check, the
 * handler (retried once after a lost database connection), one response,
 * one log line.
 */
#include "endpoint.h"
#include "endpoint_config.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <fcgiapp.h>

#include "db.h"
#include "log.h"
#include "password.h"
#include "rl.h"
#include "redis.h"
#include "seal.h"
#include "base_clock.h"
#include "base_codec.h"
#include "base_secret.h"

#define AUTH_PATH_LEN_MAX	1024
#define AUTH_RETRY_AFTER	5	/* seconds, on 503 */

static const char *const method_names[AUTH_METHOD__MAX] = {
	[AUTH_GET] = "GET",
	[AUTH_HEAD] = "HEAD",
	[AUTH_POST] = "POST",
	[AUTH_PUT] = "PUT",
	[AUTH_PATCH] = "PATCH",
	[AUTH_DELETE] = "DELETE",
	[AUTH_OPTIONS] = "OPTIONS",
	[AUTH_METHOD_OTHER] = "OTHER",
};

/* Proxies whose X-Forwarded-For is believed; parsed once at start. */
static struct auth_cidr trusted[AUTH_CIDRS_MAX];
static size_t ntrusted;

/* One request's state, besides the request and response themselves. */
struct exchange {
	const struct auth_endpoint	*ep;
	struct auth_ctx			*ctx;
	struct auth_req			*req;
	json_object			*errors;	/* 422 field errors */
	bool				 malformed;
};

static void
on_term(int sig)
{
	(void)sig;
	FCGX_ShutdownPending();
}

static enum auth_method
method_parse(const char *m)
{
	int i;

	if (m == NULL)
		return AUTH_METHOD_OTHER;
	for (i = 0; i < AUTH_METHOD_OTHER; i++)
		if (strcmp(m, method_names[i]) == 0)
			return (enum auth_method)i;
	return AUTH_METHOD_OTHER;
}

/* A client-supplied request id is kept only if short and plain. */
static bool
request_id_sane(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > AUTH_REQUEST_ID_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static void
request_id_set(struct auth_req *req)
{
	const char *given = auth_req_param(req, "HTTP_X_REQUEST_ID");
	unsigned char raw[16];

	if (given != NULL && request_id_sane(given)) {
		snprintf(req->request_id, sizeof(req->request_id), "%s", given);
		return;
	}
	if (auth_random_bytes(raw, sizeof(raw)) != 0)
		memset(raw, 0, sizeof(raw));
	auth_hex(raw, sizeof(raw), req->request_id);
}

static bool
route_match(const struct auth_endpoint *ep, const char *path)
{
	if (ep->path_prefix)
		return strncmp(path, ep->path, strlen(ep->path)) == 0;
	return strcmp(path, ep->path) == 0 ||
	    (ep->path2 != NULL && strcmp(path, ep->path2) == 0);
}

static void
allow_header(const struct auth_endpoint *ep, struct auth_resp *rs)
{
	char allow[128] = "";
	size_t used = 0;
	int i, n;

	for (i = 0; i < AUTH_METHOD_OTHER; i++) {
		if (!(ep->methods & AUTH_M(i)))
			continue;
		n = snprintf(allow + used, sizeof(allow) - used, "%s%s",
		    used ? ", " : "", method_names[i]);
		if (n < 0 || (size_t)n >= sizeof(allow) - used)
			break;
		used += (size_t)n;
	}
	auth_resp_header(rs, "Allow", "%s", allow);
}

static const struct auth_field_spec *
spec_find(const struct auth_endpoint *ep, const char *k, size_t klen,
    size_t *idx)
{
	size_t i;

	for (i = 0; ep->fields != NULL && ep->fields[i].name != NULL; i++)
		if (strlen(ep->fields[i].name) == klen &&
		    memcmp(ep->fields[i].name, k, klen) == 0) {
			*idx = i;
			return &ep->fields[i];
		}
	return NULL;
}

static void
field_error(struct exchange *x, const char *name, const char *reason)
{
	if (x->errors == NULL)
		x->errors = json_object_new_object();
	if (x->errors != NULL &&
	    !json_object_object_get_ex(x->errors, name, NULL))
		json_object_object_add(x->errors, name,
		    json_object_new_string(reason));
}

/* Form pair callback: records declared fields, ignores the rest. */
static int
form_field(void *arg, const char *k, size_t klen, const char *v, size_t vlen)
{
	struct exchange *x = arg;
	const struct auth_field_spec *fs;
	size_t idx;

	if ((fs = spec_find(x->ep, k, klen, &idx)) == NULL)
		return 0;
	if (x->req->fields[idx].present) {
		field_error(x, fs->name, "is given more than once");
		return 0;
	}
	x->req->fields[idx].present = true;
	x->req->fields[idx].val.p = v;
	x->req->fields[idx].val.len = vlen;
	return 0;
}

static void
json_fields(struct exchange *x)
{
	const struct auth_field_spec *fs;
	json_object *v;
	size_t i;

	for (i = 0; x->ep->fields[i].name != NULL; i++) {
		fs = &x->ep->fields[i];
		if (!json_object_object_get_ex(x->req->json, fs->name, &v))
			continue;
		if (!json_object_is_type(v, json_type_string)) {
			field_error(x, fs->name, "must be a string");
			continue;
		}
		x->req->fields[i].val.p = json_object_get_string(v);
		x->req->fields[i].val.len =
		    (size_t)json_object_get_string_len(v);
		if (strlen(x->req->fields[i].val.p) !=
		    x->req->fields[i].val.len) {
			x->malformed = true;	/* an escaped NUL */
			return;
		}
		x->req->fields[i].present = true;
	}
}

/* Media type of the body: 1 JSON, 2 form, 0 anything else. */
static int
media_type(const char *ct)
{
	size_t len;
	const char *semi, *cs;

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	semi = strchr(ct, ';');
	len = semi ? (size_t)(semi - ct) : strlen(ct);
	while (len > 0 && ct[len - 1] == ' ')
		len--;
	if (semi != NULL) {
		/* The only charset we read is UTF-8. */
		if ((cs = strcasestr(semi, "charset=")) != NULL) {
			cs += 8;
			if (*cs == '"')
				cs++;
			if (strncasecmp(cs, "utf-8", 5) != 0)
				return 0;
		}
	}
	if (len == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return 1;
	if (len == 33 && strncasecmp(ct,
	    "application/x-www-form-urlencoded", 33) == 0)
		return 2;
	return 0;
}

/*
 * Reads exactly CONTENT_LENGTH bytes (refusing more than max_body without
 * reading them) and parses them into the declared fields. GET requests take
 * their fields from the query string.
 */
static enum auth_err
read_fields(FCGX_Request *fr, struct exchange *x)
{
	struct auth_req *req = x->req;
	const char *cl;
	unsigned long n = 0;
	int type, got;
	size_t i;

	for (i = 0; x->ep->fields != NULL && x->ep->fields[i].name != NULL;
	    i++) {
		if (i == AUTH_FIELDS_MAX)
			return AUTH_ERR_INTERNAL;
		req->fields[i].name = x->ep->fields[i].name;
	}
	req->nfields = i;
	if (req->nfields == 0)
		return AUTH_OK;

	if (req->method == AUTH_GET || req->method == AUTH_HEAD) {
		if (auth_form_parse(req->query, strlen(req->query),
		    &req->form_buf, &req->form_buf_len, form_field, x) != 0)
			return AUTH_ERR_MALFORMED_BODY;
		return AUTH_OK;
	}

	cl = auth_req_param(req, "CONTENT_LENGTH");
	if (cl != NULL && *cl != '\0' &&
	    auth_parse_ulong(cl, 1UL << 40, &n) != 0)
		return AUTH_ERR_MALFORMED_BODY;
	if (n > x->ctx->cfg->max_body)
		return AUTH_ERR_PAYLOAD_TOO_LARGE;
	if (n == 0)
		return AUTH_OK;
	type = media_type(auth_req_param(req, "CONTENT_TYPE"));
	if (type == 0)
		return AUTH_ERR_UNSUPPORTED_MEDIA_TYPE;
	if ((req->body = malloc(n + 1)) == NULL)
		return AUTH_ERR_INTERNAL;
	req->body_len = n;	/* wiped at the end, even if the read falls short */
	got = FCGX_GetStr(req->body, (int)n, fr->in);
	if (got < 0 || (unsigned long)got != n)
		return AUTH_ERR_MALFORMED_BODY;
	req->body[n] = '\0';
	if (!auth_utf8_valid(req->body, req->body_len))
		return AUTH_ERR_MALFORMED_BODY;
	if (type == 1) {
		if ((req->json = auth_json_parse(req->body,
		    req->body_len)) == NULL)
			return AUTH_ERR_MALFORMED_BODY;
		json_fields(x);
	} else {
		req->form = true;
		if (auth_form_parse(req->body, req->body_len, &req->form_buf,
		    &req->form_buf_len, form_field, x) != 0)
			return AUTH_ERR_MALFORMED_BODY;
	}
	return x->malformed ? AUTH_ERR_MALFORMED_BODY : AUTH_OK;
}

/* Required, length and validator checks; fills x->errors. */
static void
validate_fields(struct exchange *x)
{
	const struct auth_field_spec *fs;
	const struct auth_field *f;
	const char *why;
	size_t i;

	for (i = 0; i < x->req->nfields; i++) {
		fs = &x->ep->fields[i];
		f = &x->req->fields[i];
		if (!f->present) {
			if (fs->required)
				field_error(x, fs->name, "is required");
			continue;
		}
		if (f->val.len > fs->max_len) {
			field_error(x, fs->name, "is too long");
			continue;
		}
		if (fs->validate != NULL &&
		    (why = fs->validate(f->val.p, f->val.len)) != NULL)
			field_error(x, fs->name, why);
	}
}

/*
 * Counts the request against the endpoint's rules of one kind. Keeps in
 * *tight the verdict with the fewest requests left (or the refusal).
 */
static enum auth_err
check_limits(const struct auth_endpoint *ep, const struct auth_req *req,
    enum auth_rl_key kind, struct auth_rl_verdict *tight, bool *have)
{
	const struct auth_rl_rule *r;
	const struct auth_str *email;
	struct auth_rl_verdict v;
	const char *subject;
	size_t i, len;

	for (i = 0; i < AUTH_LIMITS_MAX && (r = ep->limits[i]) != NULL; i++) {
		if (r->key != kind)
			continue;
		if (kind == AUTH_RL_IP) {
			subject = req->client_ip;
			len = strlen(subject);
		} else if ((email = auth_req_field(req, "email")) != NULL) {
			subject = email->p;
			len = email->len;
		} else
			continue;
		if (len == 0)
			continue;
		auth_rl_check(r, subject, len, &v);
		if (!v.allowed || !*have || v.remaining < tight->remaining) {
			*tight = v;
			*have = true;
		}
		if (!v.allowed)
			return AUTH_ERR_RATE_LIMITED;
	}
	return AUTH_OK;
}

/* RFC 6750: the answer to a token that does not do. */
#define BEARER_INVALID	"Bearer realm=\"auth\", error=\"invalid_token\""

static enum auth_err
check_bearer(struct auth_ctx *ctx, struct auth_req *req,
    struct auth_resp *rs)
{
	const char *tok;
	long len;

	if ((len = auth_req_bearer(req, &tok)) < 0) {
		auth_resp_header(rs, "WWW-Authenticate", "Bearer realm=\"auth\"");
		return AUTH_ERR_UNAUTHORIZED;
	}
	if (ctx->keys == NULL || auth_jwt_verify(ctx->keys, ctx->cfg, tok,
	    (size_t)len, ctx->now, &ctx->bearer) != AUTH_OK) {
		auth_resp_header(rs, "WWW-Authenticate", BEARER_INVALID);
		return AUTH_ERR_UNAUTHORIZED;
	}
	snprintf(req->user_id, sizeof(req->user_id), "%s", ctx->bearer.sub);
	return AUTH_OK;
}

static void
write_response(FCGX_Request *fr, const struct auth_req *req,
    const struct auth_resp *rs)
{
	const char *body = NULL;
	size_t body_len = 0;

	if (rs->json != NULL) {
		body = json_object_to_json_string_ext(rs->json,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		body_len = strlen(body);
	} else if (rs->raw != NULL) {
		body = rs->raw;
		body_len = rs->raw_len;
	}
	FCGX_FPrintF(fr->out, "Status: %d %s\r\n", rs->status,
	    auth_http_reason(rs->status));
	if (body != NULL)
		FCGX_FPrintF(fr->out, "Content-Type: %s\r\n",
		    rs->content_type ? rs->content_type : "application/json");
	FCGX_FPrintF(fr->out, "X-Request-Id: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n", req->request_id);
	if (!rs->cacheable)
		FCGX_PutS("Cache-Control: no-store\r\n", fr->out);
	if (rs->headers_len > 0)
		FCGX_PutStr(rs->headers, (int)rs->headers_len, fr->out);
	FCGX_PutS("\r\n", fr->out);
	if (body != NULL && body_len > 0)
		FCGX_PutStr(body, (int)body_len, fr->out);
	/* json-c keeps the text in the object and frees it unwiped. */
	if (rs->json != NULL && body != NULL)
		auth_wipe((char *)body, body_len);
}

/* Runs the handler; after a lost database connection, once more. */
static enum auth_err
run_handler(const struct auth_endpoint *ep, struct auth_ctx *ctx,
    struct auth_req *req, struct auth_resp *rs)
{
	enum auth_err e;

	e = ep->handler(ctx, req, rs);
	if (e == AUTH_ERR_UNAVAILABLE && ep->needs_db) {
		auth_db_reset();
		auth_resp_free(rs);
		e = ep->handler(ctx, req, rs);
	}
	return e;
}

/* What every request starts with: params, request id, client address,
 * the time; the caller has zeroed req. */
static void
request_start(struct auth_ctx *ctx, struct auth_req *req, FCGX_Request *fr)
{
	req->envp = fr->envp;
	req->method_name = auth_req_param(req, "REQUEST_METHOD");
	req->method = method_parse(req->method_name);
	if (req->method_name == NULL)
		req->method_name = "-";
	req->user_agent = auth_req_param(req, "HTTP_USER_AGENT");
	req->authorization = auth_req_param(req, "HTTP_AUTHORIZATION");
	req->cookie = auth_req_param(req, "HTTP_COOKIE");
	request_id_set(req);
	auth_client_ip(trusted, ntrusted, auth_req_param(req, "REMOTE_ADDR"),
	    auth_req_param(req, "HTTP_X_FORWARDED_FOR"), req->client_ip);
	ctx->now = (long long)time(NULL);
	memset(&ctx->bearer, 0, sizeof(ctx->bearer));
}

static void
handle(const struct auth_endpoint *ep, struct auth_ctx *ctx,
    FCGX_Request *fr)
{
	struct auth_req req;
	struct auth_resp rs;
	struct auth_rl_verdict tight, flow_rl;
	struct exchange x;
	char path[AUTH_PATH_LEN_MAX + 1];
	const char *uri, *q;
	long long t0 = auth_clock_mono_us();
	enum auth_err e;
	size_t plen;
	bool limited = false;

	memset(&req, 0, sizeof(req));
	memset(&x, 0, sizeof(x));
	auth_resp_init(&rs);
	request_start(ctx, &req, fr);
	memset(&tight, 0, sizeof(tight));
	memset(&flow_rl, 0, sizeof(flow_rl));
	ctx->rl = &flow_rl;
	x.ep = ep;
	x.ctx = ctx;
	x.req = &req;

	uri = auth_req_param(&req, "REQUEST_URI");
	if (uri == NULL)
		uri = "";
	q = strchr(uri, '?');
	plen = q ? (size_t)(q - uri) : strlen(uri);
	if (plen > AUTH_PATH_LEN_MAX) {
		e = AUTH_ERR_NOT_FOUND;
		req.path = "-";
		goto done;
	}
	memcpy(path, uri, plen);
	path[plen] = '\0';
	req.path = path;
	req.query = q ? q + 1 : "";

	if (!route_match(ep, req.path)) {
		e = AUTH_ERR_NOT_FOUND;
		goto done;
	}
	if (!(ep->methods & AUTH_M(req.method))) {
		allow_header(ep, &rs);
		e = AUTH_ERR_METHOD_NOT_ALLOWED;
		goto done;
	}
	if ((e = check_limits(ep, &req, AUTH_RL_IP, &tight, &limited)) !=
	    AUTH_OK)
		goto done;
	if ((e = read_fields(fr, &x)) != AUTH_OK)
		goto done;
	validate_fields(&x);
	if (x.errors != NULL) {
		auth_resp_problem(&rs, AUTH_ERR_VALIDATION, x.errors);
		x.errors = NULL;
		e = AUTH_ERR_VALIDATION;
		goto done;
	}
	if ((e = check_limits(ep, &req, AUTH_RL_ACCOUNT, &tight, &limited)) !=
	    AUTH_OK)
		goto done;
	if (ep->bearer && (e = check_bearer(ctx, &req, &rs)) != AUTH_OK)
		goto done;
	e = run_handler(ep, ctx, &req, &rs);
	/* A valid token refused later (revoked session, disabled account). */
	if (e == AUTH_ERR_UNAUTHORIZED && ep->bearer)
		auth_resp_header(&rs, "WWW-Authenticate", BEARER_INVALID);
	if (e == AUTH_ERR_RATE_LIMITED) {
		tight = flow_rl;
		limited = true;
	}
done:
	if (e != AUTH_OK && rs.json == NULL && rs.raw == NULL)
		auth_resp_problem(&rs, e, NULL);
	if (e != AUTH_OK)
		rs.err = e;
	if (e == AUTH_ERR_UNAVAILABLE)
		auth_resp_header(&rs, "Retry-After", "%d", AUTH_RETRY_AFTER);
	if (limited)
		auth_rl_headers(&tight, &rs);
	write_response(fr, &req, &rs);
	auth_log_request(req.request_id, req.method_name,
	    req.path ? req.path : "-", rs.status,
	    e != AUTH_OK ? auth_err_info(e)->code : NULL,
	    auth_clock_mono_us() - t0, req.user_id);
	json_object_put(x.errors);
	auth_json_burn(req.json);
	json_object_put(req.json);
	if (req.body != NULL)
		auth_wipe(req.body, req.body_len);
	free(req.body);
	if (req.form_buf != NULL)
		auth_wipe(req.form_buf, req.form_buf_len);
	free(req.form_buf);
	auth_resp_free(&rs);
}

/*
 * One request in the FastCGI AUTHORIZER role: no routing, body or rate
 * limit. The handler's verdict is the answer: a 200 carries only its
 * Variable-* headers (the web server turns them into the variables of the
 * request it then serves); anything else goes to the client as written.
 */
static void
authorize(const struct auth_endpoint *ep, struct auth_ctx *ctx,
    FCGX_Request *fr)
{
	struct auth_req req;
	struct auth_resp rs;
	char path[AUTH_PATH_LEN_MAX + 1];
	const char *uri, *role;
	long long t0 = auth_clock_mono_us();
	enum auth_err e;
	size_t plen;

	memset(&req, 0, sizeof(req));
	auth_resp_init(&rs);
	request_start(ctx, &req, fr);
	uri = auth_req_param(&req, "REQUEST_URI");
	if (uri == NULL)
		uri = "";
	plen = strcspn(uri, "?");
	if (plen > AUTH_PATH_LEN_MAX)
		plen = AUTH_PATH_LEN_MAX;
	memcpy(path, uri, plen);
	path[plen] = '\0';
	req.path = path;
	req.query = "";
	role = auth_req_param(&req, "FCGI_ROLE");
	if (role == NULL || strcmp(role, "AUTHORIZER") != 0) {
		/* A responder mapping to the authorizer is a configuration
		 * mistake: never let it serve the request. */
		auth_log_error(req.request_id, "FastCGI role %s: the "
		    "authorizer serves the AUTHORIZER role only",
		    role != NULL ? role : "-");
		e = AUTH_ERR_INTERNAL;
	} else
		e = ep->handler(ctx, &req, &rs);
	if (e != AUTH_OK && rs.json == NULL && rs.raw == NULL)
		auth_resp_problem(&rs, e, NULL);
	if (e != AUTH_OK)
		rs.err = e;
	if (e == AUTH_OK && rs.status == 200) {
		FCGX_PutS("Status: 200 OK\r\n", fr->out);
		if (rs.headers_len > 0)
			FCGX_PutStr(rs.headers, (int)rs.headers_len, fr->out);
		FCGX_PutS("\r\n", fr->out);
	} else
		write_response(fr, &req, &rs);
	auth_log_request(req.request_id, req.method_name, req.path, rs.status,
	    e != AUTH_OK ? auth_err_info(e)->code : NULL,
	    auth_clock_mono_us() - t0, req.user_id);
	auth_resp_free(&rs);
}

/* Picks up changed key files (keyring.h); a keyring that does not load is
 * logged once and the old one kept. */
static void
keys_refresh(const struct auth_endpoint *ep, struct auth_ctx *ctx,
    struct auth_keyring **kr)
{
	char err[512];

	if (*kr == NULL)
		return;
	err[0] = '\0';
	switch (auth_keyring_refresh(kr, ctx->cfg, ep->keys == AUTH_KEYS_SIGN,
	    (long long)time(NULL), err, sizeof(err))) {
	case 1:
		auth_log_info(NULL, "keys: reloaded from %s",
		    ctx->cfg->keys_dir);
		break;
	case -1:
		auth_log_error(NULL, "keys: changed files do not load, the "
		    "loaded keys stay: %s", err);
		break;
	default:
		break;
	}
	ctx->keys = *kr;
}

int
auth_endpoint_main(const struct auth_endpoint *ep, int argc, char **argv)
{
	struct auth_config cfg;
	struct auth_ctx ctx;
	struct auth_keyring *kr = NULL;
	unsigned char seal_key[AUTH_SEAL_KEY_LEN];
	FCGX_Request fr;
	struct sigaction sa;
	char err[512];
	int rc = 1, n;

	(void)argc;
	(void)argv;
	memset(&ctx, 0, sizeof(ctx));
	auth_log_init(ep->name);
	if (auth_config_load(&cfg, NULL, err, sizeof(err)) != 0) {
		auth_log_error(NULL, "config: %s", err);
		goto out;
	}
	ctx.cfg = &cfg;
	if ((n = auth_cidr_parse_list(cfg.trusted_proxies, trusted,
	    AUTH_CIDRS_MAX)) < 0) {
		auth_log_error(NULL, "config: trusted_proxies: not a list of "
		    "at most %d addresses or CIDR ranges", AUTH_CIDRS_MAX);
		goto out;
	}
	ntrusted = (size_t)n;
	if (ep->keys != AUTH_KEYS_NONE) {
		kr = auth_keyring_load(&cfg, ep->keys == AUTH_KEYS_SIGN, err,
		    sizeof(err));
		if (kr == NULL) {
			auth_log_error(NULL, "keys: %s", err);
			goto out;
		}
		ctx.keys = kr;
	}
	if (ep->needs_seal) {
		if (auth_seal_key_load(cfg.outbox_key_file, seal_key, err,
		    sizeof(err)) != 0) {
			auth_log_error(NULL, "outbox key: %s", err);
			goto out;
		}
		ctx.seal_key = seal_key;
	}
	if (ep->hash_passwords && auth_pw_init(cfg.password_cost) != 0) {
		auth_log_error(NULL, "password hashing unavailable");
		goto out;
	}
	if (ep->needs_db)
		auth_db_init(cfg.database_url);
	auth_redis_init(&cfg);
	if (auth_rl_init(&cfg, err, sizeof(err)) != 0) {
		auth_log_error(NULL, "rate limits: %s", err);
		goto out;
	}
	if (auth_rl_off())
		auth_log_error(NULL, "rate_limits = off: no request is rate "
		    "limited and no login is delayed");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: accept() returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		auth_log_error(NULL, "FastCGI initialisation failed");
		goto out;
	}
	while (FCGX_Accept_r(&fr) >= 0) {
		keys_refresh(ep, &ctx, &kr);
		if (ep->authorizer)
			authorize(ep, &ctx, &fr);
		else
			handle(ep, &ctx, &fr);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	rc = 0;
out:
	auth_keyring_free(kr);
	auth_wipe(seal_key, sizeof(seal_key));
	auth_db_close();
	auth_redis_close();
	return rc;
}

struct auth_client
auth_req_client(const struct auth_req *req)
{
	struct auth_client cl;

	cl.ip = req->client_ip[0] != '\0' ? req->client_ip : NULL;
	cl.user_agent = req->user_agent;
	cl.request_id = req->request_id;
	return cl;
}

void
auth_resp_tokens(struct auth_req *req, struct auth_resp *rs,
    struct auth_tokens *t)
{
	json_object *j = json_object_new_object();

	snprintf(req->user_id, sizeof(req->user_id), "%s", t->user_id);
	if (j == NULL) {
		auth_resp_problem(rs, AUTH_ERR_INTERNAL, NULL);
		auth_tokens_clear(t);
		return;
	}
	json_object_object_add(j, "access_token",
	    json_object_new_string(t->access));
	json_object_object_add(j, "token_type",
	    json_object_new_string("Bearer"));
	json_object_object_add(j, "expires_in",
	    json_object_new_int64(t->expires_in));
	json_object_object_add(j, "refresh_token",
	    json_object_new_string(t->refresh));
	json_object_object_add(j, "refresh_expires_in",
	    json_object_new_int64(t->refresh_expires_in));
	auth_resp_json(rs, 200, j);
	auth_tokens_clear(t);
}

long
auth_req_refresh_token(const struct auth_req *req, char *buf, size_t bufsz,
    const char **tok)
{
	const struct auth_str *f = auth_req_field(req, "refresh_token");
	long n;

	if (f != NULL) {
		*tok = f->p;
		return (long)f->len;
	}
	if ((n = auth_req_cookie(req, AUTH_REFRESH_COOKIE, buf, bufsz)) >= 0) {
		*tok = buf;
		return n;
	}
	return -1;
}

enum auth_err
auth_resp_field_error(struct auth_resp *rs, const char *field,
    const char *reason)
{
	json_object *errors = json_object_new_object();

	if (errors != NULL)
		json_object_object_add(errors, field,
		    json_object_new_string(reason));
	auth_resp_problem(rs, AUTH_ERR_VALIDATION, errors);
	return AUTH_ERR_VALIDATION;
}

enum auth_err
auth_resp_missing(struct auth_resp *rs, const char *field)
{
	return auth_resp_field_error(rs, field, "is required");
}

/* Email syntax: a practical subset of RFC 5321 addresses, ASCII only. */
const char *
auth_valid_email(const char *s, size_t len)
{
	const char *at, *d;
	size_t i, local, dlen, label = 0, labels = 1;

	auth_email_trim(&s, &len);
	if (len < 3 || len > AUTH_EMAIL_MAX)
		return "is not a valid email address";
	at = memrchr(s, '@', len);
	if (at == NULL)
		return "is not a valid email address";
	local = (size_t)(at - s);
	d = at + 1;
	dlen = len - local - 1;
	if (local == 0 || local > 64 || dlen < 3 || s[0] == '.' ||
	    s[local - 1] == '.')
		return "is not a valid email address";
	for (i = 0; i < local; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && strchr("!#$%&'*+/=?^_`{|}~.-", c) == NULL)
			return "is not a valid email address";
		if (c == '.' && s[i + 1] == '.')
			return "is not a valid email address";
	}
	for (i = 0; i < dlen; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (label == 0 || d[i - 1] == '-')
				return "is not a valid email address";
			label = 0;
			labels++;
			continue;
		}
		if (!isalnum(c) && c != '-')
			return "is not a valid email address";
		if ((label == 0 && c == '-') || ++label > 63)
			return "is not a valid email address";
	}
	if (label == 0 || labels < 2 || d[dlen - 1] == '-')
		return "is not a valid email address";
	return NULL;
}
