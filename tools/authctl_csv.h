/* The record parser of `authctl user import` (tools/authctl_csv.c). */
#ifndef AUTHCTL_CSV_H
#define AUTHCTL_CSV_H

#include <stdbool.h>
#include <stddef.h>

#define AUTHCTL_CSV_LINE_MAX	8192	/* bytes per import record */
#define AUTHCTL_CSV_MALFORMED	(-1)	/* quotes, or too many fields */
#define AUTHCTL_CSV_LONG	(-2)	/* too long, or a NUL byte */

/*
 * Parses one line as getline(3) read it (len bytes, with its line end; the
 * first line may start with a UTF-8 byte order mark) in place into at most
 * max fields pointing into line. Returns the count, 0 for an empty line,
 * or AUTHCTL_CSV_MALFORMED or AUTHCTL_CSV_LONG.
 */
int	authctl_csv_record(char *line, size_t len, bool first, char **fields,
	    int max);

/* An email_verified value: 1 true, 0 false, -1 neither. */
int	authctl_csv_bool(const char *s);

#endif
