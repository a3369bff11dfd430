/* Strict, range-checked decimal numbers. */
#include <limits.h>
#include <string.h>

#include "base_num.h"

int
auth_parse_numn(const char *s, size_t len, unsigned long long min,
    unsigned long long max, unsigned long long *out, const char **errstr)
{
	unsigned long long	v = 0;
	unsigned		d;
	size_t			i;
	const char		*why = "invalid";

	if (s == NULL || len == 0)
		goto out;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto out;
		d = (unsigned)(s[i] - '0');
		if (v > (ULLONG_MAX - d) / 10)
			goto out;
		v = v * 10 + d;
	}
	if (v < min)
		why = "too small";
	else if (v > max)
		why = "too large";
	else {
		why = NULL;
		*out = v;
	}
out:
	if (errstr != NULL)
		*errstr = why;
	return why == NULL ? 0 : -1;
}

int
auth_parse_num(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out, const char **errstr)
{
	return auth_parse_numn(s, s == NULL ? 0 : strlen(s), min, max, out,
	    errstr);
}
