/*
 * Field validation before a handler runs: required fields, lengths, and
 * the validators field tables name.
 */
#include "endpoint.h"

#include <ctype.h>
#include <string.h>

void
auth_endpoint_validate(const struct auth_endpoint *ep,
    const struct auth_route *rt, const struct auth_req *req,
    json_object **errors)
{
	const struct auth_field_spec *fs;
	const struct auth_field *f;
	const char *why;
	size_t i;

	for (i = 0; i < req->nfields; i++) {
		fs = &ep->fields[i];
		f = &req->fields[i];
		if (!f->present) {
			if (rt->required & AUTH_F(i))
				auth_http_errors_add(errors, fs->name,
				    "is required");
			continue;
		}
		if (f->val.len > fs->max_len) {
			auth_http_errors_add(errors, fs->name, "is too long");
			continue;
		}
		if (fs->validate != NULL &&
		    (why = fs->validate(f->val.p, f->val.len)) != NULL)
			auth_http_errors_add(errors, fs->name, why);
	}
}

/* Email syntax: a practical subset of RFC 5321 addresses, ASCII only. */
const char *
auth_valid_email(const char *s, size_t len)
{
	const char *at, *d;
	size_t i, local, dlen, label = 0, labels = 1;

	auth_email_trim(&s, &len);
	if (len < 3 || len > AUTH_EMAIL_MAX)
		return "is not a valid email address";
	at = memrchr(s, '@', len);
	if (at == NULL)
		return "is not a valid email address";
	local = (size_t)(at - s);
	d = at + 1;
	dlen = len - local - 1;
	if (local == 0 || local > 64 || dlen < 3 || s[0] == '.' ||
	    s[local - 1] == '.')
		return "is not a valid email address";
	for (i = 0; i < local; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && strchr("!#$%&'*+/=?^_`{|}~.-", c) == NULL)
			return "is not a valid email address";
		if (c == '.' && s[i + 1] == '.')
			return "is not a valid email address";
	}
	for (i = 0; i < dlen; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (label == 0 || d[i - 1] == '-')
				return "is not a valid email address";
			label = 0;
			labels++;
			continue;
		}
		if (!isalnum(c) && c != '-')
			return "is not a valid email address";
		if ((label == 0 && c == '-') || ++label > 63)
			return "is not a valid email address";
	}
	if (label == 0 || labels < 2 || d[dlen - 1] == '-')
		return "is not a valid email address";
	return NULL;
}
