/*
 * JSON bodies: the strict parser (objects only, finite numbers, bounded
 * depth, nothing after the value), the wipe of string values, and the
 * builders that never hand a NULL to json-c.
 */
#include "http_json.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/printbuf.h>

#include "base_codec.h"
#include "base_secret.h"

#define AUTH_JSON_DEPTH	16

/* json-c reads NaN and Infinity, which JSON (RFC 8259) does not have. */
static bool
json_numbers_finite(json_object *j, int depth)
{
	size_t i, n;

	if (depth > AUTH_JSON_DEPTH)
		return false;
	switch (json_object_get_type(j)) {
	case json_type_double:
		return isfinite(json_object_get_double(j));
	case json_type_array:
		n = json_object_array_length(j);
		for (i = 0; i < n; i++)
			if (!json_numbers_finite(json_object_array_get_idx(j, i),
			    depth + 1))
				return false;
		return true;
	case json_type_object: {
		json_object_object_foreach(j, k, v) {
			(void)k;
			if (!json_numbers_finite(v, depth + 1))
				return false;
		}
		return true;
	}
	default:
		return true;
	}
}

/* 1 if the 4 hex digits at p are a high surrogate, 2 a low one, else 0. */
static int
json_surrogate(const char *p)
{
	int	c = tolower((unsigned char)p[1]);

	if (tolower((unsigned char)p[0]) != 'd')
		return 0;
	if ((c >= '8' && c <= '9') || c == 'a' || c == 'b')
		return 1;
	return c >= 'c' && c <= 'f' ? 2 : 0;
}

/*
 * json-c turns a lone or reversed surrogate escape into U+FFFD, so two
 * different texts would decode alike. True if, in body (len bytes that
 * parsed as JSON, where a backslash only starts an escape), every
 * \uD800-\uDBFF is followed by a \uDC00-\uDFFF and no low one stands alone.
 */
static bool
json_surrogates_paired(const char *body, size_t len)
{
	size_t	i = 0;
	int	s;

	while (i < len) {
		if (body[i] != '\\') {
			i++;
			continue;
		}
		if (i + 1 < len && body[i + 1] != 'u') {
			i += 2;
			continue;
		}
		if (i + 6 > len || (s = json_surrogate(body + i + 2)) == 2)
			return false;
		if (s == 1 && (i + 12 > len || body[i + 6] != '\\' ||
		    body[i + 7] != 'u' || json_surrogate(body + i + 8) != 2))
			return false;
		i += s == 1 ? 12 : 6;
	}
	return true;
}

/*
 * The tokener decodes each string into its own buffer before copying it
 * into the object; that buffer keeps the last, longest, strings, and after
 * an error its stack holds the objects it was building. json-c 0.16 has no
 * call that clears them, so this reaches into the struct that
 * json_tokener.h still declares.
 */
static void
tokener_free(struct json_tokener *tok)
{
	int i;

	if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0)
		auth_wipe(tok->pb->buf, (size_t)tok->pb->size);
	/* A body cut short leaves half-built objects for the tokener to free. */
	for (i = 0; i <= tok->depth && i < tok->max_depth; i++)
		auth_json_burn(tok->stack[i].current);
	json_tokener_free(tok);
}

void
auth_json_burn(json_object *j)
{
	size_t	i, n;

	switch (json_object_get_type(j)) {
	case json_type_string:
		/* The object's own buffer: writable, only its getter is const. */
		auth_wipe((char *)json_object_get_string(j),
		    (size_t)json_object_get_string_len(j));
		break;
	case json_type_object: {
		json_object_object_foreach(j, key, val) {
			(void)key;
			auth_json_burn(val);
		}
		break;
	}
	case json_type_array:
		n = json_object_array_length(j);
		for (i = 0; i < n; i++)
			auth_json_burn(json_object_array_get_idx(j, i));
		break;
	default:
		break;
	}
}

json_object *
auth_json_parse(const char *body, size_t len)
{
	struct json_tokener *tok = NULL;
	json_object *j = NULL;
	size_t end;

	if (len > (size_t)INT32_MAX)
		return NULL;
	if ((tok = json_tokener_new_ex(AUTH_JSON_DEPTH)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	j = json_tokener_parse_ex(tok, body, (int)len);
	if (j == NULL || json_tokener_get_error(tok) != json_tokener_success)
		goto bad;
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (!isspace((unsigned char)body[end]))
			goto bad;
	if (!json_object_is_type(j, json_type_object) ||
	    !json_numbers_finite(j, 0) || !json_surrogates_paired(body, len))
		goto bad;
	tokener_free(tok);
	return j;
bad:
	auth_json_burn(j);
	json_object_put(j);
	tokener_free(tok);
	return NULL;
}

void
auth_http_json_drop(json_object **j)
{
	auth_json_burn(*j);
	json_object_put(*j);
	*j = NULL;
}

/* The one place a json-c allocation failure is handled: the process ends. */
static json_object *
or_die(json_object *j)
{
	if (j == NULL) {
		fputs("authd: out of memory building JSON\n", stderr);
		abort();
	}
	return j;
}

json_object *
auth_http_json_object(void)
{
	return or_die(json_object_new_object());
}

json_object *
auth_http_json_array(void)
{
	return or_die(json_object_new_array());
}

json_object *
auth_http_json_string(const char *v)
{
	return or_die(json_object_new_string(v));
}

json_object *
auth_http_json_string_len(const char *v, size_t len)
{
	if (len > INT32_MAX)
		len = 0;
	return or_die(json_object_new_string_len(v, (int)len));
}

void
auth_http_json_add(json_object *o, const char *k, json_object *v)
{
	if (json_object_object_add(o, k, v) != 0) {
		json_object_put(v);
		or_die(NULL);
	}
}

void
auth_http_json_add_str(json_object *o, const char *k, const char *v)
{
	auth_http_json_add(o, k, v != NULL ? auth_http_json_string(v) : NULL);
}

void
auth_http_json_add_int(json_object *o, const char *k, int64_t v)
{
	auth_http_json_add(o, k, or_die(json_object_new_int64(v)));
}

void
auth_http_json_add_bool(json_object *o, const char *k, bool v)
{
	auth_http_json_add(o, k, or_die(json_object_new_boolean(v)));
}

void
auth_http_json_push(json_object *a, json_object *v)
{
	if (json_object_array_add(a, v) != 0) {
		json_object_put(v);
		or_die(NULL);
	}
}
