/* The monotonic and real clocks, and the monotonic test hook. */
#include <errno.h>
#include <time.h>

#include "base_clock.h"

static int64_t	clock_pinned;	/* 0: the system clock */

int64_t
auth_clock_mono_us(void)
{
	struct timespec	ts;

	if (clock_pinned > 0)
		return clock_pinned;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
auth_clock_sleep_until(int64_t us)
{
	struct timespec	until;

	if (clock_pinned > 0) {
		if (us > clock_pinned)
			clock_pinned = us;
		return;
	}
	until.tv_sec = (time_t)(us / 1000000);
	until.tv_nsec = (long)(us % 1000000) * 1000;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
	    NULL) == EINTR)
		;
}

void
auth_clock_set_for_test(int64_t us)
{
	clock_pinned = us > 0 ? us : 0;
}

void
auth_clock_advance_for_test(int64_t us)
{
	if (clock_pinned > 0)
		clock_pinned += us;
}
