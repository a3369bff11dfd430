/*
 * authctl migrate [--dir DIR] [--status]: applies the NNN_name.sql files
 * of the schema directory in order, each in its own transaction, and
 * refuses to go on when an applied file was edited, renamed or removed.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authctl.h"
#include "store_migrate.h"
#include "base_codec.h"
#include "base_secret.h"

#ifndef AUTH_SCHEMA_DIR
#define AUTH_SCHEMA_DIR		"/usr/local/share/authd/schema"
#endif

#define MIG_FILE_MAX		(1024 * 1024)	/* bytes per migration file */
#define MIG_MAX			1000		/* NNN: 000..999 */
#define MIG_NAME_MAX		AUTH_MIG_NAME_MAX

struct migration {
	int		 version;
	char		 name[MIG_NAME_MAX];	/* file name, "001_init.sql" */
	char		 checksum[2 * AUTH_HASH_LEN + 1];
	char		*sql;			/* file contents; NULL if no file */
	bool		 applied;
	char		 applied_name[MIG_NAME_MAX];
	char		 applied_sum[2 * AUTH_HASH_LEN + 1];
	char		 applied_at[AUTH_TS_MAX];
};

struct migration_set {
	struct migration	*m[MIG_MAX];	/* indexed by version */
	int			 max_applied;	/* -1 if none */
};

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

	if (len < 9 || len >= MIG_NAME_MAX || strcmp(name + len - 4, ".sql"))
		return -1;
	for (i = 0; i < 3; i++)
		if (name[i] < '0' || name[i] > '9')
			return -1;
	if (name[3] != '_')
		return -1;
	for (i = 4; i < len - 4; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_' || name[i] == '-'))
			return -1;
	return (name[0] - '0') * 100 + (name[1] - '0') * 10 + (name[2] - '0');
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
		warnx("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		warnx("%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > MIG_FILE_MAX) {
		warnx("%s: larger than %d bytes", path, MIG_FILE_MAX);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		warnx("%s: out of memory", path);
		goto out;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			warnx("%s: short read", path);
			free(buf);
			buf = NULL;
			goto out;
		}
		off += (size_t)n;
	}
	buf[off] = '\0';
	if (strlen(buf) != off) {
		warnx("%s: contains a NUL byte", path);
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
		warnx("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if ((v = migration_version(de->d_name)) == -1)
			continue;
		if (set->m[v] != NULL) {
			warnx("%s and %s share version %03d", set->m[v]->name,
			    de->d_name, v);
			goto out;
		}
		if ((m = calloc(1, sizeof(*m))) == NULL) {
			warnx("out of memory");
			goto out;
		}
		set->m[v] = m;
		m->version = v;
		if (strlen(de->d_name) >= sizeof(m->name)) {
			warnx("%s: file name too long", de->d_name);
			goto out;
		}
		memcpy(m->name, de->d_name, strlen(de->d_name) + 1);
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path)) {
			warnx("%s: path too long", de->d_name);
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

/* Merges one row of schema_migrations into the set (arg). */
static int
migration_applied_row(void *arg, const struct auth_migration_row *row)
{
	struct migration_set	*set = arg;
	struct migration	*m;
	int			 v = row->version;

	if (v < 0 || v >= MIG_MAX) {
		warnx("schema_migrations: version %d out of range", v);
		return -1;
	}
	if ((m = set->m[v]) == NULL) {
		if ((m = calloc(1, sizeof(*m))) == NULL) {
			warnx("out of memory");
			return -1;
		}
		set->m[v] = m;
		m->version = v;
	}
	m->applied = true;
	memcpy(m->applied_name, row->name, sizeof(m->applied_name));
	memcpy(m->applied_sum, row->checksum, sizeof(m->applied_sum));
	memcpy(m->applied_at, row->applied_at, sizeof(m->applied_at));
	set->max_applied = v;
	return 0;
}

/* Merges the rows of schema_migrations (if the table exists) into set. */
static int
migrations_applied(struct migration_set *set)
{
	char err[512];

	set->max_applied = -1;
	if (auth_store_migrate_applied(migration_applied_row, set, err,
	    sizeof(err)) != AUTH_OK) {
		if (err[0] != '\0')
			warnx("%s", err);
		return -1;
	}
	return 0;
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
			warnx("%s was applied but is missing from %s; nothing "
			    "applied", m->applied_name, dir);
			return -1;
		}
		if (strcmp(state, "CHANGED") == 0) {
			warnx("%s changed after it was applied (applied as %s, "
			    "checksum %.12s, now %.12s); nothing applied",
			    m->name, m->applied_name, m->applied_sum,
			    m->checksum);
			return -1;
		}
		if (!m->applied && v < set->max_applied) {
			warnx("%s is older than the last applied version %03d; "
			    "nothing applied", m->name, set->max_applied);
			return -1;
		}
	}
	return 0;
}

/* Applies the pending migrations in order. 0, or -1 after a message. */
static int
migrations_apply(const struct migration_set *set)
{
	char	err[512];
	int	v, napplied = 0;

	for (v = 0; v < MIG_MAX; v++) {
		if (set->m[v] == NULL || set->m[v]->applied)
			continue;
		if (auth_store_migrate_apply(v, set->m[v]->name,
		    set->m[v]->checksum, set->m[v]->sql, err, sizeof(err)) !=
		    AUTH_OK) {
			warnx("%s", err);
			return -1;
		}
		printf("applied %s\n", set->m[v]->name);
		napplied++;
	}
	if (napplied == 0)
		printf("nothing to apply\n");
	return 0;
}

int
authctl_migrate(const struct authctl_opts *o)
{
	struct auth_config	 cfg;
	struct migration_set	 set;
	const char		*dir = o->dir;
	char			 err[512];
	int			 rc = AUTHCTL_FAIL;

	memset(&set, 0, sizeof(set));
	if (dir == NULL && (dir = getenv("AUTH_SCHEMA_DIR")) == NULL)
		dir = AUTH_SCHEMA_DIR;
	if (strlen(dir) >= AUTH_PATH_MAX) {
		warnx("--dir: path too long");
		return AUTHCTL_FAIL;
	}
	if (authctl_config(&cfg) == -1 || migrations_scan(dir, &set) == -1)
		goto out;
	if (auth_store_migrate_open(cfg.database_url, err, sizeof(err)) !=
	    AUTH_OK) {
		warnx("%s", err);
		goto out;
	}
	if (o->status) {
		if (migrations_applied(&set) == 0)
			rc = migrate_status(&set);
		goto out;
	}
	/* Held until the connection closes: concurrent runs queue here. */
	if (auth_store_migrate_lock(err, sizeof(err)) != AUTH_OK) {
		warnx("%s", err);
		goto out;
	}
	if (migrations_applied(&set) == -1 ||
	    migrations_verify(&set, dir) == -1 || migrations_apply(&set) == -1)
		goto out;
	rc = AUTHCTL_OK;
out:
	auth_store_migrate_close();
	migration_set_free(&set);
	return rc;
}
