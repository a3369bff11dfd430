/*
 * authctl user create|show|disable|enable|set-password|verify-email|import
 * and authctl audit: the operator's account commands. They use the
 * service's own flows and store statements (one process connection), so
 * every change writes the same audit events as the endpoints do.
 */
#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "authctl_user.h"
#include "config.h"
#include "endpoint_config.h"
#include "db.h"
#include "endpoint.h"
#include "flows.h"
#include "log.h"
#include "password.h"
#include "store.h"
#include "base_codec.h"
#include "base_err.h"
#include "base_secret.h"

#define CSV_LINE_MAX	8192	/* bytes per import record */
#define CSV_FIELDS	4	/* email, password_hash, email_verified, created_at */
#define AUDIT_LIMIT	"1000"	/* newest events printed by default */
#define AUDIT_LIMIT_MAX	1000000UL

/* What the audit trail records for an operator's change. */
static const struct auth_client operator_client = { NULL, "authctl", NULL };

void
authctl_user_usage(FILE *f)
{
	fputs("       authctl user create EMAIL [--verified]"
	    "   (password on stdin)\n"
	    "       authctl user show EMAIL\n"
	    "       authctl user disable|enable|verify-email EMAIL\n"
	    "       authctl user set-password EMAIL   (password on stdin)\n"
	    "       authctl user import FILE|-\n"
	    "       authctl audit [--user EMAIL] [--since TIME|Nd|Nh|Nm|Ns]"
	    " [--limit N]\n", f);
}

static void __attribute__((format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	auth_vwarnx("authctl", fmt, ap);
	va_end(ap);
}

static const char *
err_text(enum auth_err e)
{
	if (e == AUTH_ERR_UNAVAILABLE)
		return "the database is unreachable";
	return auth_err_info(e)->title;
}

/* Loads the configuration and opens the process connection. 0, or -1. */
static int
setup(struct auth_config *cfg)
{
	char err[512];

	auth_log_init("authctl");
	if (auth_config_load(cfg, NULL, err, sizeof(err)) == -1) {
		fail("config: %s", err);
		return -1;
	}
	auth_db_init(cfg->database_url);
	if (auth_db_conn() == NULL) {
		fail("cannot connect to the database");
		return -1;
	}
	return 0;
}

/* Trims and checks an address into out. 0, or -1 after a message. */
static int
email_arg(const char *s, char out[AUTH_EMAIL_MAX + 1])
{
	size_t len = strlen(s);
	const char *why;

	auth_email_trim(&s, &len);
	if ((why = auth_valid_email(s, len)) != NULL) {
		fail("%.*s: %s", (int)(len > 300 ? 300 : len), s, why);
		return -1;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

/* Finds the user with this email. 0, or -1 after a message. */
static int
user_find(const char *email, struct auth_user *u)
{
	enum auth_err e;

	e = auth_store_user_by_email(email, u);
	if (e == AUTH_ERR_NOT_FOUND)
		fail("no user %s", email);
	else if (e != AUTH_OK)
		fail("looking up %s: %s", email, err_text(e));
	return e == AUTH_OK ? 0 : -1;
}

/*
 * Reads a password from stdin: one line (its newline dropped), prompted
 * without echo on a terminal. Returns its length, or -1 after a message.
 */
static long
read_password(char *buf, size_t bufsz)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) == 1, restore = false;
	size_t len = 0;
	int c;

	/* No stdio buffer: it would keep a copy nobody wipes. */
	setvbuf(stdin, NULL, _IONBF, 0);
	if (tty) {
		fputs("New password: ", stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	while ((c = getchar()) != EOF && c != '\n') {
		if (len + 1 >= bufsz) {
			len = bufsz;
			break;
		}
		buf[len++] = (char)c;
	}
	if (restore)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	if (tty)
		fputc('\n', stderr);
	if (len == bufsz) {
		auth_wipe(buf, bufsz);
		fail("password longer than %d bytes", AUTH_PW_MAX_BYTES);
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (len == 0) {
		fail("no password on standard input");
		return -1;
	}
	return (long)len;
}

/* Reads, checks and hashes a new password for email. 0, or -1. */
static int
new_password_hash(const struct auth_config *cfg, const char *email,
    char hash[AUTH_PW_HASH_MAX])
{
	char pw[AUTH_PW_MAX_BYTES + 2];
	const char *weak;
	long len;
	int rc = -1;

	if ((len = read_password(pw, sizeof(pw))) < 0)
		goto out;
	if (auth_pw_new(pw, (size_t)len, email, cfg->cracklib_dict,
	    cfg->password_cost, hash, &weak) != AUTH_OK) {
		if (weak != NULL)
			fail("password: %s", weak);
		else
			fail("password hashing failed");
		goto out;
	}
	rc = 0;
out:
	auth_wipe(pw, sizeof(pw));
	return rc;
}

static int
user_create(const struct auth_config *cfg, const char *email, bool verified)
{
	char hash[AUTH_PW_HASH_MAX];
	struct auth_user u;
	bool inserted = false;
	enum auth_err e;
	int rc = 1;

	memset(hash, 0, sizeof(hash));
	memset(&u, 0, sizeof(u));
	if (new_password_hash(cfg, email, hash) == -1)
		goto out;
	if ((e = auth_db_begin()) != AUTH_OK)
		goto fail;
	if ((e = auth_store_user_insert(email, hash, &u, &inserted)) !=
	    AUTH_OK || !inserted ||
	    (verified && (e = auth_store_user_mark_verified(u.id)) !=
	    AUTH_OK)) {
		auth_db_rollback();
		if (e == AUTH_OK) {
			fail("%s exists", email);
			goto out;
		}
		goto fail;
	}
	auth_flow_audit(u.id, "signup", &operator_client,
	    "{\"by\":\"authctl\"}");
	if (verified)
		auth_flow_audit(u.id, "email_verified", &operator_client,
		    "{\"by\":\"authctl\"}");
	if ((e = auth_db_commit()) != AUTH_OK)
		goto fail;
	printf("%s\n", u.id);
	rc = 0;
	goto out;
fail:
	fail("create %s: %s", email, err_text(e));
out:
	auth_wipe(hash, sizeof(hash));
	auth_wipe(&u, sizeof(u));
	return rc;
}

/* The scheme and parameters of a crypt(5) string, without salt or hash. */
static void
print_scheme(const char *h)
{
	const char *p = h;
	int dollars = 0;

	if (h[0] != '$') {
		printf("password_scheme: legacy (no $id$ prefix)\n");
		return;
	}
	while (*p != '\0' && dollars < 3)
		if (*p++ == '$')
			dollars++;
	printf("password_scheme: %.*s\n", (int)(p - h), h);
}

static int
user_show(const char *email)
{
	struct auth_user u;
	long n = 0;
	size_t i;
	enum auth_err e;

	if (user_find(email, &u) == -1)
		return 1;
	printf("id: %s\nemail: %s\nemail_verified: %s\ndisabled: %s\n"
	    "created_at: %s\nroles: ", u.id, u.email,
	    u.email_verified ? "yes" : "no", u.disabled ? "yes" : "no",
	    u.created_at);
	for (i = 0; i < u.nroles; i++)
		printf("%s%s", i ? "," : "", u.roles[i]);
	putchar('\n');
	print_scheme(u.password_hash);
	if ((e = auth_store_sessions_count(u.id, &n)) != AUTH_OK) {
		fail("counting sessions: %s", err_text(e));
		auth_wipe(&u, sizeof(u));
		return 1;
	}
	printf("live_sessions: %ld\n", n);
	auth_wipe(&u, sizeof(u));
	return 0;
}

static int
user_set_disabled(const char *email, bool disabled)
{
	struct auth_user u;
	enum auth_err e;

	if (user_find(email, &u) == -1)
		return 1;
	e = auth_flow_user_set_disabled(&operator_client, u.id, disabled);
	auth_wipe(&u, sizeof(u));
	if (e != AUTH_OK) {
		fail("%s %s: %s", disabled ? "disable" : "enable", email,
		    err_text(e));
		return 1;
	}
	printf(disabled ? "disabled %s; its sessions are revoked\n" :
	    "enabled %s\n", email);
	return 0;
}

static int
user_set_password(const struct auth_config *cfg, const char *email)
{
	char hash[AUTH_PW_HASH_MAX];
	struct auth_user u;
	enum auth_err e;
	int rc = 1;

	memset(hash, 0, sizeof(hash));
	if (user_find(email, &u) == -1)
		return 1;
	if (new_password_hash(cfg, u.email, hash) == -1)
		goto out;
	if ((e = auth_flow_user_set_password(&operator_client, u.id,
	    hash)) != AUTH_OK) {
		fail("set-password %s: %s", email, err_text(e));
		goto out;
	}
	printf("password of %s set; its sessions are revoked\n", email);
	rc = 0;
out:
	auth_wipe(hash, sizeof(hash));
	auth_wipe(&u, sizeof(u));
	return rc;
}

static int
user_verify_email(const char *email)
{
	struct auth_user u;
	enum auth_err e;

	if (user_find(email, &u) == -1)
		return 1;
	if (u.email_verified) {
		printf("%s was already verified\n", email);
		auth_wipe(&u, sizeof(u));
		return 0;
	}
	e = auth_store_user_mark_verified(u.id);
	if (e == AUTH_OK)
		auth_flow_audit(u.id, "email_verified", &operator_client,
		    "{\"by\":\"authctl\"}");
	auth_wipe(&u, sizeof(u));
	if (e != AUTH_OK) {
		fail("verify-email %s: %s", email, err_text(e));
		return 1;
	}
	printf("verified %s\n", email);
	return 0;
}

/* ---- import ------------------------------------------------------------ */

/*
 * Splits one CSV record (RFC 4180 quoting, no newline inside quotes) in
 * place into at most max fields. Returns the count, or -1 if malformed.
 */
static int
csv_split(char *line, char **fields, int max)
{
	char *r = line, *w;
	int n = 0;

	for (;;) {
		if (n == max)
			return -1;
		fields[n++] = w = r;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return -1;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else
					*w++ = *r++;
			}
			if (*r != ',' && *r != '\0')
				return -1;
		} else {
			while (*r != ',' && *r != '\0') {
				if (*r == '"')
					return -1;
				*w++ = *r++;
			}
		}
		if (*r == '\0') {
			*w = '\0';
			return n;
		}
		r++;
		*w = '\0';
	}
}

/* email_verified: 1 true, 0 false, -1 neither. */
static int
csv_bool(const char *s)
{
	static const char *const yes[] = { "true", "t", "1", "yes", "y" };
	static const char *const no[] = { "false", "f", "0", "no", "n", "" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

/*
 * A timestamp the database can read: YYYY-MM-DD, optionally followed by
 * [T ]HH:MM[:SS[.frac]] and a zone (Z, +HH, +HH:MM, +HHMM). Without a zone
 * it is UTC: "Z" is appended into out. 0, or -1.
 */
static int
ts_check(const char *s, char *out, size_t outsz)
{
	const char *p = s;
	bool zone = false;
	int i;

	for (i = 0; i < 10; i++, p++)
		if ((i == 4 || i == 7) ? *p != '-' : !isdigit((unsigned char)*p))
			return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		for (i = 0; i < 5; i++, p++)
			if (i == 2 ? *p != ':' : !isdigit((unsigned char)*p))
				return -1;
		if (*p == ':') {
			p++;
			if (!isdigit((unsigned char)p[0]) ||
			    !isdigit((unsigned char)p[1]))
				return -1;
			p += 2;
			if (*p == '.') {
				p++;
				for (i = 0; isdigit((unsigned char)*p); i++)
					p++;
				if (i == 0 || i > 6)
					return -1;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
			zone = true;
		} else if (*p == '+' || *p == '-') {
			p++;
			if (!isdigit((unsigned char)p[0]) ||
			    !isdigit((unsigned char)p[1]))
				return -1;
			p += 2;
			if (*p == ':')
				p++;
			if (isdigit((unsigned char)p[0]) &&
			    isdigit((unsigned char)p[1]))
				p += 2;
			zone = true;
		}
	}
	if (*p != '\0')
		return -1;
	if ((size_t)snprintf(out, outsz, "%s%s", s, zone ? "" :
	    (strlen(s) == 10 ? " 00:00:00Z" : "Z")) >= outsz)
		return -1;
	return 0;
}

/* A stored hash we can verify later: a crypt(5) string libxcrypt knows. */
static bool
hash_ok(const char *h)
{
	size_t i, len = strlen(h);
	int cs;

	if (len == 0 || len >= AUTH_PW_HASH_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)h[i] <= ' ' || (unsigned char)h[i] > '~')
			return false;
	cs = crypt_checksalt(h);
	return cs == CRYPT_SALT_OK || cs == CRYPT_SALT_METHOD_LEGACY ||
	    cs == CRYPT_SALT_TOO_CHEAP;
}

struct import_stats {
	unsigned long	imported, existing, bad;
};

/* Checks and inserts one record; problems are printed with its line. */
static enum auth_err
import_record(unsigned long lineno, char **f, int n,
    struct import_stats *st)
{
	char email[AUTH_EMAIL_MAX + 1], ts[64];
	struct auth_user u;
	bool inserted;
	int verified = 0;
	enum auth_err e;

	if (n < 2 || n > CSV_FIELDS) {
		fail("line %lu: expected email,password_hash[,email_verified"
		    "[,created_at]]", lineno);
		st->bad++;
		return AUTH_OK;
	}
	if (email_arg(f[0], email) == -1) {
		fail("line %lu: invalid email", lineno);
		st->bad++;
		return AUTH_OK;
	}
	if (!hash_ok(f[1])) {
		fail("line %lu: password_hash is not a crypt(5) hash this "
		    "system can verify", lineno);
		st->bad++;
		return AUTH_OK;
	}
	if (n >= 3 && (verified = csv_bool(f[2])) == -1) {
		fail("line %lu: email_verified must be true or false",
		    lineno);
		st->bad++;
		return AUTH_OK;
	}
	if (n == 4 && f[3][0] != '\0' && ts_check(f[3], ts, sizeof(ts)) ==
	    -1) {
		fail("line %lu: created_at must look like "
		    "2024-05-01T12:00:00Z", lineno);
		st->bad++;
		return AUTH_OK;
	}
	/* After a bad record nothing is committed: only check the rest. */
	if (st->bad > 0)
		return AUTH_OK;
	e = auth_store_user_import(email, f[1], verified == 1,
	    n == 4 && f[3][0] != '\0' ? ts : NULL, &u, &inserted);
	if (e != AUTH_OK) {
		fail("line %lu: not inserted: %s", lineno, err_text(e));
		return e;
	}
	if (!inserted) {
		fprintf(stderr, "authctl: line %lu: %s exists; skipped\n",
		    lineno, email);
		st->existing++;
		auth_wipe(&u, sizeof(u));
		return AUTH_OK;
	}
	auth_flow_audit(u.id, "signup", &operator_client,
	    "{\"by\":\"authctl import\"}");
	st->imported++;
	auth_wipe(&u, sizeof(u));
	return AUTH_OK;
}

/*
 * Imports users from CSV (email,password_hash,email_verified,created_at;
 * an optional header line), keeping each hash as is. All or nothing: any
 * bad record and no user is added. Existing addresses are skipped.
 */
static int
user_import(const char *path)
{
	struct import_stats st = { 0, 0, 0 };
	char *line = NULL, *f[CSV_FIELDS + 1];
	size_t cap = 0, len;
	ssize_t got;
	unsigned long lineno = 0;
	FILE *in;
	bool in_tx = false;
	enum auth_err e = AUTH_OK;
	int n, rc = 1;

	if (strcmp(path, "-") == 0)
		in = stdin;
	else if ((in = fopen(path, "r")) == NULL) {
		fail("%s: %s", path, strerror(errno));
		return 1;
	}
	if ((e = auth_db_begin()) != AUTH_OK)
		goto out;
	in_tx = true;
	while ((got = getline(&line, &cap, in)) != -1) {
		lineno++;
		len = (size_t)got;
		if (len > CSV_LINE_MAX || strlen(line) != len) {
			fail("line %lu: longer than %d bytes or has a NUL byte",
			    lineno, CSV_LINE_MAX);
			st.bad++;
			continue;
		}
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		/* A UTF-8 byte order mark before the first record. */
		if (lineno == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
			memmove(line, line + 3, len - 2);
		if (line[0] == '\0')
			continue;
		if ((n = csv_split(line, f, CSV_FIELDS + 1)) == -1) {
			fail("line %lu: malformed CSV (quotes, or more than %d "
			    "fields)", lineno, CSV_FIELDS);
			st.bad++;
			continue;
		}
		if (lineno == 1 && strcasecmp(f[0], "email") == 0)
			continue;
		if ((e = import_record(lineno, f, n, &st)) != AUTH_OK)
			goto out;
	}
	if (ferror(in)) {
		fail("%s: read error", path);
		goto out;
	}
	if (st.bad > 0) {
		fail("%lu bad record%s; nothing imported", st.bad,
		    st.bad == 1 ? "" : "s");
		goto out;
	}
	e = auth_db_commit();
	in_tx = false;
	if (e != AUTH_OK) {
		fail("import: %s", err_text(e));
		goto out;
	}
	printf("imported %lu, skipped %lu existing\n", st.imported,
	    st.existing);
	rc = 0;
out:
	if (in_tx)
		auth_db_rollback();
	if (line != NULL)
		auth_wipe(line, cap);
	free(line);
	if (in != stdin)
		fclose(in);
	return rc;
}

/* ---- dispatch ----------------------------------------------------------- */

static int
cmd_user(int argc, char **argv)
{
	struct auth_config cfg;
	char email[AUTH_EMAIL_MAX + 1];
	const char *sub;
	bool verified = false;
	int rc;

	if (argc < 2)
		goto usage;
	sub = argv[0];
	if (strcmp(sub, "create") == 0 && argc == 3 &&
	    strcmp(argv[2], "--verified") == 0)
		verified = true;
	else if (argc != 2)
		goto usage;
	if (strcmp(sub, "import") == 0) {
		if (setup(&cfg) == -1)
			return 1;
		rc = user_import(argv[1]);
		goto out;
	}
	if (strcmp(sub, "create") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "disable") != 0 && strcmp(sub, "enable") != 0 &&
	    strcmp(sub, "set-password") != 0 &&
	    strcmp(sub, "verify-email") != 0)
		goto usage;
	if (email_arg(argv[1], email) == -1 || setup(&cfg) == -1)
		return 1;
	if (strcmp(sub, "create") == 0)
		rc = user_create(&cfg, email, verified);
	else if (strcmp(sub, "show") == 0)
		rc = user_show(email);
	else if (strcmp(sub, "disable") == 0)
		rc = user_set_disabled(email, true);
	else if (strcmp(sub, "enable") == 0)
		rc = user_set_disabled(email, false);
	else if (strcmp(sub, "set-password") == 0)
		rc = user_set_password(&cfg, email);
	else
		rc = user_verify_email(email);
out:
	auth_db_close();
	return rc;
usage:
	fputs("usage:\n", stderr);
	authctl_user_usage(stderr);
	return 2;
}

/* --since: a timestamp, or a duration back from now (30m, 24h, 7d). */
static int
since_arg(const char *s, char *out, size_t outsz)
{
	unsigned long n;
	char num[24], unit;
	size_t len = strlen(s);
	time_t t;
	struct tm tm;

	if (len >= 2 && len < sizeof(num) && strchr("smhd", s[len - 1]) &&
	    isdigit((unsigned char)s[0])) {
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		unit = s[len - 1];
		if (auth_parse_ulong(num, 100UL * 365 * 86400, &n) == -1)
			return -1;
		n *= unit == 'd' ? 86400 : unit == 'h' ? 3600 :
		    unit == 'm' ? 60 : 1;
		t = time(NULL) - (time_t)n;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			return -1;
		return 0;
	}
	return ts_check(s, out, outsz);
}

static int
print_event(void *arg, const struct auth_audit_row *row)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row->at, row->event,
	    row->email[0] ? row->email : "-", row->ip[0] ? row->ip : "-",
	    row->user_agent[0] ? row->user_agent : "-",
	    row->request_id[0] ? row->request_id : "-",
	    row->detail[0] ? row->detail : "-");
	return 0;
}

static int
cmd_audit(int argc, char **argv)
{
	struct auth_config cfg;
	char email[AUTH_EMAIL_MAX + 1], since[64];
	const char *user = NULL, *when = NULL, *limit = AUDIT_LIMIT;
	unsigned long lim;
	struct auth_user u;
	enum auth_err e;
	int i, rc = 1;

	for (i = 0; i < argc; i++) {
		if (i + 1 >= argc)
			goto usage;
		if (strcmp(argv[i], "--user") == 0)
			user = argv[++i];
		else if (strcmp(argv[i], "--since") == 0)
			when = argv[++i];
		else if (strcmp(argv[i], "--limit") == 0)
			limit = argv[++i];
		else
			goto usage;
	}
	if (auth_parse_ulong(limit, AUDIT_LIMIT_MAX, &lim) == -1 || lim == 0) {
		fail("--limit: a number from 1 to %lu", AUDIT_LIMIT_MAX);
		return 2;
	}
	if (when != NULL && since_arg(when, since, sizeof(since)) == -1) {
		fail("--since: a time like 2024-05-01T12:00:00Z or a duration "
		    "like 30m, 24h, 7d");
		return 2;
	}
	if (user != NULL && email_arg(user, email) == -1)
		return 2;
	if (setup(&cfg) == -1)
		return 1;
	if (user != NULL && user_find(email, &u) == -1)
		goto out;
	printf("at\tevent\temail\tip\tuser_agent\trequest_id\tdetail\n");
	e = auth_store_audit_list(user != NULL ? email : NULL,
	    when != NULL ? since : NULL, (long)lim, print_event, NULL);
	if (e != AUTH_OK) {
		fail("audit: %s", err_text(e));
		goto out;
	}
	rc = 0;
out:
	auth_wipe(&u, sizeof(u));
	auth_db_close();
	return rc;
usage:
	fputs("usage:\n", stderr);
	authctl_user_usage(stderr);
	return 2;
}

int
authctl_user_main(int argc, char **argv)
{
	if (strcmp(argv[0], "audit") == 0)
		return cmd_audit(argc - 1, argv + 1);
	return cmd_user(argc - 1, argv + 1);
}
