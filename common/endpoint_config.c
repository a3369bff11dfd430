/* The list of modules whose keys make up the configuration. */
#include <string.h>

#include "db.h"
#include "endpoint_config.h"
#include "endpoint_web.h"
#include "endpoint_sandbox.h"
#include "flow.h"
#include "hmac.h"
#include "http_addr.h"
#include "jwt.h"
#include "keyring.h"
#include "log.h"
#include "mail.h"
#include "password.h"
#include "rl.h"
#include "redis.h"
#include "seal.h"

static const char *
endpoint_check_proxies(char *s)
{
	if (s[strspn(s, "0123456789abcdefABCDEF.:/, ")] != '\0')
		return "must be a comma-separated list of addresses or CIDRs";
	return NULL;
}

/* metrics_allow parses as a CIDR list (trusted_proxies is parsed at start). */
static const char *
endpoint_validate(const struct auth_config *cfg, const char **key)
{
	struct auth_cidr c[AUTH_CIDRS_MAX];

	if (auth_http_cidr_parse_list(cfg->metrics_allow, c,
	    AUTH_CIDRS_MAX) >= 0)
		return NULL;
	*key = "metrics_allow";
	return "not a list of at most 32 addresses or CIDR ranges";
}

static const struct auth_cfg_key endpoint_keys[] = {
	AUTH_CFG_NUM(max_body, AUTH_CFG_T_SIZE, 1024, 1048576, "16384"),
	AUTH_CFG_STR(trusted_proxies, endpoint_check_proxies,
	    AUTH_TRUSTED_PROXIES_DEFAULT),
	AUTH_CFG_STR(metrics_allow, endpoint_check_proxies,
	    AUTH_METRICS_ALLOW_DEFAULT),
	AUTH_CFG_STR(metrics_file, NULL, "/run/authd/metrics"),
	AUTH_CFG_NUM(mail_backlog_max_age, AUTH_CFG_T_LONG, 1, 604800, "900"),
};

const struct auth_cfg_module auth_endpoint_cfg =
    AUTH_CFG_MODULE(endpoint_keys, endpoint_validate);

/* In the order of the documented key list; the first failed check reports. */
static const struct auth_cfg_module *const config_modules[] = {
	&auth_db_cfg,
	&auth_redis_cfg,
	&auth_flow_cfg,
	&auth_flow_admin_cfg,
	&auth_jwt_cfg,
	&auth_keyring_cfg,
	&auth_seal_cfg,
	&auth_hmac_cfg,
	&auth_pw_cfg,
	&auth_endpoint_cfg,
	&auth_endpoint_web_cfg,
	&auth_sandbox_cfg,
	&auth_log_cfg,
	&auth_rl_cfg,
	&auth_rl_lockout_cfg,
	&auth_mail_cfg,
	NULL
};

void
auth_config_defaults(struct auth_config *cfg)
{
	auth_config_defaults_of(cfg, config_modules);
}

int
auth_config_load(struct auth_config *cfg, const char *path, char *err,
    size_t errlen)
{
	return auth_config_load_of(cfg, path, config_modules, err, errlen);
}
