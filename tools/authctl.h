/*
 * authctl: the command table's types and what the commands share. Each
 * authctl_*.c holds the handlers of one command group; authctl.c parses
 * the options (getopt_long, one option string per command) and dispatches.
 */
#ifndef AUTHCTL_H
#define AUTHCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "base_err.h"
#include "jwt.h"
#include "store_user.h"

/* The exit statuses, as the usage text documents them. */
#define AUTHCTL_OK	0
#define AUTHCTL_FAIL	1	/* failed, or needs attention: see stderr */
#define AUTHCTL_USAGE	2	/* bad usage */

/* Which command a handler shared by several runs. */
enum authctl_verb {
	VERB_NONE = 0,
	VERB_KEYS_ACTIVATE,
	VERB_KEYS_RETIRE,
	VERB_KEYS_SEAL,
	VERB_KEYS_HMAC,
	VERB_USER_CREATE,
	VERB_USER_SHOW,
	VERB_USER_DISABLE,
	VERB_USER_ENABLE,
	VERB_USER_VERIFY_EMAIL,
	VERB_USER_SET_PASSWORD,
	VERB_USER_DELETE,
	VERB_ROLE_GRANT,
	VERB_ROLE_REVOKE,
	VERB__MAX
};

/* The parsed command line: the operand and the options that were given. */
struct authctl_opts {
	enum authctl_verb verb;		/* from the command table */
	const char	*arg;		/* EMAIL, KID, ID, TOKEN or FILE */
	const char	*arg2;		/* a second operand: ROLE */
	const char	*dir;		/* --dir */
	const char	*file;		/* --file */
	const char	*alg;		/* --alg */
	const char	*template;	/* --template */
	const char	*days;		/* --days */
	const char	*user;		/* --user */
	const char	*since;		/* --since */
	const char	*limit;		/* --limit */
	bool		 status;	/* --status */
	bool		 failed;	/* --failed */
	bool		 verified;	/* --verified */
};

/* nargs of a command whose one operand may be left out. */
#define AUTHCTL_ARG_OPTIONAL	(-1)

/* One command: authctl NAME [SUB] [OPERAND...] [OPTIONS]. */
struct authctl_cmd {
	const char	*name;
	const char	*sub;		/* NULL for a command of its own */
	const char	*opts;		/* getopt letters of its options */
	int		 nargs;		/* operands it takes: 0, 1, 2 or
					   AUTHCTL_ARG_OPTIONAL */
	int		(*fn)(const struct authctl_opts *o);
	enum authctl_verb verb;		/* passed on in authctl_opts */
	const char	*usage;		/* what follows "authctl NAME SUB" */
};

/* What the audit trail records as the client of authctl's changes. */
extern const struct auth_client authctl_client;

/* The operator's words for e. */
const char *authctl_err_text(enum auth_err e);
/* Loads the configuration. 0, or -1 after a message. */
int	authctl_config(struct auth_config *cfg);
/* Loads the configuration and opens the process connection. 0, or -1. */
int	authctl_connect(struct auth_config *cfg);
/* Trims and checks an address into out. 0, or -1 after a message. */
int	authctl_email_arg(const char *s, char out[AUTH_EMAIL_MAX + 1]);
/* Finds the user with this email. 0, or -1 after a message. */
int	authctl_user_find(const char *email, struct auth_user *u);
/*
 * A timestamp the database can read: YYYY-MM-DD, optionally followed by
 * [T ]HH:MM[:SS[.frac]] and a zone (Z, +HH, +HH:MM, +HHMM). Without a zone
 * it is UTC: "Z" is appended into out. 0, or -1.
 */
int	authctl_ts_arg(const char *s, char *out, size_t outsz);

/* The handlers, by file. */
int	authctl_migrate(const struct authctl_opts *o);
int	authctl_purge(const struct authctl_opts *o);
int	authctl_keys_generate(const struct authctl_opts *o);
int	authctl_keys_list(const struct authctl_opts *o);
int	authctl_keys_state(const struct authctl_opts *o);
int	authctl_keys_secret(const struct authctl_opts *o);
int	authctl_token_verify(const struct authctl_opts *o);
int	authctl_outbox_list(const struct authctl_opts *o);
int	authctl_outbox_link(const struct authctl_opts *o);
int	authctl_outbox_retry(const struct authctl_opts *o);
int	authctl_outbox_purge(const struct authctl_opts *o);
int	authctl_user(const struct authctl_opts *o);
int	authctl_user_import(const struct authctl_opts *o);
int	authctl_audit(const struct authctl_opts *o);
int	authctl_role(const struct authctl_opts *o);
int	authctl_role_list(const struct authctl_opts *o);

#endif
