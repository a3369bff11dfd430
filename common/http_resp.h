/*
 * Responses: built in a struct auth_resp (status, headers, a JSON,
 * problem+json or HTML body) and written once by auth_http_resp_write.
 */
#ifndef AUTH_HTTP_RESP_H
#define AUTH_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "base_err.h"

#define AUTH_HEADERS_MAX	8192

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

void	auth_resp_init(struct auth_resp *rs);
void	auth_resp_free(struct auth_resp *rs);
/* Sets a JSON body (takes ownership of j). */
void	auth_http_resp_json(struct auth_resp *rs, int status, json_object *j);
/* Sets a problem+json body for e; errors (owned, may be NULL) is the
 * per-field errors object of a 422. */
void	auth_http_resp_problem(struct auth_resp *rs, enum auth_err e,
	    json_object *errors);
/* Sets an HTML body (copied). */
int	auth_http_resp_html(struct auth_resp *rs, int status, const char *html,
	    size_t len);
/* Adds a header; refuses (returns -1) names or values with CR, LF or NUL,
 * or when the buffer is full. */
int	auth_resp_header(struct auth_resp *rs, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Adds name: reason to the 422 errors object *errors (created on first
 * use); a field keeps its first reason.
 */
void	auth_http_errors_add(json_object **errors, const char *name,
	    const char *reason);
/* Sets a 422 naming field with reason; returns AUTH_ERR_VALIDATION. */
enum auth_err auth_http_resp_field_error(struct auth_resp *rs,
	    const char *field, const char *reason);
/* The same with "is required". */
enum auth_err auth_http_resp_missing(struct auth_resp *rs, const char *field);

/* A 200 token-pair body (login, refresh): the strings are copied. */
void	auth_http_resp_tokens(struct auth_resp *rs, const char *access,
	    int64_t expires_in, const char *refresh,
	    int64_t refresh_expires_in);

/*
 * Writes rs to out: status line, content type, request id, the standard
 * headers, the extra headers and the body (a JSON text is wiped after).
 */
void	auth_http_resp_write(FCGX_Stream *out, const char *request_id,
	    const struct auth_resp *rs);

/* Writes the 200 of an authorizer: the status and rs's extra headers. */
void	auth_http_resp_write_headers(FCGX_Stream *out,
	    const struct auth_resp *rs);

#endif
