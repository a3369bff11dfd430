/* The normal form of email addresses (base_email.h). */
#include "base_email.h"

#include <string.h>

static bool
email_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void
auth_email_trim(const char **s, size_t *len)
{
	while (*len > 0 && email_space((*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && email_space((*s)[*len - 1]))
		(*len)--;
}

int
auth_email_key(const char *s, size_t len, char out[AUTH_EMAIL_MAX + 1],
    bool *ascii)
{
	bool	all_ascii = true;
	size_t	i;

	out[0] = '\0';
	if (s == NULL)
		return -1;
	auth_email_trim(&s, &len);
	if (len == 0 || len > AUTH_EMAIL_MAX || memchr(s, '\0', len) != NULL)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			all_ascii = false;
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') :
		    (char)c;
	}
	out[len] = '\0';
	if (ascii != NULL)
		*ascii = all_ascii;
	return 0;
}
