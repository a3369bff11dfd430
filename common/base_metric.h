/*
 * The node's counters: one file (metrics_file, /run/authd/metrics by
 * default) that every process of the node maps shared at start and adds to
 * with atomic adds: no lock, no system call per request. It holds fixed
 * slots: the scalar counters below, a slot per rate-limit rule and a slot
 * per endpoint (requests by status, a latency histogram), each named slot
 * claimed by the first process that uses its name. The file outlives the
 * processes, so counters survive restarts; it starts from zero at boot (it
 * lives in /run) and when a new layout replaces an old file.
 *
 * Every function is a no-op until auth_metric_open succeeded, and after a
 * failed open: counting never fails a request.
 */
#ifndef AUTH_BASE_METRIC_H
#define AUTH_BASE_METRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base_buf.h"

/* The scalar counters; the exposition's names are in base_metric.c. */
enum auth_metric {
	AUTH_METRIC_LOGIN_FAILURES = 0,	/* failed password checks */
	AUTH_METRIC_LOGIN_LOCKOUTS,	/* failures that started a login delay */
	AUTH_METRIC_SESSIONS_CREATED,
	AUTH_METRIC_SESSIONS_REVOKED,
	AUTH_METRIC_MAIL_SENT,		/* auth-mailer: delivered */
	AUTH_METRIC_MAIL_FAILED,	/* an attempt failed, retried later */
	AUTH_METRIC_MAIL_GIVEN_UP,	/* a message failed for good */
	AUTH_METRIC_DB_ERRORS,		/* connect, statement, COMMIT failures */
	AUTH_METRIC_REDIS_ERRORS,	/* connect, command failures */
	AUTH_METRIC_MAIL_LAST_SENT,	/* gauge: unix time of the last delivery */
	AUTH_METRIC__MAX
};

/* Longest endpoint or rule name a slot holds. */
#define AUTH_METRIC_NAME_MAX	31

/*
 * Maps the file at path (created 0600 if missing; replaced if its layout
 * is another one) and, with endpoint non-NULL, claims that endpoint's slot
 * for auth_metric_request. path "" turns counting off. Call it before the
 * sandbox. 0, or -1 with a reason in err (counting stays off).
 */
int	auth_metric_open(const char *path, const char *endpoint, char *err,
	    size_t errlen);

/* Unmaps the file (at exit). */
void	auth_metric_close(void);

/* True once a file is mapped. */
bool	auth_metric_on(void);

/* Adds n to counter m. */
void	auth_metric_add(enum auth_metric m, uint64_t n);

/* Raises gauge m to v (never lowers it). */
void	auth_metric_raise(enum auth_metric m, uint64_t v);

/* The value of counter or gauge m (0 with counting off). */
uint64_t auth_metric_value(enum auth_metric m);

/* Counts one answered request of this process's endpoint: its status and
 * its duration in the latency histogram. */
void	auth_metric_request(int status, int64_t duration_us);

/* Counts a refusal by the rate-limit rule called name ([a-z0-9_]). */
void	auth_metric_refused(const char *name);

/*
 * Appends the Prometheus text exposition of every counter in the file to
 * b (HELP and TYPE lines, endpoints and rules in slot order). false if b
 * failed; with counting off, appends nothing and returns true.
 */
bool	auth_metric_render(struct auth_buf *b);

#endif
