/*
 * The accept loop every executable shares. A cgi-bin file declares one
 * struct auth_endpoint and calls auth_endpoint_main().
 */
#ifndef AUTH_ENDPOINT_H
#define AUTH_ENDPOINT_H

#include <stdbool.h>

#include "config.h"
#include "http.h"
#include "jwt.h"
#include "keys.h"

/* What every handler can use: configuration and keys, loaded once. */
struct auth_ctx {
	const struct auth_config	*cfg;
	const struct auth_keyring	*keys;		/* NULL if the endpoint needs none */
	const unsigned char		*seal_key;	/* NULL unless needs_seal */
	long long			 now;		/* request time, seconds */
	struct auth_jwt_claims		 bearer;	/* filled when auth_bearer */
};

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
	auth_handler		 handler;
};

/* Runs the FastCGI accept loop; returns the process exit status. */
int	auth_endpoint_main(const struct auth_endpoint *ep, int argc,
	    char **argv);

/* Common validators. */
const char *auth_valid_email(const char *s, size_t len);
const char *auth_valid_token(const char *s, size_t len);

#endif
