/*
 * Logging: one JSON line per request and JSON error lines, on stderr (the web
 * server's error log). Never pass a secret to any of these.
 */
#ifndef AUTH_LOG_H
#define AUTH_LOG_H

#include "config.h"

/* The release (configure's AC_INIT), in --version and each start line. */
#ifdef PACKAGE_VERSION
#define AUTH_VERSION	PACKAGE_VERSION
#else
#define AUTH_VERSION	"unknown"
#endif

/* Names the process in every line ("login"). */
void	auth_log_init(const char *endpoint);

/* One line per request. user_id and ip (the client's address, as the
 * trusted-proxy rules give it) may be "" or NULL. */
void	auth_log_request(const char *request_id, const char *method,
	    const char *path, int status, const char *code,
	    long long duration_us, const char *user_id, const char *ip);

/* An error or notice line; request_id may be NULL. */
void	auth_log_error(const char *request_id, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	auth_log_info(const char *request_id, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* The key log_level. */
extern const struct auth_cfg_module auth_log_cfg;

#endif
