/*
 * What counting one request costs: the call every endpoint process makes
 * once per answer (auth_metric_request: status, latency bucket, sum; three
 * relaxed atomic adds on the node's shared file).
 *
 *   metrics FILE SECONDS PROCS
 *
 * PROCS worker processes map FILE (a scratch file, replaced) as one
 * endpoint, the worst case: every add lands on the same cache lines,
 * which the workers pull from each other's cores. Each counts for SECONDS;
 * prints "metrics <ns per request> <requests counted>" (the mean over the
 * workers of their time per call) and checks that the file holds exactly
 * the sum of the workers' calls. Exit status 1 with a reason otherwise.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base_buf.h"
#include "base_clock.h"
#include "base_metric.h"
#include "base_num.h"

#define BENCH_PROCS_MAX		256
#define BENCH_SECONDS_MAX	600
#define BENCH_BATCH		4096	/* calls between clock reads */

static void
fail(const char *what)
{
	fprintf(stderr, "metrics: %s\n", what);
	exit(1);
}

/* One worker: counts for secs; writes "<calls> <seconds>" to fd. */
static void
worker(const char *path, double secs, int fd)
{
	char err[256], line[64];
	unsigned long long calls = 0;
	int64_t t0, t;
	int i, n;

	if (auth_metric_open(path, "bench", err, sizeof(err)) != 0)
		fail(err);
	t0 = auth_clock_mono_us();
	do {
		for (i = 0; i < BENCH_BATCH; i++)
			auth_metric_request(200, 1000 + i);
		calls += BENCH_BATCH;
	} while ((t = auth_clock_mono_us()) - t0 < (int64_t)(secs * 1e6));
	n = snprintf(line, sizeof(line), "%llu %.6f\n", calls,
	    (double)(t - t0) / 1e6);
	if (write(fd, line, (size_t)n) != n)
		_exit(1);
	_exit(0);
}

/* The count the file holds for endpoint "bench", status 200. */
static unsigned long long
counted(const char *path)
{
	static const char key[] =
	    "authd_http_requests_total{endpoint=\"bench\",status=\"200\"} ";
	struct auth_buf b = AUTH_BUF_INIT(1024 * 1024);
	char err[256];
	const char *p;
	unsigned long long v = 0;

	if (auth_metric_open(path, NULL, err, sizeof(err)) != 0)
		fail(err);
	if (!auth_metric_render(&b) || (p = strstr(b.p, key)) == NULL)
		fail("the file holds no count for the bench endpoint");
	v = strtoull(p + sizeof(key) - 1, NULL, 10);
	auth_buf_free(&b);
	auth_metric_close();
	return v;
}

int
main(int argc, char **argv)
{
	unsigned long long secs, procs, calls, sum = 0;
	double ns = 0, t;
	int fds[2], i, st;
	FILE *in;

	if (argc != 4 || auth_parse_num(argv[2], 1, BENCH_SECONDS_MAX,
	    &secs, NULL) != 0 || auth_parse_num(argv[3], 1, BENCH_PROCS_MAX,
	    &procs, NULL) != 0)
		fail("usage: metrics FILE SECONDS PROCS");
	if (unlink(argv[1]) != 0 && errno != ENOENT)
		fail("cannot replace the scratch file");
	if (pipe(fds) != 0)
		fail("pipe");
	for (i = 0; i < (int)procs; i++) {
		switch (fork()) {
		case -1:
			fail("fork");
			break;
		case 0:
			close(fds[0]);
			worker(argv[1], (double)secs, fds[1]);
			break;
		default:
			break;
		}
	}
	close(fds[1]);
	if ((in = fdopen(fds[0], "r")) == NULL)
		fail("fdopen");
	for (i = 0; i < (int)procs && fscanf(in, "%llu %lf", &calls, &t) == 2;
	    i++) {
		sum += calls;
		ns += t * 1e9 / (double)calls;
	}
	fclose(in);
	while (wait(&st) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail("a worker failed");
	if (i != (int)procs)
		fail("a worker reported nothing");
	if (counted(argv[1]) != sum)
		fail("the file's count differs from the workers' calls");
	unlink(argv[1]);
	printf("metrics %.1f %llu\n", ns / (double)procs, sum);
	return 0;
}
