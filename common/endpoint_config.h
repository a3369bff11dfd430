/*
 * The configuration of the programs: every module's keys, in one list,
 * loaded by the core in config.c. The endpoints, authctl and auth-mailer
 * all accept the same keys.
 */
#ifndef AUTH_ENDPOINT_CONFIG_H
#define AUTH_ENDPOINT_CONFIG_H

#include <stddef.h>

#include "config.h"

/* Fills cfg with the documented defaults. */
void	auth_config_defaults(struct auth_config *cfg);

/*
 * Loads defaults, then the file at path (NULL: $AUTH_CONFIG; neither set:
 * defaults and environment only), then AUTH_* environment overrides, then
 * validates. Returns 0, or -1 with a one-line reason in err.
 */
int	auth_config_load(struct auth_config *cfg, const char *path,
	    char *err, size_t errlen);

/* The keys of the endpoint loop: max_body and trusted_proxies. */
extern const struct auth_cfg_module auth_endpoint_cfg;

#endif
