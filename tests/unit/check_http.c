/* Unit tests for request parsing and response building (common/http*.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "http_addr.h"
#include "http_auth.h"
#include "http_body.h"
#include "http_cookie.h"
#include "http_csrf.h"
#include "http_form.h"
#include "http_json.h"
#include "http_nav.h"
#include "http_page.h"
#include "http_req.h"
#include "http_resp.h"
#include "http_ua.h"
#include "base_err.h"

struct pairs {
	char	k[8][64];
	char	v[8][64];
	int	n;
};

static int
collect(void *arg, const char *k, size_t klen, const char *v, size_t vlen)
{
	struct pairs *p = arg;

	if (p->n == 8 || klen >= 64 || vlen >= 64)
		return -1;
	memcpy(p->k[p->n], k, klen);
	p->k[p->n][klen] = '\0';
	memcpy(p->v[p->n], v, vlen);
	p->v[p->n][vlen] = '\0';
	p->n++;
	return 0;
}

static int
form(const char *body, struct pairs *p)
{
	char *buf = NULL;
	size_t bufsz = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = auth_http_form_parse(body, strlen(body), &buf, &bufsz, collect, p);
	ck_assert(rc == 0 ? buf != NULL && bufsz >= strlen(body) + 2 :
	    buf == NULL && bufsz == 0);
	free(buf);
	return rc;
}

START_TEST(test_form_basic)
{
	struct pairs p;

	ck_assert_int_eq(form("email=a%40b.example&password=x+y%2Bz", &p), 0);
	ck_assert_int_eq(p.n, 2);
	ck_assert_str_eq(p.k[0], "email");
	ck_assert_str_eq(p.v[0], "a@b.example");
	ck_assert_str_eq(p.v[1], "x y+z");
	ck_assert_int_eq(form("&&a=&b&", &p), 0);
	ck_assert_int_eq(p.n, 2);
	ck_assert_str_eq(p.v[0], "");
	ck_assert_str_eq(p.k[1], "b");
	ck_assert_int_eq(form("", &p), 0);
	ck_assert_int_eq(p.n, 0);
}
END_TEST

/*
 * Names without '=' decode to one byte more than they take ("k&" -> "k\0\0"):
 * eight of them need almost twice the input's size (the ASan build of this
 * test caught a buffer of len + 2).
 */
START_TEST(test_form_names_only)
{
	struct pairs p;
	int i;

	ck_assert_int_eq(form("a&b&c&d&e&f&g&h", &p), 0);
	ck_assert_int_eq(p.n, 8);
	for (i = 0; i < 8; i++) {
		ck_assert_int_eq(p.k[i][0], 'a' + i);
		ck_assert_str_eq(p.v[i], "");
	}
	ck_assert_int_eq(form("%41&b=%42&c", &p), 0);
	ck_assert_str_eq(p.k[0], "A");
	ck_assert_str_eq(p.v[1], "B");
	ck_assert_str_eq(p.k[2], "c");
}
END_TEST

START_TEST(test_form_malformed)
{
	struct pairs p;

	ck_assert_int_eq(form("a=%4", &p), -1);
	ck_assert_int_eq(form("a=%zz", &p), -1);
	ck_assert_int_eq(form("a=%00", &p), -1);	/* NUL */
	ck_assert_int_eq(form("a=%ff", &p), -1);	/* invalid UTF-8 */
	ck_assert_int_eq(form("a=%C3%A9", &p), 0);	/* é */
	ck_assert_str_eq(p.v[0], "\xc3\xa9");
}
END_TEST

START_TEST(test_json_parse)
{
	json_object *j;
	const char *ok = "{\"email\":\"a@b.example\"}  \n";

	j = auth_json_parse(ok, strlen(ok));
	ck_assert_ptr_nonnull(j);
	json_object_put(j);
	ck_assert_ptr_null(auth_json_parse("[1]", 3));
	ck_assert_ptr_null(auth_json_parse("{} x", 4));
	ck_assert_ptr_null(auth_json_parse("{\"a\":1}{}", 9));
	ck_assert_ptr_null(auth_json_parse("{\"a\":1,}", 8));
	ck_assert_ptr_null(auth_json_parse("{/*c*/\"a\":1}", 12));
	ck_assert_ptr_null(auth_json_parse("", 0));
	{
		const char *nan = "{\"n\":NaN}";
		const char *inf = "{\"a\":[1,{\"n\":-Infinity}]}";
		const char *fin = "{\"a\":[1.5,{\"n\":-2e3}]}";

		ck_assert_ptr_null(auth_json_parse(nan, strlen(nan)));
		ck_assert_ptr_null(auth_json_parse(inf, strlen(inf)));
		j = auth_json_parse(fin, strlen(fin));
		ck_assert_ptr_nonnull(j);
		json_object_put(j);
	}
	ck_assert_ptr_null(auth_json_parse("{\"a\":", 5));
}
END_TEST

/* json-c maps lone surrogate escapes to U+FFFD: they are malformed. */
START_TEST(test_json_surrogates)
{
	static const char *const bad[] = {
		"{\"p\":\"a\\ud800b\"}", "{\"p\":\"a\\uDBFF\"}",
		"{\"p\":\"\\udc00\"}", "{\"p\":\"\\udc00\\ud800\"}",
		"{\"p\":\"\\ud800\\u0041\"}", "{\"p\":\"\\ud800\\ud800\"}",
		"{\"p\":\"\\ud834\\udd1e\\udfff\"}", "{\"\\ud800\":\"x\"}",
		"{\"p\":\"\\\\\\ud800\"}",
	};
	static const char *const good[] = {
		"{\"p\":\"\\ud834\\udd1e\"}", "{\"p\":\"\\uD83D\\uDE00x\"}",
		"{\"p\":\"\\\\ud800\"}", "{\"p\":\"\\ud7ff\\ue000\"}",
		"{\"p\":\"\\\"\\ud834\\udd1e\"}",
	};
	json_object	*j;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(auth_json_parse(bad[i], strlen(bad[i])) == NULL,
		    "%s accepted", bad[i]);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		j = auth_json_parse(good[i], strlen(good[i]));
		ck_assert_msg(j != NULL, "%s refused", good[i]);
		json_object_put(j);
	}
	j = auth_json_parse(good[0], strlen(good[0]));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(j,
	    "p")), "\xf0\x9d\x84\x9e");
	json_object_put(j);
}
END_TEST

/* Every string value, nested ones too, is zeroed in place; keys and
 * other types are left alone. */
START_TEST(test_json_burn)
{
	const char *in = "{\"password\":\"correct horse battery\","
	    "\"n\":7,\"deep\":{\"list\":[\"tok-1\",{\"t\":\"tok-2\"},true]},"
	    "\"empty\":\"\"}";
	json_object *j, *deep, *list;
	const char *pw, *t1, *t2;
	size_t i;

	j = auth_json_parse(in, strlen(in));
	ck_assert_ptr_nonnull(j);
	ck_assert(json_object_object_get_ex(j, "deep", &deep));
	ck_assert(json_object_object_get_ex(deep, "list", &list));
	pw = json_object_get_string(json_object_object_get(j, "password"));
	t1 = json_object_get_string(json_object_array_get_idx(list, 0));
	t2 = json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(list, 1), "t"));
	ck_assert_str_eq(pw, "correct horse battery");
	auth_json_burn(j);
	for (i = 0; i < strlen("correct horse battery"); i++)
		ck_assert_int_eq(pw[i], 0);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(t1[i], 0);
		ck_assert_int_eq(t2[i], 0);
	}
	ck_assert_int_eq(json_object_get_int(json_object_object_get(j, "n")), 7);
	ck_assert(json_object_object_get_ex(j, "password", NULL));
	json_object_put(j);
	auth_json_burn(NULL);
}
END_TEST

START_TEST(test_cookie_bearer_query)
{
	struct auth_req r;
	char buf[64];
	const char *tok;

	memset(&r, 0, sizeof(r));
	r.cookie = "a=1; refresh_token=abc; x_refresh_token=no";
	ck_assert_int_eq(auth_http_cookie(&r, "refresh_token", buf, sizeof(buf)),
	    3);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(auth_http_cookie(&r, "refresh", buf, sizeof(buf)), -1);
	r.cookie = "refresh_token=\"q\"";
	ck_assert_int_eq(auth_http_cookie(&r, "refresh_token", buf, sizeof(buf)),
	    1);
	ck_assert_int_eq(auth_http_cookie(&r, "refresh_token", buf, 1), -1);

	r.authorization = "Bearer abc.def.ghi";
	ck_assert_int_eq(auth_http_bearer(&r, &tok), 11);
	ck_assert_int_eq(strncmp(tok, "abc.def.ghi", 11), 0);
	r.authorization = "bearer  x ";
	ck_assert_int_eq(auth_http_bearer(&r, &tok), 1);
	r.authorization = "Basic eDp5";
	ck_assert_int_eq(auth_http_bearer(&r, &tok), -1);
	r.authorization = "Bearer ";
	ck_assert_int_eq(auth_http_bearer(&r, &tok), -1);

	r.query = "token=abc%2Bd&x=1";
	ck_assert_int_eq(auth_http_query(&r, "token", buf, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "abc+d");
	ck_assert_int_eq(auth_http_query(&r, "missing", buf, sizeof(buf)), -1);
	ck_assert_int_eq(auth_http_query(&r, "token", buf, 5), -1);
}
END_TEST

START_TEST(test_email_validator)
{
	ck_assert_ptr_null(auth_valid_email("a@b.example", 11));
	ck_assert_ptr_null(auth_valid_email("  A.B+c@x-y.example ", 20));
	ck_assert_ptr_null(auth_valid_email("o'brien@example.org", 19));
	ck_assert_ptr_nonnull(auth_valid_email("ab.example", 10));
	ck_assert_ptr_nonnull(auth_valid_email("a@b", 3));
	ck_assert_ptr_nonnull(auth_valid_email("a@@b.example", 12));
	ck_assert_ptr_nonnull(auth_valid_email(".a@b.example", 12));
	ck_assert_ptr_nonnull(auth_valid_email("a..b@b.example", 14));
	ck_assert_ptr_nonnull(auth_valid_email("a@-b.example", 12));
	ck_assert_ptr_nonnull(auth_valid_email("a@b-.example", 12));
	ck_assert_ptr_nonnull(auth_valid_email("a b@b.example", 13));
	ck_assert_ptr_nonnull(auth_valid_email("a@b.example\r\nBcc: x", 19));
	ck_assert_ptr_nonnull(auth_valid_email("<a>@b.example", 13));
	ck_assert_ptr_nonnull(auth_valid_email("\xc3\xa9@b.example", 12));
}
END_TEST

START_TEST(test_email_limits)
{
	char e[300];

	/* 64-octet local part is the maximum. */
	memset(e, 'a', 64);
	memcpy(e + 64, "@b.example", 11);
	ck_assert_ptr_null(auth_valid_email(e, strlen(e)));
	memset(e, 'a', 65);
	memcpy(e + 65, "@b.example", 11);
	ck_assert_ptr_nonnull(auth_valid_email(e, strlen(e)));
	/* 254 octets in all is the maximum. */
	memset(e, 'a', 60);
	e[60] = '@';
	memset(e + 61, 'b', 189);
	e[70] = '.'; e[130] = '.'; e[190] = '.';
	memcpy(e + 250, ".com", 5);
	ck_assert_uint_eq(strlen(e), 254);
	ck_assert_ptr_null(auth_valid_email(e, 254));
	memcpy(e + 250, ".comm", 6);
	ck_assert_ptr_nonnull(auth_valid_email(e, 255));
}
END_TEST

START_TEST(test_resp_header_injection)
{
	struct auth_resp rs;

	auth_resp_init(&rs);
	ck_assert_int_eq(auth_resp_header(&rs, "X-A", "%s", "ok"), 0);
	ck_assert_int_eq(auth_resp_header(&rs, "X-B", "%s", "a\r\nSet-Cookie: x"),
	    -1);
	ck_assert_int_eq(auth_resp_header(&rs, "X-C\r\nX-D", "%s", "v"), -1);
	ck_assert_int_eq(auth_resp_header(&rs, "X:E", "%s", "v"), -1);
	ck_assert_str_eq(rs.headers, "X-A: ok\r\n");
	auth_resp_free(&rs);
}
END_TEST

START_TEST(test_resp_problem)
{
	struct auth_resp rs;
	json_object *errors = json_object_new_object(), *v;

	auth_resp_init(&rs);
	json_object_object_add(errors, "email", json_object_new_string("x"));
	auth_http_resp_problem(&rs, AUTH_ERR_VALIDATION, errors);
	ck_assert_int_eq(rs.status, 422);
	ck_assert_str_eq(rs.content_type, "application/problem+json");
	ck_assert(json_object_object_get_ex(rs.json, "code", &v));
	ck_assert_str_eq(json_object_get_string(v), "validation_failed");
	ck_assert(json_object_object_get_ex(rs.json, "type", &v));
	ck_assert_str_eq(json_object_get_string(v), "about:blank");
	ck_assert(json_object_object_get_ex(rs.json, "errors", &v));
	auth_resp_free(&rs);
	/* Every error code maps to a status and a code. */
	for (int e = 1; e < AUTH_ERR__MAX; e++) {
		ck_assert_int_ge(auth_err_info((enum auth_err)e)->status, 400);
		ck_assert_ptr_nonnull(auth_err_info((enum auth_err)e)->code);
	}
	ck_assert_int_eq(auth_err_info(AUTH_ERR__MAX)->status, 500);
}
END_TEST

START_TEST(test_html_escape)
{
	char out[64];

	ck_assert_int_eq(auth_http_html_escape("<a href=\"x\">'&", 14, out,
	    sizeof(out)), 38);
	ck_assert_str_eq(out,
	    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
	ck_assert_int_eq(auth_http_html_escape("<<<", 3, out, 8), -1);
	ck_assert_int_eq(auth_http_html_escape("", 0, out, 0), -1);
}
END_TEST

START_TEST(test_pages)
{
	static const char *const names[] = { "link_invalid", "verify_confirm",
	    "verify_done", "verify_expired", "reset_form", "reset_form_retry",
	    "reset_expired", "error", "signup", "signup_sent", "login",
	    "forgot", "forgot_sent", "account", "account_session",
	    "account_revoke", "account_current", "field_error", "notice" };
	const struct auth_tmpl_var vars[] = { { "title", "T" },
	    { "token", "\"><script>x" }, { "reason", "is too <short>" },
	    { "csrf_token", "c" }, { "email", "<script>e" }, { "next", "/n" },
	    { "status", "403" }, { "detail", "d" }, { "device", "<script>" },
	    { "ip", "::1" }, { "last_used", "now" }, { "session_id", "s" },
	    { "id", "email" }, { "text", "t" } };
	const struct auth_tmpl_var html[] = { { "email_msg", "" },
	    { "email_attr", "" }, { "password_msg", "" },
	    { "password_attr", "" }, { "form_msg", "" }, { "form_attr", "" },
	    { "notice", "" }, { "sessions", "" }, { "current_msg", "" },
	    { "current_attr", "" }, { "new_msg", "" }, { "new_attr", "" },
	    { "delete_msg", "" }, { "delete_attr", "" },
	    { "action", "<b>a</b>" } };
	const char *dir = AUTH_TEST_SRCDIR "/templates/pages";
	struct auth_resp rs;
	size_t i, nv = sizeof(vars) / sizeof(vars[0]);
	size_t nh = sizeof(html) / sizeof(html[0]);

	/* Every page renders with its values, escaped, and the page headers;
	 * the html values stand as they are. */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		auth_resp_init(&rs);
		ck_assert_int_eq(auth_http_page_with(&rs, 200, dir, names[i],
		    vars, nv, html, nh), AUTH_OK);
		ck_assert_str_eq(rs.content_type, "text/html; charset=utf-8");
		ck_assert_ptr_null(strstr(rs.raw, "<script>"));
		ck_assert_ptr_null(strstr(rs.raw, "{{"));
		ck_assert_ptr_nonnull(strstr(rs.headers,
		    "Content-Security-Policy: default-src 'self'; "
		    "frame-ancestors 'none'; form-action 'self'; "
		    "base-uri 'none'"));
		ck_assert_ptr_nonnull(strstr(rs.headers,
		    "X-Frame-Options: DENY"));
		auth_resp_free(&rs);
	}
	auth_resp_init(&rs);
	ck_assert_int_eq(auth_http_page_with(&rs, 200, dir, "account_session",
	    vars, nv, html, nh), AUTH_OK);
	ck_assert_ptr_nonnull(strstr(rs.raw, "<td><b>a</b></td>"));
	auth_resp_free(&rs);
	auth_resp_init(&rs);
	ck_assert_int_eq(auth_http_page(&rs, 200, dir, "reset_form_retry",
	    vars, 3), AUTH_ERR_INTERNAL);	/* csrf_token missing */
	ck_assert_int_eq(auth_http_page(&rs, 200, dir, "reset_form_retry",
	    vars, 4), AUTH_OK);
	ck_assert_ptr_nonnull(strstr(rs.raw,
	    "value=\"&quot;&gt;&lt;script&gt;x\""));
	ck_assert_ptr_nonnull(strstr(rs.raw,
	    "New password: is too &lt;short&gt;."));
	auth_resp_free(&rs);
	/* A missing page or an unknown placeholder is an internal error. */
	auth_resp_init(&rs);
	ck_assert_int_eq(auth_http_page(&rs, 200, dir, "no_such_page", vars,
	    3), AUTH_ERR_INTERNAL);
	ck_assert_int_eq(auth_http_page(&rs, 200, dir, "verify_confirm", vars,
	    1), AUTH_ERR_INTERNAL);
	ck_assert_ptr_null(rs.raw);
	auth_resp_free(&rs);
}
END_TEST

START_TEST(test_next)
{
	static const char *const bad[] = { "//evil.example",
	    "/\\evil.example", "https://evil.example", "/%2F%2Fevil.example",
	    "/%2f%5Cevil.example", "/%252F%252Fevil.example",
	    "javascript:alert(1)", "/a\r\nSet-Cookie: x=y", "/a%0d%0ab",
	    "", "evil", "/a b", "/%zz", "/\x7f", "/caf\xc3\xa9" };
	static const char *const good[] = { "/", "/samples/private/",
	    "/account", "/a/b?c=d&e=%2Ff", "/a:b" };
	char out[AUTH_NEXT_MAX + 1];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!auth_http_next_ok(bad[i], strlen(bad[i])),
		    "%s", bad[i]);
		auth_http_next(bad[i], strlen(bad[i]), out, sizeof(out));
		ck_assert_str_eq(out, "/account");
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(auth_http_next_ok(good[i], strlen(good[i])),
		    "%s", good[i]);
		auth_http_next(good[i], strlen(good[i]), out, sizeof(out));
		ck_assert_str_eq(out, good[i]);
	}
	ck_assert_int_eq(auth_http_query_encode("/a b&c=/%", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "/a%20b%26c%3D/%25");
	ck_assert_int_eq(auth_http_query_encode("/abc", out, 4), -1);
}
END_TEST

START_TEST(test_cookies)
{
	struct auth_config cfg;
	struct auth_resp rs;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.public_url, sizeof(cfg.public_url), "https://a.example");
	ck_assert(auth_http_cookie_secure(&cfg));
	snprintf(cfg.public_url, sizeof(cfg.public_url), "http://127.0.0.1:1");
	ck_assert(!auth_http_cookie_secure(&cfg));
	auth_resp_init(&rs);
	ck_assert_int_eq(auth_http_cookie_set(&rs, AUTH_COOKIE_REFRESH, true,
	    "abc", 60), 0);
	ck_assert_int_eq(auth_http_cookie_set(&rs, AUTH_COOKIE_ACCESS, false,
	    "a.b.c", 0), 0);
	ck_assert_str_eq(rs.headers, "Set-Cookie: __Host-authd-refresh=abc; "
	    "Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Strict\r\n"
	    "Set-Cookie: authd-access=a.b.c; Path=/; Max-Age=0; HttpOnly; "
	    "SameSite=Lax\r\n");
	/* Only token characters: nothing to break the header with. */
	ck_assert_int_eq(auth_http_cookie_set(&rs, AUTH_COOKIE_CSRF, true,
	    "a;Domain=x", 60), -1);
	ck_assert_int_eq(auth_http_cookie_set(&rs, AUTH_COOKIE__MAX, true,
	    "a", 60), -1);
	auth_resp_free(&rs);
}
END_TEST

START_TEST(test_page_hsts)
{
	struct auth_config cfg;
	struct auth_ctx ctx;
	struct auth_resp rs;

	memset(&cfg, 0, sizeof(cfg));
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = &cfg;
	snprintf(cfg.pages_dir, sizeof(cfg.pages_dir), "%s",
	    AUTH_TEST_SRCDIR "/templates/pages");
	/* Strict-Transport-Security with an https public_url only. */
	snprintf(cfg.public_url, sizeof(cfg.public_url), "https://a.example");
	auth_resp_init(&rs);
	ck_assert_int_eq(auth_endpoint_page(&ctx, &rs, 200, "signup_sent",
	    NULL, 0), AUTH_OK);
	ck_assert_ptr_nonnull(strstr(rs.headers,
	    "Strict-Transport-Security: max-age="));
	auth_resp_free(&rs);
	snprintf(cfg.public_url, sizeof(cfg.public_url), "http://127.0.0.1:1");
	auth_resp_init(&rs);
	ck_assert_int_eq(auth_endpoint_page(&ctx, &rs, 200, "signup_sent",
	    NULL, 0), AUTH_OK);
	ck_assert_ptr_null(strstr(rs.headers, "Strict-Transport-Security"));
	auth_resp_free(&rs);
}
END_TEST

START_TEST(test_origin_device)
{
	char o[AUTH_ORIGIN_MAX], d[64];

	ck_assert_int_eq(auth_http_origin_of("https://A.example:8443/auth",
	    o), 0);
	ck_assert_str_eq(o, "https://a.example:8443");
	ck_assert_int_eq(auth_http_origin_of("no-scheme", o), -1);
	auth_http_device("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/120.0 Safari/537.36", d, sizeof(d));
	ck_assert_str_eq(d, "Chrome on Linux");
	auth_http_device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS "
	    "X) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1", d,
	    sizeof(d));
	ck_assert_str_eq(d, "Safari on iOS");
	auth_http_device("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) "
	    "Gecko/20100101 Firefox/120.0", d, sizeof(d));
	ck_assert_str_eq(d, "Firefox on Windows");
	auth_http_device(NULL, d, sizeof(d));
	ck_assert_str_eq(d, "Unknown device");
}
END_TEST

START_TEST(test_client_ip)
{
	struct auth_cidr t[AUTH_CIDRS_MAX];
	char ip[AUTH_IP_MAX + 1];
	int n;

	n = auth_http_cidr_parse_list("127.0.0.1/32, 10.0.0.0/8,::1/128", t,
	    AUTH_CIDRS_MAX);
	ck_assert_int_eq(n, 3);
	ck_assert(auth_http_cidr_match(t, 3, "10.200.1.1"));
	ck_assert(!auth_http_cidr_match(t, 3, "11.0.0.1"));
	ck_assert(auth_http_cidr_match(t, 3, "::1"));
	ck_assert(!auth_http_cidr_match(t, 3, "::2"));
	/* Untrusted peer: its X-Forwarded-For changes nothing. */
	auth_http_client_ip(t, 3, "203.0.113.9", "1.2.3.4", ip);
	ck_assert_str_eq(ip, "203.0.113.9");
	/* Trusted peer: the right-most untrusted entry. */
	auth_http_client_ip(t, 3, "127.0.0.1", "1.2.3.4, 198.51.100.7, 10.1.1.1",
	    ip);
	ck_assert_str_eq(ip, "198.51.100.7");
	auth_http_client_ip(t, 3, "127.0.0.1", "2001:db8::1", ip);
	ck_assert_str_eq(ip, "2001:db8::1");
	/* Garbage stops the walk at the last trusted hop. */
	auth_http_client_ip(t, 3, "127.0.0.1", "1.2.3.4, evil, 10.0.0.2", ip);
	ck_assert_str_eq(ip, "10.0.0.2");
	auth_http_client_ip(t, 3, "127.0.0.1", "", ip);
	ck_assert_str_eq(ip, "127.0.0.1");
	auth_http_client_ip(t, 0, "127.0.0.1", "1.2.3.4", ip);
	ck_assert_str_eq(ip, "127.0.0.1");
	ck_assert_int_eq(auth_http_cidr_parse_list("10.0.0.0/33", t, 4), -1);
	ck_assert_int_eq(auth_http_cidr_parse_list("::/129", t, 4), -1);
	ck_assert_int_eq(auth_http_cidr_parse_list("nonsense", t, 4), -1);
	ck_assert_int_eq(auth_http_cidr_parse_list("1.1.1.1,2.2.2.2", t, 1), -1);
	ck_assert_int_eq(auth_http_cidr_parse_list("", t, 4), 0);
	ck_assert_int_eq(auth_http_cidr_parse_list("192.168.0.0/17", t, 4), 1);
	ck_assert(auth_http_cidr_match(t, 1, "192.168.127.1"));
	ck_assert(!auth_http_cidr_match(t, 1, "192.168.128.1"));
}
END_TEST

static bool
next_ok(const char *s)
{
	return auth_http_next_ok(s, strlen(s));
}

/* `next` is a path of this origin, as sent and after percent-decoding. */
START_TEST(test_next_path)
{
	static const char *const bad[] = {
		"//evil.example", "/\\evil.example", "https://evil.example",
		"/%2F%2Fevil.example", "/%2f%2Fevil.example", "/%5Cevil.example",
		"/%252F%252Fevil.example", "javascript:alert(1)",
		"/a%0d%0aSet-Cookie:x=1", "/a\r\nSet-Cookie:x=1", "/a%00b",
		"/a\\b", "/a%7Fb", "", "evil.example", " /a", "/%zz", "/100%",
		"/%25252525252F",
	};
	char longp[AUTH_NEXT_MAX + 2];
	size_t i;

	ck_assert(next_ok("/"));
	ck_assert(next_ok("/account"));
	ck_assert(next_ok("/samples/cgi-bin/whoami?a=1&b=%2Fx"));
	ck_assert(next_ok("/a:b/javascript:x"));
	ck_assert(next_ok("/a%252Fb"));
	for (i = 0; i < AUTH_NITEMS(bad); i++)
		ck_assert_msg(!next_ok(bad[i]), "kept %s", bad[i]);
	ck_assert(!auth_http_next_ok("/a\0b", 4));
	ck_assert(!auth_http_next_ok(NULL, 0));
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	ck_assert(auth_http_next_ok(longp, AUTH_NEXT_MAX));
	ck_assert(!auth_http_next_ok(longp, AUTH_NEXT_MAX + 1));
}
END_TEST

/* A request of the FastCGI params env (NULL-terminated NAME=VALUE). */
static struct auth_req
nav_req(char **env)
{
	struct auth_req r;

	memset(&r, 0, sizeof(r));
	r.envp = env;
	return r;
}

START_TEST(test_navigation_origin)
{
	char *chrome[] = { "HTTP_ACCEPT=text/html,application/xhtml+xml,"
	    "application/xml;q=0.9,image/avif,*/*;q=0.8", NULL };
	char *nav[] = { "HTTP_SEC_FETCH_MODE=navigate", "HTTP_ACCEPT=*/*",
	    NULL };
	char *any[] = { "HTTP_ACCEPT=*/*", NULL };
	char *json[] = { "HTTP_ACCEPT=application/json, text/html;q=0.5",
	    NULL };
	char *lowq[] = { "HTTP_ACCEPT=text/html;q=0.2, application/*;q=0.3",
	    NULL };
	char *cors[] = { "HTTP_SEC_FETCH_MODE=cors", "HTTP_ACCEPT=text/*",
	    NULL };
	char *none[] = { NULL };
	char *same[] = { "HTTP_ORIGIN=http://127.0.0.1:8080", NULL };
	char *other[] = { "HTTP_ORIGIN=http://127.0.0.1:8081",
	    "HTTP_SEC_FETCH_SITE=same-origin", NULL };
	char *null[] = { "HTTP_ORIGIN=null", NULL };
	char *site[] = { "HTTP_SEC_FETCH_SITE=same-origin", NULL };
	char *sites[] = { "HTTP_SEC_FETCH_SITE=same-site", NULL };
	struct auth_req r;
	const char *pub = "http://127.0.0.1:8080";

	ck_assert(auth_http_navigation((r = nav_req(chrome), &r)));
	ck_assert(auth_http_navigation((r = nav_req(nav), &r)));
	ck_assert(!auth_http_navigation((r = nav_req(any), &r)));
	ck_assert(!auth_http_navigation((r = nav_req(json), &r)));
	ck_assert(!auth_http_navigation((r = nav_req(lowq), &r)));
	ck_assert(auth_http_navigation((r = nav_req(cors), &r)));
	ck_assert(!auth_http_navigation((r = nav_req(none), &r)));
	ck_assert(auth_http_same_origin((r = nav_req(same), &r), pub));
	ck_assert(auth_http_same_origin((r = nav_req(same), &r),
	    "http://127.0.0.1:8080/base"));
	ck_assert(!auth_http_same_origin((r = nav_req(other), &r), pub));
	ck_assert(!auth_http_same_origin((r = nav_req(null), &r), pub));
	ck_assert(auth_http_same_origin((r = nav_req(site), &r), pub));
	ck_assert(!auth_http_same_origin((r = nav_req(sites), &r), pub));
	ck_assert(!auth_http_same_origin((r = nav_req(none), &r), pub));
	ck_assert(auth_http_method_safe(AUTH_GET));
	ck_assert(!auth_http_method_safe(AUTH_POST));
	ck_assert(!auth_http_method_safe(AUTH_METHOD_OTHER));
}
END_TEST

/* Which peers are local: never known good, warned about with XFF. */
START_TEST(test_addr_local)
{
	static const struct {
		const char	*ip;
		bool		 loopback, private;
	} cases[] = {
		{ "127.0.0.1", true, true }, { "127.3.4.5", true, true },
		{ "::1", true, true }, { "::ffff:127.0.0.1", true, true },
		{ "10.1.2.3", false, true }, { "172.31.255.1", false, true },
		{ "172.32.0.1", false, false }, { "192.168.1.1", false, true },
		{ "fd00::1", false, true }, { "fe80::1", false, true },
		{ "::ffff:10.0.0.1", false, true }, { "128.0.0.1", false, false },
		{ "::2", false, false }, { "203.0.113.1", false, false },
		{ "2001:db8::1", false, false }, { "nonsense", false, false },
	};
	static const char *const peers[][2] = {
		{ "127.0.0.1", "198.51.100.7" }, { "127.0.0.9", "198.51.100.7" },
		{ "::1", "198.51.100.7" }, { "10.0.0.1", "10.0.0.1" },
	};
	struct auth_cidr t[AUTH_CIDRS_MAX];
	char ip[AUTH_IP_MAX + 1];
	size_t i;
	int n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(auth_http_addr_loopback(cases[i].ip) ==
		    cases[i].loopback, "%s", cases[i].ip);
		ck_assert_msg(auth_http_addr_private(cases[i].ip) ==
		    cases[i].private, "%s", cases[i].ip);
	}
	ck_assert(!auth_http_addr_loopback(NULL));

	/* The default trusts the proxy on the same host, any loopback. */
	n = auth_http_cidr_parse_list(AUTH_TRUSTED_PROXIES_DEFAULT, t,
	    AUTH_CIDRS_MAX);
	ck_assert_int_eq(n, 2);
	for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
		auth_http_client_ip(t, 2, peers[i][0], "198.51.100.7", ip);
		ck_assert_str_eq(ip, peers[i][1]);
	}
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("parse");
	TCase *lim = tcase_create("limits");

	tcase_add_test(tc, test_form_basic);
	tcase_add_test(tc, test_form_names_only);
	tcase_add_test(tc, test_json_parse);
	tcase_add_test(tc, test_json_surrogates);
	tcase_add_test(tc, test_json_burn);
	tcase_add_test(tc, test_cookie_bearer_query);
	tcase_add_test(tc, test_email_validator);
	tcase_add_test(tc, test_resp_problem);
	tcase_add_test(tc, test_client_ip);
	tcase_add_test(tc, test_addr_local);
	tcase_add_test(tc, test_pages);
	tcase_add_test(tc, test_navigation_origin);
	tcase_add_test(tc, test_cookies);
	tcase_add_test(tc, test_page_hsts);
	tcase_add_test(tc, test_origin_device);
	suite_add_tcase(s, tc);
	tcase_add_test(lim, test_form_malformed);
	tcase_add_test(lim, test_email_limits);
	tcase_add_test(lim, test_resp_header_injection);
	tcase_add_test(lim, test_html_escape);
	tcase_add_test(lim, test_next_path);
	tcase_add_test(lim, test_next);
	suite_add_tcase(s, lim);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
