/*
 * authctl: the operator's tool. Applies schema migrations, manages keys,
 * accounts and the outbox, and purges expired rows. Configuration as the
 * endpoints: AUTH_CONFIG file plus AUTH_* environment overrides. This file
 * holds the command table, the option parsing and what the commands share.
 */
#include <ctype.h>
#include <err.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>


#include "authctl.h"
#include "endpoint_config.h"
#include "endpoint_sandbox.h"
#include "db.h"
#include "endpoint.h"
#include "log.h"


/* Every command, in the order the usage text lists them. */
static const struct authctl_cmd cmds[] = {
	{ "migrate", NULL, "d:s", 0, authctl_migrate, VERB_NONE,
	    "[--dir DIR] [--status]" },
	{ "keys", "generate", "a:d:", 0, authctl_keys_generate, VERB_NONE,
	    "[--alg ES256|RS256] [--dir DIR]" },
	{ "keys", "list", "d:", 0, authctl_keys_list, VERB_NONE,
	    "[--dir DIR]" },
	{ "keys", "activate", "d:", 1, authctl_keys_state, VERB_KEYS_ACTIVATE,
	    "KID [--dir DIR]" },
	{ "keys", "retire", "d:", 1, authctl_keys_state, VERB_KEYS_RETIRE,
	    "KID [--dir DIR]" },
	{ "keys", "seal-key", "f:", 0, authctl_keys_secret, VERB_KEYS_SEAL,
	    "[--file FILE]" },
	{ "keys", "hmac-key", "f:", 0, authctl_keys_secret, VERB_KEYS_HMAC,
	    "[--file FILE]" },
	{ "token", "verify", "", 1, authctl_token_verify, VERB_NONE,
	    "TOKEN" },
	{ "outbox", "list", "", 0, authctl_outbox_list, VERB_NONE, "" },
	{ "outbox", "link", "t:", 1, authctl_outbox_link, VERB_NONE,
	    "EMAIL [--template NAME]" },
	{ "outbox", "retry", "", 1, authctl_outbox_retry, VERB_NONE, "ID" },
	{ "outbox", "purge", "n:F", 0, authctl_outbox_purge, VERB_NONE,
	    "[--days N] [--failed]" },
	{ "purge", NULL, "", 0, authctl_purge, VERB_NONE, "" },
	{ "user", "create", "v", 1, authctl_user, VERB_USER_CREATE,
	    "EMAIL [--verified]   (password on stdin)" },
	{ "user", "show", "", 1, authctl_user, VERB_USER_SHOW, "EMAIL" },
	{ "user", "disable", "", 1, authctl_user, VERB_USER_DISABLE, "EMAIL" },
	{ "user", "enable", "", 1, authctl_user, VERB_USER_ENABLE, "EMAIL" },
	{ "user", "verify-email", "", 1, authctl_user, VERB_USER_VERIFY_EMAIL,
	    "EMAIL" },
	{ "user", "set-password", "", 1, authctl_user, VERB_USER_SET_PASSWORD,
	    "EMAIL   (password on stdin)" },
	{ "user", "delete", "", 1, authctl_user, VERB_USER_DELETE, "EMAIL" },
	{ "user", "import", "", 1, authctl_user_import, VERB_NONE, "FILE|-" },
	{ "role", "grant", "", 2, authctl_role, VERB_ROLE_GRANT,
	    "EMAIL ROLE" },
	{ "role", "revoke", "", 2, authctl_role, VERB_ROLE_REVOKE,
	    "EMAIL ROLE" },
	{ "role", "list", "", AUTHCTL_ARG_OPTIONAL, authctl_role_list,
	    VERB_NONE, "[EMAIL]" },
	{ "audit", NULL, "u:S:l:", 0, authctl_audit, VERB_NONE,
	    "[--user EMAIL] [--since TIME|Nd|Nh|Nm|Ns] [--limit N]" },
};
#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

/* The long options of all commands; a command accepts those whose letter
 * is in its option string. */
static const struct option longopts[] = {
	{ "dir",	required_argument,	NULL, 'd' },
	{ "status",	no_argument,		NULL, 's' },
	{ "alg",	required_argument,	NULL, 'a' },
	{ "file",	required_argument,	NULL, 'f' },
	{ "template",	required_argument,	NULL, 't' },
	{ "days",	required_argument,	NULL, 'n' },
	{ "failed",	no_argument,		NULL, 'F' },
	{ "verified",	no_argument,		NULL, 'v' },
	{ "user",	required_argument,	NULL, 'u' },
	{ "since",	required_argument,	NULL, 'S' },
	{ "limit",	required_argument,	NULL, 'l' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 }
};

static const char exit_text[] =
    "exit status: 0 done; 1 failed, or migrate --status / keys list found\n"
    "  something that needs attention (stderr says what); 2 bad usage\n";

/* Prints the usage line of c; first says whether it opens the text. */
static void
cmd_usage(FILE *f, const struct authctl_cmd *c, bool first)
{
	fprintf(f, "%s authctl %s%s%s%s%s\n", first ? "usage:" : "      ",
	    c->name, c->sub != NULL ? " " : "", c->sub != NULL ? c->sub : "",
	    c->usage[0] != '\0' ? " " : "", c->usage);
}

/* Prints the usage of every command named name (NULL: all). */
static void
usage(FILE *f, const char *name)
{
	size_t	i;
	bool	first = true;

	for (i = 0; i < NCMDS; i++) {
		if (name != NULL && strcmp(cmds[i].name, name) != 0)
			continue;
		cmd_usage(f, &cmds[i], first);
		first = false;
	}
	if (name == NULL)
		fputs("       authctl help | --help | --version\n", f);
	fputs(exit_text, f);
}

/* Records option c (its argument in optarg) in o. */
static void
opt_set(struct authctl_opts *o, int c)
{
	switch (c) {
	case 'd': o->dir = optarg; break;
	case 'f': o->file = optarg; break;
	case 'a': o->alg = optarg; break;
	case 't': o->template = optarg; break;
	case 'n': o->days = optarg; break;
	case 'u': o->user = optarg; break;
	case 'S': o->since = optarg; break;
	case 'l': o->limit = optarg; break;
	case 's': o->status = true; break;
	case 'F': o->failed = true; break;
	case 'v': o->verified = true; break;
	default: break;
	}
}

/* Records operand number i (from 0) of c in o; -1 if c takes no more. */
static int
operand(const struct authctl_cmd *c, struct authctl_opts *o, int i,
    const char *arg)
{
	int max = c->nargs == AUTHCTL_ARG_OPTIONAL ? 1 : c->nargs;

	if (i >= max)
		return -1;
	if (i == 0)
		o->arg = arg;
	else
		o->arg2 = arg;
	return 0;
}

/*
 * Parses argv (argv[0] is the command's last word) for c into o. Options
 * are long only, so any other word is the operand, even one that starts
 * with "-" (a kid may). Returns AUTHCTL_OK, AUTHCTL_USAGE, or -1 for --help.
 */
static int
cmd_parse(const struct authctl_cmd *c, int argc, char **argv,
    struct authctl_opts *o)
{
	int	ch, nargs = 0;

	memset(o, 0, sizeof(*o));
	o->verb = c->verb;
	opterr = 0;
	optind = 1;
	for (;;) {
		if (optind < argc && strncmp(argv[optind], "--", 2) != 0) {
			if (operand(c, o, nargs++, argv[optind++]) != 0)
				return AUTHCTL_USAGE;
			continue;
		}
		if ((ch = getopt_long(argc, argv, "+", longopts, NULL)) == -1)
			break;
		if (ch == 'h')
			return -1;
		if (ch == '?' || ch == ':' || strchr(c->opts, ch) == NULL)
			return AUTHCTL_USAGE;
		opt_set(o, ch);
	}
	/* After "--": the operand. */
	for (; optind < argc; optind++)
		if (operand(c, o, nargs++, argv[optind]) != 0)
			return AUTHCTL_USAGE;
	if (c->nargs == AUTHCTL_ARG_OPTIONAL)
		return AUTHCTL_OK;
	return nargs == c->nargs ? AUTHCTL_OK : AUTHCTL_USAGE;
}

/* The command argv names, its words counted into *skip; NULL if none. */
static const struct authctl_cmd *
cmd_find(int argc, char **argv, int *skip)
{
	size_t i;

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].name, argv[1]) != 0)
			continue;
		if (cmds[i].sub == NULL) {
			*skip = 1;
			return &cmds[i];
		}
		if (argc > 2 && strcmp(cmds[i].sub, argv[2]) == 0) {
			*skip = 2;
			return &cmds[i];
		}
	}
	return NULL;
}

static bool
cmd_known(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	const struct authctl_cmd	*c;
	struct authctl_opts		 o;
	int				 skip = 0, rc;

	if (argc < 2) {
		usage(stderr, NULL);
		return AUTHCTL_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(stdout, NULL);
		return AUTHCTL_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("authctl %s\n", AUTH_VERSION);
		return AUTHCTL_OK;
	}
	if ((c = cmd_find(argc, argv, &skip)) == NULL) {
		if (!cmd_known(argv[1])) {
			warnx("unknown command: %s", argv[1]);
			usage(stderr, NULL);
			return AUTHCTL_USAGE;
		}
		rc = argc > 2 && strcmp(argv[2], "--help") == 0;
		usage(rc ? stdout : stderr, argv[1]);
		return rc ? AUTHCTL_OK : AUTHCTL_USAGE;
	}
	if ((rc = cmd_parse(c, argc - skip, argv + skip, &o)) != AUTHCTL_OK) {
		cmd_usage(rc == -1 ? stdout : stderr, c, true);
		fputs(exit_text, rc == -1 ? stdout : stderr);
		return rc == -1 ? AUTHCTL_OK : AUTHCTL_USAGE;
	}
	/* Key files may be made as root (the operator then gives them their
	 * owner and group); everything else runs as the service user. */
	if (strcmp(c->name, "keys") != 0 &&
	    auth_sandbox_refuse_root("authctl") != 0)
		return AUTHCTL_FAIL;
	rc = c->fn(&o);
	auth_db_close();
	return rc;
}

/* ---- shared by the commands --------------------------------------------- */

const char *
authctl_err_text(enum auth_err e)
{
	if (e == AUTH_ERR_UNAVAILABLE)
		return "the database is unreachable";
	return auth_err_info(e)->title;
}

int
authctl_config(struct auth_config *cfg)
{
	char err[512];

	if (auth_config_load(cfg, NULL, err, sizeof(err)) == -1) {
		warnx("config: %s", err);
		return -1;
	}
	return 0;
}

int
authctl_connect(struct auth_config *cfg)
{
	auth_log_init("authctl");
	if (authctl_config(cfg) == -1)
		return -1;
	auth_db_init(cfg->database_url);
	auth_db_set_pooler(cfg->database_pooler);
	if (auth_db_conn() == NULL) {
		warnx("cannot connect to the database");
		return -1;
	}
	return 0;
}

int
authctl_email_arg(const char *s, char out[AUTH_EMAIL_MAX + 1])
{
	size_t len = strlen(s);
	const char *why;

	auth_email_trim(&s, &len);
	if ((why = auth_valid_email(s, len)) != NULL) {
		warnx("%.*s: %s", (int)(len > 300 ? 300 : len), s, why);
		return -1;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

int
authctl_user_find(const char *email, struct auth_user *u)
{
	enum auth_err e;

	e = auth_store_user_by_email(email, u);
	if (e == AUTH_ERR_NOT_FOUND)
		warnx("no user %s", email);
	else if (e != AUTH_OK)
		warnx("looking up %s: %s", email, authctl_err_text(e));
	return e == AUTH_OK ? 0 : -1;
}

int
authctl_ts_arg(const char *s, char *out, size_t outsz)
{
	const char *p = s;
	bool zone = false;
	int i;

	for (i = 0; i < 10; i++, p++)
		if ((i == 4 || i == 7) ? *p != '-' : !isdigit((unsigned char)*p))
			return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		for (i = 0; i < 5; i++, p++)
			if (i == 2 ? *p != ':' : !isdigit((unsigned char)*p))
				return -1;
		if (*p == ':') {
			p++;
			if (!isdigit((unsigned char)p[0]) ||
			    !isdigit((unsigned char)p[1]))
				return -1;
			p += 2;
			if (*p == '.') {
				p++;
				for (i = 0; isdigit((unsigned char)*p); i++)
					p++;
				if (i == 0 || i > 6)
					return -1;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
			zone = true;
		} else if (*p == '+' || *p == '-') {
			p++;
			if (!isdigit((unsigned char)p[0]) ||
			    !isdigit((unsigned char)p[1]))
				return -1;
			p += 2;
			if (*p == ':')
				p++;
			if (isdigit((unsigned char)p[0]) &&
			    isdigit((unsigned char)p[1]))
				p += 2;
			zone = true;
		}
	}
	if (*p != '\0')
		return -1;
	if ((size_t)snprintf(out, outsz, "%s%s", s, zone ? "" :
	    (strlen(s) == 10 ? " 00:00:00Z" : "Z")) >= outsz)
		return -1;
	return 0;
}
