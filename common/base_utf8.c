/* The UTF-8 decoder and the loops over it. */
#include <string.h>

#include "base_utf8.h"

size_t
auth_utf8_step(const unsigned char *s, size_t avail, uint32_t *cp)
{
	uint32_t	v, min;
	size_t		n, i;

	if (avail == 0)
		return 0;
	if (s[0] < 0x80) {
		n = 1;
		v = s[0];
		min = 0;
	} else if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		v = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		v = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		v = s[0] & 0x07;
		min = 0x10000;
	} else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	if (cp != NULL)
		*cp = v;
	return n;
}

/* True if code point cp is a C0 control or DEL. */
static bool
utf8_ctl(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f;
}

bool
auth_utf8_check(const char *s, size_t len, bool no_ctl, size_t *chars)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, count = 0;
	uint32_t		 cp;

	while (i < len) {
		if ((n = auth_utf8_step(p + i, len - i, &cp)) == 0 ||
		    cp == 0 || (no_ctl && utf8_ctl(cp)))
			return false;
		i += n;
		count++;
	}
	if (chars != NULL)
		*chars = count;
	return true;
}

void
auth_utf8_clean(const char *s, char *out, size_t outsz)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 o = 0, n, avail = strlen(s);
	uint32_t		 cp;

	while (avail > 0) {
		n = auth_utf8_step(p, avail, &cp);
		if (n == 0 || utf8_ctl(cp)) {
			if (o + 1 >= outsz)
				break;
			out[o++] = '?';
			p++;
			avail--;
			continue;
		}
		if (o + n >= outsz)
			break;
		memcpy(out + o, p, n);
		o += n;
		p += n;
		avail -= n;
	}
	out[o] = '\0';
}
