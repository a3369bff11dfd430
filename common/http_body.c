/*
 * The body of a request: exactly CONTENT_LENGTH bytes (more than the limit
 * is refused unread), UTF-8, then JSON or form encoding; the declared
 * fields are picked out into req->fields, indexed as the field table.
 */
#include "http_body.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base_num.h"
#include "base_utf8.h"
#include "http_form.h"
#include "http_json.h"
#include "http_resp.h"

enum media {
	MEDIA_OTHER = 0,
	MEDIA_JSON,
	MEDIA_FORM,
};

/* One body being read: where its fields go and what was wrong. */
struct body {
	struct auth_req			*req;
	const struct auth_field_spec	*specs;
	size_t				 n;
	json_object			**errors;
	bool				 malformed;
};

static bool
spec_find(const struct body *b, const char *k, size_t klen, size_t *idx)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strlen(b->specs[i].name) == klen &&
		    memcmp(b->specs[i].name, k, klen) == 0) {
			*idx = i;
			return true;
		}
	return false;
}

/* Form pair callback: records declared fields, ignores the rest. */
static int
form_field(void *arg, const char *k, size_t klen, const char *v, size_t vlen)
{
	struct body *b = arg;
	struct auth_field *f;
	size_t idx;

	if (!spec_find(b, k, klen, &idx))
		return 0;
	f = &b->req->fields[idx];
	if (f->present) {
		auth_http_errors_add(b->errors, f->name,
		    "is given more than once");
		return 0;
	}
	f->present = true;
	f->val.p = v;
	f->val.len = vlen;
	return 0;
}

static void
json_fields(struct body *b)
{
	struct auth_field *f;
	json_object *v;
	size_t i;

	for (i = 0; i < b->n; i++) {
		f = &b->req->fields[i];
		if (!json_object_object_get_ex(b->req->json, f->name, &v))
			continue;
		if (!json_object_is_type(v, json_type_string)) {
			auth_http_errors_add(b->errors, f->name,
			    "must be a string");
			continue;
		}
		f->val.p = json_object_get_string(v);
		f->val.len = (size_t)json_object_get_string_len(v);
		if (strlen(f->val.p) != f->val.len) {
			b->malformed = true;	/* an escaped NUL */
			return;
		}
		f->present = true;
	}
}

/* Media type of the body; the only charset we read is UTF-8. */
static enum media
media_type(const char *ct)
{
	size_t len;
	const char *semi, *cs;

	if (ct == NULL)
		return MEDIA_OTHER;
	while (*ct == ' ')
		ct++;
	semi = strchr(ct, ';');
	len = semi ? (size_t)(semi - ct) : strlen(ct);
	while (len > 0 && ct[len - 1] == ' ')
		len--;
	if (semi != NULL && (cs = strcasestr(semi, "charset=")) != NULL) {
		cs += 8;
		if (*cs == '"')
			cs++;
		if (strncasecmp(cs, "utf-8", 5) != 0)
			return MEDIA_OTHER;
	}
	if (len == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return MEDIA_JSON;
	if (len == 33 && strncasecmp(ct,
	    "application/x-www-form-urlencoded", 33) == 0)
		return MEDIA_FORM;
	return MEDIA_OTHER;
}

/* Reads the body into req->body: exactly CONTENT_LENGTH bytes, UTF-8. */
static enum auth_err
body_get(struct auth_req *req, FCGX_Stream *in, size_t max_body,
    enum media *type)
{
	const char *cl;
	unsigned long long n = 0;
	int got;

	*type = MEDIA_OTHER;
	cl = auth_http_param(req, "CONTENT_LENGTH");
	if (cl != NULL && *cl != '\0' &&
	    auth_parse_num(cl, 0, 1ULL << 40, &n, NULL) != 0)
		return AUTH_ERR_MALFORMED_BODY;
	if (n > max_body)
		return AUTH_ERR_PAYLOAD_TOO_LARGE;
	if (n == 0)
		return AUTH_OK;
	*type = media_type(auth_http_param(req, "CONTENT_TYPE"));
	if (*type == MEDIA_OTHER)
		return AUTH_ERR_UNSUPPORTED_MEDIA_TYPE;
	if ((req->body = malloc(n + 1)) == NULL)
		return AUTH_ERR_INTERNAL;
	req->body_len = n;	/* wiped at the end, even if the read falls short */
	got = FCGX_GetStr(req->body, (int)n, in);
	if (got < 0 || (unsigned long)got != n)
		return AUTH_ERR_MALFORMED_BODY;
	req->body[n] = '\0';
	if (!auth_utf8_check(req->body, req->body_len, false, NULL))
		return AUTH_ERR_MALFORMED_BODY;
	return AUTH_OK;
}

static enum auth_err
form_read(struct body *b, const char *s, size_t len)
{
	if (auth_http_form_parse(s, len, &b->req->form_buf,
	    &b->req->form_buf_len, form_field, b) != 0)
		return AUTH_ERR_MALFORMED_BODY;
	return AUTH_OK;
}

enum auth_err
auth_http_body_read(struct auth_req *req, FCGX_Stream *in, size_t max_body,
    const struct auth_field_spec *specs, size_t n, json_object **errors)
{
	struct body b = { req, specs, n, errors, false };
	enum media type;
	enum auth_err e;
	size_t i;

	if (n > AUTH_FIELDS_MAX)
		return AUTH_ERR_INTERNAL;
	for (i = 0; i < n; i++)
		req->fields[i].name = specs[i].name;
	req->nfields = n;
	if (n == 0)
		return AUTH_OK;
	if (req->method == AUTH_GET || req->method == AUTH_HEAD)
		return form_read(&b, req->query, strlen(req->query));
	if ((e = body_get(req, in, max_body, &type)) != AUTH_OK ||
	    req->body == NULL)
		return e;
	if (type == MEDIA_FORM) {
		req->form = true;
		return form_read(&b, req->body, req->body_len);
	}
	if ((req->json = auth_json_parse(req->body, req->body_len)) == NULL)
		return AUTH_ERR_MALFORMED_BODY;
	json_fields(&b);
	return b.malformed ? AUTH_ERR_MALFORMED_BODY : AUTH_OK;
}
