/*
 * Responses: status, headers (checked for CR, LF and NUL), JSON,
 * problem+json and HTML bodies, written once per request.
 */
#include "http_resp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_json.h"
#include "base_codec.h"
#include "base_secret.h"

void
auth_resp_init(struct auth_resp *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->status = 500;
}

/* Frees the body, wiped first: it may carry tokens (a login's answer, a
 * page with a one-time token in its form). */
static void
auth_resp_drop_body(struct auth_resp *rs)
{
	auth_http_json_drop(&rs->json);
	if (rs->raw != NULL)
		auth_wipe(rs->raw, rs->raw_len);
	free(rs->raw);
	rs->raw = NULL;
	rs->raw_len = 0;
}

void
auth_resp_free(struct auth_resp *rs)
{
	if (rs == NULL)
		return;
	auth_resp_drop_body(rs);
	auth_resp_init(rs);		/* zeroes the extra headers too */
}

void
auth_http_resp_json(struct auth_resp *rs, int status, json_object *j)
{
	auth_resp_drop_body(rs);
	rs->json = j;
	rs->status = status;
	rs->content_type = "application/json";
}

void
auth_http_resp_problem(struct auth_resp *rs, enum auth_err e,
    json_object *errors)
{
	const struct auth_err_info *ei = auth_err_info(e);
	json_object *j;

	j = auth_http_json_object();
	auth_http_json_add_str(j, "type", "about:blank");
	auth_http_json_add_str(j, "title", ei->title);
	auth_http_json_add_int(j, "status", ei->status);
	auth_http_json_add_str(j, "detail", ei->detail);
	auth_http_json_add_str(j, "code", ei->code);
	if (errors != NULL)
		auth_http_json_add(j, "errors", errors);
	auth_http_resp_json(rs, ei->status, j);
	rs->content_type = "application/problem+json";
	rs->err = e;
}

int
auth_http_resp_html(struct auth_resp *rs, int status, const char *html,
    size_t len)
{
	char *copy;

	if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, html, len);
	copy[len] = '\0';
	auth_resp_drop_body(rs);
	rs->raw = copy;
	rs->raw_len = len;
	rs->status = status;
	rs->content_type = "text/html; charset=utf-8";
	return 0;
}

static bool
header_safe(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			return false;
	return true;
}

int
auth_resp_header(struct auth_resp *rs, const char *name, const char *fmt, ...)
{
	char value[4096];
	va_list ap;
	int n, m;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value) ||
	    !header_safe(name, strlen(name)) || strchr(name, ':') != NULL ||
	    !header_safe(value, (size_t)n))
		return -1;
	m = snprintf(rs->headers + rs->headers_len,
	    sizeof(rs->headers) - rs->headers_len, "%s: %s\r\n", name, value);
	if (m < 0 || (size_t)m >= sizeof(rs->headers) - rs->headers_len) {
		rs->headers[rs->headers_len] = '\0';
		return -1;
	}
	rs->headers_len += (size_t)m;
	return 0;
}

void
auth_http_errors_add(json_object **errors, const char *name,
    const char *reason)
{
	if (*errors == NULL)
		*errors = auth_http_json_object();
	if (!json_object_object_get_ex(*errors, name, NULL))
		auth_http_json_add_str(*errors, name, reason);
}

enum auth_err
auth_http_resp_field_error(struct auth_resp *rs, const char *field,
    const char *reason)
{
	json_object *errors = NULL;

	auth_http_errors_add(&errors, field, reason);
	auth_http_resp_problem(rs, AUTH_ERR_VALIDATION, errors);
	return AUTH_ERR_VALIDATION;
}

enum auth_err
auth_http_resp_missing(struct auth_resp *rs, const char *field)
{
	return auth_http_resp_field_error(rs, field, "is required");
}

void
auth_http_resp_tokens(struct auth_resp *rs, const char *access,
    int64_t expires_in, const char *refresh, int64_t refresh_expires_in)
{
	json_object *j = auth_http_json_object();

	auth_http_json_add_str(j, "access_token", access);
	auth_http_json_add_str(j, "token_type", "Bearer");
	auth_http_json_add_int(j, "expires_in", expires_in);
	auth_http_json_add_str(j, "refresh_token", refresh);
	auth_http_json_add_int(j, "refresh_expires_in", refresh_expires_in);
	auth_http_resp_json(rs, 200, j);
}

void
auth_http_resp_write(FCGX_Stream *out, const char *request_id,
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
	FCGX_FPrintF(out, "Status: %d %s\r\n", rs->status,
	    auth_http_reason(rs->status));
	if (body != NULL)
		FCGX_FPrintF(out, "Content-Type: %s\r\n",
		    rs->content_type ? rs->content_type : "application/json");
	FCGX_FPrintF(out, "X-Request-Id: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n", request_id);
	if (!rs->cacheable)
		FCGX_PutS("Cache-Control: no-store\r\n", out);
	if (rs->headers_len > 0)
		FCGX_PutStr(rs->headers, (int)rs->headers_len, out);
	FCGX_PutS("\r\n", out);
	if (body != NULL && body_len > 0)
		FCGX_PutStr(body, (int)body_len, out);
	/* json-c keeps the text in the object and frees it unwiped. */
	if (rs->json != NULL && body != NULL)
		auth_wipe((char *)body, body_len);
}

void
auth_http_resp_write_headers(FCGX_Stream *out, const struct auth_resp *rs)
{
	FCGX_PutS("Status: 200 OK\r\n", out);
	if (rs->headers_len > 0)
		FCGX_PutStr(rs->headers, (int)rs->headers_len, out);
	FCGX_PutS("\r\n", out);
}
