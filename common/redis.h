/*
 * The process's one Redis connection (hiredis), opened lazily with the
 * configured timeout and re-opened after a failure.
 */
#ifndef AUTH_REDIS_H
#define AUTH_REDIS_H

#include <stdbool.h>

#include <hiredis/hiredis.h>

#include "config.h"
#include "base_err.h"

/* A parsed redis_url. */
struct auth_redis_addr {
	bool		is_unix;
	char		host[256];	/* host name, IP, or socket path */
	int		port;		/* TCP only; default 6379 */
	int		db;		/* SELECT index; 0 = none */
	char		user[128];	/* ACL user of AUTH; "" = default */
	char		pass[256];	/* AUTH password; "" = no AUTH */
};

/*
 * Parses "redis://[[user]:password@]host[:port][/db]" ("[v6addr]" allowed;
 * user and password percent-encoded) or "unix:/path/to/sock". Returns 0 or
 * -1; no I/O. The caller wipes addr->pass.
 */
int	auth_redis_parse_url(const char *url, struct auth_redis_addr *addr);

/*
 * Remembers url and timeout, reads redis_password_file (before a sandbox
 * forbids it); no other I/O. Sets SIGPIPE to ignored if default.
 */
void	auth_redis_init(const struct auth_config *cfg);

/* PING; AUTH_OK or AUTH_ERR_UNAVAILABLE. */
enum auth_err auth_redis_ping(void);

void	auth_redis_close(void);

/*
 * The live connection, connecting first if needed; NULL if Redis is
 * unreachable. Owned here: never redisFree() it.
 */
redisContext *auth_redis_conn(void);

/* Drops the connection after a failed command; the next call reconnects. */
void	auth_redis_failed(void);

/*
 * The keys redis_url, redis_timeout_ms, redis_password_file, and
 * redis_sentinels with redis_master_name: the master is the one the first
 * sentinel that answers names (asked again on every reconnect, so a
 * failover is followed); redis_url then gives only user, password and db.
 */
extern const struct auth_cfg_module auth_redis_cfg;

#endif
