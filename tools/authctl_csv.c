/* The CSV records of `authctl user import` (RFC 4180, one line each). */
#include <string.h>
#include <strings.h>

#include "authctl_csv.h"

/*
 * Splits one CSV record (RFC 4180 quoting, no newline inside quotes) in
 * place into at most max fields. Returns the count, or -1 if malformed.
 */
static int
csv_split(char *line, char **fields, int max)
{
	char *r = line, *w;
	int n = 0;

	for (;;) {
		if (n == max)
			return -1;
		fields[n++] = w = r;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return -1;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else
					*w++ = *r++;
			}
			if (*r != ',' && *r != '\0')
				return -1;
		} else {
			while (*r != ',' && *r != '\0') {
				if (*r == '"')
					return -1;
				*w++ = *r++;
			}
		}
		if (*r == '\0') {
			*w = '\0';
			return n;
		}
		r++;
		*w = '\0';
	}
}

int
authctl_csv_bool(const char *s)
{
	static const char *const yes[] = { "true", "t", "1", "yes", "y" };
	static const char *const no[] = { "false", "f", "0", "no", "n", "" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -1;
}

int
authctl_csv_record(char *line, size_t len, bool first, char **fields,
    int max)
{
	if (len > AUTHCTL_CSV_LINE_MAX || strlen(line) != len)
		return AUTHCTL_CSV_LONG;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	/* A UTF-8 byte order mark before the first record. */
	if (first && strncmp(line, "\xef\xbb\xbf", 3) == 0)
		memmove(line, line + 3, len - 2);
	if (line[0] == '\0')
		return 0;
	return csv_split(line, fields, max);
}
