/*
 * The project-wide result type and its one mapping to HTTP, and the one
 * formatter of one-line reasons into a caller's err/errlen buffer.
 */
#ifndef AUTH_BASE_ERR_H
#define AUTH_BASE_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum auth_err {
	AUTH_OK = 0,
	AUTH_ERR_MALFORMED_BODY,	/* 400 malformed_body */
	AUTH_ERR_INVALID_TOKEN,		/* 400 invalid_token (email tokens) */
	AUTH_ERR_INVALID_CURSOR,	/* 400 invalid_cursor (admin listing) */
	AUTH_ERR_INVALID_CREDENTIALS,	/* 401 invalid_credentials */
	AUTH_ERR_INVALID_REFRESH_TOKEN,	/* 401 invalid_refresh_token */
	AUTH_ERR_UNAUTHORIZED,		/* 401 unauthorized (Bearer missing/invalid) */
	AUTH_ERR_EMAIL_NOT_VERIFIED,	/* 403 email_not_verified */
	AUTH_ERR_ACCOUNT_DISABLED,	/* 403 account_disabled */
	AUTH_ERR_FORBIDDEN,		/* 403 forbidden */
	AUTH_ERR_CSRF_FAILED,		/* 403 csrf_failed (cookie-authenticated) */
	AUTH_ERR_NOT_FOUND,		/* 404 not_found */
	AUTH_ERR_METHOD_NOT_ALLOWED,	/* 405 method_not_allowed */
	AUTH_ERR_EMAIL_TAKEN,		/* 409 email_taken */
	AUTH_ERR_PAYLOAD_TOO_LARGE,	/* 413 payload_too_large */
	AUTH_ERR_UNSUPPORTED_MEDIA_TYPE,/* 415 unsupported_media_type */
	AUTH_ERR_VALIDATION,		/* 422 validation_failed */
	AUTH_ERR_RATE_LIMITED,		/* 429 rate_limited */
	AUTH_ERR_INTERNAL,		/* 500 internal_error */
	AUTH_ERR_UNAVAILABLE,		/* 503 service_unavailable */
	AUTH_ERR__MAX
};

struct auth_err_info {
	int		 status;	/* HTTP status */
	const char	*code;		/* stable, machine-readable */
	const char	*title;		/* HTTP reason phrase style title */
	const char	*detail;	/* default human-readable detail */
};

/* Returns the table row for e; never NULL (out-of-range maps to internal). */
const struct auth_err_info *auth_err_info(enum auth_err e);

/* Reason phrase for an HTTP status code ("OK", "Not Found", ...). */
const char *auth_http_reason(int status);

/* Formats a one-line reason into err (errlen bytes); err NULL or 0: nothing. */
void	auth_errf(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Prints "prog: <message>\n" to stderr (the tools' error lines). */
void	auth_vwarnx(const char *prog, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

#endif
