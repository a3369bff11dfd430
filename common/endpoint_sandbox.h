/*
 * What a process may do once it is set up: never run as root; after the
 * configuration, keys and the FastCGI socket are in place, no new
 * privileges and a seccomp allow-list for the endpoint's kind.
 */
#ifndef AUTH_ENDPOINT_SANDBOX_H
#define AUTH_ENDPOINT_SANDBOX_H

#include <stdbool.h>

#include "config.h"

/* The system calls an endpoint kind may make on top of the common set. */
enum auth_sandbox_kind {
	AUTH_SANDBOX_LOCAL = 0,	/* no sockets of its own (jwks, the static pages) */
	AUTH_SANDBOX_NET,	/* connects to PostgreSQL and Redis (the authorizer: Redis) */
	AUTH_SANDBOX_KIND__MAX
};

/*
 * 0 if the process runs as neither the root user nor the root group;
 * otherwise -1, with the reason for prog on stderr.
 */
int	auth_sandbox_refuse_root(const char *prog);

/*
 * Sets PR_SET_NO_NEW_PRIVS and loads the filter of kind as the
 * configuration's sandbox key says (on: a call outside the list fails
 * with EPERM, a few are fatal; log: allowed and logged by the kernel;
 * off: none, logged as an error). 0, or -1 (logged).
 */
int	auth_sandbox_enter(enum auth_sandbox_kind kind,
	    const struct auth_config *cfg);

extern const struct auth_cfg_module auth_sandbox_cfg;

#endif
