/* The monotonic and real clocks, and the monotonic test hook. */
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
