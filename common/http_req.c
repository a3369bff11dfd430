/*
 * The request: FastCGI params, methods, fields by name, the query string.
 * Nothing here does I/O.
 */
#include "http_req.h"

#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#include "http_form.h"
#include "http_json.h"
#include "base_codec.h"
#include "base_secret.h"

static const char *const method_names[AUTH_METHOD__MAX] = {
	[AUTH_GET] = "GET",
	[AUTH_HEAD] = "HEAD",
	[AUTH_POST] = "POST",
	[AUTH_PUT] = "PUT",
	[AUTH_PATCH] = "PATCH",
	[AUTH_DELETE] = "DELETE",
	[AUTH_OPTIONS] = "OPTIONS",
	[AUTH_METHOD_OTHER] = "OTHER",
};

const char *
auth_http_method_name(enum auth_method m)
{
	if ((unsigned)m >= AUTH_METHOD__MAX)
		m = AUTH_METHOD_OTHER;
	return method_names[m];
}

enum auth_method
auth_http_method_parse(const char *m)
{
	int i;

	if (m == NULL)
		return AUTH_METHOD_OTHER;
	for (i = 0; i < AUTH_METHOD_OTHER; i++)
		if (strcmp(m, method_names[i]) == 0)
			return (enum auth_method)i;
	return AUTH_METHOD_OTHER;
}

const char *
auth_http_param(const struct auth_req *r, const char *name)
{
	if (r->envp == NULL)
		return NULL;
	return FCGX_GetParam(name, r->envp);
}

const struct auth_str *
auth_http_field(const struct auth_req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (r->fields[i].present && strcmp(r->fields[i].name, name) == 0)
			return &r->fields[i].val;
	return NULL;
}

struct query_find {
	const char	*name;
	char		*buf;
	size_t		 bufsz;
	long		 found;
};

static int
query_match(void *arg, const char *k, size_t klen, const char *v, size_t vlen)
{
	struct query_find *q = arg;

	if (q->found >= 0 || strlen(q->name) != klen ||
	    memcmp(q->name, k, klen) != 0)
		return 0;
	if (vlen >= q->bufsz)
		return -1;
	memcpy(q->buf, v, vlen);
	q->buf[vlen] = '\0';
	q->found = (long)vlen;
	return 0;
}

long
auth_http_query(const struct auth_req *r, const char *name, char *buf,
    size_t bufsz)
{
	struct query_find q = { name, buf, bufsz, -1 };
	char *tmp = NULL;
	size_t tmpsz;

	if (r->query == NULL || bufsz == 0)
		return -1;
	if (auth_http_form_parse(r->query, strlen(r->query), &tmp, &tmpsz,
	    query_match, &q) != 0)
		q.found = -1;
	if (tmp != NULL)
		auth_wipe(tmp, tmpsz);
	free(tmp);
	return q.found;
}

void
auth_http_req_free(struct auth_req *r)
{
	auth_http_json_drop(&r->json);
	if (r->body != NULL)
		auth_wipe(r->body, r->body_len);
	free(r->body);
	r->body = NULL;
	if (r->form_buf != NULL)
		auth_wipe(r->form_buf, r->form_buf_len);
	free(r->form_buf);
	r->form_buf = NULL;
}
