/*
 * Configuration loading: the modules' key tables drive defaults, the file
 * parser, environment overrides and per-key validation. The core knows the
 * types, not the keys.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base_num.h"
#include "config.h"

#define CFG_LINE_MAX	4096	/* bytes per line, newline excluded */
#define CFG_ENV_MAX	64	/* "AUTH_" plus the longest key */
#define CFG_KEYS_MAX	128	/* keys of all modules together */

/* Where a key's current value came from, for error messages. */
struct cfg_src {
	const char	*file;	/* NULL: default or environment */
	unsigned long	 line;
	char		 env[CFG_ENV_MAX];
};

/* The keys of every module, flattened, and where each value came from. */
struct cfg_set {
	const struct auth_cfg_key	*k[CFG_KEYS_MAX];
	struct cfg_src			 src[CFG_KEYS_MAX];
	bool				 seen[CFG_KEYS_MAX];
	size_t				 n;
};

_Static_assert(sizeof(enum auth_jwt_alg) == sizeof(int) &&
    sizeof(enum auth_signup_existing) == sizeof(int) &&
    sizeof(enum auth_mail_transport) == sizeof(int) &&
    sizeof(enum auth_smtp_tls) == sizeof(int), "enums stored as int");

static bool
has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

const char *
auth_cfg_check_http_url(char *s)
{
	const char	*rest;

	if (has_prefix(s, "https://"))
		rest = s + 8;
	else if (has_prefix(s, "http://"))
		rest = s + 7;
	else
		return "must start with http:// or https://";
	if (*rest == '\0' || *rest == '/')
		return "has no host";
	if (strpbrk(s, " \t\"'<>\\`") != NULL)
		return "must not contain spaces, quotes or <>";
	return NULL;
}

/* Formats "<source>: <message>" into err; the source is file:line or the variable. */
static void
cfg_error(char *err, size_t errlen, const struct cfg_src *src,
    const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (src != NULL && src->file != NULL)
		snprintf(err, errlen, "%s:%lu: %s", src->file, src->line, msg);
	else if (src != NULL && src->env[0] != '\0')
		snprintf(err, errlen, "environment variable %s: %s", src->env,
		    msg);
	else if (src != NULL)
		snprintf(err, errlen, "config: %s", msg);
	else
		snprintf(err, errlen, "%s", msg);
}

/*
 * Parses val for key k into cfg. Returns NULL, or a reason that never
 * contains the value.
 */
static const char *
cfg_value(struct auth_config *cfg, const struct auth_cfg_key *k,
    const char *val, char *why, size_t whylen)
{
	char			*base = (char *)cfg + k->off;
	const char		*p;
	unsigned long long	 v;
	size_t			 len, i;
	int			 e;

	for (p = val; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "contains a control character";

	switch (k->type) {
	case AUTH_CFG_T_STR:
		len = strlen(val);
		if (len >= k->size) {
			snprintf(why, whylen, "is too long (at most %zu "
			    "bytes)", k->size - 1);
			return why;
		}
		if (k->names != NULL) {
			for (i = 0; k->names[i] != NULL; i++)
				if (strcmp(val, k->names[i]) == 0)
					break;
			if (k->names[i] == NULL)
				return "has an unknown value";
		}
		memcpy(base, val, len + 1);
		return k->check != NULL ? k->check(base) : NULL;
	case AUTH_CFG_T_ENUM:
		for (e = 0; k->names[e] != NULL; e++)
			if (strcmp(val, k->names[e]) == 0) {
				memcpy(base, &e, sizeof(e));
				return NULL;
			}
		return "has an unknown value";
	case AUTH_CFG_T_LONG:
	case AUTH_CFG_T_UINT:
	case AUTH_CFG_T_SIZE:
		if (auth_parse_num(val, 0, ULLONG_MAX, &v, NULL) == -1)
			return "must be a whole decimal number";
		if (v < k->min || v > k->max) {
			snprintf(why, whylen, "is out of range (%llu..%llu)",
			    k->min, k->max);
			return why;
		}
		if (k->type == AUTH_CFG_T_LONG)
			*(long *)(void *)base = (long)v;
		else if (k->type == AUTH_CFG_T_UINT)
			*(unsigned *)(void *)base = (unsigned)v;
		else
			*(size_t *)(void *)base = (size_t)v;
		return NULL;
	default:
		return "has an unsupported type";
	}
}

/* Flattens the keys of mods into set; aborts if the tables are wrong. */
static void
cfg_collect(struct cfg_set *set, const struct auth_cfg_module *const *mods)
{
	size_t	m, i;

	memset(set, 0, sizeof(*set));
	for (m = 0; mods[m] != NULL; m++)
		for (i = 0; i < mods[m]->nkeys; i++) {
			if (set->n == CFG_KEYS_MAX)
				abort();	/* raise CFG_KEYS_MAX */
			set->k[set->n++] = &mods[m]->keys[i];
		}
}

/* The index of key in set, or -1. */
static long
cfg_find(const struct cfg_set *set, const char *key)
{
	size_t	i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->k[i]->key, key) == 0)
			return (long)i;
	return -1;
}

static void
cfg_defaults(struct auth_config *cfg, const struct cfg_set *set)
{
	char	why[128];
	size_t	i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < set->n; i++)
		if (cfg_value(cfg, set->k[i], set->k[i]->def, why,
		    sizeof(why)) != NULL)
			abort();	/* the table itself is wrong */
}

void
auth_config_defaults_of(struct auth_config *cfg,
    const struct auth_cfg_module *const *mods)
{
	struct cfg_set	set;

	cfg_collect(&set, mods);
	cfg_defaults(cfg, &set);
}

/*
 * Reads one line without its newline into buf (CFG_LINE_MAX + 1 bytes).
 * Returns 1 for a line, 0 at end of file, -1 if too long, -2 for a NUL
 * byte, -3 on a read error.
 */
static int
read_line(FILE *f, char *buf)
{
	size_t	len = 0;
	int	c;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == '\0')
			return -2;
		if (len == CFG_LINE_MAX)
			return -1;
		buf[len++] = (char)c;
	}
	if (ferror(f))
		return -3;
	buf[len] = '\0';
	return c == EOF && len == 0 ? 0 : 1;
}

static char *
trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Prints at most 64 bytes of an unknown key, non-printables as '?'. */
static void
safe_key(const char *key, char *out, size_t outlen)
{
	size_t	i;

	for (i = 0; key[i] != '\0' && i + 1 < outlen && i < 64; i++)
		out[i] = isprint((unsigned char)key[i]) ? key[i] : '?';
	out[i] = '\0';
}

/* Applies one trimmed, non-comment line of a file. 0, or -1 with err set. */
static int
cfg_line(struct auth_config *cfg, struct cfg_set *set, char *key,
    const struct cfg_src *here, char *err, size_t errlen)
{
	char			 shown[72], whybuf[128];
	char			*val, *eq;
	const struct auth_cfg_key *k;
	const char		*why;
	size_t			 len;
	long			 idx;

	if ((eq = strchr(key, '=')) == NULL) {
		cfg_error(err, errlen, here, "expected 'key = value'");
		return -1;
	}
	*eq = '\0';
	key = trim(key);
	val = trim(eq + 1);
	if ((idx = cfg_find(set, key)) == -1) {
		safe_key(key, shown, sizeof(shown));
		cfg_error(err, errlen, here, "unknown key '%s'", shown);
		return -1;
	}
	k = set->k[idx];
	if (set->seen[idx]) {
		cfg_error(err, errlen, here, "duplicate key '%s'", k->key);
		return -1;
	}
	set->seen[idx] = true;
	len = strlen(val);
	if (len > 0 && val[0] == '"') {
		if (len < 2 || val[len - 1] != '"') {
			cfg_error(err, errlen, here,
			    "%s has an unterminated quote", k->key);
			return -1;
		}
		val[len - 1] = '\0';
		val++;
	}
	if ((why = cfg_value(cfg, k, val, whybuf, sizeof(whybuf))) != NULL) {
		cfg_error(err, errlen, here, "%s %s", k->key, why);
		return -1;
	}
	set->src[idx] = *here;
	return 0;
}

static int
cfg_load_file(struct auth_config *cfg, const char *path,
    struct cfg_set *set, char *err, size_t errlen)
{
	FILE		*f = NULL;
	char		 line[CFG_LINE_MAX + 1];
	char		*key;
	struct cfg_src	 here;
	int		 r, rc = -1;

	memset(&here, 0, sizeof(here));
	here.file = path;
	if ((f = fopen(path, "re")) == NULL) {
		cfg_error(err, errlen, NULL, "%s: cannot open: %s",
		    path, strerror(errno));
		goto out;
	}
	while ((r = read_line(f, line)) == 1) {
		here.line++;
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if (cfg_line(cfg, set, key, &here, err, errlen) == -1)
			goto out;
	}
	if (r != 0) {
		here.line++;
		cfg_error(err, errlen, &here, "%s", r == -1 ?
		    "line longer than 4096 bytes" : r == -2 ?
		    "NUL byte in line" : "read error");
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(line, sizeof(line));
	if (f != NULL)
		fclose(f);
	return rc;
}

static int
cfg_load_env(struct auth_config *cfg, struct cfg_set *set,
    char *err, size_t errlen)
{
	struct cfg_src	 here;
	const char	*val, *why, *key;
	char		 whybuf[128];
	size_t		 i, j;

	for (i = 0; i < set->n; i++) {
		key = set->k[i]->key;
		memset(&here, 0, sizeof(here));
		memcpy(here.env, "AUTH_", 5);
		for (j = 0; key[j] != '\0' && 5 + j + 1 < sizeof(here.env); j++)
			here.env[5 + j] = (char)toupper((unsigned char)key[j]);
		if ((val = getenv(here.env)) == NULL)
			continue;
		if ((why = cfg_value(cfg, set->k[i], val, whybuf,
		    sizeof(whybuf))) != NULL) {
			cfg_error(err, errlen, &here, "%s %s", key, why);
			return -1;
		}
		set->src[i] = here;
	}
	return 0;
}

/* Runs each module's cross-key check. 0, or -1 with err set. */
static int
cfg_validate(const struct auth_config *cfg, const struct cfg_set *set,
    const struct auth_cfg_module *const *mods, char *err, size_t errlen)
{
	const char	*why, *key;
	long		 idx;
	size_t		 m;

	for (m = 0; mods[m] != NULL; m++) {
		if (mods[m]->validate == NULL)
			continue;
		key = NULL;
		if ((why = mods[m]->validate(cfg, &key)) == NULL)
			continue;
		idx = key != NULL ? cfg_find(set, key) : -1;
		cfg_error(err, errlen, idx >= 0 ? &set->src[idx] : NULL, "%s",
		    why);
		return -1;
	}
	return 0;
}

int
auth_config_load_of(struct auth_config *cfg, const char *path,
    const struct auth_cfg_module *const *mods, char *err, size_t errlen)
{
	struct auth_config	 c;
	struct cfg_set		 set;
	int			 rc = -1;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	cfg_collect(&set, mods);
	cfg_defaults(&c, &set);
	if (path == NULL && (path = getenv("AUTH_CONFIG")) != NULL &&
	    *path == '\0')
		path = NULL;
	if (path != NULL && cfg_load_file(&c, path, &set, err, errlen) == -1)
		goto out;
	if (cfg_load_env(&c, &set, err, errlen) == -1)
		goto out;
	if (cfg_validate(&c, &set, mods, err, errlen) == -1)
		goto out;
	*cfg = c;
	rc = 0;
out:
	explicit_bzero(&c, sizeof(c));
	return rc;
}
