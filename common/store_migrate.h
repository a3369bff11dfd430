/*
 * schema_migrations, for authctl migrate. Migrations run before the schema
 * the process connection prepares exists, so they have a connection of
 * their own (one per process, opened by auth_store_migrate_open). On
 * failure err holds "what: PostgreSQL's message" for the operator.
 */
#ifndef AUTH_STORE_MIGRATE_H
#define AUTH_STORE_MIGRATE_H

#include <stddef.h>

#include "base_err.h"
#include "store_stmt.h"
#include "base_codec.h"
#include "base_secret.h"

#define AUTH_MIG_NAME_MAX	128	/* "001_init.sql" */

/* One applied migration. */
struct auth_migration_row {
	int	version;
	char	name[AUTH_MIG_NAME_MAX];
	char	checksum[2 * AUTH_HASH_LEN + 1];
	char	applied_at[AUTH_TS_MAX];
};

/* Opens the migration connection to conninfo. */
enum auth_err auth_store_migrate_open(const char *conninfo, char *err,
	    size_t errsz);
/* Closes it (the advisory lock goes with it). */
void	auth_store_migrate_close(void);
/* Takes the advisory lock that makes concurrent runs queue, held until
 * the connection closes, and creates schema_migrations if missing. */
enum auth_err auth_store_migrate_lock(char *err, size_t errsz);
/*
 * Calls fn for each applied migration in version order; none if the table
 * does not exist yet. A non-zero return from fn stops with
 * AUTH_ERR_INTERNAL and an empty err.
 */
enum auth_err auth_store_migrate_applied(
	    int (*fn)(void *arg, const struct auth_migration_row *row),
	    void *arg, char *err, size_t errsz);
/* Runs sql and records it as version (name, checksum) in one
 * transaction; nothing of it stays on failure. */
enum auth_err auth_store_migrate_apply(int version, const char *name,
	    const char *checksum, const char *sql, char *err, size_t errsz);

#endif
