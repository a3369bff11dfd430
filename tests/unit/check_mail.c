/* Unit tests for common/mail.c: templates, message building, backoff. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "mail.h"

#define T0		1795000416LL	/* Wed, 18 Nov 2026 11:13:36 UTC */
#define UNIQUE		"0123456789abcdef0123456789ABCDEF"
#define BOUNDARY	"=_authd_" UNIQUE
#define LINK		"https://auth.example.org/verify-email?token=" \
			"Ab3_-xYz0123456789abcdefghijklmnopqrstuvwxy"

static char	tmpdir[64];

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/check_mail.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char	cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
write_tmpl(const char *name, const char *suffix, const char *text)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s%s", tmpdir, name, suffix);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static struct auth_mail_template *
tmpl(const char *txt, const char *html)
{
	struct auth_mail_template	*t;
	char				 err[256];

	write_tmpl("t", ".txt", txt);
	write_tmpl("t", ".html", html);
	t = auth_mail_template_load(tmpdir, "t", err, sizeof(err));
	ck_assert_msg(t != NULL, "load: %s", err);
	return t;
}

static const struct auth_mail_head head = {
	.from = "Example Accounts <accounts@auth.example.org>",
	.to = "alice@example.com",
	.date = T0,
	.unique = UNIQUE,
};

/* Builds t with one {{link}} value; returns the message or NULL (err set). */
static char *
build(const struct auth_mail_template *t, const struct auth_mail_head *h,
    const char *link, char *err, size_t errlen)
{
	struct auth_tmpl_var	 v = { "link", link };
	char			*out = NULL;
	size_t			 len = 0;

	if (auth_mail_build(t, h, &v, 1, &out, &len, err, errlen) == -1) {
		ck_assert_ptr_null(out);
		return NULL;
	}
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

/* Number of header lines of msg that start with name (e.g. "To:"). */
static int
header_count(const char *msg, const char *name)
{
	const char	*p = msg, *end = strstr(msg, "\r\n\r\n");
	int		 n = 0;

	ck_assert_ptr_nonnull(end);
	while (p < end) {
		if (strncasecmp(p, name, strlen(name)) == 0)
			n++;
		p = strstr(p, "\r\n") + 2;
	}
	return n;
}

/* Every line ends in CRLF, none is longer than 998 bytes. */
static void
assert_lines(const char *msg)
{
	const char	*p;
	size_t		 col = 0;

	for (p = msg; *p != '\0'; p++) {
		if (*p == '\n')
			ck_abort_msg("a bare LF at offset %zu", (size_t)(p - msg));
		if (*p == '\r') {
			ck_assert_int_eq(p[1], '\n');
			p++;
			col = 0;
			continue;
		}
		ck_assert_uint_le(++col, 998);
	}
	ck_assert_int_eq(col, 0);
}

/* The body of the part of msg whose Content-Type is type (a copy). */
static char *
part_body(const char *msg, const char *type, char *cte, size_t ctesz)
{
	char		 want[128];
	const char	*p, *b, *e, *c;

	snprintf(want, sizeof(want), "Content-Type: %s;", type);
	ck_assert_ptr_nonnull(p = strstr(msg, want));
	c = strstr(p, "Content-Transfer-Encoding: ");
	ck_assert_ptr_nonnull(c);
	c += strlen("Content-Transfer-Encoding: ");
	snprintf(cte, ctesz, "%.*s", (int)strcspn(c, "\r"), c);
	ck_assert_ptr_nonnull(b = strstr(p, "\r\n\r\n"));
	b += 4;
	ck_assert_ptr_nonnull(e = strstr(b, "\r\n--" BOUNDARY));
	return strndup(b, (size_t)(e - b + 2));
}

START_TEST(test_shipped_templates)
{
	struct auth_mail_template	*t;
	const char			*names[] = { "verify_email",
	    "account_exists", "password_reset" };
	char				 err[256], cte[32], *m, *text, *html;
	size_t				 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		t = auth_mail_template_load(AUTH_TEST_SRCDIR "/templates",
		    names[i], err, sizeof(err));
		ck_assert_msg(t != NULL, "%s: %s", names[i], err);
		ck_assert_ptr_nonnull(m = build(t, &head, LINK, err,
		    sizeof(err)));
		assert_lines(m);
		ck_assert_int_eq(strncmp(m, "From: \"Example Accounts\" "
		    "<accounts@auth.example.org>\r\n", 52), 0);
		ck_assert_ptr_nonnull(strstr(m, "\r\nTo: <alice@example.com>\r\n"));
		ck_assert_ptr_nonnull(strstr(m,
		    "\r\nDate: Wed, 18 Nov 2026 11:13:36 +0000\r\n"));
		ck_assert_ptr_nonnull(strstr(m, "\r\nMessage-ID: <" UNIQUE
		    "@auth.example.org>\r\n"));
		ck_assert_ptr_nonnull(strstr(m, "\r\nMIME-Version: 1.0\r\n"));
		ck_assert_ptr_nonnull(strstr(m, "\r\nContent-Type: "
		    "multipart/alternative; boundary=\"" BOUNDARY "\"\r\n"));
		ck_assert_int_eq(header_count(m, "Subject:"), 1);
		ck_assert_int_eq(header_count(m, "To:"), 1);
		ck_assert_int_eq(header_count(m, "From:"), 1);
		ck_assert_ptr_nonnull(strstr(m, "\r\n--" BOUNDARY "--\r\n"));
		text = part_body(m, "text/plain", cte, sizeof(cte));
		ck_assert_str_eq(cte, "7bit");
		ck_assert_ptr_nonnull(strstr(text, LINK "\r\n"));
		html = part_body(m, "text/html", cte, sizeof(cte));
		ck_assert_str_eq(cte, "7bit");
		ck_assert_ptr_nonnull(strstr(html, "href=\"" LINK "\""));
		ck_assert_ptr_null(strstr(html, "{{"));
		free(text);
		free(html);
		free(m);
		auth_mail_template_free(t);
	}
}
END_TEST

START_TEST(test_date)
{
	char	buf[64];

	ck_assert_int_eq(auth_mail_date(0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Thu, 01 Jan 1970 00:00:00 +0000");
	ck_assert_int_eq(auth_mail_date(T0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Wed, 18 Nov 2026 11:13:36 +0000");
	ck_assert_int_eq(auth_mail_date(T0, buf, 20), -1);
	ck_assert_int_eq(auth_mail_date(-1, buf, sizeof(buf)), -1);
}
END_TEST

/* Decodes the encoded-words of a Subject header back to UTF-8. */
static void
decode_subject(const char *m, char *out, size_t outsz)
{
	const char	*p, *e;
	unsigned char	 raw[128];
	size_t		 o = 0, wl;
	int		 n;

	ck_assert_ptr_nonnull(p = strstr(m, "\r\nSubject: "));
	p += 11;
	while ((p = strstr(p, "=?UTF-8?B?")) != NULL &&
	    p < strstr(m, "\r\nDate:")) {
		p += 10;
		ck_assert_ptr_nonnull(e = strstr(p, "?="));
		wl = (size_t)(e - p);
		/* an encoded-word is at most 75 characters */
		ck_assert_uint_le(wl + 12, 75);
		n = EVP_DecodeBlock(raw, (const unsigned char *)p, (int)wl);
		ck_assert_int_ge(n, 0);
		while (n > 0 && wl > 0 && p[wl - 1] == '=') {
			n--;
			wl--;
		}
		ck_assert_uint_lt(o + (size_t)n, outsz);
		memcpy(out + o, raw, (size_t)n);
		o += (size_t)n;
		p = e + 2;
	}
	out[o] = '\0';
}

START_TEST(test_utf8_subject)
{
	const char	*subj = "Best\xc3\xa4tigen Sie Ihre E-Mail-Adresse "
	    "\xe2\x80\x93 jetzt, bitte: \xe7\xa1\xae\xe8\xae\xa4\xe6\x82\xa8"
	    "\xe7\x9a\x84\xe7\x94\xb5\xe5\xad\x90\xe9\x82\xae\xe4\xbb\xb6";
	char		 txt[512], err[256], dec[512], *m;
	struct auth_mail_template *t;
	const char	*p, *end;

	snprintf(txt, sizeof(txt), "Subject: %s\n\nbody {{link}}\n", subj);
	t = tmpl(txt, "<p>{{link}}</p>\n");
	ck_assert_ptr_nonnull(m = build(t, &head, LINK, err, sizeof(err)));
	assert_lines(m);
	/* No raw 8-bit byte in the header. */
	end = strstr(m, "\r\n\r\n");
	for (p = m; p < end; p++)
		ck_assert_uint_lt((unsigned char)*p, 0x80);
	decode_subject(m, dec, sizeof(dec));
	ck_assert_str_eq(dec, subj);
	ck_assert_int_eq(header_count(m, "Subject:"), 1);
	free(m);
	auth_mail_template_free(t);

	/* Plain ASCII that looks like an encoded-word is encoded too. */
	t = tmpl("Subject: =?x?= here\n\n{{link}}\n", "{{link}}\n");
	ck_assert_ptr_nonnull(m = build(t, &head, LINK, err, sizeof(err)));
	ck_assert_ptr_null(strstr(m, "Subject: =?x?="));
	decode_subject(m, dec, sizeof(dec));
	ck_assert_str_eq(dec, "=?x?= here");
	free(m);
	auth_mail_template_free(t);
}
END_TEST

START_TEST(test_escaping_per_part)
{
	struct auth_mail_template	*t;
	char				 err[256], cte[32], *m, *text, *html;

	t = tmpl("Subject: Hi\n\nGo: {{ link }}\n",
	    "<a href=\"{{link}}\">{{link}}</a>\n");
	ck_assert_ptr_nonnull(m = build(t, &head,
	    "https://x.example/?a=1&b=<script>\"'", err, sizeof(err)));
	text = part_body(m, "text/plain", cte, sizeof(cte));
	ck_assert_ptr_nonnull(strstr(text,
	    "Go: https://x.example/?a=1&b=<script>\"'\r\n"));
	html = part_body(m, "text/html", cte, sizeof(cte));
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"https://x.example/?a=1"
	    "&amp;b=&lt;script&gt;&quot;&#39;\">"));
	ck_assert_ptr_null(strstr(html, "<script>"));
	free(text);
	free(html);
	free(m);
	auth_mail_template_free(t);
}
END_TEST

START_TEST(test_quoted_printable)
{
	struct auth_mail_template	*t;
	char				 txt[1024], err[256], cte[32];
	char				*m, *text, *p, *line;
	size_t				 longest = 0;

	memset(txt, 0, sizeof(txt));
	strcpy(txt, "Subject: QP\n\nGr\xc3\xbc\xc3\x9f" "e =sign trailing \n");
	memset(txt + strlen(txt), 'x', 300);
	strcat(txt, "\n{{link}}\n");
	t = tmpl(txt, "<p>{{link}}</p>\n");
	ck_assert_ptr_nonnull(m = build(t, &head, LINK, err, sizeof(err)));
	assert_lines(m);
	text = part_body(m, "text/plain", cte, sizeof(cte));
	ck_assert_str_eq(cte, "quoted-printable");
	ck_assert_ptr_nonnull(strstr(text,
	    "Gr=C3=BC=C3=9Fe =3Dsign trailing=20\r\n"));
	for (line = text; (p = strstr(line, "\r\n")) != NULL; line = p + 2)
		if ((size_t)(p - line) > longest)
			longest = (size_t)(p - line);
	ck_assert_uint_le(longest, 76);
	/* The HTML part stays 7bit: ASCII with short lines. */
	free(part_body(m, "text/html", cte, sizeof(cte)));
	ck_assert_str_eq(cte, "7bit");
	free(text);
	free(m);
	auth_mail_template_free(t);
}
END_TEST

START_TEST(test_backoff)
{
	ck_assert_int_eq(auth_mail_backoff(1, 60, 3600), 60);
	ck_assert_int_eq(auth_mail_backoff(2, 60, 3600), 120);
	ck_assert_int_eq(auth_mail_backoff(3, 60, 3600), 240);
	ck_assert_int_eq(auth_mail_backoff(6, 60, 3600), 1920);
	ck_assert_int_eq(auth_mail_backoff(7, 60, 3600), 3600);
	ck_assert_int_eq(auth_mail_backoff(1000, 60, 3600), 3600);
	ck_assert_int_eq(auth_mail_backoff(0, 60, 3600), 60);
	ck_assert_int_eq(auth_mail_backoff(INT_MAX, 7, LONG_MAX), LONG_MAX);
	ck_assert_int_eq(auth_mail_backoff(3, 1, 2), 2);
}
END_TEST

START_TEST(test_template_errors)
{
	struct auth_mail_template	*t;
	char				 err[256], *m, big[70000];

	write_tmpl("nosubj", ".txt", "Hello\n\n{{link}}\n");
	write_tmpl("nosubj", ".html", "x\n");
	ck_assert_ptr_null(auth_mail_template_load(tmpdir, "nosubj", err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "Subject"));
	write_tmpl("noblank", ".txt", "Subject: x\nbody\n");
	write_tmpl("noblank", ".html", "x\n");
	ck_assert_ptr_null(auth_mail_template_load(tmpdir, "noblank", err,
	    sizeof(err)));
	write_tmpl("nohtml", ".txt", "Subject: x\n\nbody\n");
	ck_assert_ptr_null(auth_mail_template_load(tmpdir, "nohtml", err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "nohtml.html"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "Subject: x\n\n", 12);
	write_tmpl("big", ".txt", big);
	write_tmpl("big", ".html", "x\n");
	ck_assert_ptr_null(auth_mail_template_load(tmpdir, "big", err,
	    sizeof(err)));
	write_tmpl("badutf", ".txt", "Subject: x\n\n\xff\n");
	write_tmpl("badutf", ".html", "x\n");
	ck_assert_ptr_null(auth_mail_template_load(tmpdir, "badutf", err,
	    sizeof(err)));

	t = tmpl("Subject: x\n\n{{link}} {{other}}\n", "{{link}}\n");
	ck_assert_ptr_null(build(t, &head, LINK, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "{{other}}"));
	auth_mail_template_free(t);
	t = tmpl("Subject: x\n\n{{link\n", "{{link}}\n");
	ck_assert_ptr_null(build(t, &head, LINK, err, sizeof(err)));
	auth_mail_template_free(t);

	/* CRLF template files work as LF ones. */
	t = tmpl("Subject: crlf\r\n\r\nline\r\n{{link}}\r\n", "{{link}}\r\n");
	ck_assert_ptr_nonnull(m = build(t, &head, LINK, err, sizeof(err)));
	assert_lines(m);
	ck_assert_ptr_nonnull(strstr(m, "\r\nSubject: crlf\r\n"));
	free(m);
	auth_mail_template_free(t);
}
END_TEST

START_TEST(test_names)
{
	ck_assert(auth_mail_template_name_ok("verify_email"));
	ck_assert(auth_mail_template_name_ok("password_reset.v2"));
	ck_assert(auth_mail_template_name_ok(
	    "a123456789012345678901234567890123456789012345678901234567890123"));
	ck_assert(!auth_mail_template_name_ok(""));
	ck_assert(!auth_mail_template_name_ok("Verify"));
	ck_assert(!auth_mail_template_name_ok("../etc/passwd"));
	ck_assert(!auth_mail_template_name_ok("a..b"));
	ck_assert(!auth_mail_template_name_ok("a/b"));
	ck_assert(!auth_mail_template_name_ok(".hidden"));
	ck_assert(!auth_mail_template_name_ok(
	    "a1234567890123456789012345678901234567890123456789012345678901234"));
	ck_assert_ptr_null(auth_mail_template_load(tmpdir, "../x", NULL, 0));
}
END_TEST

/* ---- security ---------------------------------------------------------- */

START_TEST(test_crlf_in_recipient)
{
	static const char *const bad[] = {
		"victim@example.com\r\nBcc: evil@example.net",
		"victim@example.com\nBcc: evil@example.net",
		"victim@example.com\rBcc: evil@example.net",
		"victim@example.com\r\n\r\n--" BOUNDARY,
		"a b@example.com",
		"a@example.com, evil@example.net",
		"<a@example.com>",
		"a@example.com>\r\nX: y",
		"\"quoted\"@example.com",
		"a@b@example.com",
		"@example.com",
		"a@",
		"t\xc3\xa9st@example.com",
		"a\t@example.com",
	};
	struct auth_mail_template	*t;
	struct auth_mail_head		 h = head;
	char				 err[256], *m;
	size_t				 i;

	t = tmpl("Subject: x\n\n{{link}}\n", "{{link}}\n");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h.to = bad[i];
		ck_assert(!auth_mail_addr_ok(bad[i]));
		m = build(t, &h, LINK, err, sizeof(err));
		ck_assert_msg(m == NULL, "built a message to bad[%zu]", i);
	}
	h.to = "o'brien+tag=x&y/z{1}|~@sub.example.com";
	ck_assert_ptr_nonnull(m = build(t, &h, LINK, err, sizeof(err)));
	ck_assert_int_eq(header_count(m, "To:"), 1);
	free(m);
	auth_mail_template_free(t);
}
END_TEST

START_TEST(test_crlf_in_values_and_from)
{
	struct auth_mail_template	*t;
	struct auth_mail_head		 h = head;
	char				 err[256], addr[300];

	/* A value reaching the subject cannot add a header line. */
	t = tmpl("Subject: Hello {{link}}\n\nx\n", "x\n");
	ck_assert_ptr_null(build(t, &head, "x\r\nBcc: evil@example.net", err,
	    sizeof(err)));
	ck_assert_ptr_null(build(t, &head, "x\nBcc: evil@example.net", err,
	    sizeof(err)));
	ck_assert_ptr_null(build(t, &head, "x\x7f", err, sizeof(err)));
	ck_assert_ptr_null(build(t, &head, "x\xc0\x8a", err, sizeof(err)));
	auth_mail_template_free(t);

	/* Nor can one break out of the MIME structure of a body. */
	t = tmpl("Subject: x\n\n{{link}}\n", "{{link}}\n");
	ck_assert_ptr_null(build(t, &head, "--" BOUNDARY "--", err,
	    sizeof(err)));

	ck_assert_ptr_null(auth_mail_from_parse("a@example.com", addr,
	    sizeof(addr)));
	ck_assert_str_eq(addr, "a@example.com");
	ck_assert_ptr_null(auth_mail_from_parse("Accounts <a@example.com>",
	    addr, sizeof(addr)));
	ck_assert_str_eq(addr, "a@example.com");
	ck_assert_ptr_nonnull(auth_mail_from_parse("Evil\r\nBcc: x "
	    "<a@example.com>", addr, sizeof(addr)));
	ck_assert_ptr_nonnull(auth_mail_from_parse("a@example.com\r\nBcc: x",
	    addr, sizeof(addr)));
	ck_assert_ptr_nonnull(auth_mail_from_parse("\"Q\" <a@example.com>",
	    addr, sizeof(addr)));
	ck_assert_ptr_nonnull(auth_mail_from_parse("A <b@example.com> <c@d>",
	    addr, sizeof(addr)));
	ck_assert_ptr_nonnull(auth_mail_from_parse("A <b@example.com", addr,
	    sizeof(addr)));
	h.from = "Evil\r\nBcc: x <a@example.com>";
	ck_assert_ptr_null(build(t, &h, LINK, err, sizeof(err)));
	h = head;
	h.unique = "short";
	ck_assert_ptr_null(build(t, &h, LINK, err, sizeof(err)));
	h.unique = "0123456789abcdef\r\nBcc: x";
	ck_assert_ptr_null(build(t, &h, LINK, err, sizeof(err)));
	auth_mail_template_free(t);
}
END_TEST

START_TEST(test_limits)
{
	struct auth_mail_template	*t;
	struct auth_tmpl_var		 vars[AUTH_MAIL_VARS_MAX + 1];
	char				 err[256], val[AUTH_MAIL_VAR_MAX + 2];
	char				 subj[AUTH_MAIL_SUBJECT_MAX + 32], *m = NULL;
	size_t				 i, len;

	t = tmpl("Subject: s\n\n{{link}}\n", "{{link}}\n");
	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	ck_assert_ptr_null(build(t, &head, val, err, sizeof(err)));
	val[AUTH_MAIL_VAR_MAX] = '\0';
	ck_assert_ptr_nonnull(m = build(t, &head, val, err, sizeof(err)));
	assert_lines(m);
	free(m);
	for (i = 0; i <= AUTH_MAIL_VARS_MAX; i++) {
		vars[i].name = "link";
		vars[i].value = "x";
	}
	m = NULL;
	ck_assert_int_eq(auth_mail_build(t, &head, vars,
	    AUTH_MAIL_VARS_MAX + 1, &m, &len, err, sizeof(err)), -1);
	ck_assert_ptr_null(m);
	auth_mail_template_free(t);

	/* A subject rendered past the limit is refused. */
	memset(subj, 0, sizeof(subj));
	strcpy(subj, "Subject: ");
	memset(subj + 9, 's', AUTH_MAIL_SUBJECT_MAX - 8);
	strcat(subj, "{{link}}\n\nx\n");
	t = tmpl(subj, "x\n");
	ck_assert_ptr_null(build(t, &head, "123456789", err, sizeof(err)));
	ck_assert_ptr_nonnull(m = build(t, &head, "12345678", err,
	    sizeof(err)));
	free(m);
	auth_mail_template_free(t);
}
END_TEST

static Suite *
mail_suite(void)
{
	Suite	*s = suite_create("mail");
	TCase	*tc = tcase_create("core");
	TCase	*sec = tcase_create("security");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(sec, setup, teardown);
	tcase_add_test(tc, test_shipped_templates);
	tcase_add_test(tc, test_date);
	tcase_add_test(tc, test_utf8_subject);
	tcase_add_test(tc, test_escaping_per_part);
	tcase_add_test(tc, test_quoted_printable);
	tcase_add_test(tc, test_backoff);
	tcase_add_test(tc, test_template_errors);
	tcase_add_test(tc, test_names);
	tcase_add_test(sec, test_crlf_in_recipient);
	tcase_add_test(sec, test_crlf_in_values_and_from);
	tcase_add_test(sec, test_limits);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, sec);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(mail_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
