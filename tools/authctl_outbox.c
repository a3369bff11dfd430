/*
 * authctl outbox list|link|retry|purge: the operator's view of the mail
 * queue that auth-mailer delivers.
 */
#include <err.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "authctl.h"
#include "base_num.h"
#include "http_json.h"
#include "seal.h"
#include "store_outbox.h"

#define OUTBOX_DAYS_DEFAULT	7
#define OUTBOX_DAYS_MAX		36500UL

static int
outbox_print_row(void *arg, const struct auth_outbox_row *row)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", row->id, row->created_at,
	    row->recipient, row->template, row->status, row->attempts,
	    row->note);
	return 0;
}

int
authctl_outbox_list(const struct authctl_opts *o)
{
	struct auth_config	cfg;
	enum auth_err		e;

	(void)o;
	if (authctl_connect(&cfg) == -1)
		return AUTHCTL_FAIL;
	printf("id\tcreated_at\trecipient\ttemplate\tstatus\tattempts\t"
	    "next_attempt_at last_error\n");
	if ((e = auth_store_outbox_list(outbox_print_row, NULL)) != AUTH_OK) {
		warnx("outbox list: %s", authctl_err_text(e));
		return AUTHCTL_FAIL;
	}
	return AUTHCTL_OK;
}

/* Prints the "link" of the unsealed payload of m; 0, or -1 after a
 * message. */
static int
outbox_print_link(const struct auth_config *cfg, const char *email,
    const struct auth_outbox_msg *m)
{
	unsigned char	 key[AUTH_SEAL_KEY_LEN];
	char		 err[512];
	char		 aad[AUTH_EMAIL_MAX + AUTH_OUTBOX_TEMPLATE_MAX + 2];
	char		*pt = NULL;
	json_object	*obj = NULL, *jlink;
	size_t		 ptlen = 0;
	int		 n, rc = -1;

	if (auth_seal_key_load(cfg->outbox_key_file, key, err,
	    sizeof(err)) == -1) {
		warnx("outbox key: %s", err);
		return -1;
	}
	n = snprintf(aad, sizeof(aad), "%s\n%s", m->recipient, m->template);
	if (n < 0 || (size_t)n >= sizeof(aad) || auth_unseal(key, aad,
	    (size_t)n, m->payload, m->payload_len, &pt, &ptlen) == -1) {
		warnx("the newest message for %s does not unseal with %s",
		    email, cfg->outbox_key_file);
		goto out;
	}
	obj = auth_json_parse(pt, ptlen);
	if (obj == NULL ||
	    !json_object_object_get_ex(obj, "link", &jlink) ||
	    !json_object_is_type(jlink, json_type_string)) {
		warnx("the newest message for %s (template %s) has no "
		    "link", email, m->template);
		goto out;
	}
	printf("%s\n", json_object_get_string(jlink));
	fflush(stdout);
	rc = 0;
out:
	auth_json_burn(obj);
	json_object_put(obj);
	if (pt != NULL) {
		auth_wipe(pt, ptlen);
		free(pt);
	}
	auth_wipe(key, sizeof(key));
	return rc;
}

/* Says why a store call for command cmd failed with e; missing says
 * what NOT_FOUND means, followed by arg. */
static void
outbox_fail(enum auth_err e, const char *cmd, const char *missing,
    const char *arg)
{
	if (e == AUTH_ERR_NOT_FOUND)
		warnx("%s %s", missing, arg);
	else
		warnx("%s: %s", cmd, authctl_err_text(e));
}

/* Prints the "link" of the newest sealed payload sent to EMAIL. */
int
authctl_outbox_link(const struct authctl_opts *o)
{
	struct auth_config	cfg;
	struct auth_outbox_msg	m;
	enum auth_err		e;
	int			rc = AUTHCTL_FAIL;

	if (authctl_connect(&cfg) == -1)
		return AUTHCTL_FAIL;
	e = auth_store_outbox_newest(o->arg, o->template, &m);
	if (e != AUTH_OK)
		outbox_fail(e, "outbox link", "no outbox message for", o->arg);
	else if (m.payload_len == 0)
		warnx("the newest message for %s was sent and its link "
		    "is no longer stored; read it from the email", o->arg);
	else if (outbox_print_link(&cfg, o->arg, &m) == 0)
		rc = AUTHCTL_OK;
	auth_store_outbox_msg_clear(&m);
	return rc;
}

/* Makes failed message ID pending again with its attempts reset. */
int
authctl_outbox_retry(const struct authctl_opts *o)
{
	struct auth_config	cfg;
	unsigned long long	id;
	enum auth_err		e;

	if (auth_parse_num(o->arg, 0, LLONG_MAX, &id, NULL) == -1) {
		warnx("outbox retry: ID must be a message id (outbox "
		    "list)");
		return AUTHCTL_USAGE;
	}
	if (authctl_connect(&cfg) == -1)
		return AUTHCTL_FAIL;
	if ((e = auth_store_outbox_retry((long long)id)) != AUTH_OK) {
		outbox_fail(e, "outbox retry",
		    "no failed outbox message with id", o->arg);
		return AUTHCTL_FAIL;
	}
	printf("outbox message %s is pending again\n", o->arg);
	return AUTHCTL_OK;
}

/*
 * Deletes sent messages sent more than --days ago and, with --failed,
 * failed ones created more than --days ago.
 */
int
authctl_outbox_purge(const struct authctl_opts *o)
{
	struct auth_config	cfg;
	unsigned long long	days = OUTBOX_DAYS_DEFAULT;
	enum auth_err		e;
	long			n;

	if (o->days != NULL &&
	    auth_parse_num(o->days, 0, OUTBOX_DAYS_MAX, &days, NULL) == -1) {
		warnx("--days: a number from 0 to %lu", OUTBOX_DAYS_MAX);
		return AUTHCTL_USAGE;
	}
	if (authctl_connect(&cfg) == -1)
		return AUTHCTL_FAIL;
	if ((e = auth_store_outbox_purge_sent((long)days, &n)) != AUTH_OK) {
		warnx("outbox purge: %s", authctl_err_text(e));
		return AUTHCTL_FAIL;
	}
	printf("sent messages: %ld deleted\n", n);
	if (!o->failed)
		return AUTHCTL_OK;
	if ((e = auth_store_outbox_purge_failed((long)days, &n)) != AUTH_OK) {
		warnx("outbox purge: %s", authctl_err_text(e));
		return AUTHCTL_FAIL;
	}
	printf("failed messages: %ld deleted\n", n);
	return AUTHCTL_OK;
}
