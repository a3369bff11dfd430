/*
 * The one monotonic clock, in microseconds, for intervals and limits.
 * Unit tests pin it instead of sleeping.
 */
#ifndef AUTH_BASE_CLOCK_H
#define AUTH_BASE_CLOCK_H

#include <stdint.h>

/* Monotonic microseconds (CLOCK_MONOTONIC, or the pinned test value). */
int64_t	auth_clock_mono_us(void);

/*
 * Sleeps until the monotonic clock reads us (at once if it already does);
 * a pinned clock is moved there instead.
 */
void	auth_clock_sleep_until(int64_t us);

/*
 * Pins the monotonic clock at us (> 0) for tests; 0 returns to the system
 * clock. auth_clock_advance_for_test moves a pinned clock forward.
 */
void	auth_clock_set_for_test(int64_t us);
void	auth_clock_advance_for_test(int64_t us);

#endif
