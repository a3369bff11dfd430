/*
 * The http layer: request (http_req.h), body (http_body.h), form encoding
 * (http_form.h), JSON (http_json.h), cookies and Bearer (http_auth.h),
 * responses (http_resp.h), pages (http_page.h), client address
 * (http_addr.h). This header names them all and the two checks they share.
 */
#ifndef AUTH_HTTP_H
#define AUTH_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "http_addr.h"
#include "http_auth.h"
#include "http_body.h"
#include "http_form.h"
#include "http_json.h"
#include "http_page.h"
#include "http_req.h"
#include "http_resp.h"

/* Strict UTF-8 (RFC 3629, no NUL) of the len bytes at s. */
bool	auth_utf8_valid(const char *s, size_t len);
/* Strict decimal parse of the whole string into [0, max]. 0, or -1. */
int	auth_parse_ulong(const char *s, unsigned long max, unsigned long *out);

#endif
