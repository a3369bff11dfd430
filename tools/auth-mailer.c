/*
 * auth-mailer: delivers the outbox. Claims one due row at a time (row
 * locks that skip locked rows, so any number of mailers share one outbox),
 * unseals its payload, renders its template and sends it over SMTP
 * (libcurl) or writes it as an .eml file. A failed attempt is retried
 * with exponential backoff up to mail_max_attempts; an SMTP 5xx to the
 * recipient or the message fails it at once. It wakes on NOTIFY and polls
 * as a fallback. SIGTERM: the message being sent is finished (or handed
 * back if it was only claimed), then the process exits. A mailer that
 * dies mid-send leaves a lease that another mailer reclaims after
 * mail_claim_timeout.
 *
 * usage: auth-mailer [--once] | --version   (--once: deliver what is due,
 * then exit)
 * Configuration as every process: AUTH_CONFIG plus AUTH_* overrides.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "config.h"
#include "endpoint_config.h"
#include "endpoint_sandbox.h"
#include "db.h"
#include "http_json.h"
#include "keyring.h"
#include "log.h"
#include "mail.h"
#include "mailer.h"
#include "seal.h"
#include "store_outbox.h"
#include "base_codec.h"
#include "base_metric.h"
#include "base_secret.h"


#define MAILER_DB_RETRY		2	/* seconds between reconnects */
#define MAILER_MARK_TRIES	5	/* reconnects to record a sent message */
#define MAILER_PAYLOAD_MAX	8192	/* bytes of an unsealed payload */

/* The transports, by mail_transport. */
static const mailer_send_fn transports[AUTH_MAIL_TRANSPORT__MAX] = {
	[AUTH_MAIL_FILE] = mailer_file_send,
	[AUTH_MAIL_SMTP] = mailer_smtp_send,
	[AUTH_MAIL_SENDMAIL] = mailer_sendmail_send,
};
static const char *const transport_names[AUTH_MAIL_TRANSPORT__MAX] = {
	[AUTH_MAIL_FILE] = "file",
	[AUTH_MAIL_SMTP] = "smtp",
	[AUTH_MAIL_SENDMAIL] = "sendmail",
};

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/*
 * Reads the first line of path into buf: a regular file, no symlink, that
 * neither group nor others may access (the keys' rule). 0 or -1.
 */
static int
read_password(const char *path, char *buf, size_t bufsz)
{
	unsigned char	*data = NULL;
	char		 err[256];
	size_t		 len = 0, line;

	if (auth_key_file_read(path, bufsz - 1, true, &data, &len, err,
	    sizeof(err)) == -1) {
		warnx("smtp_password_file %s", err);
		return -1;
	}
	line = strcspn((const char *)data, "\r\n");
	memcpy(buf, data, line);
	buf[line] = '\0';
	auth_wipe(data, len);
	free(data);
	if (line == 0) {
		warnx("smtp_password_file %s: empty first line", path);
		return -1;
	}
	return 0;
}

/* Checks what a mailer needs before it claims anything. 0 or -1. */
static int
mailer_init(struct mailer *mr)
{
	struct stat	st;
	char		err[512];
	const char	*why;

	if (auth_config_load(&mr->cfg, NULL, err, sizeof(err)) == -1) {
		warnx("config: %s", err);
		return -1;
	}
	if (auth_seal_key_load(mr->cfg.outbox_key_file, mr->key, err,
	    sizeof(err)) == -1) {
		warnx("outbox key: %s", err);
		return -1;
	}
	if ((why = auth_mail_from_parse(mr->cfg.mail_from, mr->from_addr,
	    sizeof(mr->from_addr))) != NULL) {
		warnx("mail_from %s", why);
		return -1;
	}
	if (stat(mr->cfg.mail_templates_dir, &st) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		warnx("mail_templates_dir %s: not a directory",
		    mr->cfg.mail_templates_dir);
		return -1;
	}
	if (mr->cfg.mail_transport == AUTH_MAIL_FILE &&
	    (stat(mr->cfg.mail_file_dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    access(mr->cfg.mail_file_dir, W_OK | X_OK) == -1)) {
		warnx("mail_file_dir %s: not a writable directory",
		    mr->cfg.mail_file_dir);
		return -1;
	}
	if (mr->cfg.mail_transport == AUTH_MAIL_SENDMAIL &&
	    access(mr->cfg.sendmail_path, X_OK) == -1) {
		warnx("sendmail_path %s: %s", mr->cfg.sendmail_path,
		    strerror(errno));
		return -1;
	}
	if (mr->cfg.mail_transport == AUTH_MAIL_SMTP &&
	    mr->cfg.smtp_user[0] != '\0' &&
	    read_password(mr->cfg.smtp_password_file, mr->password,
	    sizeof(mr->password)) == -1)
		return -1;
	return 0;
}

/*
 * The {{name}} values of an unsealed payload: a JSON object of strings.
 * The strings stay owned by obj. Returns the count, or -1.
 */
static int
payload_vars(json_object *obj, struct auth_tmpl_var *vars, size_t max)
{
	size_t n = 0;

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return -1;
	json_object_object_foreach(obj, k, v) {
		if (!json_object_is_type(v, json_type_string) || n == max)
			return -1;
		vars[n].name = k;
		vars[n].value = json_object_get_string(v);
		n++;
	}
	return (int)n;
}

/* Renders and sends one claimed message; err says why it failed. */
static enum send_result
deliver(const struct mailer *mr, const struct auth_outbox_msg *m, char *err,
    size_t errlen)
{
	struct auth_mail_template	*t = NULL;
	struct auth_tmpl_var		 vars[AUTH_MAIL_VARS_MAX];
	struct auth_mail_head		 h;
	json_object			*obj = NULL;
	unsigned char			 rnd[16];
	char				 aad[AUTH_EMAIL_MAX + 80], unique[33];
	char				*pt = NULL, *msg = NULL;
	size_t				 ptlen = 0, msglen = 0;
	enum send_result		 rc = SEND_RETRY;
	int				 n, nvars;

	n = snprintf(aad, sizeof(aad), "%s\n%s", m->recipient, m->template);
	if (n < 0 || (size_t)n >= sizeof(aad) ||
	    auth_unseal(mr->key, aad, (size_t)n, m->payload, m->payload_len,
	    &pt, &ptlen) == -1) {
		snprintf(err, errlen, "payload does not unseal with "
		    "outbox_key_file");
		goto out;
	}
	if (ptlen > MAILER_PAYLOAD_MAX) {
		snprintf(err, errlen, "payload too large");
		goto out;
	}
	/* The parser that wipes its copies: the payload holds a link. */
	if ((obj = auth_json_parse(pt, ptlen)) == NULL ||
	    (nvars = payload_vars(obj, vars, AUTH_MAIL_VARS_MAX)) < 0) {
		snprintf(err, errlen, "payload is not a JSON object of strings");
		goto out;
	}
	if ((t = auth_mail_template_load(mr->cfg.mail_templates_dir,
	    m->template, err, errlen)) == NULL)
		goto out;
	if (auth_random_bytes(rnd, sizeof(rnd)) != 0) {
		snprintf(err, errlen, "no random bytes");
		goto out;
	}
	auth_hex(rnd, sizeof(rnd), unique);
	h.from = mr->cfg.mail_from;
	h.to = m->recipient;
	h.date = (long long)time(NULL);
	h.unique = unique;
	if (auth_mail_build(t, &h, vars, (size_t)nvars, &msg, &msglen, err,
	    errlen) == -1) {
		/* A recipient no header can carry will never be sendable. */
		if (!auth_mail_addr_ok(m->recipient))
			rc = SEND_PERMANENT;
		goto out;
	}
	rc = transports[mr->cfg.mail_transport](mr, m, msg, msglen, err,
	    errlen);
out:
	if (msg != NULL) {
		auth_wipe(msg, msglen);
		free(msg);
	}
	auth_json_burn(obj);
	json_object_put(obj);
	if (pt != NULL) {
		auth_wipe(pt, ptlen);
		free(pt);
	}
	auth_mail_template_free(t);
	return rc;
}

/* Sleeps up to seconds, waking early on a signal. */
static void
nap(long seconds)
{
	struct timespec ts = { (time_t)seconds, 0 };

	if (!stopping)
		nanosleep(&ts, NULL);
}

/* Records the outcome of one attempt on the claimed row. */
static void
record(const struct mailer *mr, const struct auth_outbox_msg *m,
    enum send_result res, const char *err)
{
	enum auth_err	e;
	bool		give_up;
	long		delay = 0;
	int		i;

	if (res == SEND_OK) {
		auth_metric_add(AUTH_METRIC_MAIL_SENT, 1);
		auth_metric_raise(AUTH_METRIC_MAIL_LAST_SENT,
		    (uint64_t)time(NULL));
		/* Sent: a lost connection must not leave it to be sent again. */
		for (i = 0; (e = auth_store_outbox_sent(m)) ==
		    AUTH_ERR_UNAVAILABLE && i < MAILER_MARK_TRIES; i++)
			nap(MAILER_DB_RETRY);
		if (e == AUTH_OK)
			auth_log_info(NULL, "outbox %lld sent (attempt %d)",
			    m->id, m->attempts);
		else if (e == AUTH_ERR_NOT_FOUND)
			auth_log_error(NULL, "outbox %lld sent, but its claim "
			    "had run out (mail_claim_timeout too short?)",
			    m->id);
		else
			auth_log_error(NULL, "outbox %lld sent, but not marked "
			    "sent: it may be sent again", m->id);
		return;
	}
	give_up = res == SEND_PERMANENT ||
	    (unsigned)m->attempts >= mr->cfg.mail_max_attempts;
	if (!give_up)
		delay = auth_mail_backoff(m->attempts, mr->cfg.mail_retry_base,
		    mr->cfg.mail_retry_max);
	auth_metric_add(AUTH_METRIC_MAIL_FAILED, 1);
	if (give_up)
		auth_metric_add(AUTH_METRIC_MAIL_GIVEN_UP, 1);
	e = auth_store_outbox_failed(m, delay, give_up, err);
	if (give_up)
		auth_log_error(NULL, "outbox %lld failed after attempt %d: %s",
		    m->id, m->attempts, err);
	else
		auth_log_info(NULL, "outbox %lld attempt %d failed, retry in "
		    "%lds: %s", m->id, m->attempts, delay, err);
	if (e != AUTH_OK)
		auth_log_error(NULL, "outbox %lld: the failed attempt was not "
		    "recorded; its claim runs out after mail_claim_timeout",
		    m->id);
}

/* Claims and delivers due messages until none is left; -1 on a DB error. */
static int
drain(const struct mailer *mr)
{
	struct auth_outbox_msg	 m;
	char			 err[AUTH_OUTBOX_ERROR_MAX];
	enum send_result	 res;
	enum auth_err		 e;

	while (!stopping) {
		e = auth_store_outbox_claim(mr->cfg.mail_claim_timeout, &m);
		if (e == AUTH_ERR_NOT_FOUND)
			return 0;
		if (e != AUTH_OK)
			return -1;
		if (stopping) {
			/* Claimed, not yet sent: hand it back untouched. */
			if (auth_store_outbox_release(&m) == AUTH_OK)
				auth_log_info(NULL, "outbox %lld released at "
				    "shutdown", m.id);
			auth_store_outbox_msg_clear(&m);
			return 0;
		}
		err[0] = '\0';
		res = deliver(mr, &m, err, sizeof(err));
		record(mr, &m, res, err);
		auth_store_outbox_msg_clear(&m);
	}
	return 0;
}

static int
run(const struct mailer *mr)
{
	time_t		 last_sweep = 0, now;
	double		 due;
	long		 reclaimed, ms;
	enum auth_err	 e;

	while (!stopping) {
		if (auth_store_outbox_listen() != AUTH_OK) {
			auth_db_reset();
			if (mr->once)
				return 1;
			nap(MAILER_DB_RETRY);
			continue;
		}
		now = time(NULL);
		/* Leases are swept once per poll interval. */
		if (now - last_sweep >= mr->cfg.mail_poll_interval) {
			if (auth_store_outbox_reclaim(&reclaimed) == AUTH_OK) {
				last_sweep = now;
				if (reclaimed > 0)
					auth_log_info(NULL, "reclaimed %ld "
					    "outbox message(s) whose mailer "
					    "stopped while sending", reclaimed);
			}
		}
		if (drain(mr) == -1) {
			if (mr->once)
				return 1;
			nap(MAILER_DB_RETRY);
			continue;
		}
		if (mr->once || stopping)
			break;
		ms = mr->cfg.mail_poll_interval * 1000;
		e = auth_store_outbox_next_due(&due);
		if (e == AUTH_OK && due * 1000 < (double)ms)
			ms = (long)(due * 1000) + 50;
		(void)auth_store_outbox_wait((int)ms);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct mailer	mr;
	struct sigaction	sa;
	char			err[512];
	int			rc = 1;

	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("auth-mailer %s\n", AUTH_VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--once") == 0)
		mr.once = true;
	else if (argc != 1) {
		fputs("usage: auth-mailer [--once] | --version\n", stderr);
		return 2;
	}
	if (auth_sandbox_refuse_root("auth-mailer") != 0)
		return 1;
	auth_log_init("auth-mailer");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (mailer_init(&mr) == -1)
		goto out;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		warnx("curl_global_init failed");
		goto out;
	}
	auth_db_init(mr.cfg.database_url);
	if (auth_metric_open(mr.cfg.metrics_file, NULL, err,
	    sizeof(err)) != 0)
		auth_log_error(NULL, "metrics_file: %s; nothing is counted",
		    err);
	auth_db_set_pooler(mr.cfg.database_pooler);
	auth_log_info(NULL, "started: auth-mailer %s, transport %s%s", AUTH_VERSION,
	    transport_names[mr.cfg.mail_transport],
	    mr.once ? ", once" : "");
	rc = run(&mr);
	auth_db_close();
	auth_metric_close();
	curl_global_cleanup();
	auth_log_info(NULL, "auth-mailer stopped");
out:
	auth_wipe(mr.key, sizeof(mr.key));
	auth_wipe(mr.password, sizeof(mr.password));
	return rc;
}
