/* Result codes: their HTTP table, reason phrases, error-line formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "base_err.h"

static const struct auth_err_info err_table[AUTH_ERR__MAX] = {
	[AUTH_OK] = { 200, "ok", "OK", "" },
	[AUTH_ERR_MALFORMED_BODY] = { 400, "malformed_body", "Bad Request",
	    "The request body could not be parsed." },
	[AUTH_ERR_INVALID_TOKEN] = { 400, "invalid_token", "Bad Request",
	    "The token is invalid, expired or already used." },
	[AUTH_ERR_INVALID_CURSOR] = { 400, "invalid_cursor", "Bad Request",
	    "The cursor is not one this service gave out." },
	[AUTH_ERR_INVALID_CREDENTIALS] = { 401, "invalid_credentials",
	    "Unauthorized", "The email or password is incorrect." },
	[AUTH_ERR_INVALID_REFRESH_TOKEN] = { 401, "invalid_refresh_token",
	    "Unauthorized", "The refresh token is invalid, expired or revoked." },
	[AUTH_ERR_UNAUTHORIZED] = { 401, "unauthorized", "Unauthorized",
	    "A valid access token is required." },
	[AUTH_ERR_EMAIL_NOT_VERIFIED] = { 403, "email_not_verified",
	    "Forbidden", "The email address has not been verified yet." },
	[AUTH_ERR_ACCOUNT_DISABLED] = { 403, "account_disabled", "Forbidden",
	    "The account is disabled." },
	[AUTH_ERR_FORBIDDEN] = { 403, "forbidden", "Forbidden",
	    "The access token does not grant this." },
	[AUTH_ERR_CSRF_FAILED] = { 403, "csrf_failed", "Forbidden",
	    "The request did not come from this site's own form." },
	[AUTH_ERR_NOT_FOUND] = { 404, "not_found", "Not Found",
	    "No such resource." },
	[AUTH_ERR_METHOD_NOT_ALLOWED] = { 405, "method_not_allowed",
	    "Method Not Allowed", "This method is not allowed here." },
	[AUTH_ERR_EMAIL_TAKEN] = { 409, "email_taken", "Conflict",
	    "An account with this email address already exists." },
	[AUTH_ERR_PAYLOAD_TOO_LARGE] = { 413, "payload_too_large",
	    "Content Too Large", "The request body is too large." },
	[AUTH_ERR_UNSUPPORTED_MEDIA_TYPE] = { 415, "unsupported_media_type",
	    "Unsupported Media Type", "Send application/json or "
	    "application/x-www-form-urlencoded." },
	[AUTH_ERR_VALIDATION] = { 422, "validation_failed",
	    "Unprocessable Content", "One or more fields are invalid." },
	[AUTH_ERR_RATE_LIMITED] = { 429, "rate_limited", "Too Many Requests",
	    "Too many requests; retry later." },
	[AUTH_ERR_INTERNAL] = { 500, "internal_error",
	    "Internal Server Error", "An unexpected error occurred." },
	[AUTH_ERR_UNAVAILABLE] = { 503, "service_unavailable",
	    "Service Unavailable", "A dependency is unavailable; retry later." },
};

const struct auth_err_info *
auth_err_info(enum auth_err e)
{
	if ((unsigned)e >= AUTH_ERR__MAX)
		e = AUTH_ERR_INTERNAL;
	return &err_table[e];
}

const char *
auth_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void
auth_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void
auth_vwarnx(const char *prog, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}
