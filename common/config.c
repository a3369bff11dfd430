/*
 * Configuration loading: one table of keys drives defaults, the file parser,
 * environment overrides and per-key validation.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base_num.h"
#include "config.h"
#include "mail.h"
#include "ratelimit.h"
#include "redis.h"

#ifndef AUTH_CRACKLIB_DICT
#define AUTH_CRACKLIB_DICT	"/var/cache/cracklib/cracklib_dict"
#endif
#ifndef AUTH_TEMPLATES_DIR
#define AUTH_TEMPLATES_DIR	"/usr/local/share/authd/templates"
#endif

#define CFG_LINE_MAX	4096	/* bytes per line, newline excluded */
#define CFG_ENV_MAX	64	/* "AUTH_" plus the longest key */

enum cfg_type {
	CFG_STR = 0,
	CFG_LONG,
	CFG_UINT,
	CFG_SIZE,
	CFG_ENUM,
	CFG_TYPE__MAX
};

/* A per-key check run on every value set; may rewrite a string in place. */
typedef const char *(*cfg_check)(char *s);

struct cfg_key {
	const char		*key;
	enum cfg_type		 type;
	size_t			 off;
	size_t			 size;	/* buffer size of a string, else 0 */
	unsigned long long	 min, max;
	const char *const	*names;	/* enum names or allowed strings */
	cfg_check		 check;
	const char		*def;	/* default, parsed like any value */
};

/* Where a key's current value came from, for error messages. */
struct cfg_src {
	const char	*file;	/* NULL: default or environment */
	unsigned long	 line;
	char		 env[CFG_ENV_MAX];
};

static const char *const jwt_alg_names[] = { "ES256", "HS256", "RS256",
    NULL };
static const char *const signup_names[] = { "conceal", "reveal", NULL };
static const char *const log_level_names[] = { "info", "debug", NULL };
static const char *const transport_names[] = { "file", "smtp", NULL };
static const char *const smtp_tls_names[] = { "starttls", "none", NULL };

_Static_assert(sizeof(transport_names) / sizeof(transport_names[0]) ==
    AUTH_MAIL_TRANSPORT__MAX + 1, "mail_transport names match the enum");
_Static_assert(sizeof(smtp_tls_names) / sizeof(smtp_tls_names[0]) ==
    AUTH_SMTP_TLS__MAX + 1, "smtp_tls names match the enum");
_Static_assert(sizeof(enum auth_mail_transport) == sizeof(int) &&
    sizeof(enum auth_smtp_tls) == sizeof(int), "mail enums stored as int");

_Static_assert(sizeof(jwt_alg_names) / sizeof(jwt_alg_names[0]) ==
    AUTH_JWT_ALG__MAX + 1, "jwt_alg names match the enum");
_Static_assert(sizeof(signup_names) / sizeof(signup_names[0]) ==
    AUTH_SIGNUP_EXISTING__MAX + 1, "signup_existing names match the enum");
_Static_assert(sizeof(enum auth_jwt_alg) == sizeof(int) &&
    sizeof(enum auth_signup_existing) == sizeof(int), "enums stored as int");

static const char *check_http_url(char *);
static const char *check_public_url(char *);
static const char *check_redis_url(char *);
static const char *check_proxies(char *);
static const char *check_rate_limits(char *);
static const char *check_smtp_url(char *);
static const char *check_mail_from(char *);

#define F(f)	offsetof(struct auth_config, f)
#define SZ(f)	sizeof(((struct auth_config *)0)->f)
#define STR(f, chk, def) \
	{ #f, CFG_STR, F(f), SZ(f), 0, 0, NULL, chk, def }
#define NUM(f, type, lo, hi, def) \
	{ #f, type, F(f), 0, lo, hi, NULL, NULL, def }
#define ENUM(f, names, def) \
	{ #f, CFG_ENUM, F(f), 0, 0, 0, names, NULL, def }

static const struct cfg_key cfg_keys[] = {
	STR(database_url, NULL, "dbname=auth"),
	STR(redis_url, check_redis_url, "redis://127.0.0.1:6379"),
	NUM(redis_timeout_ms, CFG_UINT, 1, 60000, "200"),
	STR(public_url, check_public_url, "http://127.0.0.1:8080"),
	STR(issuer, check_http_url, "http://127.0.0.1:8080"),
	STR(audience, NULL, "authd"),
	ENUM(jwt_alg, jwt_alg_names, "ES256"),
	STR(keys_dir, NULL, "/etc/authd/keys"),
	STR(hs256_secret_file, NULL, ""),
	STR(outbox_key_file, NULL, "/etc/authd/outbox.key"),
	NUM(access_ttl, CFG_LONG, 30, 86400, "300"),
	NUM(refresh_ttl, CFG_LONG, 60, 31536000, "1209600"),
	NUM(session_max_lifetime, CFG_LONG, 60, 31536000, "2592000"),
	NUM(refresh_reuse_leeway, CFG_LONG, 0, 300, "10"),
	NUM(clock_leeway, CFG_LONG, 0, 300, "30"),
	NUM(verify_ttl, CFG_LONG, 60, 604800, "86400"),
	NUM(reset_ttl, CFG_LONG, 60, 604800, "3600"),
	NUM(password_cost, CFG_UINT, 1, 11, "5"),
	STR(cracklib_dict, NULL, AUTH_CRACKLIB_DICT),
	NUM(max_body, CFG_SIZE, 1024, 1048576, "16384"),
	ENUM(signup_existing, signup_names, "conceal"),
	STR(trusted_proxies, check_proxies, ""),
	{ "log_level", CFG_STR, F(log_level), SZ(log_level), 0, 0,
	    log_level_names, NULL, "info" },
	STR(rate_limits, check_rate_limits, ""),
	NUM(login_lockout_threshold, CFG_UINT, 1, 1000, "5"),
	NUM(login_lockout_max, CFG_UINT, 1, 86400, "900"),
	ENUM(mail_transport, transport_names, "file"),
	STR(mail_file_dir, NULL, "/var/lib/authd/mail"),
	STR(mail_templates_dir, NULL, AUTH_TEMPLATES_DIR),
	STR(mail_from, check_mail_from, "authd <noreply@localhost>"),
	STR(smtp_url, check_smtp_url, "smtp://127.0.0.1:25"),
	ENUM(smtp_tls, smtp_tls_names, "starttls"),
	STR(smtp_user, NULL, ""),
	STR(smtp_password_file, NULL, ""),
	NUM(smtp_timeout, CFG_LONG, 5, 600, "60"),
	NUM(mail_max_attempts, CFG_UINT, 1, 100, "10"),
	NUM(mail_retry_base, CFG_LONG, 1, 86400, "60"),
	NUM(mail_retry_max, CFG_LONG, 1, 604800, "3600"),
	NUM(mail_poll_interval, CFG_LONG, 1, 3600, "30"),
	NUM(mail_claim_timeout, CFG_LONG, 60, 86400, "600"),
};

#define CFG_NKEYS	(sizeof(cfg_keys) / sizeof(cfg_keys[0]))

const char *
auth_jwt_alg_name(enum auth_jwt_alg alg)
{
	if ((unsigned)alg >= AUTH_JWT_ALG__MAX)
		return "unknown";
	return jwt_alg_names[alg];
}

static bool
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static const char *
check_http_url(char *s)
{
	const char	*rest;

	if (has_prefix(s, "https://"))
		rest = s + 8;
	else if (has_prefix(s, "http://"))
		rest = s + 7;
	else
		return "must start with http:// or https://";
	if (*rest == '\0' || *rest == '/')
		return "has no host";
	if (strpbrk(s, " \t\"'<>\\`") != NULL)
		return "must not contain spaces, quotes or <>";
	return NULL;
}

/* Like check_http_url, then drops one trailing '/'. */
static const char *
check_public_url(char *s)
{
	const char	*why;
	size_t		 len;

	if ((why = check_http_url(s)) != NULL)
		return why;
	len = strlen(s);
	if (s[len - 1] == '/')
		s[len - 1] = '\0';
	return NULL;
}

static const char *
check_redis_url(char *s)
{
	struct auth_redis_addr	addr;

	if (auth_redis_parse_url(s, &addr) == -1)
		return "must be redis://host[:port][/db] or unix:/path";
	return NULL;
}

static const char *
check_smtp_url(char *s)
{
	const char	*rest;

	if (has_prefix(s, "smtps://"))
		rest = s + 8;
	else if (has_prefix(s, "smtp://"))
		rest = s + 7;
	else
		return "must start with smtp:// or smtps://";
	if (*rest == '\0' || *rest == '/' || *rest == ':')
		return "has no host";
	if (strpbrk(s, " \t\"'<>\\`@") != NULL)
		return "must not contain spaces, quotes, <> or @ (credentials "
		    "go in smtp_user and smtp_password_file)";
	return NULL;
}

static const char *
check_mail_from(char *s)
{
	return auth_mail_from_parse(s, NULL, 0);
}

static const char *
check_proxies(char *s)
{
	if (s[strspn(s, "0123456789abcdefABCDEF.:/, ")] != '\0')
		return "must be a comma-separated list of addresses or CIDRs";
	return NULL;
}

static const char *
check_rate_limits(char *s)
{
	return auth_rl_overrides_check(s);
}

/* Formats "<source>: <message>" into err; the source is file:line or the variable. */
static void
cfg_error(char *err, size_t errlen, const struct cfg_src *src,
    const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (src != NULL && src->file != NULL)
		snprintf(err, errlen, "%s:%lu: %s", src->file, src->line, msg);
	else if (src != NULL && src->env[0] != '\0')
		snprintf(err, errlen, "environment variable %s: %s", src->env,
		    msg);
	else if (src != NULL)
		snprintf(err, errlen, "config: %s", msg);
	else
		snprintf(err, errlen, "%s", msg);
}

/*
 * Parses val for key k into cfg. Returns NULL, or a reason that never
 * contains the value.
 */
static const char *
cfg_set(struct auth_config *cfg, const struct cfg_key *k, const char *val,
    char *why, size_t whylen)
{
	char			*base = (char *)cfg + k->off;
	const char		*p;
	unsigned long long	 v;
	size_t			 len, i;
	int			 e;

	for (p = val; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "contains a control character";

	switch (k->type) {
	case CFG_STR:
		len = strlen(val);
		if (len >= k->size) {
			snprintf(why, whylen, "is too long (at most %zu "
			    "bytes)", k->size - 1);
			return why;
		}
		if (k->names != NULL) {
			for (i = 0; k->names[i] != NULL; i++)
				if (strcmp(val, k->names[i]) == 0)
					break;
			if (k->names[i] == NULL)
				return "has an unknown value";
		}
		memcpy(base, val, len + 1);
		return k->check != NULL ? k->check(base) : NULL;
	case CFG_ENUM:
		for (e = 0; k->names[e] != NULL; e++)
			if (strcmp(val, k->names[e]) == 0) {
				memcpy(base, &e, sizeof(e));
				return NULL;
			}
		return "has an unknown value";
	case CFG_LONG:
	case CFG_UINT:
	case CFG_SIZE:
		if (auth_parse_num(val, 0, ULLONG_MAX, &v, NULL) == -1)
			return "must be a whole decimal number";
		if (v < k->min || v > k->max) {
			snprintf(why, whylen, "is out of range (%llu..%llu)",
			    k->min, k->max);
			return why;
		}
		if (k->type == CFG_LONG)
			*(long *)(void *)base = (long)v;
		else if (k->type == CFG_UINT)
			*(unsigned *)(void *)base = (unsigned)v;
		else
			*(size_t *)(void *)base = (size_t)v;
		return NULL;
	default:
		return "has an unsupported type";
	}
}

static const struct cfg_key *
cfg_find(const char *key, size_t *idx)
{
	size_t	i;

	for (i = 0; i < CFG_NKEYS; i++)
		if (strcmp(cfg_keys[i].key, key) == 0) {
			*idx = i;
			return &cfg_keys[i];
		}
	return NULL;
}

void
auth_config_defaults(struct auth_config *cfg)
{
	char	why[128];
	size_t	i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < CFG_NKEYS; i++)
		if (cfg_set(cfg, &cfg_keys[i], cfg_keys[i].def, why,
		    sizeof(why)) != NULL)
			abort();	/* the table itself is wrong */
}

/*
 * Reads one line without its newline into buf (CFG_LINE_MAX + 1 bytes).
 * Returns 1 for a line, 0 at end of file, -1 if too long, -2 for a NUL
 * byte, -3 on a read error.
 */
static int
read_line(FILE *f, char *buf)
{
	size_t	len = 0;
	int	c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return -2;
		if (len == CFG_LINE_MAX)
			return -1;
		buf[len++] = (char)c;
	}
	if (ferror(f))
		return -3;
	buf[len] = '\0';
	return c == EOF && len == 0 ? 0 : 1;
}

static char *
trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Prints at most 64 bytes of an unknown key, non-printables as '?'. */
static void
safe_key(const char *key, char *out, size_t outlen)
{
	size_t	i;

	for (i = 0; key[i] != '\0' && i + 1 < outlen && i < 64; i++)
		out[i] = isprint((unsigned char)key[i]) ? key[i] : '?';
	out[i] = '\0';
}

static int
cfg_load_file(struct auth_config *cfg, const char *path,
    struct cfg_src *srcs, char *err, size_t errlen)
{
	FILE			*f = NULL;
	char			 line[CFG_LINE_MAX + 1], shown[72];
	char			 whybuf[128];
	char			*key, *val, *eq;
	const struct cfg_key	*k;
	const char		*why;
	struct cfg_src		 here;
	bool			 seen[CFG_NKEYS];
	size_t			 idx, len;
	int			 r, rc = -1;

	memset(seen, 0, sizeof(seen));
	memset(&here, 0, sizeof(here));
	here.file = path;
	if ((f = fopen(path, "re")) == NULL) {
		cfg_error(err, errlen, NULL, "%s: cannot open: %s",
		    path, strerror(errno));
		goto out;
	}
	while ((r = read_line(f, line)) == 1) {
		here.line++;
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			cfg_error(err, errlen, &here, "expected 'key = value'");
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		val = trim(eq + 1);
		if ((k = cfg_find(key, &idx)) == NULL) {
			safe_key(key, shown, sizeof(shown));
			cfg_error(err, errlen, &here, "unknown key '%s'",
			    shown);
			goto out;
		}
		if (seen[idx]) {
			cfg_error(err, errlen, &here, "duplicate key '%s'",
			    k->key);
			goto out;
		}
		seen[idx] = true;
		len = strlen(val);
		if (len > 0 && val[0] == '"') {
			if (len < 2 || val[len - 1] != '"') {
				cfg_error(err, errlen, &here,
				    "%s has an unterminated quote", k->key);
				goto out;
			}
			val[len - 1] = '\0';
			val++;
		}
		if ((why = cfg_set(cfg, k, val, whybuf, sizeof(whybuf))) !=
		    NULL) {
			cfg_error(err, errlen, &here, "%s %s", k->key, why);
			goto out;
		}
		srcs[idx] = here;
	}
	if (r != 0) {
		here.line++;
		cfg_error(err, errlen, &here, "%s", r == -1 ?
		    "line longer than 4096 bytes" : r == -2 ?
		    "NUL byte in line" : "read error");
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(line, sizeof(line));
	if (f != NULL)
		fclose(f);
	return rc;
}

static int
cfg_load_env(struct auth_config *cfg, struct cfg_src *srcs,
    char *err, size_t errlen)
{
	struct cfg_src	 here;
	const char	*val, *why;
	char		 whybuf[128];
	size_t		 i, j;

	for (i = 0; i < CFG_NKEYS; i++) {
		memset(&here, 0, sizeof(here));
		memcpy(here.env, "AUTH_", 5);
		for (j = 0; cfg_keys[i].key[j] != '\0' &&
		    5 + j + 1 < sizeof(here.env); j++)
			here.env[5 + j] =
			    (char)toupper((unsigned char)cfg_keys[i].key[j]);
		if ((val = getenv(here.env)) == NULL)
			continue;
		if ((why = cfg_set(cfg, &cfg_keys[i], val, whybuf,
		    sizeof(whybuf))) != NULL) {
			cfg_error(err, errlen, &here, "%s %s", cfg_keys[i].key,
			    why);
			return -1;
		}
		srcs[i] = here;
	}
	return 0;
}

int
auth_config_load(struct auth_config *cfg, const char *path,
    char *err, size_t errlen)
{
	struct auth_config	 c;
	struct cfg_src		 srcs[CFG_NKEYS];
	size_t			 idx = 0;
	int			 rc = -1;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(srcs, 0, sizeof(srcs));
	auth_config_defaults(&c);
	if (path == NULL && (path = getenv("AUTH_CONFIG")) != NULL &&
	    *path == '\0')
		path = NULL;
	if (path != NULL && cfg_load_file(&c, path, srcs, err, errlen) == -1)
		goto out;
	if (cfg_load_env(&c, srcs, err, errlen) == -1)
		goto out;

	if (c.jwt_alg == AUTH_JWT_HS256 && c.hs256_secret_file[0] == '\0') {
		cfg_find("jwt_alg", &idx);
		cfg_error(err, errlen, &srcs[idx],
		    "jwt_alg HS256 requires hs256_secret_file");
		goto out;
	}
	if (c.mail_retry_base > c.mail_retry_max) {
		cfg_find("mail_retry_base", &idx);
		cfg_error(err, errlen, &srcs[idx],
		    "mail_retry_base must not exceed mail_retry_max");
		goto out;
	}
	/* A lease shorter than a send could let two mailers send one message. */
	if (c.mail_claim_timeout < c.smtp_timeout + 30) {
		cfg_find("mail_claim_timeout", &idx);
		cfg_error(err, errlen, &srcs[idx],
		    "mail_claim_timeout must be at least smtp_timeout + 30");
		goto out;
	}
	if (c.smtp_user[0] != '\0' && c.smtp_password_file[0] == '\0') {
		cfg_find("smtp_user", &idx);
		cfg_error(err, errlen, &srcs[idx],
		    "smtp_user requires smtp_password_file");
		goto out;
	}
	*cfg = c;
	rc = 0;
out:
	explicit_bzero(&c, sizeof(c));
	return rc;
}
