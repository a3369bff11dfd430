/*
 * The accept loop every executable shares. A cgi-bin file is a field enum,
 * a field table indexed by it, a route table and its handlers, gathered in
 * one struct auth_endpoint handed to auth_endpoint_main().
 */
#ifndef AUTH_ENDPOINT_H
#define AUTH_ENDPOINT_H

#include <stdbool.h>

#include "config.h"
#include "flow.h"
#include "http_auth.h"
#include "http_json.h"
#include "http_page.h"
#include "http_req.h"
#include "http_resp.h"
#include "rl.h"

#define AUTH_LIMITS_MAX	4

/* The entries of a table (a static array). */
#define AUTH_NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
/* The bit of field f of the field enum, for auth_route.required. */
#define AUTH_F(f)	(1u << (f))

/* The designated initialisers of struct auth_endpoint for the route
 * table alone, and for a field table (indexed by its enum) and routes. */
#define AUTH_ENDPOINT_ROUTES(r)						\
	.routes = (r),							\
	.nroutes = AUTH_NITEMS(r)
#define AUTH_ENDPOINT_TABLES(f, r)					\
	.fields = (f),							\
	.nfields = AUTH_NITEMS(f),					\
	AUTH_ENDPOINT_ROUTES(r)
/* The main() of a cgi-bin executable serving endpoint ep. */
#define AUTH_ENDPOINT_MAIN(ep)						\
int									\
main(int argc, char **argv)						\
{									\
	return auth_endpoint_main(&(ep), argc, argv);			\
}

enum auth_keys_need {
	AUTH_KEYS_NONE = 0,
	AUTH_KEYS_VERIFY,
	AUTH_KEYS_SIGN,
};

typedef enum auth_err (*auth_handler)(struct auth_ctx *ctx,
	    struct auth_req *req, struct auth_resp *rs);

/*
 * One route: a path (with arg, the path and one more segment "/{id}",
 * which arg_ok accepts, in req->path_arg; or, with arg and a path holding
 * "*" segments, a pattern whose stars arg_ok accepts, in req->path_arg and
 * req->path_arg2), the methods it answers, the
 * fields it requires and its handler. A path whose routes do not take the
 * method is a 405 with their methods in Allow; a path of no route, a 404.
 */
struct auth_route {
	const char	*path;
	bool		 arg;
	bool		(*arg_ok)(const char *s, size_t len); /* or NULL */
	unsigned	 methods;	/* AUTH_M(AUTH_POST) | ... */
	unsigned	 required;	/* AUTH_F(F_EMAIL) | ... */
	auth_handler	 handler;
};

struct auth_endpoint {
	const char		*name;		/* for logs: "login" */
	const struct auth_field_spec *fields;	/* indexed by the field enum */
	size_t			 nfields;
	const struct auth_route	*routes;
	size_t			 nroutes;
	enum auth_keys_need	 keys;
	bool			 needs_db;
	bool			 needs_seal;	/* outbox key */
	bool			 needs_hmac;	/* hmac_key_file (hmac.h) */
	bool			 bearer;	/* Bearer token required */
	bool			 hash_passwords;/* call auth_pw_init at start */
	/* FastCGI AUTHORIZER role: any path and method, no body, no limits;
	 * the first route's handler's 200 passes only its Variable-* headers */
	bool			 authorizer;
	/* Browser pages: every error of every route is answered with a page
	 * (routes outside /auth/ and /.well-known/ are pages anyway). */
	bool			 pages;
	/* Its GETs only show forms and change nothing: not counted by the
	 * IP limits. */
	bool			 free_gets;
	/*
	 * Rate limits, NULL-terminated: AUTH_RL_IP rules are counted before the
	 * body is read, AUTH_RL_ACCOUNT rules by the "email" field once it is
	 * valid; AUTH_RL_SESSION rules are the flows' own.
	 */
	const struct auth_rl_rule *limits[AUTH_LIMITS_MAX];
	/*
	 * Its AUTH_RL_IP rules go with the request's next check (its account
	 * rules, its flow's own rule, or the login gate) in one Redis call,
	 * or are counted after the handler when none came; a refusal then
	 * replaces the answer. Only for a handler that changes nothing before
	 * its own check.
	 */
	bool			 defer_ip;
};

/* Runs the FastCGI accept loop; returns the process exit status. */
int	auth_endpoint_main(const struct auth_endpoint *ep, int argc,
	    char **argv);

/* The client context of a request, for sessions and audit events. */
struct auth_client auth_endpoint_client(const struct auth_req *req);

/* A flow taking the client and an email address (forgot, resend). */
typedef enum auth_err (*auth_email_flow)(const struct auth_ctx *ctx,
	    const struct auth_client *cl, const char *email, size_t email_len);

/* Runs flow on the request's email field f; on AUTH_OK a 202 with
 * {"status": status}, the same whether or not the address has an account. */
enum auth_err auth_endpoint_email_202(struct auth_ctx *ctx,
	    struct auth_req *req, struct auth_resp *rs, unsigned f,
	    auth_email_flow flow, const char *status);

/* Sets a 200 token-pair body (login, refresh), names the user in the log
 * line, and wipes t. */
void	auth_endpoint_tokens(struct auth_req *req, struct auth_resp *rs,
	    struct auth_tokens *t);

/*
 * The refresh token of a request: the body field refresh_token, else the
 * refresh cookie (copied into buf; *from_cookie set). Returns its length
 * and points *tok at it, or -1 if neither was sent.
 */
long	auth_endpoint_refresh_token(const struct auth_ctx *ctx,
	    const struct auth_req *req, char *buf, size_t bufsz,
	    const char **tok, bool *from_cookie);
/* Longest refresh_token accepted, from the body or the cookie. */
#define AUTH_REFRESH_TOKEN_MAX	512

/*
 * Checks the fields of req against the endpoint's table: the route's
 * required ones present, lengths, validators. Adds to *errors.
 */
void	auth_endpoint_validate(const struct auth_endpoint *ep,
	    const struct auth_route *rt, const struct auth_req *req,
	    json_object **errors);

/*
 * Sets page name (NAME.html of pages_dir, by default templates/pages under
 * mail_templates_dir) rendered with vars as the body of rs, with
 * Strict-Transport-Security when public_url is https. AUTH_OK or
 * AUTH_ERR_INTERNAL.
 */
enum auth_err auth_endpoint_page(const struct auth_ctx *ctx,
	    struct auth_resp *rs, int status, const char *name,
	    const struct auth_tmpl_var *vars, size_t nvars);

/* auth_endpoint_page with the one value "title". */
enum auth_err auth_endpoint_page_titled(const struct auth_ctx *ctx,
	    struct auth_resp *rs, int status, const char *name,
	    const char *title);

/* auth_endpoint_page with the values html too, HTML already. */
enum auth_err auth_endpoint_page_with(const struct auth_ctx *ctx,
	    struct auth_resp *rs, int status, const char *name,
	    const struct auth_tmpl_var *vars, size_t nvars,
	    const struct auth_tmpl_var *html, size_t nhtml);

/* Field validators. */
const char *auth_valid_email(const char *s, size_t len);

#endif
