/*
 * auth-mailer's sendmail transport: the message piped to sendmail_path
 * (exim4's, postfix's or msmtp's /usr/sbin/sendmail), one run per message.
 *
 * The recipient is an argument after "--" and the envelope sender is -f
 * mail_from's address: never -t, so the recipients are the outbox row's
 * alone, whatever the message's headers say. -i: a line of a single dot
 * does not end the message. The program gets a fixed PATH and nothing else
 * of our environment; its stderr (bounded) is the error of a failed run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mailer.h"

#define SENDMAIL_ERR_MAX	400	/* bytes of its stderr kept */

/* sysexits(3) answers that no retry changes: bad data, no such user or
 * host. Anything else (EX_TEMPFAIL, a crash, a timeout) is retried. */
static bool
permanent_exit(int code)
{
	return code == 65 || code == 67 || code == 68;
}

/* The child: stdin from the message pipe, stderr to the error pipe. */
static void __attribute__((noreturn))
run_child(const struct mailer *mr, const char *rcpt, int in, int errw)
{
	char *const	 envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	    "LANG=C", NULL };
	char		*argv[7];
	int		 null;

	argv[0] = "sendmail";
	argv[1] = "-i";
	argv[2] = "-f";
	argv[3] = (char *)mr->from_addr;
	argv[4] = "--";
	argv[5] = (char *)rcpt;
	argv[6] = NULL;
	null = open("/dev/null", O_WRONLY);
	if (null == -1 || dup2(in, STDIN_FILENO) == -1 ||
	    dup2(null, STDOUT_FILENO) == -1 || dup2(errw, STDERR_FILENO) == -1)
		_exit(71);		/* EX_OSERR */
	execve(mr->cfg.sendmail_path, argv, envp);
	dprintf(STDERR_FILENO, "%s: %s", mr->cfg.sendmail_path,
	    strerror(errno));
	_exit(69);			/* EX_UNAVAILABLE: retried */
}

struct feed {
	const char	*msg;
	size_t		 len, off;
	int		 in;		/* -1 once all is written */
	int		 err;		/* -1 at its end of file */
	char		 errbuf[SENDMAIL_ERR_MAX + 1];
	size_t		 errlen;
};

/* Keeps the first SENDMAIL_ERR_MAX bytes the program wrote to stderr. */
static void
keep_err(struct feed *f, const char *b, size_t n)
{
	if (n > SENDMAIL_ERR_MAX - f->errlen)
		n = SENDMAIL_ERR_MAX - f->errlen;
	memcpy(f->errbuf + f->errlen, b, n);
	f->errlen += n;
}

/* Reads what stderr holds now (non-blocking); closes it at its end. */
static void
read_err(struct feed *f)
{
	char	 b[256];
	ssize_t	 n;

	while (f->err != -1) {
		n = read(f->err, b, sizeof(b));
		if (n > 0) {
			keep_err(f, b, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN) {
			close(f->err);
			f->err = -1;
		}
		return;
	}
}

/* Writes what the message pipe takes now; closes it once all is written
 * or when the program has stopped reading (its status then says why). */
static void
write_msg(struct feed *f)
{
	ssize_t	 n;

	while (f->in != -1 && f->off < f->len) {
		n = write(f->in, f->msg + f->off, f->len - f->off);
		if (n > 0) {
			f->off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		break;
	}
	if (f->in != -1) {
		close(f->in);
		f->in = -1;
	}
}

/* Waits up to ms for either pipe, then moves what it can. */
static void
feed_step(struct feed *f, int ms)
{
	struct pollfd	 p[2];
	nfds_t		 np = 0;

	if (f->in != -1)
		p[np++] = (struct pollfd){ .fd = f->in, .events = POLLOUT };
	if (f->err != -1)
		p[np++] = (struct pollfd){ .fd = f->err, .events = POLLIN };
	if (np == 0 || poll(p, np, ms) <= 0) {
		if (np == 0)
			poll(NULL, 0, ms);
		return;
	}
	write_msg(f);
	read_err(f);
}

/* Feeds the child until it exits or timeout seconds passed (then it is
 * killed). Its wait status, or -1 on timeout. A program that leaves a
 * process behind holding its stderr (a background delivery) is not
 * waited for: its own exit is the answer. */
static int
feed_and_reap(struct feed *f, pid_t pid, long timeout)
{
	struct timespec	 t0, now;
	long		 left_ms;
	pid_t		 r;
	int		 st = -1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if ((r = waitpid(pid, &st, WNOHANG)) == pid)
			break;
		if (r == -1 && errno != EINTR)
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left_ms = timeout * 1000 - ((now.tv_sec - t0.tv_sec) * 1000 +
		    (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (left_ms <= 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
				;
			return -1;
		}
		feed_step(f, left_ms > 50 ? 50 : (int)left_ms);
	}
	read_err(f);		/* what it wrote before it exited */
	return st;
}

/* The pipes and the child; the parent's ends in f. Its pid, or -1. */
static pid_t
spawn(const struct mailer *mr, const char *rcpt, struct feed *f,
    char *err, size_t errlen)
{
	int	 inp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	pid_t	 pid = -1;

	if (pipe2(inp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "sendmail: pipe: %s", strerror(errno));
		goto out;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "sendmail: fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		run_child(mr, rcpt, inp[0], errp[1]);
	f->in = inp[1];
	f->err = errp[0];
	inp[1] = errp[0] = -1;
	fcntl(f->in, F_SETFL, O_NONBLOCK);
	fcntl(f->err, F_SETFL, O_NONBLOCK);
out:
	for (int i = 0; i < 2; i++) {
		if (inp[i] != -1)
			close(inp[i]);
		if (errp[i] != -1)
			close(errp[i]);
	}
	return pid;
}

enum send_result
mailer_sendmail_send(const struct mailer *mr, const struct auth_outbox_msg *m,
    const char *msg, size_t len, char *err, size_t errlen)
{
	struct feed	 f = { .msg = msg, .len = len, .in = -1, .err = -1 };
	pid_t		 pid;
	int		 st, code;

	if ((pid = spawn(mr, m->recipient, &f, err, errlen)) == -1)
		return SEND_RETRY;
	st = feed_and_reap(&f, pid, mr->cfg.smtp_timeout);
	if (f.in != -1)
		close(f.in);
	if (f.err != -1)
		close(f.err);
	f.errbuf[f.errlen] = '\0';
	f.errbuf[strcspn(f.errbuf, "\r\n")] = '\0';
	if (st == -1) {
		snprintf(err, errlen, "sendmail: no exit within %ld s",
		    mr->cfg.smtp_timeout);
		return SEND_RETRY;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && f.off == len)
		return SEND_OK;
	code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	snprintf(err, errlen, "sendmail: exit %d%s%s", code,
	    f.errlen > 0 ? ": " : "", f.errbuf);
	return WIFEXITED(st) && permanent_exit(code) ? SEND_PERMANENT :
	    SEND_RETRY;
}
