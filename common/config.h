/*
 * Service configuration: one struct, filled from the `key = value` file named
 * by AUTH_CONFIG, each key overridable by an AUTH_<KEY> environment variable
 * (e.g. AUTH_DATABASE_URL). Validated once at start.
 */
#ifndef AUTH_CONFIG_H
#define AUTH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define AUTH_PATH_MAX	1024

enum auth_jwt_alg {
	AUTH_JWT_ES256 = 0,
	AUTH_JWT_HS256,
	AUTH_JWT_RS256,
	AUTH_JWT_ALG__MAX
};

enum auth_signup_existing {
	AUTH_SIGNUP_CONCEAL = 0,	/* 202 for new and existing alike */
	AUTH_SIGNUP_REVEAL,		/* 201 / 409 */
	AUTH_SIGNUP_EXISTING__MAX
};

enum auth_mail_transport {
	AUTH_MAIL_FILE = 0,		/* .eml files in mail_file_dir */
	AUTH_MAIL_SMTP,			/* to smtp_url */
	AUTH_MAIL_TRANSPORT__MAX
};

enum auth_smtp_tls {
	AUTH_SMTP_STARTTLS = 0,		/* smtp://: STARTTLS required */
	AUTH_SMTP_TLS_NONE,		/* plain text, for a local relay only */
	AUTH_SMTP_TLS__MAX
};

struct auth_config {
	char		database_url[1024];	/* libpq conninfo or URI */
	char		redis_url[256];		/* redis://host:port[/db] or unix:/path */
	unsigned	redis_timeout_ms;	/* connect and command timeout */
	char		public_url[256];	/* base of links in emails, no trailing / */
	char		issuer[256];		/* JWT iss */
	char		audience[256];		/* JWT aud */
	enum auth_jwt_alg jwt_alg;		/* signing algorithm (see keys.h) */
	char		keys_dir[AUTH_PATH_MAX];	/* ES256/RS256 key files (keys.h) */
	char		hs256_secret_file[AUTH_PATH_MAX];/* HS256 secret, >= 32 bytes */
	char		outbox_key_file[AUTH_PATH_MAX];	/* 32-byte key sealing outbox payloads */
	long		access_ttl;		/* seconds, default 300 */
	long		refresh_ttl;		/* seconds, default 14 days */
	long		session_max_lifetime;	/* seconds, default 30 days */
	long		refresh_reuse_leeway;	/* seconds, default 10; 0 = off */
	long		clock_leeway;		/* seconds, default 30 */
	long		verify_ttl;		/* seconds, default 24 h */
	long		reset_ttl;		/* seconds, default 1 h */
	unsigned	password_cost;		/* yescrypt cost 1..11, default 5 */
	char		cracklib_dict[AUTH_PATH_MAX];	/* cracklib dictionary prefix */
	size_t		max_body;		/* bytes, default 16384 */
	enum auth_signup_existing signup_existing;
	char		trusted_proxies[1024];	/* CIDR list, comma separated */
	char		log_level[16];		/* "info" (default) or "debug" */
	char		rate_limits[1024];	/* "rule=limit/period, ..." (ratelimit.h) */
	unsigned	login_lockout_threshold;/* failed logins before delays, default 5 */
	unsigned	login_lockout_max;	/* longest login delay, seconds, default 900 */
	/* outgoing mail (tools/auth-mailer) */
	enum auth_mail_transport mail_transport;/* file (default) or smtp */
	char		mail_file_dir[AUTH_PATH_MAX];	/* where the file transport writes */
	char		mail_templates_dir[AUTH_PATH_MAX];/* NAME.txt and NAME.html */
	char		mail_from[256];		/* "a@b" or "Name <a@b>" */
	char		smtp_url[256];		/* smtp://host[:port] or smtps://... */
	enum auth_smtp_tls smtp_tls;		/* for smtp://: starttls (default) or none */
	char		smtp_user[256];		/* AUTH user; empty: no AUTH */
	char		smtp_password_file[AUTH_PATH_MAX];/* its password (first line) */
	long		smtp_timeout;		/* seconds per message, default 60 */
	unsigned	mail_max_attempts;	/* attempts before failed, default 10 */
	long		mail_retry_base;	/* first retry delay, seconds, default 60 */
	long		mail_retry_max;		/* longest retry delay, default 3600 */
	long		mail_poll_interval;	/* seconds between polls, default 30 */
	long		mail_claim_timeout;	/* lease of a claimed message, default 600 */
};

/* Fills cfg with the documented defaults. */
void	auth_config_defaults(struct auth_config *cfg);

/*
 * Loads defaults, then the file at path (NULL: $AUTH_CONFIG; neither set:
 * defaults and environment only), then AUTH_* environment overrides, then
 * validates. Returns 0, or -1 with a one-line reason in err.
 */
int	auth_config_load(struct auth_config *cfg, const char *path,
	    char *err, size_t errlen);

/* Names for logs and the tools. */
const char *auth_jwt_alg_name(enum auth_jwt_alg alg);

#endif
