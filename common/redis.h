/*
 * The process's one Redis connection (hiredis), opened lazily with the
 * configured timeout and re-opened after a failure.
 */
#ifndef AUTH_REDIS_H
#define AUTH_REDIS_H

#include "config.h"
#include "error.h"

/* Remembers url and timeout; no I/O. */
void	auth_redis_init(const struct auth_config *cfg);

/* PING; AUTH_OK or AUTH_ERR_UNAVAILABLE. */
enum auth_err auth_redis_ping(void);

void	auth_redis_close(void);

#endif
