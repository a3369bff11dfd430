/*
 * auth-mailer: delivers the outbox. Claims one due row at a time (FOR
 * UPDATE SKIP LOCKED, so any number of mailers can share one outbox),
 * unseals its payload, renders its template and sends it over SMTP
 * (libcurl) or writes it as an .eml file. A failed attempt is retried
 * with exponential backoff up to mail_max_attempts; an SMTP 5xx to the
 * recipient or the message fails it at once. It wakes on NOTIFY and polls
 * as a fallback. SIGTERM: the message being sent is finished (or handed
 * back if it was only claimed), then the process exits. A mailer that
 * dies mid-send leaves a lease that another mailer reclaims after
 * mail_claim_timeout.
 *
 * usage: auth-mailer [--once]   (--once: deliver what is due, then exit)
 * Configuration as every process: AUTH_CONFIG plus AUTH_* overrides.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "config.h"
#include "endpoint_config.h"
#include "db.h"
#include "http.h"
#include "keyring.h"
#include "log.h"
#include "mail.h"
#include "seal.h"
#include "store.h"
#include "base_codec.h"
#include "base_err.h"
#include "base_secret.h"

#define MAILER_DB_RETRY		2	/* seconds between reconnects */
#define MAILER_MARK_TRIES	5	/* reconnects to record a sent message */
#define MAILER_PASSWORD_MAX	512
#define MAILER_CONNECT_TIMEOUT	10	/* seconds */
#define MAILER_PAYLOAD_MAX	8192	/* bytes of an unsealed payload */

enum send_result {
	SEND_OK = 0,
	SEND_RETRY,		/* try again later */
	SEND_PERMANENT,		/* the recipient or the message was refused */
	SEND_RESULT__MAX
};

struct mailer {
	struct auth_config	 cfg;
	unsigned char		 key[AUTH_SEAL_KEY_LEN];
	char			 from_addr[AUTH_MAIL_ADDR_MAX + 1];
	char			 password[MAILER_PASSWORD_MAX + 1];
	bool			 once;
};

/* The upload of one message through libcurl's read callback. */
struct upload {
	const char	*p;
	size_t		 left;
};

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void __attribute__((format(printf, 1, 2)))
die_start(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	auth_vwarnx("auth-mailer", fmt, ap);
	va_end(ap);
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
		die_start("smtp_password_file %s", err);
		return -1;
	}
	line = strcspn((const char *)data, "\r\n");
	memcpy(buf, data, line);
	buf[line] = '\0';
	auth_wipe(data, len);
	free(data);
	if (line == 0) {
		die_start("smtp_password_file %s: empty first line", path);
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
		die_start("config: %s", err);
		return -1;
	}
	if (auth_seal_key_load(mr->cfg.outbox_key_file, mr->key, err,
	    sizeof(err)) == -1) {
		die_start("outbox key: %s", err);
		return -1;
	}
	if ((why = auth_mail_from_parse(mr->cfg.mail_from, mr->from_addr,
	    sizeof(mr->from_addr))) != NULL) {
		die_start("mail_from %s", why);
		return -1;
	}
	if (stat(mr->cfg.mail_templates_dir, &st) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		die_start("mail_templates_dir %s: not a directory",
		    mr->cfg.mail_templates_dir);
		return -1;
	}
	if (mr->cfg.mail_transport == AUTH_MAIL_FILE &&
	    (stat(mr->cfg.mail_file_dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    access(mr->cfg.mail_file_dir, W_OK | X_OK) == -1)) {
		die_start("mail_file_dir %s: not a writable directory",
		    mr->cfg.mail_file_dir);
		return -1;
	}
	if (mr->cfg.mail_transport == AUTH_MAIL_SMTP &&
	    mr->cfg.smtp_user[0] != '\0' &&
	    read_password(mr->cfg.smtp_password_file, mr->password,
	    sizeof(mr->password)) == -1)
		return -1;
	return 0;
}

static size_t
upload_read(char *buf, size_t size, size_t n, void *arg)
{
	struct upload	*u = arg;
	size_t		 want = size * n;

	if (want > u->left)
		want = u->left;
	memcpy(buf, u->p, want);
	u->p += want;
	u->left -= want;
	return want;
}

/*
 * Sends msg to rcpt over SMTP. A 5xx answer to RCPT TO or to the end of
 * the data is permanent; anything else (no connection, TLS, AUTH, 4xx, a
 * 5xx to the greeting or MAIL FROM: a server or configuration problem)
 * is retried.
 */
static enum send_result
smtp_send(const struct mailer *mr, const char *rcpt, const char *msg,
    size_t len, char *err, size_t errlen)
{
	CURL			*c;
	struct curl_slist	*rcpts = NULL;
	struct upload		 up = { msg, len };
	char			 from[AUTH_MAIL_ADDR_MAX + 3];
	char			 to[AUTH_MAIL_ADDR_MAX + 3];
	char			 ebuf[CURL_ERROR_SIZE];
	enum send_result	 rc = SEND_RETRY;
	CURLcode		 res;
	long			 code = 0;

	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "smtp: curl_easy_init failed");
		return SEND_RETRY;
	}
	snprintf(from, sizeof(from), "<%s>", mr->from_addr);
	snprintf(to, sizeof(to), "<%s>", rcpt);
	if ((rcpts = curl_slist_append(NULL, to)) == NULL) {
		snprintf(err, errlen, "smtp: out of memory");
		goto out;
	}
	ebuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, mr->cfg.smtp_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)(mr->cfg.smtp_timeout < MAILER_CONNECT_TIMEOUT ?
	    mr->cfg.smtp_timeout : MAILER_CONNECT_TIMEOUT));
	curl_easy_setopt(c, CURLOPT_TIMEOUT, mr->cfg.smtp_timeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	if (strncmp(mr->cfg.smtp_url, "smtp://", 7) == 0 &&
	    mr->cfg.smtp_tls == AUTH_SMTP_STARTTLS)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (mr->cfg.smtp_user[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, mr->cfg.smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, mr->password);
	}
	res = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (res == CURLE_OK) {
		rc = SEND_OK;
		goto out;
	}
	snprintf(err, errlen, "smtp: %s", ebuf[0] != '\0' ? ebuf :
	    curl_easy_strerror(res));
	if (code >= 500 && code <= 599 && res != CURLE_LOGIN_DENIED &&
	    (strncmp(ebuf, "RCPT failed", 11) == 0 || up.left == 0))
		rc = SEND_PERMANENT;
out:
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(c);
	return rc;
}

/* Writes msg as <mail_file_dir>/<time>-<id>-<attempt>.eml, atomically. */
static enum send_result
file_send(const struct mailer *mr, const struct auth_outbox_msg *m,
    const char *msg, size_t len, char *err, size_t errlen)
{
	char		 path[AUTH_PATH_MAX + 96], tmp[AUTH_PATH_MAX + 96];
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;
	bool		 ok;

	snprintf(path, sizeof(path), "%s/%lld-%lld-%d.eml",
	    mr->cfg.mail_file_dir, (long long)time(NULL), m->id, m->attempts);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%lld-%d-%ld",
	    mr->cfg.mail_file_dir, m->id, m->attempts, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0640)) == -1) {
		snprintf(err, errlen, "file: %.300s: %s", tmp, strerror(errno));
		return SEND_RETRY;
	}
	while (off < len) {
		n = write(fd, msg + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	ok = off == len && fsync(fd) == 0;
	if (close(fd) == -1)
		ok = false;
	if (!ok || rename(tmp, path) == -1) {
		snprintf(err, errlen, "file: %.300s: %s", path,
		    off != len ? "short write" : strerror(errno));
		unlink(tmp);
		return SEND_RETRY;
	}
	return SEND_OK;
}

/*
 * The {{name}} values of an unsealed payload: a JSON object of strings.
 * The strings stay owned by obj. Returns the count, or -1.
 */
static int
payload_vars(json_object *obj, struct auth_mail_var *vars, size_t max)
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
	struct auth_mail_var		 vars[AUTH_MAIL_VARS_MAX];
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
	if (mr->cfg.mail_transport == AUTH_MAIL_SMTP)
		rc = smtp_send(mr, m->recipient, msg, msglen, err, errlen);
	else
		rc = file_send(mr, m, msg, msglen, err, errlen);
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

/* Drops the notifications libpq has buffered; true if there were any. */
static bool
notifies_drain(PGconn *conn)
{
	PGnotify	*n;
	bool		 any = false;

	while ((n = PQnotifies(conn)) != NULL) {
		any = true;
		PQfreemem(n);
	}
	return any;
}

/*
 * Waits up to ms for a NOTIFY on conn (or a signal). Returns -1 if the
 * connection broke, else 0.
 */
static int
wait_notify(PGconn *conn, int ms)
{
	struct pollfd	pfd;

	if (notifies_drain(conn))
		return 0;
	pfd.fd = PQsocket(conn);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (pfd.fd < 0)
		return -1;
	if (poll(&pfd, 1, ms) <= 0)
		return 0;	/* timeout, or a signal */
	if (PQconsumeInput(conn) == 0)
		return -1;
	notifies_drain(conn);
	return 0;
}

/* LISTEN on the outbox channel (again after every reconnect). 0 or -1. */
static int
listen_outbox(PGconn *conn)
{
	PGresult	*r;
	int		 rc;

	r = PQexec(conn, "LISTEN " AUTH_OUTBOX_CHANNEL);
	rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
	PQclear(r);
	return rc;
}

static int
run(const struct mailer *mr)
{
	PGconn		*conn;
	time_t		 last_sweep = 0, now;
	double		 due;
	long		 reclaimed, ms;
	enum auth_err	 e;

	while (!stopping) {
		if ((conn = auth_db_conn()) == NULL ||
		    listen_outbox(conn) == -1) {
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
		if ((conn = auth_db_conn()) == NULL ||
		    wait_notify(conn, (int)ms) == -1)
			auth_db_reset();
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct mailer	mr;
	struct sigaction	sa;
	int			rc = 1;

	if (argc == 2 && strcmp(argv[1], "--once") == 0)
		mr.once = true;
	else if (argc != 1) {
		fputs("usage: auth-mailer [--once]\n", stderr);
		return 2;
	}
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
		die_start("curl_global_init failed");
		goto out;
	}
	auth_db_init(mr.cfg.database_url);
	auth_log_info(NULL, "auth-mailer started: transport %s%s",
	    mr.cfg.mail_transport == AUTH_MAIL_SMTP ? "smtp" : "file",
	    mr.once ? ", once" : "");
	rc = run(&mr);
	auth_db_close();
	curl_global_cleanup();
	auth_log_info(NULL, "auth-mailer stopped");
out:
	auth_wipe(mr.key, sizeof(mr.key));
	auth_wipe(mr.password, sizeof(mr.password));
	return rc;
}
