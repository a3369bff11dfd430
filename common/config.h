/*
 * Service configuration: one struct, filled from the `key = value` file named
 * by AUTH_CONFIG, each key overridable by an AUTH_<KEY> environment variable
 * (e.g. AUTH_DATABASE_URL). Validated once at start.
 *
 * The core below knows no module: each module declares its keys (name,
 * type, field, range or names, check, default) in a struct auth_cfg_module,
 * and the programs pass the list of modules to the loader
 * (endpoint_config.h).
 */
#ifndef AUTH_CONFIG_H
#define AUTH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUTH_PATH_MAX	1024

/* Signing algorithms; their names are in jwt.h. */
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
	AUTH_MAIL_SENDMAIL,		/* piped to sendmail_path */
	AUTH_MAIL_TRANSPORT__MAX
};

enum auth_smtp_tls {
	AUTH_SMTP_STARTTLS = 0,		/* smtp://: STARTTLS required */
	AUTH_SMTP_TLS_NONE,		/* plain text, for a local relay only */
	AUTH_SMTP_TLS__MAX
};

/* What sits between the processes and PostgreSQL (db.h). */
enum auth_db_pooler {
	AUTH_DB_POOLER_NONE = 0,	/* PostgreSQL or a session pool */
	AUTH_DB_POOLER_TRANSACTION,	/* e.g. PgBouncer pool_mode=transaction */
	AUTH_DB_POOLER__MAX
};

/* The seccomp filter of the endpoints (endpoint_sandbox.h). */
enum auth_sandbox_mode {
	AUTH_SANDBOX_ON = 0,
	AUTH_SANDBOX_LOG,		/* allowed, logged by the kernel */
	AUTH_SANDBOX_OFF,		/* for debugging only */
	AUTH_SANDBOX__MAX
};

struct auth_config {
	char		database_url[1024];	/* libpq conninfo or URI */
	enum auth_db_pooler database_pooler;	/* none (default) or transaction */
	char		redis_url[256];		/* redis://host:port[/db] or unix:/path */
	unsigned	redis_timeout_ms;	/* connect and command timeout */
	char		redis_password_file[AUTH_PATH_MAX];/* AUTH password (first line) */
	char		redis_sentinels[512];	/* host:port list; "" = redis_url's host */
	char		redis_master_name[128];	/* the sentinels' name of the master */
	char		public_url[256];	/* base of links in emails, no trailing / */
	char		issuer[256];		/* JWT iss */
	char		audience[256];		/* JWT aud */
	enum auth_jwt_alg jwt_alg;		/* signing algorithm (keyring.h) */
	char		keys_dir[AUTH_PATH_MAX];	/* key files (keyring.h) */
	char		hs256_secret_file[AUTH_PATH_MAX];/* HS256 secret, >= 32 bytes */
	char		outbox_key_file[AUTH_PATH_MAX];	/* 32-byte key sealing outbox payloads */
	char		hmac_key_file[AUTH_PATH_MAX];	/* 32-byte key of the service's HMACs */
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
	char		metrics_allow[1024];	/* CIDR list: who may read /auth/metrics */
	char		metrics_file[AUTH_PATH_MAX];	/* the node's counters; "": none */
	char		log_level[16];		/* "info" (default) or "debug" */
	char		rate_limits[1024];	/* "rule=limit/period, ..." rl.h */
	unsigned	login_lockout_threshold;/* failed logins before delays, default 5 */
	char		admin_role[33];		/* role of the admin API, default admin */
	unsigned	login_lockout_max;	/* longest login delay, seconds, default 900 */
	/* outgoing mail (tools/auth-mailer) */
	enum auth_mail_transport mail_transport;/* file (default), smtp, sendmail */
	char		mail_file_dir[AUTH_PATH_MAX];	/* where the file transport writes */
	char		mail_templates_dir[AUTH_PATH_MAX];/* NAME.txt and NAME.html */
	char		mail_from[256];		/* "a@b" or "Name <a@b>" */
	char		sendmail_path[AUTH_PATH_MAX];	/* the sendmail transport's program */
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
	long		mail_backlog_max_age;	/* health: older backlog is degraded, default 900 */
	/* browser pages (endpoint_web.h) */
	char		cors_origins[1024];	/* exact origins, comma separated */
	char		pages_dir[AUTH_PATH_MAX];	/* "": <mail_templates_dir>/pages */
	enum auth_sandbox_mode sandbox;		/* endpoints' seccomp filter, default on */
};

enum auth_cfg_type {
	AUTH_CFG_T_STR = 0,	/* char[size] */
	AUTH_CFG_T_LONG,	/* long */
	AUTH_CFG_T_UINT,	/* unsigned */
	AUTH_CFG_T_SIZE,	/* size_t */
	AUTH_CFG_T_ENUM,	/* an enum stored as int, from names */
	AUTH_CFG_T__MAX
};

/*
 * A per-key check run on every value set; may rewrite the string in place.
 * Returns NULL, or a reason that never contains the value.
 */
typedef const char *(*auth_cfg_check)(char *s);

struct auth_cfg_key {
	const char		*key;
	enum auth_cfg_type	 type;
	size_t			 off;	/* of the field in struct auth_config */
	size_t			 size;	/* buffer size of a string, else 0 */
	unsigned long long	 min, max;
	const char *const	*names;	/* enum names or allowed strings */
	auth_cfg_check		 check;
	const char		*def;	/* default, parsed like any value */
};

/*
 * One module's keys, and its check across them once every key is set:
 * NULL, or a reason, with *key set to the key whose source the reason names.
 */
struct auth_cfg_module {
	const struct auth_cfg_key *keys;
	size_t			 nkeys;
	const char		*(*validate)(const struct auth_config *cfg,
				    const char **key);
};

#define AUTH_CFG_F(f)	offsetof(struct auth_config, f)
#define AUTH_CFG_SZ(f)	sizeof(((struct auth_config *)0)->f)
#define AUTH_CFG_STR(f, chk, def) \
	{ #f, AUTH_CFG_T_STR, AUTH_CFG_F(f), AUTH_CFG_SZ(f), 0, 0, NULL, \
	    chk, def }
#define AUTH_CFG_WORD(f, names, def) \
	{ #f, AUTH_CFG_T_STR, AUTH_CFG_F(f), AUTH_CFG_SZ(f), 0, 0, names, \
	    NULL, def }
#define AUTH_CFG_NUM(f, type, lo, hi, def) \
	{ #f, type, AUTH_CFG_F(f), 0, lo, hi, NULL, NULL, def }
#define AUTH_CFG_ENUM(f, names, def) \
	{ #f, AUTH_CFG_T_ENUM, AUTH_CFG_F(f), 0, 0, 0, names, NULL, def }
#define AUTH_CFG_MODULE(keys, validate) \
	{ keys, sizeof(keys) / sizeof((keys)[0]), validate }

/* Fills cfg with the defaults of the modules in mods (NULL-terminated). */
void	auth_config_defaults_of(struct auth_config *cfg,
	    const struct auth_cfg_module *const *mods);

/*
 * Loads the defaults of mods, then the file at path (NULL: $AUTH_CONFIG;
 * neither set: defaults and environment only), then AUTH_* environment
 * overrides, then each module's cross-key check. Returns 0, or -1 with a
 * one-line reason in err.
 */
int	auth_config_load_of(struct auth_config *cfg, const char *path,
	    const struct auth_cfg_module *const *mods, char *err,
	    size_t errlen);

/* A check for URLs: http:// or https://, a host, no spaces or quotes. */
const char *auth_cfg_check_http_url(char *s);

#endif
