/*
 * JSON bodies: the strict parser, the wipe of string values, and the
 * builders handlers use. The builders abort the process when json-c
 * cannot allocate: an answer missing a member is worse than no answer.
 */
#ifndef AUTH_HTTP_JSON_H
#define AUTH_HTTP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/*
 * Parses a JSON object body; NULL if malformed (a lone or reversed UTF-16
 * surrogate escape included: JSON text must encode Unicode) or not an
 * object. The
 * tokener's copies of the strings it decoded are wiped before it is freed.
 */
json_object *auth_json_parse(const char *body, size_t len);

/*
 * Zeroes the bytes of every string value in j, recursively (not the keys):
 * call it before the last json_object_put of an object that held passwords
 * or tokens, since json-c frees without clearing. NULL is allowed.
 */
void	auth_json_burn(json_object *j);

/* Burns and releases *j, and sets it to NULL. */
void	auth_http_json_drop(json_object **j);

/* A new empty object or array; never NULL (aborts when out of memory). */
json_object *auth_http_json_object(void);
json_object *auth_http_json_array(void);
/* A new string (v non-NULL) of strlen(v) or len bytes; never NULL. */
json_object *auth_http_json_string(const char *v);
json_object *auth_http_json_string_len(const char *v, size_t len);

/* Sets member k of o to v (owned by o; NULL is JSON null). */
void	auth_http_json_add(json_object *o, const char *k, json_object *v);
/* Sets member k to the string v, or to null when v is NULL. */
void	auth_http_json_add_str(json_object *o, const char *k, const char *v);
void	auth_http_json_add_int(json_object *o, const char *k, int64_t v);
void	auth_http_json_add_bool(json_object *o, const char *k, bool v);
/* Appends v (owned by a) to the array a. */
void	auth_http_json_push(json_object *a, json_object *v);

#endif
