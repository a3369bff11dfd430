/*
 * The accept loop every executable shares. A cgi-bin file declares one
 * struct auth_endpoint and calls auth_endpoint_main().
 */
#ifndef AUTH_ENDPOINT_H
#define AUTH_ENDPOINT_H

#include <stdbool.h>

#include "config.h"
#include "flows.h"
#include "http.h"
#include "rl.h"

#define AUTH_LIMITS_MAX	4

/* Field validators run before the handler; they return NULL or a reason. */
typedef const char *(*auth_validator)(const char *s, size_t len);

struct auth_field_spec {
	const char	*name;
	bool		 required;
	size_t		 max_len;	/* bytes */
	auth_validator	 validate;	/* may be NULL */
};

enum auth_keys_need {
	AUTH_KEYS_NONE = 0,
	AUTH_KEYS_VERIFY,
	AUTH_KEYS_SIGN,
};

typedef enum auth_err (*auth_handler)(struct auth_ctx *ctx,
	    struct auth_req *req, struct auth_resp *resp);

struct auth_endpoint {
	const char		*name;		/* for logs: "login" */
	const char		*path;		/* exact path served, e.g. "/auth/login" */
	const char		*path2;		/* optional second path (a page), or NULL */
	bool			 path_prefix;	/* path matches as a prefix ("/auth/sessions/") */
	unsigned		 methods;	/* AUTH_M(AUTH_POST) | ... */
	const struct auth_field_spec *fields;	/* terminated by {NULL} */
	enum auth_keys_need	 keys;
	bool			 needs_db;
	bool			 needs_seal;	/* outbox key */
	bool			 bearer;	/* Bearer token required */
	bool			 hash_passwords;/* call auth_pw_init at start */
	bool			 authorizer;	/* FastCGI AUTHORIZER role: any path
						   and method, no body, no limits;
						   the handler's 200 passes only
						   its Variable-* headers */
	/*
	 * Rate limits, NULL-terminated: AUTH_RL_IP rules are counted before the
	 * body is read, AUTH_RL_ACCOUNT rules by the "email" field once it is
	 * valid; AUTH_RL_SESSION rules are the flows' own.
	 */
	const struct auth_rl_rule *limits[AUTH_LIMITS_MAX];
	auth_handler		 handler;
};

/* Runs the FastCGI accept loop; returns the process exit status. */
int	auth_endpoint_main(const struct auth_endpoint *ep, int argc,
	    char **argv);

/* The client context of a request, for sessions and audit events. */
struct auth_client auth_req_client(const struct auth_req *req);

/* Sets a 200 token-pair body (login, refresh), names the user in the log
 * line, and wipes t. */
void	auth_resp_tokens(struct auth_req *req, struct auth_resp *rs,
	    struct auth_tokens *t);

/*
 * The refresh token of a request: the body field refresh_token, else the
 * refresh cookie (copied into buf). Returns its length and points *tok at
 * it, or -1 if neither was sent.
 */
long	auth_req_refresh_token(const struct auth_req *req, char *buf,
	    size_t bufsz, const char **tok);
#define AUTH_REFRESH_COOKIE	"refresh_token"
/* Longest refresh_token accepted, from the body or the cookie. */
#define AUTH_REFRESH_TOKEN_MAX	512

/* Sets a 422 naming field with reason; returns AUTH_ERR_VALIDATION. */
enum auth_err auth_resp_field_error(struct auth_resp *rs, const char *field,
	    const char *reason);
/* The same with "is required". */
enum auth_err auth_resp_missing(struct auth_resp *rs, const char *field);

/* Common validators. */
const char *auth_valid_email(const char *s, size_t len);

#endif
