/*
 * authctl: the operator's tool. Applies schema migrations, generates keys,
 * inspects the outbox and purges expired rows. Configuration as the endpoints: AUTH_CONFIG file
 * plus AUTH_* environment overrides.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libpq-fe.h>

#include "authctl_user.h"
#include "config.h"
#include "endpoint_config.h"
#include "http.h"
#include "jwt.h"
#include "keyadmin.h"
#include "keyring.h"
#include "seal.h"
#include "store.h"
#include "base_codec.h"
#include "base_err.h"
#include "base_num.h"
#include "base_secret.h"

#ifndef AUTH_SCHEMA_DIR
#define AUTH_SCHEMA_DIR		"/usr/local/share/authd/schema"
#endif

#define MIG_FILE_MAX		(1024 * 1024)	/* bytes per migration file */
#define MIG_MAX			1000		/* NNN: 000..999 */
#define MIG_NAME_MAX		128
/* pg_advisory_lock key held for a whole migrate run ("authmigr"). */
#define MIG_LOCK_KEY		"7022364363398637938"
#define OUTBOX_LIST_MAX		"100"	/* newest rows shown by outbox list */

#define TS(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

struct migration {
	int		 version;
	char		 name[MIG_NAME_MAX];	/* file name, "001_init.sql" */
	char		 checksum[2 * AUTH_HASH_LEN + 1];
	char		*sql;			/* file contents; NULL if no file */
	bool		 applied;
	char		 applied_name[MIG_NAME_MAX];
	char		 applied_sum[2 * AUTH_HASH_LEN + 1];
	char		 applied_at[40];
};

struct migration_set {
	struct migration	*m[MIG_MAX];	/* indexed by version */
	int			 max_applied;	/* -1 if none */
};

static void
usage(FILE *f)
{
	fputs("usage: authctl migrate [--dir DIR] [--status]\n"
	    "       authctl keys generate [--alg ES256|RS256] [--dir DIR]\n"
	    "       authctl keys list [--dir DIR]\n"
	    "       authctl keys activate|retire KID [--dir DIR]\n"
	    "       authctl keys seal-key [--file FILE]\n"
	    "       authctl token verify TOKEN\n"
	    "       authctl outbox list\n"
	    "       authctl outbox link EMAIL [--template NAME]\n"
	    "       authctl outbox retry ID\n"
	    "       authctl outbox purge [--days N] [--failed]\n"
	    "       authctl purge\n", f);
	authctl_user_usage(f);
	fputs("       authctl help\n", f);
}

static void __attribute__((format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	auth_vwarnx("authctl", fmt, ap);
	va_end(ap);
}

/* The primary error message of r (or of conn) up to its first newline. */
static void
pg_fail(const char *what, PGconn *conn, const PGresult *r)
{
	const char	*msg = NULL;
	size_t		 len;

	if (r != NULL)
		msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	if (msg == NULL)
		msg = conn != NULL ? PQerrorMessage(conn) : "out of memory";
	len = strcspn(msg, "\r\n");
	fail("%s: %.*s", what, (int)len, msg);
}

static int
load_config(struct auth_config *cfg)
{
	char err[512];

	if (auth_config_load(cfg, NULL, err, sizeof(err)) == -1) {
		fail("config: %s", err);
		return -1;
	}
	return 0;
}

/* Opens a connection of our own; NULL after printing why. */
static PGconn *
pg_open(const struct auth_config *cfg)
{
	const char *const keys[] = { "connect_timeout", "dbname",
	    "client_encoding", "application_name", NULL };
	const char *const vals[] = { "10", cfg->database_url, "UTF8",
	    "authctl", NULL };
	PGconn		*conn;
	PGresult	*r;

	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		pg_fail("cannot connect to the database", conn, NULL);
		PQfinish(conn);
		return NULL;
	}
	r = PQexec(conn, "SET client_min_messages = warning");
	PQclear(r);
	return conn;
}

/* Runs sql; true if it succeeded, else prints what failed. */
static bool
pg_run(PGconn *conn, const char *what, const char *sql)
{
	PGresult	*r;
	bool		 ok;

	r = PQexec(conn, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		pg_fail(what, conn, r);
	PQclear(r);
	return ok;
}

/* ---- migrate --------------------------------------------------------- */

static void
migration_set_free(struct migration_set *set)
{
	int i;

	for (i = 0; i < MIG_MAX; i++) {
		if (set->m[i] == NULL)
			continue;
		free(set->m[i]->sql);
		free(set->m[i]);
		set->m[i] = NULL;
	}
}

/* The version of a file named NNN_name.sql, or -1 for any other name. */
static int
migration_version(const char *name)
{
	size_t	len = strlen(name), i;
	unsigned long long v;

	if (len < 9 || len >= MIG_NAME_MAX || strcmp(name + len - 4, ".sql"))
		return -1;
	if (auth_parse_numn(name, 3, 0, 999, &v, NULL) == -1 || name[3] != '_')
		return -1;
	for (i = 4; i < len - 4; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_' || name[i] == '-'))
			return -1;
	return (int)v;
}

/* Reads path whole (at most MIG_FILE_MAX bytes) into a malloc'd string. */
static char *
read_file(const char *path)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fail("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		fail("%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > MIG_FILE_MAX) {
		fail("%s: larger than %d bytes", path, MIG_FILE_MAX);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fail("%s: out of memory", path);
		goto out;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail("%s: short read", path);
			free(buf);
			buf = NULL;
			goto out;
		}
		off += (size_t)n;
	}
	buf[off] = '\0';
	if (strlen(buf) != off) {
		fail("%s: contains a NUL byte", path);
		free(buf);
		buf = NULL;
	}
out:
	close(fd);
	return buf;
}

/* Fills set from the NNN_name.sql files of dir. 0, or -1 after a message. */
static int
migrations_scan(const char *dir, struct migration_set *set)
{
	unsigned char	 sum[AUTH_HASH_LEN];
	char		 path[AUTH_PATH_MAX + MIG_NAME_MAX];
	DIR		*d;
	struct dirent	*de;
	struct migration *m;
	int		 v, rc = -1;

	if ((d = opendir(dir)) == NULL) {
		fail("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if ((v = migration_version(de->d_name)) == -1)
			continue;
		if (set->m[v] != NULL) {
			fail("%s and %s share version %03d", set->m[v]->name,
			    de->d_name, v);
			goto out;
		}
		if ((m = calloc(1, sizeof(*m))) == NULL) {
			fail("out of memory");
			goto out;
		}
		set->m[v] = m;
		m->version = v;
		if (strlen(de->d_name) >= sizeof(m->name)) {
			fail("%s: file name too long", de->d_name);
			goto out;
		}
		memcpy(m->name, de->d_name, strlen(de->d_name) + 1);
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path)) {
			fail("%s: path too long", de->d_name);
			goto out;
		}
		if ((m->sql = read_file(path)) == NULL)
			goto out;
		auth_sha256(m->sql, strlen(m->sql), sum);
		auth_hex(sum, sizeof(sum), m->checksum);
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

/* Merges the rows of schema_migrations (if the table exists) into set. */
static int
migrations_applied(PGconn *conn, struct migration_set *set)
{
	PGresult		*r;
	struct migration	*m;
	const char		*s;
	int			 i, v, rc = -1;
	unsigned long long	 n;

	set->max_applied = -1;
	r = PQexec(conn, "SELECT version, name, checksum, " TS("applied_at")
	    " FROM schema_migrations ORDER BY version");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		if (strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE) != NULL ?
		    PQresultErrorField(r, PG_DIAG_SQLSTATE) : "", "42P01") == 0)
			rc = 0;	/* no table yet: nothing applied */
		else
			pg_fail("reading schema_migrations", conn, r);
		goto out;
	}
	for (i = 0; i < PQntuples(r); i++) {
		s = PQgetvalue(r, i, 0);
		if (auth_parse_num(s, 0, MIG_MAX - 1, &n, NULL) == -1) {
			fail("schema_migrations: version %s out of range", s);
			goto out;
		}
		v = (int)n;
		if ((m = set->m[v]) == NULL) {
			if ((m = calloc(1, sizeof(*m))) == NULL) {
				fail("out of memory");
				goto out;
			}
			set->m[v] = m;
			m->version = v;
		}
		m->applied = true;
		snprintf(m->applied_name, sizeof(m->applied_name), "%s",
		    PQgetvalue(r, i, 1));
		snprintf(m->applied_sum, sizeof(m->applied_sum), "%s",
		    PQgetvalue(r, i, 2));
		snprintf(m->applied_at, sizeof(m->applied_at), "%s",
		    PQgetvalue(r, i, 3));
		set->max_applied = v;
	}
	rc = 0;
out:
	PQclear(r);
	return rc;
}

/* The state of m for --status and the checks before applying. */
static const char *
migration_state(const struct migration *m)
{
	if (!m->applied)
		return "pending";
	if (m->sql == NULL)
		return "MISSING";
	if (strcmp(m->name, m->applied_name) != 0 ||
	    strcmp(m->checksum, m->applied_sum) != 0)
		return "CHANGED";
	return "applied";
}

static int
migrate_status(struct migration_set *set)
{
	const struct migration	*m;
	const char		*state;
	int			 v, rc = 0;

	for (v = 0; v < MIG_MAX; v++) {
		if ((m = set->m[v]) == NULL)
			continue;
		state = migration_state(m);
		if (strcmp(state, "pending") == 0)
			printf("%-40s pending\n", m->name);
		else {
			printf("%-40s %s %s\n", m->sql != NULL ? m->name :
			    m->applied_name, state, m->applied_at);
			if (strcmp(state, "applied") != 0)
				rc = 1;
		}
	}
	return rc;
}

/* Refuses to go on if an applied file was edited, renamed or removed. */
static int
migrations_verify(const struct migration_set *set, const char *dir)
{
	const struct migration	*m;
	const char		*state;
	int			 v;

	for (v = 0; v < MIG_MAX; v++) {
		if ((m = set->m[v]) == NULL)
			continue;
		state = migration_state(m);
		if (strcmp(state, "MISSING") == 0) {
			fail("%s was applied but is missing from %s; nothing "
			    "applied", m->applied_name, dir);
			return -1;
		}
		if (strcmp(state, "CHANGED") == 0) {
			fail("%s changed after it was applied (applied as %s, "
			    "checksum %.12s, now %.12s); nothing applied",
			    m->name, m->applied_name, m->applied_sum,
			    m->checksum);
			return -1;
		}
		if (!m->applied && v < set->max_applied) {
			fail("%s is older than the last applied version %03d; "
			    "nothing applied", m->name, set->max_applied);
			return -1;
		}
	}
	return 0;
}

/* Applies m in its own transaction. 0, or -1 after a message. */
static int
migration_apply(PGconn *conn, const struct migration *m)
{
	char		 ver[8];
	const char	*vals[3] = { ver, m->name, m->checksum };
	PGresult	*r;
	bool		 ok;

	snprintf(ver, sizeof(ver), "%d", m->version);
	if (!pg_run(conn, "BEGIN", "BEGIN"))
		return -1;
	r = PQexec(conn, m->sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK ||
	    PQresultStatus(r) == PGRES_EMPTY_QUERY;
	if (!ok)
		pg_fail(m->name, conn, r);
	PQclear(r);
	if (ok) {
		r = PQexecParams(conn, "INSERT INTO schema_migrations "
		    "(version, name, checksum) VALUES ($1::int, $2, $3)",
		    3, NULL, vals, NULL, NULL, 0);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			pg_fail("recording the migration", conn, r);
		PQclear(r);
	}
	if (ok && PQtransactionStatus(conn) != PQTRANS_INTRANS) {
		fail("%s: ends the transaction itself; remove its "
		    "BEGIN/COMMIT", m->name);
		ok = false;
	}
	if (ok) {
		r = PQexec(conn, "COMMIT");
		ok = PQresultStatus(r) == PGRES_COMMAND_OK &&
		    strcmp(PQcmdStatus(r), "COMMIT") == 0;
		if (!ok)
			pg_fail("COMMIT", conn, r);
		PQclear(r);
	}
	if (!ok) {
		(void)pg_run(conn, "ROLLBACK", "ROLLBACK");
		return -1;
	}
	printf("applied %s\n", m->name);
	return 0;
}

static int
cmd_migrate(int argc, char **argv)
{
	struct auth_config	 cfg;
	struct migration_set	 set;
	const char		*dir = NULL;
	PGconn			*conn = NULL;
	bool			 status = false;
	int			 i, v, napplied = 0, rc = 1;

	memset(&set, 0, sizeof(set));
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--status") == 0)
			status = true;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (dir == NULL && (dir = getenv("AUTH_SCHEMA_DIR")) == NULL)
		dir = AUTH_SCHEMA_DIR;
	if (strlen(dir) >= AUTH_PATH_MAX) {
		fail("--dir: path too long");
		return 1;
	}
	if (load_config(&cfg) == -1 || migrations_scan(dir, &set) == -1)
		goto out;
	if ((conn = pg_open(&cfg)) == NULL)
		goto out;
	if (status) {
		if (migrations_applied(conn, &set) == -1)
			goto out;
		rc = migrate_status(&set);
		goto out;
	}
	/* Held until the connection closes: concurrent runs queue here. */
	if (!pg_run(conn, "taking the migration lock",
	    "SELECT pg_advisory_lock(" MIG_LOCK_KEY ")") ||
	    !pg_run(conn, "creating schema_migrations",
	    "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    " version integer PRIMARY KEY,"
	    " name text NOT NULL,"
	    " checksum text NOT NULL,"
	    " applied_at timestamptz NOT NULL DEFAULT now())"))
		goto out;
	if (migrations_applied(conn, &set) == -1 ||
	    migrations_verify(&set, dir) == -1)
		goto out;
	for (v = 0; v < MIG_MAX; v++) {
		if (set.m[v] == NULL || set.m[v]->applied)
			continue;
		if (migration_apply(conn, set.m[v]) == -1)
			goto out;
		napplied++;
	}
	if (napplied == 0)
		printf("nothing to apply\n");
	rc = 0;
out:
	PQfinish(conn);
	migration_set_free(&set);
	return rc;
}

/* ---- purge ----------------------------------------------------------- */

/*
 * What purge deletes. Rotated refresh tokens stay until they expire so that
 * reuse is still detected; revoked sessions stay a while for the audit trail.
 */
static const struct {
	const char	*what;
	const char	*sql;
} purge_stmts[] = {
	{ "expired refresh tokens",
	    "DELETE FROM refresh_tokens WHERE expires_at < now() - interval '1 day'" },
	{ "expired or long-revoked sessions",
	    "DELETE FROM sessions WHERE expires_at < now() - interval '1 day'"
	    " OR revoked_at < now() - interval '30 days'" },
	{ "expired or used email tokens",
	    "DELETE FROM email_tokens WHERE expires_at < now() - interval '1 day'"
	    " OR used_at < now() - interval '1 day'" },
	{ "old sent or failed outbox messages",
	    "DELETE FROM outbox WHERE (status = 'sent'"
	    " AND sent_at < now() - interval '7 days') OR (status = 'failed'"
	    " AND created_at < now() - interval '30 days')" },
};

/* Deletes rows no flow can use any more; idempotent, safe from cron. */
static int
cmd_purge(int argc)
{
	struct auth_config	 cfg;
	PGconn			*conn;
	PGresult		*r;
	size_t			 i;
	int			 rc = 0;

	if (argc != 0) {
		usage(stderr);
		return 2;
	}
	if (load_config(&cfg) == -1 || (conn = pg_open(&cfg)) == NULL)
		return 1;
	for (i = 0; i < sizeof(purge_stmts) / sizeof(purge_stmts[0]); i++) {
		r = PQexec(conn, purge_stmts[i].sql);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_fail(purge_stmts[i].what, conn, r);
			rc = 1;
		} else
			printf("%s: %s deleted\n", purge_stmts[i].what,
			    PQcmdTuples(r));
		PQclear(r);
	}
	PQfinish(conn);
	return rc;
}

/* ---- keys ------------------------------------------------------------ */

/* The signing algorithm of the configuration, if it names one with keys. */
static enum auth_jwt_alg
config_key_alg(const struct auth_config *cfg)
{
	return cfg->jwt_alg == AUTH_JWT_ES256 || cfg->jwt_alg == AUTH_JWT_RS256 ?
	    cfg->jwt_alg : AUTH_JWT_ALG__MAX;
}

/* Prints the keys of dir; 1 if a private key is readable by others. */
static int
keys_list(const char *dir)
{
	struct auth_key_info	 info[2 * AUTH_KEYS_MAX + 8];
	char			 err[512], when[32];
	struct tm		 tm;
	time_t			 t;
	long			 n, i;
	int			 rc = 0;

	if ((n = auth_keys_list(dir, info, sizeof(info) / sizeof(info[0]),
	    err, sizeof(err))) < 0) {
		fail("keys list: %s", err);
		return 1;
	}
	printf("kid\talg\tbits\tstatus\tcreated\n");
	for (i = 0; i < n; i++) {
		t = (time_t)info[i].created;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			snprintf(when, sizeof(when), "-");
		printf("%s\t%s\t%u\t%s\t%s\n", info[i].kid,
		    auth_jwt_alg_name(info[i].alg), info[i].bits,
		    info[i].active ? "active" : info[i].retired ? "retired" :
		    info[i].has_private ? "verifies" : "verifies (no .key)",
		    when);
		if (info[i].private_loose) {
			fail("%s/%s.key is readable by group or others: chmod "
			    "600 it (the endpoints refuse to sign with it)", dir,
			    info[i].kid);
			rc = 1;
		}
	}
	return rc;
}

/*
 * authctl keys generate [--alg ES256|RS256] [--dir DIR] | list [--dir DIR]
 * | activate KID [--dir DIR] | retire KID [--dir DIR] | seal-key [--file F]
 */
static int
cmd_keys(int argc, char **argv)
{
	struct auth_config	 cfg;
	struct stat		 st;
	enum auth_jwt_alg	 alg = AUTH_JWT_ALG__MAX, want;
	char			 kid[AUTH_KID_MAX + 1], err[512];
	const char		*sub, *dir = NULL, *file = NULL, *name = NULL;
	const char		*algname = NULL;
	bool			 have_cfg = false;
	int			 i;

	if (argc < 1)
		goto bad;
	sub = argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strcmp(argv[i], "--alg") == 0 && i + 1 < argc)
			algname = argv[++i];
		else if (name == NULL)	/* a kid may begin with "-" */
			name = argv[i];
		else
			goto bad;
	}
	if (strcmp(sub, "seal-key") == 0) {
		if (dir != NULL || algname != NULL || name != NULL)
			goto bad;
		if (file == NULL) {
			if (load_config(&cfg) == -1)
				return 1;
			file = cfg.outbox_key_file;
		}
		if (file[0] == '\0') {
			fail("no outbox key file given or configured");
			return 1;
		}
		if (stat(file, &st) == 0) {
			printf("%s exists; kept\n", file);
			return 0;
		}
		if (auth_seal_key_generate(file, err, sizeof(err)) == -1) {
			fail("keys seal-key: %s", err);
			return 1;
		}
		printf("wrote %s\n", file);
		return 0;
	}
	if (file != NULL || (algname != NULL && strcmp(sub, "generate") != 0) ||
	    ((strcmp(sub, "activate") == 0 || strcmp(sub, "retire") == 0) !=
	    (name != NULL)))
		goto bad;
	if (algname != NULL) {
		alg = auth_jwt_alg_from_name(algname);
		if (alg != AUTH_JWT_ES256 && alg != AUTH_JWT_RS256) {
			fail("keys generate: --alg is ES256 or RS256");
			return 2;
		}
	}
	/* The configuration names the directory and the signing algorithm;
	 * with --dir it is optional. */
	if (dir == NULL) {
		if (load_config(&cfg) == -1)
			return 1;
		have_cfg = true;
		dir = cfg.keys_dir;
	} else if (auth_config_load(&cfg, NULL, err, sizeof(err)) == 0)
		have_cfg = true;
	if (dir[0] == '\0') {
		fail("no key directory given or configured");
		return 1;
	}
	want = have_cfg ? config_key_alg(&cfg) : AUTH_JWT_ALG__MAX;
	if (strcmp(sub, "generate") == 0) {
		if (alg == AUTH_JWT_ALG__MAX)
			alg = want != AUTH_JWT_ALG__MAX ? want : AUTH_JWT_ES256;
		if (auth_keys_generate_alg(dir, alg, kid, sizeof(kid), err,
		    sizeof(err)) == -1) {
			fail("keys generate: %s", err);
			return 1;
		}
		printf("%s\n", kid);
		return 0;
	}
	if (strcmp(sub, "list") == 0)
		return keys_list(dir);
	if (strcmp(sub, "activate") == 0) {
		if (auth_keys_activate(dir, name, want, err, sizeof(err)) == -1) {
			fail("keys activate: %s", err);
			return 1;
		}
		printf("%s signs new tokens; the endpoints pick it up within "
		    "%d s\n", name, AUTH_KEYS_RECHECK + 1);
		return 0;
	}
	if (strcmp(sub, "retire") == 0) {
		if (auth_keys_retire(dir, name, err, sizeof(err)) == -1) {
			fail("keys retire: %s", err);
			return 1;
		}
		printf("%s retired: tokens it signed are no longer accepted\n",
		    name);
		return 0;
	}
bad:
	usage(stderr);
	return 2;
}

/* ---- token ----------------------------------------------------------- */

/* Prints segment seg (len) of a token, base64url JSON, indented; 0 or -1. */
static int
print_segment(const char *what, const char *seg, size_t len)
{
	json_object	*obj;
	char		*buf;
	ssize_t		 n;
	int		 rc = -1;

	if ((buf = malloc(len + 1)) == NULL)
		return -1;
	n = auth_b64url_decode(seg, len, buf, len + 1);
	if (n > 0) {
		buf[n] = '\0';
		if ((obj = json_tokener_parse(buf)) != NULL) {
			printf("%s: %s\n", what, json_object_to_json_string_ext(obj,
			    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(obj);
			rc = 0;
		}
	}
	free(buf);
	return rc;
}

/* authctl token verify TOKEN: the header and claims of a token that
 * verifies with the configured keys, now. */
static int
cmd_token(int argc, char **argv)
{
	struct auth_config	 cfg;
	struct auth_keyring	*kr;
	struct auth_jwt_claims	 c;
	const char		*tok, *d1, *d2;
	char			 err[512];
	size_t			 len;
	enum auth_err		 e;

	if (argc != 2 || strcmp(argv[0], "verify") != 0) {
		usage(stderr);
		return 2;
	}
	tok = argv[1];
	len = strnlen(tok, AUTH_JWT_MAX + 1);
	if (load_config(&cfg) == -1)
		return 1;
	if ((kr = auth_keyring_load(&cfg, false, err, sizeof(err))) == NULL) {
		fail("keys: %s", err);
		return 1;
	}
	e = auth_jwt_verify(kr, &cfg, tok, len, (long long)time(NULL), &c);
	auth_keyring_free(kr);
	if (e != AUTH_OK) {
		fail("token verify: not a valid access token here (shape, "
		    "algorithm, kid, signature, iss, aud, exp or nbf)");
		if ((d1 = memchr(tok, '.', len)) != NULL)
			(void)print_segment("header (unverified)", tok,
			    (size_t)(d1 - tok));
		return 1;
	}
	d1 = strchr(tok, '.');
	d2 = strchr(d1 + 1, '.');
	if (print_segment("header", tok, (size_t)(d1 - tok)) == -1 ||
	    print_segment("claims", d1 + 1, (size_t)(d2 - d1 - 1)) == -1) {
		fail("token verify: cannot print the token");
		return 1;
	}
	printf("verified: sub %s, expires in %lld s\n", c.sub,
	    c.exp - (long long)time(NULL));
	return 0;
}

/* ---- outbox ---------------------------------------------------------- */

static int
outbox_list(PGconn *conn)
{
	PGresult	*r;
	int		 i, rc = 1;

	r = PQexec(conn, "SELECT id, " TS("created_at") ", recipient, "
	    "template, status, attempts, coalesce(" TS("next_attempt_at")
	    " || ' ' || left(regexp_replace(coalesce(last_error, ''),"
	    " '[[:cntrl:]]', ' ', 'g'), 200), '') FROM (SELECT * FROM outbox "
	    "ORDER BY id DESC LIMIT " OUTBOX_LIST_MAX ") o ORDER BY id");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail("outbox list", conn, r);
		goto out;
	}
	printf("id\tcreated_at\trecipient\ttemplate\tstatus\tattempts\t"
	    "next_attempt_at last_error\n");
	for (i = 0; i < PQntuples(r); i++)
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0),
		    PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
		    PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
		    PQgetvalue(r, i, 5), PQgetvalue(r, i, 6));
	rc = 0;
out:
	PQclear(r);
	return rc;
}

/* Prints the "link" of the newest sealed payload sent to email. */
static int
outbox_link(PGconn *conn, const struct auth_config *cfg, const char *email,
    const char *template)
{
	unsigned char	 key[AUTH_SEAL_KEY_LEN];
	char		 err[512], *aad = NULL, *pt = NULL;
	const char	*vals[2] = { email, template };
	const char	*rcpt, *tmpl;
	json_object	*obj = NULL, *jlink;
	PGresult	*r = NULL;
	size_t		 ptlen = 0, aadlen;
	int		 rc = 1;

	if (auth_seal_key_load(cfg->outbox_key_file, key, err,
	    sizeof(err)) == -1) {
		fail("outbox key: %s", err);
		return 1;
	}
	/* Binary results: text columns arrive as their bytes, bytea raw. */
	r = PQexecParams(conn, "SELECT recipient, template, payload "
	    "FROM outbox WHERE lower(recipient) = lower($1) "
	    "AND ($2::text IS NULL OR template = $2) "
	    "ORDER BY id DESC LIMIT 1", 2, NULL, vals, NULL, NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail("outbox link", conn, r);
		goto out;
	}
	if (PQntuples(r) != 1) {
		fail("no outbox message for %s", email);
		goto out;
	}
	if (PQgetlength(r, 0, 2) == 0) {
		fail("the newest message for %s was sent and its link is no "
		    "longer stored; read it from the email", email);
		goto out;
	}
	rcpt = PQgetvalue(r, 0, 0);
	tmpl = PQgetvalue(r, 0, 1);
	aadlen = (size_t)PQgetlength(r, 0, 0) + 1 +
	    (size_t)PQgetlength(r, 0, 1);
	if ((aad = malloc(aadlen + 1)) == NULL) {
		fail("out of memory");
		goto out;
	}
	snprintf(aad, aadlen + 1, "%.*s\n%.*s", PQgetlength(r, 0, 0), rcpt,
	    PQgetlength(r, 0, 1), tmpl);
	if (auth_unseal(key, aad, aadlen,
	    (const unsigned char *)PQgetvalue(r, 0, 2),
	    (size_t)PQgetlength(r, 0, 2), &pt, &ptlen) == -1) {
		fail("the newest message for %s does not unseal with %s",
		    email, cfg->outbox_key_file);
		goto out;
	}
	obj = auth_json_parse(pt, ptlen);
	if (obj == NULL ||
	    !json_object_object_get_ex(obj, "link", &jlink) ||
	    !json_object_is_type(jlink, json_type_string)) {
		fail("the newest message for %s (template %.*s) has no link",
		    email, PQgetlength(r, 0, 1), tmpl);
		goto out;
	}
	printf("%s\n", json_object_get_string(jlink));
	fflush(stdout);
	rc = 0;
out:
	auth_json_burn(obj);
	json_object_put(obj);
	if (pt != NULL) {
		auth_wipe(pt, ptlen);
		free(pt);
	}
	free(aad);
	PQclear(r);
	auth_wipe(key, sizeof(key));
	return rc;
}

/* A whole decimal number in 0..max; -1 for anything else. */
static long long
parse_count(const char *s, long long max)
{
	unsigned long long	v;

	return auth_parse_num(s, 0, (unsigned long long)max, &v, NULL) == -1 ?
	    -1 : (long long)v;
}

/* Makes failed message id pending again with its attempts reset. */
static int
outbox_retry(PGconn *conn, const char *id)
{
	const char	*vals[1] = { id };
	PGresult	*r;
	int		 rc = 1;

	if (parse_count(id, 9223372036854775807LL) < 0) {
		fail("outbox retry: ID must be a message id (outbox list)");
		return 2;
	}
	r = PQexecParams(conn, "WITH u AS (UPDATE outbox SET status = "
	    "'pending', attempts = 0, next_attempt_at = now(), last_error = "
	    "NULL WHERE id = $1::bigint AND status = 'failed' RETURNING id) "
	    "SELECT pg_notify('" AUTH_OUTBOX_CHANNEL "', '') FROM u",
	    1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		pg_fail("outbox retry", conn, r);
	else if (PQntuples(r) != 1)
		fail("no failed outbox message with id %s", id);
	else {
		printf("outbox message %s is pending again\n", id);
		rc = 0;
	}
	PQclear(r);
	return rc;
}

/*
 * Deletes sent messages sent more than days ago and, with failed, failed
 * ones created more than days ago.
 */
static int
outbox_purge(PGconn *conn, const char *days, bool failed)
{
	const char	*vals[1] = { days };
	PGresult	*r;
	int		 rc = 0;

	r = PQexecParams(conn, "DELETE FROM outbox WHERE status = 'sent' AND "
	    "sent_at < now() - $1::bigint * interval '1 day'", 1, NULL, vals,
	    NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail("outbox purge", conn, r);
		rc = 1;
	} else
		printf("sent messages: %s deleted\n", PQcmdTuples(r));
	PQclear(r);
	if (!failed || rc != 0)
		return rc;
	r = PQexecParams(conn, "DELETE FROM outbox WHERE status = 'failed' AND "
	    "created_at < now() - $1::bigint * interval '1 day'", 1, NULL,
	    vals, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_fail("outbox purge", conn, r);
		rc = 1;
	} else
		printf("failed messages: %s deleted\n", PQcmdTuples(r));
	PQclear(r);
	return rc;
}

/* outbox retry ID | outbox purge [--days N] [--failed] */
static int
outbox_admin(int argc, char **argv)
{
	struct auth_config	 cfg;
	const char		*days = "7";
	PGconn			*conn;
	bool			 failed = false, retry;
	int			 i, rc;

	retry = strcmp(argv[0], "retry") == 0;
	if (retry && argc != 2) {
		usage(stderr);
		return 2;
	}
	for (i = 1; !retry && i < argc; i++) {
		if (strcmp(argv[i], "--failed") == 0)
			failed = true;
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc &&
		    parse_count(argv[i + 1], 36500) >= 0)
			days = argv[++i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (load_config(&cfg) == -1 || (conn = pg_open(&cfg)) == NULL)
		return 1;
	rc = retry ? outbox_retry(conn, argv[1]) :
	    outbox_purge(conn, days, failed);
	PQfinish(conn);
	return rc;
}

static int
cmd_outbox(int argc, char **argv)
{
	struct auth_config	 cfg;
	const char		*email = NULL, *template = NULL;
	PGconn			*conn = NULL;
	bool			 list;
	int			 rc;

	if (strcmp(argv[0], "retry") == 0 || strcmp(argv[0], "purge") == 0)
		return outbox_admin(argc, argv);
	if (argc == 1 && strcmp(argv[0], "list") == 0)
		list = true;
	else if (strcmp(argv[0], "link") == 0 && (argc == 2 ||
	    (argc == 4 && strcmp(argv[2], "--template") == 0))) {
		list = false;
		email = argv[1];
		template = argc == 4 ? argv[3] : NULL;
	} else {
		usage(stderr);
		return 2;
	}
	if (load_config(&cfg) == -1 || (conn = pg_open(&cfg)) == NULL)
		return 1;
	rc = list ? outbox_list(conn) : outbox_link(conn, &cfg, email,
	    template);
	PQfinish(conn);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "migrate") == 0)
		return cmd_migrate(argc - 2, argv + 2);
	if (strcmp(argv[1], "keys") == 0)
		return cmd_keys(argc - 2, argv + 2);
	if (strcmp(argv[1], "token") == 0)
		return cmd_token(argc - 2, argv + 2);
	if (strcmp(argv[1], "outbox") == 0 && argc > 2)
		return cmd_outbox(argc - 2, argv + 2);
	if (strcmp(argv[1], "purge") == 0)
		return cmd_purge(argc - 2);
	if (strcmp(argv[1], "user") == 0 || strcmp(argv[1], "audit") == 0)
		return authctl_user_main(argc - 1, argv + 1);
	fail("unknown command: %s", argv[1]);
	usage(stderr);
	return 2;
}
