/*
 * The body of a request: read with a limit (exactly CONTENT_LENGTH bytes),
 * checked as UTF-8, parsed as JSON or form encoding, and its declared
 * fields extracted into req->fields, indexed as the endpoint's table.
 */
#ifndef AUTH_HTTP_BODY_H
#define AUTH_HTTP_BODY_H

#include <stddef.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "base_err.h"
#include "http_req.h"

/*
 * Reads the fields of specs (n entries, at most AUTH_FIELDS_MAX) from the
 * body on in (at most max_body bytes, not read when larger) or, for GET
 * and HEAD, from the query string. Fields given twice or not as strings
 * are added to *errors. Returns AUTH_OK or the error to answer.
 */
enum auth_err auth_http_body_read(struct auth_req *req, FCGX_Stream *in,
	    size_t max_body, const struct auth_field_spec *specs, size_t n,
	    json_object **errors);

#endif
