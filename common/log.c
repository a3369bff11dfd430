/*
 * JSON lines on stderr. Each line is built in a fixed stack buffer and sent
 * with one write(2), so lines from concurrent processes never interleave
 * (a line is shorter than PIPE_BUF).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base_buf.h"
#include "base_utf8.h"
#include "log.h"

#define LOG_LINE_MAX	2048
#define LOG_RESERVE	32	/* closing quote, truncation mark, "}\n" */

_Static_assert(LOG_LINE_MAX <= 4096, "a line must fit in PIPE_BUF");

/* A line: its bytes up to LOG_RESERVE before the end, then the closing. */
struct logbuf {
	char		mem[LOG_LINE_MAX];
	struct auth_buf	b;		/* failed: later fields are dropped */
	bool		truncated;	/* some value was cut */
};

static char log_endpoint[64] = "authd";

void
auth_log_init(const char *endpoint)
{
	if (endpoint == NULL)
		return;
	snprintf(log_endpoint, sizeof(log_endpoint), "%s", endpoint);
}

/* Appends n raw bytes if they fit before the reserve; else marks truncation. */
static bool
lb_put(struct logbuf *lb, const char *s, size_t n)
{
	if (!auth_buf_add(&lb->b, s, n)) {
		lb->truncated = true;
		return false;
	}
	return true;
}

/* Appends closing bytes into the reserve, which always has room for them. */
static void
lb_tail(struct logbuf *lb, const char *s, size_t n)
{
	memcpy(lb->mem + lb->b.len, s, n);
	lb->b.len += n;
}

/*
 * Appends s as a JSON string body, at most max output bytes, cutting only
 * between characters. Invalid UTF-8 becomes U+FFFD.
 */
static void
lb_escape(struct logbuf *lb, const char *s, size_t max)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, avail, used = 0;
	char			 esc[8];
	const char		*out;

	avail = strlen(s);
	while (avail > 0) {
		out = esc;
		n = 1;
		switch (*p) {
		case '"':
			memcpy(esc, "\\\"", 3);
			break;
		case '\\':
			memcpy(esc, "\\\\", 3);
			break;
		case '\n':
			memcpy(esc, "\\n", 3);
			break;
		case '\r':
			memcpy(esc, "\\r", 3);
			break;
		case '\t':
			memcpy(esc, "\\t", 3);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
			else if ((n = auth_utf8_step(p, avail, NULL)) == 0) {
				memcpy(esc, "\\ufffd", 7);
				n = 1;
			} else
				out = NULL;
			break;
		}
		if (out == NULL) {
			if (used + n > max || !lb_put(lb, (const char *)p, n))
				break;
			used += n;
		} else {
			if (used + strlen(esc) > max ||
			    !lb_put(lb, esc, strlen(esc)))
				break;
			used += strlen(esc);
		}
		p += n;
		avail -= n;
	}
	if (avail > 0)
		lb->truncated = true;
}

/*
 * Appends ,"name":"value" with the value capped at max output bytes. The
 * closing quote is counted in the line's bytes before the reserve, so the
 * line never grows past them and the reserve always holds the closing.
 */
static void
lb_str(struct logbuf *lb, const char *name, const char *value, size_t max)
{
	char	key[48];
	size_t	room;
	int	n;

	if (lb->b.failed)
		return;
	n = snprintf(key, sizeof(key), ",\"%s\":\"", name);
	if (n < 0 || (size_t)n >= sizeof(key))
		return;
	if (lb->b.max - lb->b.len < (size_t)n + 1) {
		lb->b.failed = true;
		lb->truncated = true;
		return;
	}
	lb_put(lb, key, (size_t)n);
	room = lb->b.max - lb->b.len - 1;
	lb_escape(lb, value, max < room ? max : room);
	lb_tail(lb, "\"", 1);
}

static void
lb_num(struct logbuf *lb, const char *name, long long v)
{
	char	tmp[64];
	int	n;

	n = snprintf(tmp, sizeof(tmp), ",\"%s\":%lld", name, v);
	if (n > 0 && (size_t)n < sizeof(tmp))
		lb_put(lb, tmp, (size_t)n);
}

/* Starts a line: {"ts":...,"level":...,"endpoint":...[,"request_id":...]. */
static void
lb_begin(struct logbuf *lb, const char *level, const char *request_id)
{
	struct timespec	now;
	struct tm	tm;
	char		ts[64];
	size_t		n;

	auth_buf_fixed(&lb->b, lb->mem, sizeof(lb->mem),
	    sizeof(lb->mem) - LOG_RESERVE);
	lb->truncated = false;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(ts, sizeof(ts), "{\"ts\":\"%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03ldZ\"", now.tv_nsec / 1000000);
	lb_put(lb, ts, strlen(ts));
	lb_str(lb, "level", level, 16);
	lb_str(lb, "endpoint", log_endpoint, 64);
	if (request_id != NULL && request_id[0] != '\0')
		lb_str(lb, "request_id", request_id, 128);
}

/* Closes the line and writes it with one write(2); keeps errno. */
static void
lb_end(struct logbuf *lb)
{
	static const char	mark[] = ",\"truncated\":true";
	int			saved = errno;
	ssize_t			w;

	if (lb->truncated)
		lb_tail(lb, mark, sizeof(mark) - 1);
	lb_tail(lb, "}\n", 2);
	do
		w = write(STDERR_FILENO, lb->mem, lb->b.len);
	while (w == -1 && errno == EINTR);
	errno = saved;
}

void
auth_log_request(const char *request_id, const char *method,
    const char *path, int status, const char *code,
    long long duration_us, const char *user_id, const char *ip)
{
	struct logbuf	lb;

	lb_begin(&lb, status >= 500 ? "error" : "info", request_id);
	lb_str(&lb, "method", method != NULL ? method : "", 16);
	lb_str(&lb, "path", path != NULL ? path : "", 512);
	lb_num(&lb, "status", status);
	if (code != NULL && code[0] != '\0')
		lb_str(&lb, "code", code, 64);
	lb_num(&lb, "duration_us", duration_us);
	if (user_id != NULL && user_id[0] != '\0')
		lb_str(&lb, "user_id", user_id, 64);
	if (ip != NULL && ip[0] != '\0')
		lb_str(&lb, "ip", ip, 64);
	lb_end(&lb);
}

static void
log_msg(const char *level, const char *request_id, const char *fmt,
    va_list ap)
{
	struct logbuf	lb;
	char		msg[LOG_LINE_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	lb_begin(&lb, level, request_id);
	lb_str(&lb, "msg", msg, sizeof(lb.mem));
	lb_end(&lb);
}

void
auth_log_error(const char *request_id, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_msg("error", request_id, fmt, ap);
	va_end(ap);
}

void
auth_log_info(const char *request_id, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_msg("info", request_id, fmt, ap);
	va_end(ap);
}

/* ---- configuration ------------------------------------------------------ */

static const char *const log_level_names[] = { "info", "debug", NULL };

static const struct auth_cfg_key log_keys[] = {
	AUTH_CFG_WORD(log_level, log_level_names, "info"),
};

const struct auth_cfg_module auth_log_cfg = AUTH_CFG_MODULE(log_keys, NULL);
