/*
 * Request parsing and response writing. A request's body is read with the
 * configured limit, parsed (JSON or form encoding) into one field lookup;
 * responses are built in a struct auth_resp and written once by endpoint.c.
 */
#ifndef AUTH_HTTP_H
#define AUTH_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "base_err.h"

#define AUTH_REQUEST_ID_MAX	64
#define AUTH_IP_MAX		46
#define AUTH_FIELDS_MAX		8
#define AUTH_HEADERS_MAX	2048

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

/* A body field after validation: present, of string type, within bounds. */
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
	char		 user_id[37];	/* set by handlers for the log line */
	char		**envp;		/* FastCGI params, borrowed */
};

struct auth_resp {
	int		 status;
	json_object	*json;		/* owned; written as the body if set */
	char		*raw;		/* owned; body if json is NULL */
	size_t		 raw_len;
	const char	*content_type;	/* default application/json */
	char		 headers[AUTH_HEADERS_MAX];	/* extra "Name: value\r\n" lines */
	size_t		 headers_len;
	bool		 cacheable;	/* omit Cache-Control: no-store */
	enum auth_err	 err;		/* for the log line */
};

/* Parameter lookup in the FastCGI environment; NULL if absent. */
const char *auth_req_param(const struct auth_req *r, const char *name);

/* Field value by name (only fields declared by the endpoint); NULL if absent. */
const struct auth_str *auth_req_field(const struct auth_req *r,
	    const char *name);

/*
 * Looks up a query-string parameter; decodes it into buf (bufsz bytes,
 * NUL-terminated). Returns the decoded length, or -1 if absent, malformed
 * or too long.
 */
long	auth_req_query(const struct auth_req *r, const char *name, char *buf,
	    size_t bufsz);

/*
 * Finds cookie name in the Cookie header; copies its value into buf.
 * Returns the value length, or -1 if absent or too long.
 */
long	auth_req_cookie(const struct auth_req *r, const char *name, char *buf,
	    size_t bufsz);

/*
 * Extracts the Bearer token from Authorization. Returns its length and
 * points *tok at it, or -1 if the header is absent or not a Bearer token.
 */
long	auth_req_bearer(const struct auth_req *r, const char **tok);

/* Body parsing (used by endpoint.c; exposed for tests and the fuzzers). */
bool	auth_utf8_valid(const char *s, size_t len);
/* Strict decimal parse of the whole string into [0, max]. 0, or -1. */
int	auth_parse_ulong(const char *s, unsigned long max, unsigned long *out);
/*
 * Decodes application/x-www-form-urlencoded body into NUL-separated
 * name/value pairs in *buf, of *bufsz bytes (owned by the caller, who wipes
 * and frees it); calls fn for each pair. Returns 0, or -1 if malformed (bad
 * %-escape, NUL, invalid UTF-8; *buf is then NULL).
 */
int	auth_form_parse(const char *body, size_t len, char **buf,
	    size_t *bufsz, int (*fn)(void *arg, const char *k, size_t klen,
	    const char *v, size_t vlen), void *arg);
/*
 * Parses a JSON object body; NULL if malformed or not an object. The
 * tokener's copies of the strings it decoded are wiped before it is freed.
 */
json_object *auth_json_parse(const char *body, size_t len);

/*
 * Zeroes the bytes of every string value in j, recursively (not the keys):
 * call it before the last json_object_put of an object that held passwords
 * or tokens, since json-c frees without clearing. NULL is allowed.
 */
void	auth_json_burn(json_object *j);

/* Response helpers. */
void	auth_resp_init(struct auth_resp *rs);
void	auth_resp_free(struct auth_resp *rs);
/* Sets a JSON body (takes ownership of j). */
void	auth_resp_json(struct auth_resp *rs, int status, json_object *j);
/* Sets a problem+json body for e; errors (owned, may be NULL) is the
 * per-field errors object of a 422. */
void	auth_resp_problem(struct auth_resp *rs, enum auth_err e,
	    json_object *errors);
/* Sets an HTML body (copied). */
int	auth_resp_html(struct auth_resp *rs, int status, const char *html,
	    size_t len);
/* Adds a header; refuses (returns -1) names or values with CR, LF or NUL,
 * or when the buffer is full. */
int	auth_resp_header(struct auth_resp *rs, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Sets a complete HTML page (title and body already safe HTML) with the
 * headers every page of ours carries: a strict Content-Security-Policy,
 * no Referer (links carry tokens) and no framing. AUTH_OK or
 * AUTH_ERR_INTERNAL if it does not fit.
 */
enum auth_err auth_resp_page(struct auth_resp *rs, int status,
	    const char *title, const char *body);

/* Appends s to b escaped for HTML text or attribute context. */
int	auth_html_escape(const char *s, size_t len, char *out, size_t outsz);


/* ---- client address ------------------------------------------------------ */

#define AUTH_CIDRS_MAX	32

struct auth_cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	unsigned	bits;
};

/*
 * Parses a comma-separated CIDR list ("127.0.0.1/32, ::1/128"; a bare
 * address means a single host) into out. Returns the count, or -1 if an
 * entry is malformed or there are more than max.
 */
int	auth_cidr_parse_list(const char *s, struct auth_cidr *out, size_t max);

/* True if the textual address ip lies in one of the n ranges. */
bool	auth_cidr_match(const struct auth_cidr *list, size_t n, const char *ip);

/*
 * The client's address: remote (REMOTE_ADDR), unless it is a trusted
 * proxy; then the right-most X-Forwarded-For entry that is not trusted
 * (an unparsable entry stops the walk at the last trusted hop).
 */
void	auth_client_ip(const struct auth_cidr *trusted, size_t n,
	    const char *remote, const char *xff, char out[AUTH_IP_MAX + 1]);
#endif
