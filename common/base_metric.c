/*
 * The node's counters in one shared file: fixed slots, relaxed atomic adds,
 * named slots claimed with a compare-and-swap. The layout is the struct
 * metric_file below; a file of another size, magic or version is replaced.
 */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base_err.h"
#include "base_metric.h"

#define METRIC_MAGIC		"authdmet"
#define METRIC_VERSION		1
#define METRIC_VALUES		64	/* room for AUTH_METRIC__MAX to grow */
#define METRIC_RULES		64
#define METRIC_ENDPOINTS	64
#define METRIC_STATUS_MIN	100
#define METRIC_STATUSES		500	/* 100 ... 599 */
#define METRIC_BUCKETS		14	/* the bounds below and +Inf */
#define METRIC_CLAIM_SPINS	100

_Static_assert(AUTH_METRIC__MAX <= METRIC_VALUES, "room for the counters");

/* Upper bounds of the latency buckets, microseconds and as exposed. */
static const int64_t metric_bound_us[METRIC_BUCKETS - 1] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000
};
static const char *const metric_bound_text[METRIC_BUCKETS] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5", "5", "10", "+Inf"
};

enum metric_slot_state { SLOT_FREE = 0, SLOT_CLAIMING, SLOT_READY };

struct metric_head {
	char		magic[8];
	uint32_t	version;
	uint32_t	size;		/* sizeof(struct metric_file) */
	int64_t		created;	/* unix time */
};

/* The name part of a named slot; state goes FREE, CLAIMING, READY. */
struct metric_named {
	uint32_t	state;
	char		name[AUTH_METRIC_NAME_MAX + 1];
};

struct metric_rule {
	struct metric_named n;
	uint64_t	refused;
};

struct metric_endpoint {
	struct metric_named n;
	uint64_t	status[METRIC_STATUSES];
	uint64_t	bucket[METRIC_BUCKETS];	/* not cumulative */
	uint64_t	sum_us;
};

struct metric_file {
	struct metric_head	head;
	uint64_t		value[METRIC_VALUES];
	struct metric_rule	rule[METRIC_RULES];
	struct metric_endpoint	endpoint[METRIC_ENDPOINTS];
};

/* Exposition name, type and help of each scalar counter. */
static const struct {
	const char	*name;
	const char	*type;
	const char	*help;
} metric_info[AUTH_METRIC__MAX] = {
	[AUTH_METRIC_LOGIN_FAILURES] = { "authd_login_failures_total",
	    "counter", "Failed password checks: a login's wrong password or "
	    "unknown email, a password change's wrong current password." },
	[AUTH_METRIC_LOGIN_LOCKOUTS] = { "authd_login_lockouts_total",
	    "counter", "Failed logins that started or extended an account's "
	    "login delay." },
	[AUTH_METRIC_SESSIONS_CREATED] = { "authd_sessions_created_total",
	    "counter", "Sessions started by a login." },
	[AUTH_METRIC_SESSIONS_REVOKED] = { "authd_sessions_revoked_total",
	    "counter", "Sessions revoked (logout, logout-all, password change "
	    "or reset, reuse, disabled account)." },
	[AUTH_METRIC_MAIL_SENT] = { "authd_mail_sent_total", "counter",
	    "Messages auth-mailer delivered." },
	[AUTH_METRIC_MAIL_FAILED] = { "authd_mail_failed_total", "counter",
	    "Delivery attempts that failed (retried later or given up)." },
	[AUTH_METRIC_MAIL_GIVEN_UP] = { "authd_mail_given_up_total",
	    "counter", "Messages marked failed for good." },
	[AUTH_METRIC_DB_ERRORS] = { "authd_db_errors_total", "counter",
	    "PostgreSQL connection and statement failures." },
	[AUTH_METRIC_REDIS_ERRORS] = { "authd_redis_errors_total", "counter",
	    "Redis connection and command failures." },
	[AUTH_METRIC_MAIL_LAST_SENT] = {
	    "authd_mail_last_sent_timestamp_seconds", "gauge",
	    "Unix time of the last delivery by a mailer of this node (0: none "
	    "since the counters started)." },
};

static struct metric_file	*mf;
static struct metric_endpoint	*mine;

static void
metric_inc(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

static uint64_t
metric_get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* A name a slot may carry: 1..AUTH_METRIC_NAME_MAX of [a-z0-9_-], within
 * max bytes (NUL-terminated there). */
static bool
metric_name_ok(const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return i > 0 && i < max && i <= AUTH_METRIC_NAME_MAX;
}

/*
 * The slot called name among n slots of stride bytes at base, claiming a
 * free one if none is; NULL if name is unusable or every slot is taken.
 */
static struct metric_named *
metric_slot(void *base, size_t n, size_t stride, const char *name)
{
	struct metric_named *s;
	uint32_t st;
	size_t i;
	int spin;

	if (!metric_name_ok(name, AUTH_METRIC_NAME_MAX + 1))
		return NULL;
	for (i = 0; i < n; i++) {
		s = (struct metric_named *)(void *)((char *)base + i * stride);
		st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (st == SLOT_FREE && __atomic_compare_exchange_n(&s->state,
		    &st, SLOT_CLAIMING, false, __ATOMIC_ACQ_REL,
		    __ATOMIC_ACQUIRE)) {
			memcpy(s->name, name, strlen(name) + 1);
			__atomic_store_n(&s->state, SLOT_READY,
			    __ATOMIC_RELEASE);
			return s;
		}
		/* Another process is writing its name (or died doing so). */
		for (spin = 0; st == SLOT_CLAIMING &&
		    spin < METRIC_CLAIM_SPINS; spin++) {
			sched_yield();
			st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		}
		if (st == SLOT_READY && strncmp(s->name, name,
		    sizeof(s->name)) == 0)
			return s;
	}
	return NULL;
}

/* True if the open file fd of size bytes has this layout. */
static bool
metric_layout_ok(int fd, off_t size)
{
	struct metric_head h;

	return size == (off_t)sizeof(struct metric_file) &&
	    pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
	    memcmp(h.magic, METRIC_MAGIC, sizeof(h.magic)) == 0 &&
	    h.version == METRIC_VERSION && h.size == sizeof(struct metric_file);
}

/*
 * Opens path locked (LOCK_EX) and sized for the layout, replacing a file
 * of another layout; *fresh says it was empty. The fd, or -1 with err set.
 */
static int
metric_file_lock(const char *path, bool *fresh, char *err, size_t errlen)
{
	struct stat st, at;
	int fd, attempt;

	for (attempt = 0; attempt < 4; attempt++) {
		/* Group read-write: every process of the node adds to it, the
		 * verifiers (their own user, the service's group) too. */
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
		if (fd < 0 || flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0)
			goto fail;
		if (!S_ISREG(st.st_mode)) {
			errno = EINVAL;
			goto fail;
		}
		/* Replaced by another process while we waited for the lock. */
		if (stat(path, &at) != 0 || at.st_ino != st.st_ino ||
		    at.st_dev != st.st_dev) {
			close(fd);
			continue;
		}
		*fresh = st.st_size == 0;
		if (*fresh) {
			if (st.st_uid == geteuid())
				(void)fchmod(fd, 0660);	/* whatever the umask */
			if (ftruncate(fd, sizeof(struct metric_file)) != 0)
				goto fail;
			return fd;
		}
		if (metric_layout_ok(fd, st.st_size))
			return fd;
		/* Another version's file: a new one starts from zero. */
		if (unlink(path) != 0)
			goto fail;
		close(fd);
	}
	auth_errf(err, errlen, "%s: replaced over and over while opening",
	    path);
	return -1;
fail:
	auth_errf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

int
auth_metric_open(const char *path, const char *endpoint, char *err,
    size_t errlen)
{
	struct metric_file *m;
	bool fresh = false;
	int fd;

	auth_metric_close();
	if (path == NULL || path[0] == '\0')
		return 0;
	if ((fd = metric_file_lock(path, &fresh, err, errlen)) < 0)
		return -1;
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		auth_errf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		flock(fd, LOCK_UN);
		close(fd);
		return -1;
	}
	if (fresh) {
		m->head.version = METRIC_VERSION;
		m->head.size = sizeof(*m);
		m->head.created = (int64_t)time(NULL);
		memcpy(m->head.magic, METRIC_MAGIC, sizeof(m->head.magic));
	}
	/* Unlocked by hand: the mapping holds the open file, and with it a
	 * lock that close() alone would leave in place. */
	flock(fd, LOCK_UN);
	close(fd);
	mf = m;
	if (endpoint != NULL && (mine = (struct metric_endpoint *)(void *)
	    metric_slot(mf->endpoint, METRIC_ENDPOINTS,
	    sizeof(mf->endpoint[0]), endpoint)) == NULL) {
		auth_errf(err, errlen, "%s: no slot for endpoint %s (every "
		    "one taken, or not a name)", path, endpoint);
		auth_metric_close();
		return -1;
	}
	return 0;
}

void
auth_metric_close(void)
{
	if (mf != NULL)
		munmap(mf, sizeof(*mf));
	mf = NULL;
	mine = NULL;
}

bool
auth_metric_on(void)
{
	return mf != NULL;
}

void
auth_metric_add(enum auth_metric m, uint64_t n)
{
	if (mf != NULL && (unsigned)m < AUTH_METRIC__MAX)
		metric_inc(&mf->value[m], n);
}

void
auth_metric_raise(enum auth_metric m, uint64_t v)
{
	uint64_t cur;

	if (mf == NULL || (unsigned)m >= AUTH_METRIC__MAX)
		return;
	cur = metric_get(&mf->value[m]);
	while (cur < v && !__atomic_compare_exchange_n(&mf->value[m], &cur,
	    v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

uint64_t
auth_metric_value(enum auth_metric m)
{
	if (mf == NULL || (unsigned)m >= AUTH_METRIC__MAX)
		return 0;
	return metric_get(&mf->value[m]);
}

void
auth_metric_request(int status, int64_t duration_us)
{
	size_t b = 0;

	if (mine == NULL)
		return;
	if (status < METRIC_STATUS_MIN ||
	    status >= METRIC_STATUS_MIN + METRIC_STATUSES)
		status = 500;
	if (duration_us < 0)
		duration_us = 0;
	while (b < METRIC_BUCKETS - 1 && duration_us > metric_bound_us[b])
		b++;
	metric_inc(&mine->status[status - METRIC_STATUS_MIN], 1);
	metric_inc(&mine->bucket[b], 1);
	metric_inc(&mine->sum_us, (uint64_t)duration_us);
}

void
auth_metric_refused(const char *name)
{
	struct metric_rule *r;

	if (mf == NULL || name == NULL)
		return;
	r = (struct metric_rule *)(void *)metric_slot(mf->rule, METRIC_RULES,
	    sizeof(mf->rule[0]), name);
	if (r != NULL)
		metric_inc(&r->refused, 1);
}

/* ---- exposition ---------------------------------------------------------- */

static bool
metric_family(struct auth_buf *b, const char *name, const char *type,
    const char *help)
{
	return auth_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* True if slot s (read from the shared file) is named and usable. */
static bool
metric_named_ready(const struct metric_named *s)
{
	return __atomic_load_n(&s->state, __ATOMIC_ACQUIRE) == SLOT_READY &&
	    metric_name_ok(s->name, sizeof(s->name));
}

static bool
metric_render_requests(struct auth_buf *b)
{
	const struct metric_endpoint *e;
	uint64_t v;
	size_t i, k;

	metric_family(b, "authd_http_requests_total", "counter",
	    "Requests answered, by endpoint and status.");
	for (i = 0; i < METRIC_ENDPOINTS; i++) {
		e = &mf->endpoint[i];
		if (!metric_named_ready(&e->n))
			continue;
		for (k = 0; k < METRIC_STATUSES; k++)
			if ((v = metric_get(&e->status[k])) != 0)
				auth_buf_printf(b, "authd_http_requests_total"
				    "{endpoint=\"%s\",status=\"%zu\"} %llu\n",
				    e->n.name, k + METRIC_STATUS_MIN,
				    (unsigned long long)v);
	}
	return !b->failed;
}

static bool
metric_render_latency(struct auth_buf *b)
{
	static const char h[] = "authd_http_request_duration_seconds";
	const struct metric_endpoint *e;
	uint64_t n, sum;
	size_t i, k;

	metric_family(b, h, "histogram", "Time from a request's start to its "
	    "answer, by endpoint.");
	for (i = 0; i < METRIC_ENDPOINTS; i++) {
		e = &mf->endpoint[i];
		if (!metric_named_ready(&e->n))
			continue;
		for (k = 0, n = 0; k < METRIC_BUCKETS; k++) {
			n += metric_get(&e->bucket[k]);
			auth_buf_printf(b, "%s_bucket{endpoint=\"%s\",le=\"%s\"} "
			    "%llu\n", h, e->n.name, metric_bound_text[k],
			    (unsigned long long)n);
		}
		sum = metric_get(&e->sum_us);
		auth_buf_printf(b, "%s_sum{endpoint=\"%s\"} %llu.%06llu\n"
		    "%s_count{endpoint=\"%s\"} %llu\n", h, e->n.name,
		    (unsigned long long)(sum / 1000000),
		    (unsigned long long)(sum % 1000000), h, e->n.name,
		    (unsigned long long)n);
	}
	return !b->failed;
}

static bool
metric_render_rules(struct auth_buf *b)
{
	const struct metric_rule *r;
	size_t i;

	metric_family(b, "authd_rate_limit_refusals_total", "counter",
	    "Requests refused by a rate limit, by rule (login_delay: a login "
	    "within an account's delay).");
	for (i = 0; i < METRIC_RULES; i++) {
		r = &mf->rule[i];
		if (metric_named_ready(&r->n))
			auth_buf_printf(b, "authd_rate_limit_refusals_total"
			    "{rule=\"%s\"} %llu\n", r->n.name,
			    (unsigned long long)metric_get(&r->refused));
	}
	return !b->failed;
}

bool
auth_metric_render(struct auth_buf *b)
{
	size_t i;

	if (mf == NULL)
		return true;
	if (!metric_render_requests(b) || !metric_render_latency(b) ||
	    !metric_render_rules(b))
		return false;
	for (i = 0; i < AUTH_METRIC__MAX; i++) {
		metric_family(b, metric_info[i].name, metric_info[i].type,
		    metric_info[i].help);
		auth_buf_printf(b, "%s %llu\n", metric_info[i].name,
		    (unsigned long long)metric_get(&mf->value[i]));
	}
	return !b->failed;
}
