/* Unit tests for common/config.c, common/log.c and the redis_url parser. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config.h"
#include "endpoint_config.h"
#include "jwt.h"
#include "log.h"
#include "redis.h"

static const char *const env_keys[] = {
	"AUTH_CONFIG", "AUTH_DATABASE_URL", "AUTH_REDIS_URL",
	"AUTH_REDIS_TIMEOUT_MS", "AUTH_PUBLIC_URL", "AUTH_ISSUER",
	"AUTH_AUDIENCE", "AUTH_JWT_ALG", "AUTH_KEYS_DIR",
	"AUTH_HS256_SECRET_FILE", "AUTH_OUTBOX_KEY_FILE", "AUTH_ACCESS_TTL",
	"AUTH_REFRESH_TTL", "AUTH_SESSION_MAX_LIFETIME",
	"AUTH_REFRESH_REUSE_LEEWAY", "AUTH_CLOCK_LEEWAY", "AUTH_VERIFY_TTL",
	"AUTH_RESET_TTL", "AUTH_PASSWORD_COST", "AUTH_CRACKLIB_DICT",
	"AUTH_MAX_BODY", "AUTH_SIGNUP_EXISTING", "AUTH_TRUSTED_PROXIES",
	"AUTH_LOG_LEVEL", "AUTH_RATE_LIMITS", "AUTH_LOGIN_LOCKOUT_THRESHOLD",
	"AUTH_LOGIN_LOCKOUT_MAX", NULL
};

static char	tmp_path[64];

static void
env_clear(void)
{
	size_t	i;

	for (i = 0; env_keys[i] != NULL; i++)
		unsetenv(env_keys[i]);
	tmp_path[0] = '\0';
}

static void
tmp_remove(void)
{
	if (tmp_path[0] != '\0')
		unlink(tmp_path);
	tmp_path[0] = '\0';
}

/* Writes len bytes to a fresh temp file; returns its path (tmp_path). */
static const char *
write_file_len(const char *text, size_t len)
{
	int	fd;

	tmp_remove();
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/check_config.XXXXXX");
	fd = mkstemp(tmp_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return tmp_path;
}

static const char *
write_file(const char *text)
{
	return write_file_len(text, strlen(text));
}

/* Loads text as a config file; returns the loader's result. */
static int
load_text(struct auth_config *c, const char *text, char *err, size_t errlen)
{
	return auth_config_load(c, write_file(text), err, errlen);
}

START_TEST(test_defaults)
{
	struct auth_config	c, d;
	char			err[256];

	ck_assert_int_eq(auth_config_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(c.database_url, "dbname=auth");
	ck_assert_str_eq(c.redis_url, "redis://127.0.0.1:6379");
	ck_assert_uint_eq(c.redis_timeout_ms, 200);
	ck_assert_str_eq(c.public_url, "http://127.0.0.1:8080");
	ck_assert_str_eq(c.issuer, "http://127.0.0.1:8080");
	ck_assert_str_eq(c.audience, "authd");
	ck_assert_int_eq(c.jwt_alg, AUTH_JWT_ES256);
	ck_assert_str_eq(c.keys_dir, "/etc/authd/keys");
	ck_assert_str_eq(c.hs256_secret_file, "");
	ck_assert_str_eq(c.outbox_key_file, "/etc/authd/outbox.key");
	ck_assert_int_eq(c.access_ttl, 300);
	ck_assert_int_eq(c.refresh_ttl, 1209600);
	ck_assert_int_eq(c.session_max_lifetime, 2592000);
	ck_assert_int_eq(c.refresh_reuse_leeway, 10);
	ck_assert_int_eq(c.clock_leeway, 30);
	ck_assert_int_eq(c.verify_ttl, 86400);
	ck_assert_int_eq(c.reset_ttl, 3600);
	ck_assert_uint_eq(c.password_cost, 5);
	ck_assert_str_eq(c.cracklib_dict, AUTH_CRACKLIB_DICT);
	ck_assert_uint_eq(c.max_body, 16384);
	ck_assert_int_eq(c.signup_existing, AUTH_SIGNUP_CONCEAL);
	ck_assert_str_eq(c.trusted_proxies, "127.0.0.0/8, ::1/128");
	ck_assert_str_eq(c.log_level, "info");
	ck_assert_str_eq(c.rate_limits, "");
	ck_assert_uint_eq(c.login_lockout_threshold, 5);
	ck_assert_uint_eq(c.login_lockout_max, 900);

	auth_config_defaults(&d);
	ck_assert_mem_eq(&c, &d, sizeof(c));
	ck_assert_str_eq(auth_jwt_alg_name(AUTH_JWT_ES256), "ES256");
	ck_assert_str_eq(auth_jwt_alg_name(AUTH_JWT_HS256), "HS256");
	ck_assert_str_eq(auth_jwt_alg_name(AUTH_JWT_ALG__MAX), "unknown");
	ck_assert_int_eq(auth_jwt_alg_from_name("RS256"), AUTH_JWT_RS256);
	ck_assert_int_eq(auth_jwt_alg_from_name("rs256"), AUTH_JWT_ALG__MAX);
	ck_assert_int_eq(auth_jwt_alg_from_name(""), AUTH_JWT_ALG__MAX);
}
END_TEST

START_TEST(test_every_key)
{
	struct auth_config	c;
	char			err[256];

	ck_assert_int_eq(load_text(&c,
	    "database_url = host=db user=auth password=pw\n"
	    "redis_url = unix:/run/redis/redis.sock\n"
	    "redis_timeout_ms = 750\n"
	    "public_url = https://auth.example.org/\n"
	    "issuer = https://auth.example.org/\n"
	    "audience = api.example.org\n"
	    "jwt_alg = HS256\n"
	    "keys_dir = /srv/keys\n"
	    "hs256_secret_file = /srv/hs256.secret\n"
	    "outbox_key_file = /srv/outbox.key\n"
	    "access_ttl = 600\n"
	    "refresh_ttl = 86400\n"
	    "session_max_lifetime = 604800\n"
	    "refresh_reuse_leeway = 0\n"
	    "clock_leeway = 5\n"
	    "verify_ttl = 172800\n"
	    "reset_ttl = 1800\n"
	    "password_cost = 8\n"
	    "cracklib_dict = /usr/share/dict/pw\n"
	    "max_body = 65536\n"
	    "signup_existing = reveal\n"
	    "trusted_proxies = 10.0.0.0/8, ::1\n"
	    "log_level = debug\n"
	    "rate_limits = login_ip=10/60, signup_ip=1/1\n"
	    "login_lockout_threshold = 3\n"
	    "login_lockout_max = 3600\n", err, sizeof(err)), 0);
	ck_assert_str_eq(c.database_url, "host=db user=auth password=pw");
	ck_assert_str_eq(c.redis_url, "unix:/run/redis/redis.sock");
	ck_assert_uint_eq(c.redis_timeout_ms, 750);
	ck_assert_str_eq(c.public_url, "https://auth.example.org");
	ck_assert_str_eq(c.issuer, "https://auth.example.org/");
	ck_assert_str_eq(c.audience, "api.example.org");
	ck_assert_int_eq(c.jwt_alg, AUTH_JWT_HS256);
	ck_assert_str_eq(c.keys_dir, "/srv/keys");
	ck_assert_str_eq(c.hs256_secret_file, "/srv/hs256.secret");
	ck_assert_str_eq(c.outbox_key_file, "/srv/outbox.key");
	ck_assert_int_eq(c.access_ttl, 600);
	ck_assert_int_eq(c.refresh_ttl, 86400);
	ck_assert_int_eq(c.session_max_lifetime, 604800);
	ck_assert_int_eq(c.refresh_reuse_leeway, 0);
	ck_assert_int_eq(c.clock_leeway, 5);
	ck_assert_int_eq(c.verify_ttl, 172800);
	ck_assert_int_eq(c.reset_ttl, 1800);
	ck_assert_uint_eq(c.password_cost, 8);
	ck_assert_str_eq(c.cracklib_dict, "/usr/share/dict/pw");
	ck_assert_uint_eq(c.max_body, 65536);
	ck_assert_int_eq(c.signup_existing, AUTH_SIGNUP_REVEAL);
	ck_assert_str_eq(c.trusted_proxies, "10.0.0.0/8, ::1");
	ck_assert_str_eq(c.log_level, "debug");
	ck_assert_str_eq(c.rate_limits, "login_ip=10/60, signup_ip=1/1");
	ck_assert_uint_eq(c.login_lockout_threshold, 3);
	ck_assert_uint_eq(c.login_lockout_max, 3600);
	tmp_remove();
}
END_TEST

START_TEST(test_syntax)
{
	struct auth_config	c;
	char			err[256];

	ck_assert_int_eq(load_text(&c,
	    "# a comment\n"
	    "\n"
	    "   \t\n"
	    "  # indented comment = not a key\n"
	    "\taudience\t=\t  spaced  \t\n"
	    "issuer=\"http://q.example\"\n"
	    "keys_dir = \"  /keep spaces  \"\n"
	    "database_url = dbname=x password=a#b=c\r\n"
	    "trusted_proxies = \"\"\n"
	    "access_ttl = 42", err, sizeof(err)), 0);
	ck_assert_str_eq(c.audience, "spaced");
	ck_assert_str_eq(c.issuer, "http://q.example");
	ck_assert_str_eq(c.keys_dir, "  /keep spaces  ");
	ck_assert_str_eq(c.database_url, "dbname=x password=a#b=c");
	ck_assert_str_eq(c.trusted_proxies, "");
	ck_assert_int_eq(c.access_ttl, 42);
	tmp_remove();
}
END_TEST

struct bad_file {
	const char	*text;
	const char	*want;	/* substring of the error */
};

static const struct bad_file bad_files[] = {
	{ "# x\n\nfoo = 1\n", ":3: unknown key 'foo'" },
	{ "access_ttl = 60\naccess_ttl = 60\n", ":2: duplicate key 'access_ttl'" },
	{ "audience authd\n", ":1: expected 'key = value'" },
	{ "Access_TTL = 60\n", ":1: unknown key 'Access_TTL'" },
	{ "= 60\n", ":1: unknown key ''" },
	{ "audience = \"authd\n", ":1: audience has an unterminated quote" },
	{ "audience = \"\n", ":1: audience has an unterminated quote" },
	{ "jwt_alg = es256\n", ":1: jwt_alg has an unknown value" },
	{ "jwt_alg = none\n", ":1: jwt_alg has an unknown value" },
	{ "signup_existing = yes\n", ":1: signup_existing has an unknown value" },
	{ "log_level = trace\n", ":1: log_level has an unknown value" },
	{ "public_url = ftp://x\n", ":1: public_url must start with http" },
	{ "public_url = http://\n", ":1: public_url has no host" },
	{ "public_url = http://a b\n", ":1: public_url must not contain" },
	{ "public_url = http://a\"b\n", ":1: public_url must not contain" },
	{ "issuer = https://a/<x>\n", ":1: issuer must not contain" },
	{ "redis_url = http://x\n", ":1: redis_url must be" },
	{ "redis_url = rediss://h:6380\n", ":1: redis_url rediss:// (TLS) is not available" },
	{ "trusted_proxies = evil.example\n", ":1: trusted_proxies must be" },
	{ "audience = a\tb\n", ":1: audience contains a control character" },
	{ "rate_limits = nosuch=1/1\n", ":1: rate_limits names an unknown rule" },
	{ "rate_limits = login_ip=0/60\n", ":1: rate_limits has a limit that is not" },
	{ "rate_limits = login_ip=5/0\n", ":1: rate_limits has a period that is not" },
	{ "rate_limits = login_ip=5\n", ":1: rate_limits must be a list" },
	{ "rate_limits = login_ip=1/1,login_ip=2/2\n", ":1: rate_limits names a rule twice" },
	{ "login_lockout_threshold = 0\n", ":1: login_lockout_threshold is out of range" },
	{ "login_lockout_max = 86401\n", ":1: login_lockout_max is out of range" },
};

START_TEST(test_bad_file)
{
	const struct bad_file	*b = &bad_files[_i];
	struct auth_config	 c;
	char			 err[256], want[256];

	ck_assert_int_eq(load_text(&c, b->text, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s%s", tmp_path, b->want);
	ck_assert_msg(strstr(err, want) != NULL, "error '%s' lacks '%s'",
	    err, want);
	ck_assert_ptr_null(strchr(err, '\n'));
	tmp_remove();
}
END_TEST

struct bad_number {
	const char	*value;
	const char	*why;
};

/* ---- the core with a module of its own -------------------------------- */

static const char *
odd_check(char *s)
{
	return strlen(s) % 2 == 1 ? NULL : "must have an odd length";
}

static const struct auth_cfg_key odd_keys[] = {
	{ "odd_word", AUTH_CFG_T_STR, AUTH_CFG_F(audience),
	    AUTH_CFG_SZ(audience), 0, 0, NULL, odd_check, "abc" },
	{ "odd_count", AUTH_CFG_T_UINT, AUTH_CFG_F(password_cost), 0, 3, 7,
	    NULL, NULL, "3" },
};

static const char *
odd_validate(const struct auth_config *c, const char **key)
{
	if (c->password_cost == 5 && strlen(c->audience) == 5) {
		*key = "odd_count";
		return "odd_count 5 and a word of 5 do not go together";
	}
	return NULL;
}

static const struct auth_cfg_module odd_module =
    AUTH_CFG_MODULE(odd_keys, odd_validate);
static const struct auth_cfg_module *const odd_modules[] = {
	&odd_module, NULL
};

START_TEST(test_core_knows_no_module)
{
	struct auth_config	c;
	char			err[256], want[256];

	auth_config_defaults_of(&c, odd_modules);
	ck_assert_str_eq(c.audience, "abc");
	ck_assert_uint_eq(c.password_cost, 3);
	ck_assert_str_eq(c.database_url, "");	/* not a key of these modules */

	ck_assert_int_eq(auth_config_load_of(&c, write_file("odd_word = "
	    "abcde\n"), odd_modules, err, sizeof(err)), 0);
	ck_assert_str_eq(c.audience, "abcde");
	tmp_remove();
	ck_assert_int_eq(auth_config_load_of(&c, write_file("odd_word = "
	    "ab\n"), odd_modules, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: odd_word must have an odd length",
	    tmp_path);
	ck_assert_str_eq(err, want);
	tmp_remove();
	ck_assert_int_eq(auth_config_load_of(&c, write_file("audience = x\n"),
	    odd_modules, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: unknown key 'audience'", tmp_path);
	ck_assert_str_eq(err, want);
	tmp_remove();

	setenv("AUTH_ODD_COUNT", "8", 1);
	ck_assert_int_eq(auth_config_load_of(&c, NULL, odd_modules, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "environment variable AUTH_ODD_COUNT: odd_count "
	    "is out of range (3..7)");
	setenv("AUTH_ODD_COUNT", "5", 1);
	setenv("AUTH_ODD_WORD", "abcde", 1);
	ck_assert_int_eq(auth_config_load_of(&c, NULL, odd_modules, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "environment variable AUTH_ODD_COUNT: odd_count 5 "
	    "and a word of 5 do not go together");
	unsetenv("AUTH_ODD_COUNT");
	unsetenv("AUTH_ODD_WORD");
}
END_TEST

static const struct bad_number bad_numbers[] = {
	{ "-60", "must be a whole decimal number" },
	{ "+60", "must be a whole decimal number" },
	{ "6 0", "must be a whole decimal number" },
	{ "60s", "must be a whole decimal number" },
	{ "0x3c", "must be a whole decimal number" },
	{ "", "must be a whole decimal number" },
	{ "1e3", "must be a whole decimal number" },
	{ "\xd9\xa3", "must be a whole decimal number" },
	{ "18446744073709551616", "must be a whole decimal number" },
	{ "18446744073709551617", "must be a whole decimal number" },
	{ "99999999999999999999999999", "must be a whole decimal number" },
	{ "18446744073709551615", "is out of range (30..86400)" },
	{ "29", "is out of range (30..86400)" },
	{ "86401", "is out of range (30..86400)" },
	{ "0", "is out of range (30..86400)" },
};

START_TEST(test_bad_number)
{
	const struct bad_number	*b = &bad_numbers[_i];
	struct auth_config	 c;
	char			 text[128], err[256], want[256];

	snprintf(text, sizeof(text), "audience = x\naccess_ttl = %s\n",
	    b->value);
	ck_assert_int_eq(load_text(&c, text, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: access_ttl %s", tmp_path, b->why);
	ck_assert_str_eq(err, want);
	tmp_remove();

	/* The environment is not trimmed: spaces are rejected there too. */
	setenv("AUTH_ACCESS_TTL", " 60", 1);
	ck_assert_int_eq(auth_config_load(&c, NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "environment variable AUTH_ACCESS_TTL: "
	    "access_ttl must be a whole decimal number");
}
END_TEST

START_TEST(test_number_ranges)
{
	struct auth_config	c;
	char			err[256];

	ck_assert_int_eq(load_text(&c, "access_ttl = 30\nrefresh_ttl = "
	    "31536000\nrefresh_reuse_leeway = 300\npassword_cost = 11\n"
	    "max_body = 1024\nclock_leeway = 0\n", err, sizeof(err)), 0);
	ck_assert_int_eq(c.access_ttl, 30);
	ck_assert_int_eq(c.refresh_ttl, 31536000);
	ck_assert_int_eq(c.refresh_reuse_leeway, 300);
	ck_assert_uint_eq(c.password_cost, 11);
	ck_assert_uint_eq(c.max_body, 1024);
	ck_assert_int_eq(c.clock_leeway, 0);
	ck_assert_int_eq(load_text(&c, "password_cost = 12\n", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(load_text(&c, "password_cost = 0\n", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(load_text(&c, "max_body = 1048577\n", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(load_text(&c, "session_max_lifetime = 59\n", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(load_text(&c, "refresh_reuse_leeway = 301\n", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(load_text(&c, "reset_ttl = 604801\n", err,
	    sizeof(err)), -1);
	tmp_remove();
}
END_TEST

START_TEST(test_env_override)
{
	struct auth_config	c;
	char			err[256];

	setenv("AUTH_ACCESS_TTL", "900", 1);
	setenv("AUTH_SIGNUP_EXISTING", "reveal", 1);
	setenv("AUTH_BASE_URL", "not a key", 1);
	setenv("AUTH_SOMETHING_ELSE", "-1", 1);
	ck_assert_int_eq(load_text(&c, "access_ttl = 600\nclock_leeway = 7\n",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(c.access_ttl, 900);
	ck_assert_int_eq(c.clock_leeway, 7);
	ck_assert_int_eq(c.signup_existing, AUTH_SIGNUP_REVEAL);

	/* AUTH_CONFIG names the file when no path is given. */
	setenv("AUTH_CONFIG", tmp_path, 1);
	unsetenv("AUTH_ACCESS_TTL");
	ck_assert_int_eq(auth_config_load(&c, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(c.access_ttl, 600);
	ck_assert_int_eq(c.clock_leeway, 7);

	setenv("AUTH_CLOCK_LEEWAY", "301", 1);
	ck_assert_int_eq(auth_config_load(&c, NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "environment variable AUTH_CLOCK_LEEWAY: "
	    "clock_leeway is out of range (0..300)");
	unsetenv("AUTH_CLOCK_LEEWAY");
	setenv("AUTH_AUDIENCE", "a\nb", 1);
	ck_assert_int_eq(auth_config_load(&c, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "AUTH_AUDIENCE"));
	tmp_remove();
}
END_TEST

START_TEST(test_failure_leaves_cfg)
{
	struct auth_config	c, before;
	char			err[256];

	memset(&c, 0x5a, sizeof(c));
	before = c;
	ck_assert_int_eq(load_text(&c, "audience = new\nbogus = 1\n", err,
	    sizeof(err)), -1);
	ck_assert_mem_eq(&c, &before, sizeof(c));
	tmp_remove();
}
END_TEST

START_TEST(test_missing_file)
{
	struct auth_config	c;
	char			err[256];

	ck_assert_int_eq(auth_config_load(&c, "/nonexistent/auth.conf", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/auth.conf"));
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
	setenv("AUTH_CONFIG", "/nonexistent/other.conf", 1);
	ck_assert_int_eq(auth_config_load(&c, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/other.conf"));
}
END_TEST

START_TEST(test_hs256)
{
	struct auth_config	c;
	char			err[256], want[256];

	ck_assert_int_eq(load_text(&c, "jwt_alg = HS256\n", err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "%s:1: jwt_alg HS256 requires "
	    "hs256_secret_file", tmp_path);
	ck_assert_str_eq(err, want);
	setenv("AUTH_HS256_SECRET_FILE", "/srv/secret", 1);
	ck_assert_int_eq(auth_config_load(&c, tmp_path, err, sizeof(err)), 0);
	ck_assert_int_eq(c.jwt_alg, AUTH_JWT_HS256);
	unsetenv("AUTH_HS256_SECRET_FILE");
	tmp_remove();
	setenv("AUTH_JWT_ALG", "HS256", 1);
	ck_assert_int_eq(auth_config_load(&c, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "AUTH_JWT_ALG"));
}
END_TEST

/* SMTP AUTH without TLS is refused unless the relay is on this host. */
START_TEST(test_smtp_auth_in_clear)
{
	static const char *const lo[] = {
		"smtp://127.0.0.1:25", "smtp://127.9.8.7", "smtp://[::1]:2525",
		"smtp://localhost:25", "smtp://LocalHost",
		"smtps://mail.example.com:465",
	};
	static const char *const far[] = {
		"smtp://mail.example.com:25", "smtp://127.0.0.1.example.com",
		"smtp://localhost.example.com", "smtp://[::2]:25",
		"smtp://10.0.0.1", "smtp://128.0.0.1",
	};
	struct auth_config	c;
	char			err[512], text[512];
	size_t			i;

	for (i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		snprintf(text, sizeof(text), "smtp_url = %s\nsmtp_tls = none\n"
		    "smtp_user = mailer\nsmtp_password_file = /srv/pw\n",
		    far[i]);
		ck_assert_msg(load_text(&c, text, err, sizeof(err)) == -1,
		    "%s accepted", far[i]);
		ck_assert_msg(strstr(err, ":2: smtp_tls none with smtp_user") !=
		    NULL, "%s", err);
		/* with STARTTLS, or without a user, it is fine */
		snprintf(text, sizeof(text), "smtp_url = %s\nsmtp_tls = "
		    "starttls\nsmtp_user = mailer\nsmtp_password_file = "
		    "/srv/pw\n", far[i]);
		ck_assert_msg(load_text(&c, text, err, sizeof(err)) == 0,
		    "%s", err);
		snprintf(text, sizeof(text), "smtp_url = %s\nsmtp_tls = none\n",
		    far[i]);
		ck_assert_msg(load_text(&c, text, err, sizeof(err)) == 0,
		    "%s", err);
	}
	for (i = 0; i < sizeof(lo) / sizeof(lo[0]); i++) {
		snprintf(text, sizeof(text), "smtp_url = %s\nsmtp_tls = none\n"
		    "smtp_user = mailer\nsmtp_password_file = /srv/pw\n",
		    lo[i]);
		ck_assert_msg(load_text(&c, text, err, sizeof(err)) == 0,
		    "%s: %s", lo[i], err);
	}
	tmp_remove();
}
END_TEST

START_TEST(test_example_file)
{
	struct auth_config	 c, d;
	char			 buf[16384], out[20000], err[256];
	const char		*ph = "@AUTH_SYSCONFDIR@", *p, *hit;
	size_t			 n, o = 0;
	FILE			*f;

	f = fopen(AUTH_TEST_SRCDIR "/auth.conf.example", "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	ck_assert(feof(f));
	fclose(f);
	buf[n] = '\0';
	for (p = buf; (hit = strstr(p, ph)) != NULL; p = hit + strlen(ph)) {
		memcpy(out + o, p, (size_t)(hit - p));
		o += (size_t)(hit - p);
		memcpy(out + o, "/etc/authd", 10);
		o += 10;
	}
	memcpy(out + o, p, strlen(p) + 1);
	ck_assert_ptr_null(strstr(out, "@AUTH_"));

	ck_assert_int_eq(load_text(&c, out, err, sizeof(err)), 0);
	/* The example documents the defaults. */
	auth_config_defaults(&d);
	ck_assert_mem_eq(&c, &d, sizeof(c));
	tmp_remove();
}
END_TEST

START_TEST(test_secrets_not_echoed)
{
	struct auth_config	c;
	char			text[2048], err[512];

	memset(text, 0, sizeof(text));
	strcpy(text, "database_url = host=db password=Sup3rSecret");
	memset(text + strlen(text), 'x', 1100);
	strcat(text, "\n");
	ck_assert_int_eq(load_text(&c, text, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "database_url is too long"));
	ck_assert_ptr_null(strstr(err, "Sup3rSecret"));
	ck_assert_int_eq(load_text(&c, "database_url = password=Sup3rSecret\x01"
	    "\n", err, sizeof(err)), -1);
	ck_assert_ptr_null(strstr(err, "Sup3rSecret"));
	setenv("AUTH_DATABASE_URL", "password=Sup3rSecret\n", 1);
	ck_assert_int_eq(auth_config_load(&c, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_null(strstr(err, "Sup3rSecret"));
	tmp_remove();
}
END_TEST

START_TEST(test_small_err_buffer)
{
	struct auth_config	c;
	char			err[8];

	ck_assert_int_eq(load_text(&c, "foo = 1\n", err, sizeof(err)), -1);
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
	ck_assert_int_eq(load_text(&c, "foo = 1\n", NULL, 0), -1);
	tmp_remove();
}
END_TEST

/* ---- limits ---------------------------------------------------------- */

/* A file whose second line is "audience = " plus n bytes of 'a'. */
static int
load_long_value(struct auth_config *c, size_t n, char *err, size_t errlen)
{
	char	text[5000];
	size_t	len;

	ck_assert_uint_lt(n + 32, sizeof(text));
	len = (size_t)snprintf(text, sizeof(text), "# x\naudience = ");
	memset(text + len, 'a', n);
	len += n;
	text[len++] = '\n';
	return auth_config_load(c, write_file_len(text, len), err, errlen);
}

START_TEST(test_line_length)
{
	struct auth_config	c;
	char			text[5000], err[256], want[256];

	/* A comment line of exactly 4096 bytes is fine, 4097 is not. */
	memset(text, '#', 4096);
	memcpy(text + 4096, "\naudience = z\n", 14);
	ck_assert_int_eq(auth_config_load(&c, write_file_len(text, 4110),
	    err, sizeof(err)), 0);
	ck_assert_str_eq(c.audience, "z");
	memset(text, '#', 4097);
	memcpy(text + 4097, "\naudience = z\n", 14);
	ck_assert_int_eq(auth_config_load(&c, write_file_len(text, 4111),
	    err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:1: line longer than 4096", tmp_path);
	ck_assert_msg(strstr(err, want) != NULL, "error '%s'", err);
	/* Same without a final newline. */
	ck_assert_int_eq(auth_config_load(&c, write_file_len(text, 4097),
	    err, sizeof(err)), -1);
	ck_assert_int_eq(auth_config_load(&c, write_file_len(text, 4096),
	    err, sizeof(err)), 0);
	tmp_remove();
}
END_TEST

START_TEST(test_string_buffer_size)
{
	struct auth_config	c;
	char			err[256], want[256];

	ck_assert_int_eq(load_long_value(&c, sizeof(c.audience) - 1, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(strlen(c.audience), sizeof(c.audience) - 1);
	ck_assert_int_eq(load_long_value(&c, sizeof(c.audience), err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: audience is too long (at most "
	    "%zu bytes)", tmp_path, sizeof(c.audience) - 1);
	ck_assert_str_eq(err, want);
	tmp_remove();
}
END_TEST

START_TEST(test_nul_byte)
{
	struct auth_config	c;
	char			err[256];

	ck_assert_int_eq(auth_config_load(&c,
	    write_file_len("audience = a\0b\n", 15), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ":1: NUL byte"));
	tmp_remove();
}
END_TEST

START_TEST(test_long_key_shown_safely)
{
	struct auth_config	c;
	char			text[512], err[512];

	memset(text, 'k', 300);
	memcpy(text + 300, "\x1b = 1\n", 7);
	ck_assert_int_eq(load_text(&c, text, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown key 'kkk"));
	ck_assert_ptr_null(strstr(err, "\x1b"));
	ck_assert_uint_lt(strlen(err), 200);
	tmp_remove();
}
END_TEST

/* ---- redis_url --------------------------------------------------------- */

START_TEST(test_redis_url)
{
	struct auth_redis_addr	a;

	ck_assert_int_eq(auth_redis_parse_url("redis://127.0.0.1:6379", &a), 0);
	ck_assert(!a.is_unix);
	ck_assert_str_eq(a.host, "127.0.0.1");
	ck_assert_int_eq(a.port, 6379);
	ck_assert_int_eq(a.db, 0);
	ck_assert_int_eq(auth_redis_parse_url("redis://cache.internal/3", &a),
	    0);
	ck_assert_str_eq(a.host, "cache.internal");
	ck_assert_int_eq(a.port, 6379);
	ck_assert_int_eq(a.db, 3);
	ck_assert_int_eq(auth_redis_parse_url("redis://[::1]:6380/15", &a), 0);
	ck_assert_str_eq(a.host, "::1");
	ck_assert_int_eq(a.port, 6380);
	ck_assert_int_eq(a.db, 15);
	ck_assert_int_eq(auth_redis_parse_url("unix:/run/redis.sock", &a), 0);
	ck_assert(a.is_unix);
	ck_assert_str_eq(a.host, "/run/redis.sock");
	ck_assert_str_eq(a.pass, "");
	ck_assert_str_eq(a.user, "");

	/* An ACL user and its password, a password alone, percent-encoding. */
	ck_assert_int_eq(auth_redis_parse_url("redis://authd:s3cret@r1:6380/2",
	    &a), 0);
	ck_assert_str_eq(a.user, "authd");
	ck_assert_str_eq(a.pass, "s3cret");
	ck_assert_str_eq(a.host, "r1");
	ck_assert_int_eq(a.port, 6380);
	ck_assert_int_eq(a.db, 2);
	ck_assert_int_eq(auth_redis_parse_url("redis://:pw@[::1]", &a), 0);
	ck_assert_str_eq(a.user, "");
	ck_assert_str_eq(a.pass, "pw");
	ck_assert_str_eq(a.host, "::1");
	ck_assert_int_eq(auth_redis_parse_url("redis://u%40x:p%3A%2f%25@h", &a),
	    0);
	ck_assert_str_eq(a.user, "u@x");
	ck_assert_str_eq(a.pass, "p:/%");
	ck_assert_int_eq(auth_redis_parse_url("redis://only@h", &a), 0);
	ck_assert_str_eq(a.user, "only");
	ck_assert_str_eq(a.pass, "");

	ck_assert_int_eq(auth_redis_parse_url("redis://", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://h:0", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://h:65536", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://h:-1", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://h:", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://h/", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://h/x", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://h:1/2/3", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://u:p@@h", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://u:p%00x@h", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://u:p%4@h", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://u:p%zz@h", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://u:p:q@h", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://u/x:p@h", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("rediss://h", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://[::1", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("redis://h?db=1", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("unix:relative.sock", &a), -1);
	ck_assert_int_eq(auth_redis_parse_url("tcp://h:1", &a), -1);
}
END_TEST

START_TEST(test_redis_unreachable)
{
	struct auth_config	c;

	auth_config_defaults(&c);
	/* A socket path that cannot exist: ping fails cleanly, twice. */
	snprintf(c.redis_url, sizeof(c.redis_url), "unix:/nonexistent/r.sock");
	auth_redis_init(&c);
	ck_assert_ptr_null(auth_redis_conn());
	ck_assert_int_eq(auth_redis_ping(), AUTH_ERR_UNAVAILABLE);
	ck_assert_int_eq(auth_redis_ping(), AUTH_ERR_UNAVAILABLE);
	auth_redis_close();
}
END_TEST

/* ---- log --------------------------------------------------------------- */

/* Sends stderr to a fresh temp file; *saved keeps the old one. */
static void
capture_begin(int *saved)
{
	int	fd;

	tmp_remove();
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/check_log.XXXXXX");
	fd = mkstemp(tmp_path);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	*saved = dup(STDERR_FILENO);
	ck_assert_int_ge(*saved, 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

/* Restores stderr and reads what was logged into buf. */
static size_t
capture_end(int saved, char *buf, size_t buflen)
{
	ssize_t	n;
	int	fd;

	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	fd = open(tmp_path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, buflen - 1);
	ck_assert_int_ge(n, 0);
	close(fd);
	buf[n] = '\0';
	tmp_remove();
	return (size_t)n;
}

/* Parses one JSON line strictly (UTF-8 validated); caller puts it. */
static json_object *
parse_line(const char *line, size_t len)
{
	json_tokener	*tok;
	json_object	*obj;

	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	ck_assert_msg(obj != NULL, "not JSON: %s", line);
	json_tokener_free(tok);
	ck_assert(json_object_is_type(obj, json_type_object));
	return obj;
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	ck_assert(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

START_TEST(test_log_request)
{
	char		 buf[8192];
	json_object	*o, *v;
	const char	*ts;
	size_t		 n;
	int		 saved;

	capture_begin(&saved);
	auth_log_init("login");
	auth_log_request("id\"with\nnewline\\", "POST", "/auth/login", 401,
	    "invalid_credentials", 1234, "", "2001:db8::7");
	n = capture_end(saved, buf, sizeof(buf));

	ck_assert_uint_gt(n, 2);
	ck_assert_int_eq(buf[n - 1], '\n');
	ck_assert_ptr_eq(strchr(buf, '\n'), buf + n - 1);
	ck_assert_ptr_nonnull(strstr(buf, "\"id\\\"with\\nnewline\\\\\""));
	o = parse_line(buf, n - 1);
	ts = jstr(o, "ts");
	ck_assert_ptr_nonnull(ts);
	ck_assert_uint_eq(strlen(ts), 24);	/* 2024-01-02T03:04:05.678Z */
	ck_assert_int_eq(ts[10], 'T');
	ck_assert_int_eq(ts[19], '.');
	ck_assert_int_eq(ts[23], 'Z');
	ck_assert_str_eq(jstr(o, "level"), "info");
	ck_assert_str_eq(jstr(o, "endpoint"), "login");
	ck_assert_str_eq(jstr(o, "request_id"), "id\"with\nnewline\\");
	ck_assert_str_eq(jstr(o, "method"), "POST");
	ck_assert_str_eq(jstr(o, "path"), "/auth/login");
	ck_assert_str_eq(jstr(o, "code"), "invalid_credentials");
	ck_assert(json_object_object_get_ex(o, "status", &v));
	ck_assert_int_eq(json_object_get_int(v), 401);
	ck_assert(json_object_object_get_ex(o, "duration_us", &v));
	ck_assert_int_eq(json_object_get_int64(v), 1234);
	ck_assert_ptr_null(jstr(o, "user_id"));
	ck_assert_str_eq(jstr(o, "ip"), "2001:db8::7");
	ck_assert_ptr_null(jstr(o, "msg"));
	json_object_put(o);

	capture_begin(&saved);
	auth_log_request("r1", "GET", "/auth/me", 200, "", 5,
	    "0b5a3a3e-8a3c-4c59-9a8e-3c3b1f0f5c11", "");
	n = capture_end(saved, buf, sizeof(buf));
	o = parse_line(buf, n - 1);
	ck_assert_ptr_null(jstr(o, "code"));
	ck_assert_ptr_null(jstr(o, "ip"));
	ck_assert_str_eq(jstr(o, "user_id"),
	    "0b5a3a3e-8a3c-4c59-9a8e-3c3b1f0f5c11");
	json_object_put(o);

	capture_begin(&saved);
	auth_log_request("r2", "GET", "/auth/health", 503,
	    "service_unavailable", 5, NULL, NULL);
	n = capture_end(saved, buf, sizeof(buf));
	o = parse_line(buf, n - 1);
	ck_assert_str_eq(jstr(o, "level"), "error");
	json_object_put(o);
}
END_TEST

START_TEST(test_log_messages)
{
	char		 buf[8192];
	json_object	*o;
	size_t		 n;
	int		 saved;

	capture_begin(&saved);
	auth_log_init("signup");
	auth_log_error(NULL, "db: %s (%d)", "connection refused\r\n", 7);
	auth_log_info("abc", "ctl \x01\x1f\x7f bad utf8 \xff\xc3( ok \xc3\xa9");
	n = capture_end(saved, buf, sizeof(buf));

	o = parse_line(buf, (size_t)(strchr(buf, '\n') - buf));
	ck_assert_str_eq(jstr(o, "level"), "error");
	ck_assert_str_eq(jstr(o, "endpoint"), "signup");
	ck_assert_ptr_null(jstr(o, "request_id"));
	ck_assert_str_eq(jstr(o, "msg"), "db: connection refused\r\n (7)");
	json_object_put(o);
	o = parse_line(strchr(buf, '\n') + 1,
	    n - 1 - (size_t)(strchr(buf, '\n') + 1 - buf));
	ck_assert_str_eq(jstr(o, "level"), "info");
	ck_assert_str_eq(jstr(o, "request_id"), "abc");
	ck_assert_str_eq(jstr(o, "msg"),
	    "ctl \x01\x1f\x7f bad utf8 \xef\xbf\xbd\xef\xbf\xbd( ok \xc3\xa9");
	ck_assert_ptr_nonnull(strstr(buf, "ctl \\u0001\\u001f\\u007f bad"));
	json_object_put(o);
}
END_TEST

START_TEST(test_log_truncation)
{
	char		 buf[16384], big[6000], path[1500];
	json_object	*o, *v;
	size_t		 n, i;
	int		 saved;

	/* Quotes expand to two bytes each; multibyte characters stay whole. */
	for (i = 0; i + 3 < sizeof(big); i += 3)
		memcpy(big + i, i % 2 ? "\"\"\"" : "\xe2\x82\xac", 3);
	big[i] = '\0';
	memset(path, '/', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';

	capture_begin(&saved);
	auth_log_error(big, "%s", big);
	auth_log_request(big, "POST", path, 200, NULL, 1, "u", "192.0.2.1");
	n = capture_end(saved, buf, sizeof(buf));

	o = parse_line(buf, (size_t)(strchr(buf, '\n') - buf));
	ck_assert_uint_le((size_t)(strchr(buf, '\n') - buf) + 1, 2048);
	ck_assert(json_object_object_get_ex(o, "truncated", &v));
	ck_assert_ptr_nonnull(jstr(o, "msg"));
	json_object_put(o);

	/* A long path is cut, yet the fields after it survive. */
	o = parse_line(strchr(buf, '\n') + 1,
	    n - 1 - (size_t)(strchr(buf, '\n') + 1 - buf));
	ck_assert_uint_le(n - (size_t)(strchr(buf, '\n') + 1 - buf), 2048);
	ck_assert(json_object_object_get_ex(o, "status", &v));
	ck_assert_int_eq(json_object_get_int(v), 200);
	ck_assert_str_eq(jstr(o, "user_id"), "u");
	ck_assert_uint_lt(strlen(jstr(o, "path")), sizeof(path) - 1);
	json_object_put(o);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc;

	tc = tcase_create("load");
	tcase_add_checked_fixture(tc, env_clear, tmp_remove);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_key);
	tcase_add_test(tc, test_core_knows_no_module);
	tcase_add_test(tc, test_syntax);
	tcase_add_loop_test(tc, test_bad_file, 0,
	    sizeof(bad_files) / sizeof(bad_files[0]));
	tcase_add_loop_test(tc, test_bad_number, 0,
	    sizeof(bad_numbers) / sizeof(bad_numbers[0]));
	tcase_add_test(tc, test_number_ranges);
	tcase_add_test(tc, test_env_override);
	tcase_add_test(tc, test_failure_leaves_cfg);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_hs256);
	tcase_add_test(tc, test_smtp_auth_in_clear);
	tcase_add_test(tc, test_example_file);
	tcase_add_test(tc, test_secrets_not_echoed);
	tcase_add_test(tc, test_small_err_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, env_clear, tmp_remove);
	tcase_add_test(tc, test_line_length);
	tcase_add_test(tc, test_string_buffer_size);
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_long_key_shown_safely);
	suite_add_tcase(s, tc);

	tc = tcase_create("redis");
	tcase_add_test(tc, test_redis_url);
	tcase_add_test(tc, test_redis_unreachable);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_checked_fixture(tc, env_clear, tmp_remove);
	tcase_add_test(tc, test_log_request);
	tcase_add_test(tc, test_log_messages);
	tcase_add_test(tc, test_log_truncation);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
