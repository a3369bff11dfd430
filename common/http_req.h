/*
 * A request as the endpoint loop sees it: the FastCGI params, the path and
 * query, and the body's fields, kept in an array indexed by the endpoint's
 * field enum (req->field[F_EMAIL]).
 */
#ifndef AUTH_HTTP_REQ_H
#define AUTH_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#define AUTH_REQUEST_ID_MAX	64
#define AUTH_IP_MAX		46
#define AUTH_FIELDS_MAX		8

enum auth_method {
	AUTH_GET = 0,
	AUTH_HEAD,
	AUTH_POST,
	AUTH_PUT,
	AUTH_PATCH,
	AUTH_DELETE,
	AUTH_OPTIONS,
	AUTH_METHOD_OTHER,
	AUTH_METHOD__MAX
};
#define AUTH_M(m)	(1u << (m))

/* A string from the request: pointer and length (no embedded NUL). */
struct auth_str {
	const char	*p;
	size_t		 len;
};

/* Field validators run before the handler; they return NULL or a reason. */
typedef const char *(*auth_validator)(const char *s, size_t len);

/* The "*" segments of a pattern route: how many, and their longest. */
#define AUTH_PATH_ARGS		2
#define AUTH_PATH_ARG_MAX	64

/* One entry of an endpoint's field table, indexed by its field enum. */
struct auth_field_spec {
	const char	*name;
	size_t		 max_len;	/* bytes */
	auth_validator	 validate;	/* may be NULL */
};

/* A body field after extraction: present, of string type. */
struct auth_field {
	const char	*name;
	struct auth_str	 val;
	bool		 present;
};

struct auth_req {
	enum auth_method method;
	const char	*method_name;
	const char	*path;		/* request path without query */
	const char	*query;		/* may be "" */
	const char	*path_arg;	/* the {id} of a route, or NULL */
	const char	*path_arg2;	/* a pattern route's second segment */
	char		 path_args[AUTH_PATH_ARGS][AUTH_PATH_ARG_MAX + 1];
	const char	*user_agent;	/* may be NULL */
	const char	*authorization;	/* may be NULL */
	const char	*cookie;	/* raw Cookie header, may be NULL */
	char		 request_id[AUTH_REQUEST_ID_MAX + 1];
	char		 client_ip[AUTH_IP_MAX + 1];
	bool		 form;		/* body was form encoded (browser post) */
	char		*body;		/* owned, NUL-terminated, body_len bytes */
	size_t		 body_len;
	json_object	*json;		/* owned, parsed JSON body or NULL */
	char		*form_buf;	/* owned, decoded form pairs */
	size_t		 form_buf_len;
	struct auth_field fields[AUTH_FIELDS_MAX];
	size_t		 nfields;
	/* field[i]: the value of field i of the table if sent, else NULL */
	const struct auth_str *field[AUTH_FIELDS_MAX];
	char		 user_id[37];	/* set by handlers for the log line */
	char		**envp;		/* FastCGI params, borrowed */
};

/* The name of method m ("GET"), or "OTHER". */
const char *auth_http_method_name(enum auth_method m);
/* The method named m; AUTH_METHOD_OTHER if none (or m is NULL). */
enum auth_method auth_http_method_parse(const char *m);

/* Parameter lookup in the FastCGI environment; NULL if absent. */
const char *auth_http_param(const struct auth_req *r, const char *name);

/* Field value by name (only fields declared by the endpoint); NULL if absent. */
const struct auth_str *auth_http_field(const struct auth_req *r,
	    const char *name);

/*
 * Looks up a query-string parameter; decodes it into buf (bufsz bytes,
 * NUL-terminated). Returns the decoded length, or -1 if absent, malformed
 * or too long.
 */
long	auth_http_query(const struct auth_req *r, const char *name, char *buf,
	    size_t bufsz);

/* Wipes and frees what the request owns (body, JSON, decoded pairs). */
void	auth_http_req_free(struct auth_req *r);

#endif
