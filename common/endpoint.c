/*
 * The FastCGI accept loop every endpoint executable shares: configuration
 * and keys are loaded once; per request: request id, routing by the
 * endpoint's route table, method check, bounded body read, field
 * extraction and validation, Bearer check, the handler (retried once after
 * a lost database connection, if nothing had reached the server), one
 * response, one log line.
 */
#include "endpoint.h"
#include "endpoint_cgi.h"
#include "endpoint_config.h"
#include "endpoint_sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "db.h"
#include "endpoint_web.h"
#include "hmac.h"
#include "http_addr.h"
#include "http_csrf.h"
#include "http_body.h"
#include "log.h"
#include "password.h"
#include "rl.h"
#include "redis.h"
#include "seal.h"
#include "base_clock.h"
#include "base_codec.h"
#include "base_metric.h"
#include "base_secret.h"

#define AUTH_PATH_LEN_MAX	1024
#define AUTH_RETRY_AFTER	5	/* seconds, on 503 */

extern char **environ;

/* Proxies whose X-Forwarded-For is believed; parsed once at start. */
static struct auth_cidr trusted[AUTH_CIDRS_MAX];
static size_t ntrusted;
/* An X-Forwarded-For from an untrusted local peer was logged. */
static bool xff_logged;

/* One request's state. */
struct exchange {
	const struct auth_endpoint	*ep;
	const struct auth_route		*rt;
	struct auth_ctx			*ctx;
	struct auth_req			 req;
	struct auth_resp		 rs;
	char				 path[AUTH_PATH_LEN_MAX + 1];
	json_object			*errors;	/* 422 field errors */
	struct auth_rl_verdict		 tight;		/* for the headers */
	struct auth_rl_verdict		 flow_rl;
	bool				 limited;
	bool				 ran;		/* the handler ran */
	long long			 t0;
};

static void
on_term(int sig)
{
	(void)sig;
	FCGX_ShutdownPending();
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
	const char *given = auth_http_param(req, "HTTP_X_REQUEST_ID");
	unsigned char raw[16];

	if (given != NULL && request_id_sane(given)) {
		snprintf(req->request_id, sizeof(req->request_id), "%s", given);
		return;
	}
	if (auth_random_bytes(raw, sizeof(raw)) != 0)
		memset(raw, 0, sizeof(raw));
	auth_hex(raw, sizeof(raw), req->request_id);
}

/*
 * True if the pattern route rt ("/auth/admin/users/ * /roles/ *", stars
 * without the spaces) serves path: each star one non-empty segment that
 * arg_ok accepts, copied into req->path_args; path_arg and path_arg2 name
 * the first two.
 */
static bool
route_pattern(const struct auth_route *rt, struct auth_req *req)
{
	char segs[AUTH_PATH_ARGS][AUTH_PATH_ARG_MAX + 1];
	const char *p = rt->path, *s = req->path;
	size_t n = 0, len;

	memset(segs, 0, sizeof(segs));
	while (*p != '\0') {
		if (*p != '*') {
			if (*p++ != *s++)
				return false;
			continue;
		}
		len = strcspn(s, "/");
		if (len == 0 || len > AUTH_PATH_ARG_MAX ||
		    n == AUTH_PATH_ARGS ||
		    (rt->arg_ok != NULL && !rt->arg_ok(s, len)))
			return false;
		memcpy(segs[n++], s, len);
		s += len;
		p++;
	}
	if (*s != '\0')
		return false;
	memcpy(req->path_args, segs, sizeof(segs));
	req->path_arg = n > 0 ? req->path_args[0] : NULL;
	req->path_arg2 = n > 1 ? req->path_args[1] : NULL;
	return true;
}

/* True if route rt serves path; sets req->path_arg for a "/{id}" route. */
static bool
route_path(const struct auth_route *rt, struct auth_req *req)
{
	size_t plen = strlen(rt->path);
	const char *arg;

	if (rt->arg && strchr(rt->path, '*') != NULL)
		return route_pattern(rt, req);
	if (!rt->arg)
		return strcmp(req->path, rt->path) == 0;
	if (strncmp(req->path, rt->path, plen) != 0 || req->path[plen] != '/')
		return false;
	arg = req->path + plen + 1;
	if (*arg == '\0' || strchr(arg, '/') != NULL ||
	    (rt->arg_ok != NULL && !rt->arg_ok(arg, strlen(arg))))
		return false;
	req->path_arg = arg;
	return true;
}

static void
allow_header(unsigned methods, struct auth_resp *rs)
{
	char allow[128] = "";
	size_t used = 0;
	int i, n;

	for (i = 0; i < AUTH_METHOD_OTHER; i++) {
		if (!(methods & AUTH_M(i)))
			continue;
		n = snprintf(allow + used, sizeof(allow) - used, "%s%s",
		    used ? ", " : "", auth_http_method_name(i));
		if (n < 0 || (size_t)n >= sizeof(allow) - used)
			break;
		used += (size_t)n;
	}
	auth_resp_header(rs, "Allow", "%s", allow);
}

/*
 * Picks the route of the request: AUTH_OK with x->rt set, a 404 if no
 * route has the path, a 405 with Allow if none of those takes the method.
 */
static enum auth_err
route_find(struct exchange *x)
{
	const struct auth_route *rt;
	unsigned methods = 0;
	size_t i;

	for (i = 0; i < x->ep->nroutes; i++) {
		rt = &x->ep->routes[i];
		if (!route_path(rt, &x->req))
			continue;
		methods |= rt->methods;
		if (rt->methods & AUTH_M(x->req.method)) {
			x->rt = rt;
			return AUTH_OK;
		}
	}
	x->req.path_arg = NULL;
	x->req.path_arg2 = NULL;
	if (methods == 0)
		return AUTH_ERR_NOT_FOUND;
	allow_header(methods, &x->rs);
	return AUTH_ERR_METHOD_NOT_ALLOWED;
}

/*
 * Counts the request against the endpoint's rules of one kind. Keeps in
 * x->tight the refusal, or the per-IP verdict with the fewest requests
 * left (the only ones whose state the answer shows).
 */
static enum auth_err
check_limits(struct exchange *x, enum auth_rl_key kind)
{
	const struct auth_rl_rule *r;
	const struct auth_str *email;
	struct auth_rl_verdict v;
	const char *subject;
	size_t i, len;

	for (i = 0; i < AUTH_LIMITS_MAX && (r = x->ep->limits[i]) != NULL;
	    i++) {
		if (r->key != kind)
			continue;
		if (kind == AUTH_RL_IP) {
			subject = x->req.client_ip;
			len = strlen(subject);
		} else if ((email = auth_http_field(&x->req,
		    "email")) != NULL) {
			subject = email->p;
			len = email->len;
		} else
			continue;
		if (len == 0)
			continue;
		if (kind == AUTH_RL_IP && x->ep->defer_ip &&
		    auth_rl_defer(r, subject, len) == 0)
			continue;
		auth_rl_check(r, subject, len, &v);
		if (!v.allowed || (kind == AUTH_RL_IP && (!x->limited ||
		    v.remaining < x->tight.remaining))) {
			x->tight = v;
			x->limited = true;
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

	if ((len = auth_http_bearer(req, &tok)) < 0) {
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

/* One run of the route's handler; a second one starts a fresh answer. */
static enum auth_err
handler_once(void *arg)
{
	struct exchange *x = arg;

	if (x->ran)
		auth_resp_free(&x->rs);
	x->ran = true;
	return x->rt->handler(x->ctx, &x->req, &x->rs);
}

/*
 * Runs the route's handler; with a database, once more after a lost
 * connection if nothing had reached the server yet (auth_db_run).
 */
static enum auth_err
run_handler(struct exchange *x)
{
	if (!x->ep->needs_db)
		return handler_once(x);
	return auth_db_run(handler_once, x);
}

/*
 * A loopback or private peer sending X-Forwarded-For is most likely a proxy
 * missing from trusted_proxies: every client then looks like that proxy.
 * Logged once per process.
 */
static void
xff_check(const char *remote, const char *xff)
{
	if (xff_logged || xff == NULL || remote == NULL ||
	    auth_http_cidr_match(trusted, ntrusted, remote) ||
	    !auth_http_addr_private(remote))
		return;
	xff_logged = true;
	auth_log_error(NULL, "X-Forwarded-For from %.*s, which is not in "
	    "trusted_proxies: its clients are all counted as that one address "
	    "(logged once)", AUTH_IP_MAX, remote);
}

/*
 * What every request starts with: params, request id, client address,
 * the time, the path (cut at AUTH_PATH_LEN_MAX; false if longer) and
 * query. Zeroes x first.
 */
static bool
request_start(struct exchange *x, const struct auth_endpoint *ep,
    struct auth_ctx *ctx, FCGX_Request *fr)
{
	struct auth_req *req = &x->req;
	const char *uri;
	size_t plen;
	bool fits;

	memset(x, 0, sizeof(*x));
	x->t0 = auth_clock_mono_us();
	x->ep = ep;
	x->ctx = ctx;
	auth_resp_init(&x->rs);
	req->envp = fr->envp;
	req->method_name = auth_http_param(req, "REQUEST_METHOD");
	req->method = auth_http_method_parse(req->method_name);
	if (req->method_name == NULL)
		req->method_name = "-";
	req->user_agent = auth_http_param(req, "HTTP_USER_AGENT");
	req->authorization = auth_http_param(req, "HTTP_AUTHORIZATION");
	req->cookie = auth_http_param(req, "HTTP_COOKIE");
	request_id_set(req);
	auth_http_client_ip(trusted, ntrusted, auth_http_param(req,
	    "REMOTE_ADDR"), auth_http_param(req, "HTTP_X_FORWARDED_FOR"),
	    req->client_ip);
	xff_check(auth_http_param(req, "REMOTE_ADDR"), auth_http_param(req,
	    "HTTP_X_FORWARDED_FOR"));
	ctx->now = (long long)time(NULL);
	memset(&ctx->bearer, 0, sizeof(ctx->bearer));
	ctx->rl = &x->flow_rl;
	if ((uri = auth_http_param(req, "REQUEST_URI")) == NULL)
		uri = "";
	plen = strcspn(uri, "?");
	fits = plen <= AUTH_PATH_LEN_MAX;
	req->query = uri[plen] == '?' ? uri + plen + 1 : "";
	req->path = x->path;
	if (!fits)
		plen = AUTH_PATH_LEN_MAX;
	memcpy(x->path, uri, plen);
	x->path[plen] = '\0';
	return fits;
}

/* Routing, limits, fields, Bearer: everything before the handler. */
static enum auth_err
pipeline(struct exchange *x, FCGX_Request *fr)
{
	size_t i;
	enum auth_err e;

	if ((e = route_find(x)) != AUTH_OK ||
	    (!(x->ep->free_gets && x->req.method == AUTH_GET) &&
	    (e = check_limits(x, AUTH_RL_IP)) != AUTH_OK) ||
	    (e = auth_http_body_read(&x->req, fr->in, x->ctx->cfg->max_body,
	    x->ep->fields, x->ep->nfields, &x->errors)) != AUTH_OK)
		return e;
	for (i = 0; i < x->req.nfields; i++)
		x->req.field[i] = x->req.fields[i].present ?
		    &x->req.fields[i].val : NULL;
	auth_endpoint_validate(x->ep, x->rt, &x->req, &x->errors);
	if (x->errors != NULL) {
		auth_http_resp_problem(&x->rs, AUTH_ERR_VALIDATION, x->errors);
		x->errors = NULL;
		return AUTH_ERR_VALIDATION;
	}
	if ((e = check_limits(x, AUTH_RL_ACCOUNT)) != AUTH_OK)
		return e;
	if (x->ep->bearer && (e = check_bearer(x->ctx, &x->req,
	    &x->rs)) != AUTH_OK)
		return e;
	return AUTH_OK;
}

/* True if the route of x is a browser page: a page answers every error
 * with a page. */
static bool
route_is_page(const struct exchange *x)
{
	const char *path = x->rt != NULL ? x->rt->path : x->req.path;

	if (path == NULL || path[0] != '/' || x->ep->authorizer)
		return false;
	return x->ep->pages || (strncmp(path, "/auth/", 6) != 0 &&
	    strncmp(path, "/.well-known/", 13) != 0);
}

/* The problem body of e unless the handler wrote one; on a page, an
 * error page instead of a problem body. */
static void
answer(struct exchange *x, enum auth_err e)
{
	if (e != AUTH_OK && route_is_page(x) && x->rs.raw == NULL)
		auth_endpoint_error_page(x->ctx, &x->rs, e);
	if (e != AUTH_OK && x->rs.json == NULL && x->rs.raw == NULL)
		auth_http_resp_problem(&x->rs, e, NULL);
	if (e != AUTH_OK)
		x->rs.err = e;
}

/* The log line of the request, written; then everything is freed. */
static void
finish(struct exchange *x, enum auth_err e)
{
	long long us = auth_clock_mono_us() - x->t0;

	auth_metric_request(x->rs.status, us);
	auth_log_request(x->req.request_id, x->req.method_name,
	    x->req.path ? x->req.path : "-", x->rs.status,
	    e != AUTH_OK ? auth_err_info(e)->code : NULL, us,
	    x->req.user_id, x->req.client_ip);
	json_object_put(x->errors);
	auth_http_req_free(&x->req);
	auth_resp_free(&x->rs);
}

/*
 * The verdict of the IP rules check_limits deferred: counted with a later
 * check, else now. A refusal counted now replaces the answer (the handler
 * changed nothing before its own check, which did not come); otherwise the
 * per-IP verdict goes in the headers unless a refusal already does.
 */
static void
deferred_limits(struct exchange *x, enum auth_err *e)
{
	struct auth_rl_verdict v;

	if (auth_rl_deferred(&v) && *e != AUTH_ERR_RATE_LIMITED) {
		auth_resp_free(&x->rs);
		auth_resp_init(&x->rs);
		*e = AUTH_ERR_RATE_LIMITED;
	} else if (v.name == NULL || *e == AUTH_ERR_RATE_LIMITED)
		return;
	x->tight = v;
	x->limited = true;
}

static void
handle(const struct auth_endpoint *ep, struct auth_ctx *ctx,
    FCGX_Request *fr)
{
	struct exchange x;
	enum auth_err e;

	if (!request_start(&x, ep, ctx, fr)) {
		x.req.path = "-";
		e = AUTH_ERR_NOT_FOUND;
	} else if (auth_http_cors(&x.req, &x.rs, ctx->cfg->cors_origins)) {
		e = AUTH_OK;	/* a preflight of a listed origin */
	} else if ((e = pipeline(&x, fr)) == AUTH_OK) {
		e = run_handler(&x);
		/* A valid token refused later (revoked session, disabled
		 * account). */
		if (e == AUTH_ERR_UNAUTHORIZED && ep->bearer)
			auth_resp_header(&x.rs, "WWW-Authenticate",
			    BEARER_INVALID);
		if (e == AUTH_ERR_RATE_LIMITED) {
			x.tight = x.flow_rl;
			x.limited = true;
		}
	}
	deferred_limits(&x, &e);
	answer(&x, e);
	if (e == AUTH_ERR_UNAVAILABLE)
		auth_resp_header(&x.rs, "Retry-After", "%d", AUTH_RETRY_AFTER);
	if (x.limited)
		auth_rl_headers(&x.tight, &x.rs);
	/* The verdict that refused; a login delay's has no rule name. */
	if (e == AUTH_ERR_RATE_LIMITED && x.limited)
		auth_metric_refused(x.tight.name != NULL ? x.tight.name :
		    "login_delay");
	auth_http_resp_write(fr->out, x.req.request_id, &x.rs);
	finish(&x, e);
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
	struct exchange x;
	const char *role;
	enum auth_err e;

	(void)request_start(&x, ep, ctx, fr);
	x.req.query = "";
	role = auth_http_param(&x.req, "FCGI_ROLE");
	if (role == NULL || strcmp(role, "AUTHORIZER") != 0) {
		/* A responder mapping to the authorizer is a configuration
		 * mistake: never let it serve the request. */
		auth_log_error(x.req.request_id, "FastCGI role %s: the "
		    "authorizer serves the AUTHORIZER role only",
		    role != NULL ? role : "-");
		e = AUTH_ERR_INTERNAL;
	} else
		e = ep->routes[0].handler(ctx, &x.req, &x.rs);
	answer(&x, e);
	if (e == AUTH_OK && x.rs.status == 200)
		auth_http_resp_write_headers(fr->out, &x.rs);
	else
		auth_http_resp_write(fr->out, x.req.request_id, &x.rs);
	finish(&x, e);
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

/*
 * What a process loads before its first request: the configuration, the
 * trusted proxies, the keys it needs, the outbox key, password hashing,
 * the database, Redis and the rate limits. 0, or -1 (logged).
 */
static int
setup(const struct auth_endpoint *ep, struct auth_config *cfg,
    struct auth_ctx *ctx, struct auth_keyring **kr,
    unsigned char seal_key[AUTH_SEAL_KEY_LEN])
{
	char err[512];
	int n;

	if (auth_config_load(cfg, NULL, err, sizeof(err)) != 0) {
		auth_log_error(NULL, "config: %s", err);
		return -1;
	}
	ctx->cfg = cfg;
	if ((n = auth_http_cidr_parse_list(cfg->trusted_proxies, trusted,
	    AUTH_CIDRS_MAX)) < 0) {
		auth_log_error(NULL, "config: trusted_proxies: not a list of "
		    "at most %d addresses or CIDR ranges", AUTH_CIDRS_MAX);
		return -1;
	}
	ntrusted = (size_t)n;
	if (auth_metric_open(cfg->metrics_file, ep->name, err,
	    sizeof(err)) != 0)
		auth_log_error(NULL, "metrics_file: %s; this process counts "
		    "nothing", err);
	if (ep->keys != AUTH_KEYS_NONE) {
		*kr = auth_keyring_load(cfg, ep->keys == AUTH_KEYS_SIGN, err,
		    sizeof(err));
		if (*kr == NULL) {
			auth_log_error(NULL, "keys: %s", err);
			return -1;
		}
		ctx->keys = *kr;
	}
	if (ep->needs_seal) {
		if (auth_seal_key_load(cfg->outbox_key_file, seal_key, err,
		    sizeof(err)) != 0) {
			auth_log_error(NULL, "outbox key: %s", err);
			return -1;
		}
		ctx->seal_key = seal_key;
	}
	/* Rate limits key their Redis names with it too (rl_check.c). */
	if ((ep->needs_hmac || ep->limits[0] != NULL) &&
	    auth_hmac_key_load(cfg->hmac_key_file, err, sizeof(err)) != 0) {
		auth_log_error(NULL, "hmac key: %s", err);
		return -1;
	}
	if (ep->hash_passwords && auth_pw_init(cfg->password_cost) != 0) {
		auth_log_error(NULL, "password hashing unavailable");
		return -1;
	}
	if (ep->needs_db) {
		auth_db_init(cfg->database_url);
		auth_db_set_pooler(cfg->database_pooler);
	}
	auth_redis_init(cfg);
	if (auth_rl_init(cfg, err, sizeof(err)) != 0) {
		auth_log_error(NULL, "rate limits: %s", err);
		return -1;
	}
	return 0;
}

/* Database or rate limits (Redis; the authorizer's: a location's
 * AUTH_RATE_LIMIT): the endpoint opens sockets. */
static enum auth_sandbox_kind
sandbox_kind(const struct auth_endpoint *ep)
{
	return ep->needs_db || ep->limits[0] != NULL || ep->authorizer ?
	    AUTH_SANDBOX_NET : AUTH_SANDBOX_LOCAL;
}

/* One request, FastCGI or CGI alike. */
static void
dispatch(const struct auth_endpoint *ep, struct auth_ctx *ctx,
    FCGX_Request *fr)
{
	if (ep->authorizer)
		authorize(ep, ctx, fr);
	else
		handle(ep, ctx, fr);
}

/*
 * Plain CGI (no FastCGI listen socket on standard input): the one request
 * of the environment, standard input and standard output, through the
 * same dispatch. 0, or -1 if the answer did not get out.
 */
static int
serve_cgi(const struct auth_endpoint *ep, struct auth_ctx *ctx,
    const struct auth_config *cfg)
{
	struct auth_cgi cgi;
	FCGX_Request fr;

	if (getenv("REQUEST_METHOD") == NULL)
		auth_log_error(NULL, "no FastCGI listen socket on standard "
		    "input and no CGI request (REQUEST_METHOD unset): "
		    "answering as CGI");
	if (auth_sandbox_enter(sandbox_kind(ep), cfg) != 0)
		return -1;
	auth_cgi_request(&cgi, STDIN_FILENO, STDOUT_FILENO, environ, &fr);
	dispatch(ep, ctx, &fr);
	return auth_cgi_finish(&cgi);
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
	int rc = 1;

	(void)argc;
	memset(&ctx, 0, sizeof(ctx));
	auth_log_init(ep->name);
	if (auth_sandbox_refuse_root(argv[0]) != 0 ||
	    setup(ep, &cfg, &ctx, &kr, seal_key) != 0)
		goto out;
	auth_log_info(NULL, "started: authd %s", AUTH_VERSION);
	if (auth_rl_off())
		auth_log_error(NULL, "rate_limits = off: no request is rate "
		    "limited and no login is delayed");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: accept() returns */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (auth_cgi_mode()) {
		rc = serve_cgi(ep, &ctx, &cfg) == 0 ? 0 : 1;
		goto out;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, 0, 0) != 0) {
		auth_log_error(NULL, "FastCGI initialisation failed");
		goto out;
	}
	if (auth_sandbox_enter(sandbox_kind(ep), &cfg) != 0)
		goto out;
	while (FCGX_Accept_r(&fr) >= 0) {
		keys_refresh(ep, &ctx, &kr);
		dispatch(ep, &ctx, &fr);
		FCGX_Finish_r(&fr);
	}
	FCGX_Free(&fr, 1);
	rc = 0;
out:
	auth_keyring_free(kr);
	auth_wipe(seal_key, sizeof(seal_key));
	auth_db_close();
	auth_redis_close();
	auth_metric_close();
	return rc;
}

struct auth_client
auth_endpoint_client(const struct auth_req *req)
{
	struct auth_client cl;

	cl.ip = req->client_ip[0] != '\0' ? req->client_ip : NULL;
	cl.user_agent = req->user_agent;
	cl.request_id = req->request_id;
	return cl;
}

enum auth_err
auth_endpoint_email_202(struct auth_ctx *ctx, struct auth_req *req,
    struct auth_resp *rs, unsigned f, auth_email_flow flow,
    const char *status)
{
	const struct auth_str *email = req->field[f];
	struct auth_client cl = auth_endpoint_client(req);
	json_object *j;
	enum auth_err e;

	e = flow(ctx, &cl, email->p, email->len);
	if (e != AUTH_OK)
		return e;
	j = auth_http_json_object();
	auth_http_json_add_str(j, "status", status);
	auth_http_resp_json(rs, 202, j);
	return AUTH_OK;
}

void
auth_endpoint_tokens(struct auth_req *req, struct auth_resp *rs,
    struct auth_tokens *t)
{
	snprintf(req->user_id, sizeof(req->user_id), "%s", t->user_id);
	auth_http_resp_tokens(rs, t->access, t->expires_in, t->refresh,
	    t->refresh_expires_in);
	auth_tokens_clear(t);
}

long
auth_endpoint_refresh_token(const struct auth_ctx *ctx,
    const struct auth_req *req, char *buf, size_t bufsz, const char **tok,
    bool *from_cookie)
{
	const struct auth_str *f = auth_http_field(req, "refresh_token");
	long n;

	*from_cookie = false;
	if (f != NULL) {
		*tok = f->p;
		return (long)f->len;
	}
	if ((n = auth_http_cookie_get(req, AUTH_COOKIE_REFRESH,
	    auth_http_cookie_secure(ctx->cfg), buf, bufsz)) >= 0) {
		*tok = buf;
		*from_cookie = true;
		return n;
	}
	return -1;
}

enum auth_err
auth_endpoint_page(const struct auth_ctx *ctx, struct auth_resp *rs,
    int status, const char *name, const struct auth_tmpl_var *vars,
    size_t nvars)
{
	return auth_endpoint_page_with(ctx, rs, status, name, vars, nvars,
	    NULL, 0);
}

enum auth_err
auth_endpoint_page_titled(const struct auth_ctx *ctx, struct auth_resp *rs,
    int status, const char *name, const char *title)
{
	const struct auth_tmpl_var v = { "title", title };

	return auth_endpoint_page(ctx, rs, status, name, &v, 1);
}

enum auth_err
auth_endpoint_page_with(const struct auth_ctx *ctx, struct auth_resp *rs,
    int status, const char *name, const struct auth_tmpl_var *vars,
    size_t nvars, const struct auth_tmpl_var *html, size_t nhtml)
{
	char dir[AUTH_PATH_MAX + 8];
	enum auth_err e;

	if (auth_endpoint_pages_dir(ctx, dir, sizeof(dir)) != 0)
		return AUTH_ERR_INTERNAL;
	e = auth_http_page_with(rs, status, dir, name, vars, nvars, html,
	    nhtml);
	if (e == AUTH_OK && auth_http_cookie_secure(ctx->cfg))
		auth_resp_header(rs, "Strict-Transport-Security",
		    "max-age=31536000");
	return e;
}
