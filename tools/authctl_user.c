/*
 * authctl user create|show|disable|enable|set-password|verify-email|delete|import:
 * the operator's account commands. They use the service's own flows and
 * store statements (one process connection), so every change writes the
 * same audit events as the endpoints do.
 */
#include <crypt.h>
#include <err.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "authctl.h"
#include "authctl_csv.h"
#include "db.h"
#include "flow.h"
#include "password.h"
#include "store_session.h"
#include "store_user.h"
#include "base_codec.h"
#include "base_secret.h"

#define CSV_FIELDS	4	/* email, password_hash, email_verified, created_at */

/* What the audit trail records for an operator's change. */
const struct auth_client authctl_client = { NULL, "authctl", NULL };

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
		warnx("password longer than %d bytes", AUTH_PW_MAX_BYTES);
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (len == 0) {
		warnx("no password on standard input");
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
	if (auth_pw_new(pw, (size_t)len, email, cfg, hash, &weak) != AUTH_OK) {
		if (weak != NULL)
			warnx("password: %s", weak);
		else
			warnx("password hashing failed");
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
			warnx("%s exists", email);
			goto out;
		}
		goto fail;
	}
	auth_flow_audit(u.id, "signup", &authctl_client,
	    "{\"by\":\"authctl\"}");
	if (verified)
		auth_flow_audit(u.id, "email_verified", &authctl_client,
		    "{\"by\":\"authctl\"}");
	if ((e = auth_db_commit()) != AUTH_OK)
		goto fail;
	printf("%s\n", u.id);
	rc = 0;
	goto out;
fail:
	warnx("create %s: %s", email, authctl_err_text(e));
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

	if (authctl_user_find(email, &u) == -1)
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
		warnx("counting sessions: %s", authctl_err_text(e));
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

	if (authctl_user_find(email, &u) == -1)
		return 1;
	e = auth_flow_user_set_disabled(&authctl_client, u.id, disabled);
	auth_wipe(&u, sizeof(u));
	if (e != AUTH_OK) {
		warnx("%s %s: %s", disabled ? "disable" : "enable", email,
		    authctl_err_text(e));
		return 1;
	}
	printf(disabled ? "disabled %s; its sessions are revoked\n" :
	    "enabled %s\n", email);
	return 0;
}

static int
user_delete(const char *email)
{
	struct auth_user u;
	enum auth_err e;

	if (authctl_user_find(email, &u) == -1)
		return 1;
	e = auth_flow_user_delete(&authctl_client, NULL, u.id);
	auth_wipe(&u, sizeof(u));
	if (e != AUTH_OK) {
		warnx("delete %s: %s", email, authctl_err_text(e));
		return 1;
	}
	printf("deleted %s with its sessions, tokens and mail\n", email);
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
	if (authctl_user_find(email, &u) == -1)
		return 1;
	if (new_password_hash(cfg, u.email, hash) == -1)
		goto out;
	if ((e = auth_flow_user_set_password(&authctl_client, u.id,
	    hash)) != AUTH_OK) {
		warnx("set-password %s: %s", email, authctl_err_text(e));
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

	if (authctl_user_find(email, &u) == -1)
		return 1;
	if (u.email_verified) {
		printf("%s was already verified\n", email);
		auth_wipe(&u, sizeof(u));
		return 0;
	}
	e = auth_store_user_mark_verified(u.id);
	if (e == AUTH_OK)
		auth_flow_audit(u.id, "email_verified", &authctl_client,
		    "{\"by\":\"authctl\"}");
	auth_wipe(&u, sizeof(u));
	if (e != AUTH_OK) {
		warnx("verify-email %s: %s", email, authctl_err_text(e));
		return 1;
	}
	printf("verified %s\n", email);
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
		warnx("line %lu: expected email,password_hash[,email_verified"
		    "[,created_at]]", lineno);
		st->bad++;
		return AUTH_OK;
	}
	if (authctl_email_arg(f[0], email) == -1) {
		warnx("line %lu: invalid email", lineno);
		st->bad++;
		return AUTH_OK;
	}
	if (!hash_ok(f[1])) {
		warnx("line %lu: password_hash is not a crypt(5) hash this "
		    "system can verify", lineno);
		st->bad++;
		return AUTH_OK;
	}
	if (n >= 3 && (verified = authctl_csv_bool(f[2])) == -1) {
		warnx("line %lu: email_verified must be true or false",
		    lineno);
		st->bad++;
		return AUTH_OK;
	}
	if (n == 4 && f[3][0] != '\0' && authctl_ts_arg(f[3], ts, sizeof(ts)) ==
	    -1) {
		warnx("line %lu: created_at must look like "
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
		warnx("line %lu: not inserted: %s", lineno,
		    authctl_err_text(e));
		return e;
	}
	if (!inserted) {
		fprintf(stderr, "authctl: line %lu: %s exists; skipped\n",
		    lineno, email);
		st->existing++;
		auth_wipe(&u, sizeof(u));
		return AUTH_OK;
	}
	auth_flow_audit(u.id, "signup", &authctl_client,
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
		warnx("%s: %s", path, strerror(errno));
		return 1;
	}
	if ((e = auth_db_begin()) != AUTH_OK)
		goto out;
	in_tx = true;
	while ((got = getline(&line, &cap, in)) != -1) {
		lineno++;
		len = (size_t)got;
		if ((n = authctl_csv_record(line, len, lineno == 1, f,
		    CSV_FIELDS + 1)) == AUTHCTL_CSV_LONG) {
			warnx("line %lu: longer than %d bytes or has a NUL "
			    "byte", lineno, AUTHCTL_CSV_LINE_MAX);
			st.bad++;
			continue;
		}
		if (n == 0)
			continue;
		if (n == AUTHCTL_CSV_MALFORMED) {
			warnx("line %lu: malformed CSV (quotes, or more than "
			    "%d fields)", lineno, CSV_FIELDS);
			st.bad++;
			continue;
		}
		if (lineno == 1 && strcasecmp(f[0], "email") == 0)
			continue;
		if ((e = import_record(lineno, f, n, &st)) != AUTH_OK)
			goto out;
	}
	if (ferror(in)) {
		warnx("%s: read error", path);
		goto out;
	}
	if (st.bad > 0) {
		warnx("%lu bad record%s; nothing imported", st.bad,
		    st.bad == 1 ? "" : "s");
		goto out;
	}
	e = auth_db_commit();
	in_tx = false;
	if (e != AUTH_OK) {
		warnx("import: %s", authctl_err_text(e));
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

/* The account commands: EMAIL checked, the process connection opened,
 * then the command. */
int
authctl_user(const struct authctl_opts *o)
{
	struct auth_config	cfg;
	char			email[AUTH_EMAIL_MAX + 1];

	if (authctl_email_arg(o->arg, email) == -1 ||
	    authctl_connect(&cfg) == -1)
		return AUTHCTL_FAIL;
	switch (o->verb) {
	case VERB_USER_CREATE:
		return user_create(&cfg, email, o->verified);
	case VERB_USER_SHOW:
		return user_show(email);
	case VERB_USER_DISABLE:
		return user_set_disabled(email, true);
	case VERB_USER_ENABLE:
		return user_set_disabled(email, false);
	case VERB_USER_VERIFY_EMAIL:
		return user_verify_email(email);
	case VERB_USER_SET_PASSWORD:
		return user_set_password(&cfg, email);
	case VERB_USER_DELETE:
		return user_delete(email);
	default:
		return AUTHCTL_USAGE;
	}
}

int
authctl_user_import(const struct authctl_opts *o)
{
	struct auth_config	cfg;

	if (authctl_connect(&cfg) == -1)
		return AUTHCTL_FAIL;
	return user_import(o->arg);
}
