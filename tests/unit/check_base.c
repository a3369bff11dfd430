/* Unit tests for the base layer: common/base_*.c. */
#include <sys/wait.h>

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base_buf.h"
#include "base_clock.h"
#include "base_codec.h"
#include "base_email.h"
#include "base_err.h"
#include "base_metric.h"
#include "base_num.h"
#include "base_secret.h"
#include "base_utf8.h"

struct b64_vector {
	const char	*raw;
	const char	*enc;
};

/* RFC 4648 section 10 vectors, without padding. */
static const struct b64_vector rfc4648[] = {
	{ "", "" },
	{ "f", "Zg" },
	{ "fo", "Zm8" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg" },
	{ "fooba", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy" },
};

START_TEST(test_b64_rfc4648)
{
	const struct b64_vector	*v = &rfc4648[_i];
	char			 enc[32];
	unsigned char		 dec[32];
	ssize_t			 n;

	ck_assert_uint_eq(auth_b64url_encode(v->raw, strlen(v->raw), enc,
	    sizeof(enc)), strlen(v->enc));
	ck_assert_str_eq(enc, v->enc);
	n = auth_b64url_decode(v->enc, strlen(v->enc), dec, sizeof(dec));
	ck_assert_int_eq(n, (ssize_t)strlen(v->raw));
	ck_assert_mem_eq(dec, v->raw, (size_t)n);
}
END_TEST

START_TEST(test_b64_url_alphabet)
{
	const unsigned char	 raw[] = { 0xfb, 0xff, 0xbf, 0xfe };
	unsigned char		 dec[8];
	char			 enc[16];

	ck_assert_uint_eq(auth_b64url_encode(raw, sizeof(raw), enc,
	    sizeof(enc)), 6);
	ck_assert_str_eq(enc, "-_-__g");
	ck_assert_int_eq(auth_b64url_decode("-_-__g", 6, dec, sizeof(dec)), 4);
	ck_assert_mem_eq(dec, raw, sizeof(raw));
}
END_TEST

START_TEST(test_b64_all_bytes)
{
	unsigned char	raw[256], dec[256];
	char		enc[400];
	size_t		i, len, n;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)i;
	for (len = 0; len <= sizeof(raw); len++) {
		n = auth_b64url_encode(raw, len, enc, sizeof(enc));
		ck_assert_uint_eq(n, strlen(enc));
		ck_assert_int_eq(auth_b64url_decode(enc, n, dec, sizeof(dec)),
		    (ssize_t)len);
		ck_assert(len == 0 || memcmp(dec, raw, len) == 0);
	}
}
END_TEST

START_TEST(test_b64_rejects)
{
	unsigned char	dec[32];
	char		enc[8];

	/* padding, standard alphabet, whitespace, NUL */
	ck_assert_int_eq(auth_b64url_decode("Zg==", 4, dec, sizeof(dec)), -1);
	ck_assert_int_eq(auth_b64url_decode("Zm8=", 4, dec, sizeof(dec)), -1);
	ck_assert_int_eq(auth_b64url_decode("+/+/", 4, dec, sizeof(dec)), -1);
	ck_assert_int_eq(auth_b64url_decode("Zm9v ", 5, dec, sizeof(dec)), -1);
	ck_assert_int_eq(auth_b64url_decode("Zm 9", 4, dec, sizeof(dec)), -1);
	ck_assert_int_eq(auth_b64url_decode("Zm\09", 4, dec, sizeof(dec)), -1);
	ck_assert_int_eq(auth_b64url_decode("Zm9\xc3", 4, dec, sizeof(dec)), -1);
	/* impossible length */
	ck_assert_int_eq(auth_b64url_decode("Zm9vY", 5, dec, sizeof(dec)), -1);
	ck_assert_int_eq(auth_b64url_decode("Z", 1, dec, sizeof(dec)), -1);
	/* non-canonical trailing bits: "Zh" and "Zm9" variants */
	ck_assert_int_eq(auth_b64url_decode("Zh", 2, dec, sizeof(dec)), -1);
	ck_assert_int_eq(auth_b64url_decode("Zm8", 3, dec, sizeof(dec)), 2);
	ck_assert_int_eq(auth_b64url_decode("Zm9", 3, dec, sizeof(dec)), -1);
	ck_assert_int_eq(auth_b64url_decode("Zm-", 3, dec, sizeof(dec)), -1);
	/* output too small */
	ck_assert_int_eq(auth_b64url_decode("Zm9vYmFy", 8, dec, 5), -1);
	ck_assert_uint_eq(auth_b64url_encode("foo", 3, enc, 4), 0);
	ck_assert_uint_eq(auth_b64url_encode("foo", 3, enc, 5), 4);
}
END_TEST

START_TEST(test_token_new)
{
	char	a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1];

	ck_assert_int_eq(auth_token_new(a), 0);
	ck_assert_int_eq(auth_token_new(b), 0);
	ck_assert_uint_eq(strlen(a), AUTH_TOKEN_LEN);
	ck_assert_str_ne(a, b);
	ck_assert(auth_token_wellformed(a, strlen(a)));
	ck_assert(!auth_token_wellformed(a, strlen(a) - 1));
	a[5] = '=';
	ck_assert(!auth_token_wellformed(a, strlen(a)));
	ck_assert(!auth_token_wellformed(NULL, 0));
}
END_TEST

START_TEST(test_random_bytes)
{
	unsigned char	buf[4096], zero[4096];

	memset(buf, 0, sizeof(buf));
	memset(zero, 0, sizeof(zero));
	ck_assert_int_eq(auth_random_bytes(buf, sizeof(buf)), 0);
	ck_assert(memcmp(buf, zero, sizeof(buf)) != 0);
	ck_assert_int_eq(auth_random_bytes(buf, 0), 0);
}
END_TEST

START_TEST(test_sha256)
{
	unsigned char	h[AUTH_HASH_LEN];
	char		hex[2 * AUTH_HASH_LEN + 1];

	auth_sha256("abc", 3, h);
	auth_hex(h, sizeof(h), hex);
	ck_assert_str_eq(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	auth_sha256("", 0, h);
	auth_hex(h, sizeof(h), hex);
	ck_assert_str_eq(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(test_ct_equal)
{
	ck_assert(auth_ct_equal("abc", 3, "abc", 3));
	ck_assert(!auth_ct_equal("abc", 3, "abd", 3));
	ck_assert(!auth_ct_equal("abc", 3, "abcd", 4));
	ck_assert(!auth_ct_equal("abcd", 4, "abc", 3));
	ck_assert(!auth_ct_equal("abc", 3, "", 0));
	ck_assert(auth_ct_equal("", 0, "", 0));
	ck_assert(!auth_ct_equal(NULL, 3, "abc", 3));
}
END_TEST

START_TEST(test_uuid)
{
	const char	*ok = "123e4567-e89b-42d3-a456-426614174000";

	ck_assert(auth_uuid_valid(ok, strlen(ok)));
	ck_assert(!auth_uuid_valid(ok, strlen(ok) - 1));
	ck_assert(!auth_uuid_valid("123E4567-e89b-42d3-a456-426614174000", 36));
	ck_assert(!auth_uuid_valid("123e4567-e89b-42d3-a456-42661417400g", 36));
	ck_assert(!auth_uuid_valid("123e4567e-89b-42d3-a456-426614174000", 36));
	ck_assert(!auth_uuid_valid("{23e4567-e89b-42d3-a456-426614174000", 36));
	ck_assert(!auth_uuid_valid("123e4567-e89b-42d3-a456-4266141740\0000", 36));
	ck_assert(!auth_uuid_valid(NULL, 36));
}
END_TEST

START_TEST(test_hex_wipe)
{
	unsigned char	buf[3] = { 0x00, 0xab, 0xff };
	char		hex[7];

	auth_hex(buf, sizeof(buf), hex);
	ck_assert_str_eq(hex, "00abff");
	auth_wipe(buf, sizeof(buf));
	ck_assert(buf[0] == 0 && buf[1] == 0 && buf[2] == 0);
	auth_wipe(NULL, 10);
}
END_TEST

/* ---- numbers ------------------------------------------------------------ */

START_TEST(test_num)
{
	unsigned long long	 v;
	const char		*why;

	ck_assert_int_eq(auth_parse_num("16384", 0, 1ULL << 40, &v, &why), 0);
	ck_assert_uint_eq(v, 16384);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(auth_parse_num("0", 0, 10, &v, NULL), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(auth_parse_num("007", 0, 10, &v, NULL), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(auth_parse_num("18446744073709551615", 0, ULLONG_MAX,
	    &v, NULL), 0);
	ck_assert_uint_eq(v, ULLONG_MAX);
	ck_assert_int_eq(auth_parse_numn("12x", 2, 0, 99, &v, NULL), 0);
	ck_assert_uint_eq(v, 12);
}
END_TEST

static const char *const num_bad[] = {
	"", "-1", "+1", " 1", "1 ", "1x", "0x10", "1e3", "1.0",
	"18446744073709551616", "99999999999999999999999",
};

START_TEST(test_num_rejects)
{
	unsigned long long	 v = 42;
	const char		*why = NULL;

	ck_assert_int_eq(auth_parse_num(num_bad[_i], 0, ULLONG_MAX, &v, &why),
	    -1);
	ck_assert_str_eq(why, "invalid");
	ck_assert_uint_eq(v, 42);
}
END_TEST

START_TEST(test_num_range)
{
	unsigned long long	 v = 42;
	const char		*why;

	ck_assert_int_eq(auth_parse_num("4", 5, 10, &v, &why), -1);
	ck_assert_str_eq(why, "too small");
	ck_assert_int_eq(auth_parse_num("11", 5, 10, &v, &why), -1);
	ck_assert_str_eq(why, "too large");
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(auth_parse_num(NULL, 0, 10, &v, &why), -1);
	ck_assert_int_eq(auth_parse_numn("1\0002", 3, 0, 999, &v, NULL), -1);
	ck_assert_int_eq(auth_parse_numn("5", 0, 0, 9, &v, NULL), -1);
}
END_TEST

/* ---- UTF-8 -------------------------------------------------------------- */

START_TEST(test_utf8_step)
{
	uint32_t	cp;

	ck_assert_uint_eq(auth_utf8_step((const unsigned char *)"a", 1, &cp), 1);
	ck_assert_uint_eq(cp, 'a');
	ck_assert_uint_eq(auth_utf8_step((const unsigned char *)"\xc3\xa9", 2,
	    &cp), 2);
	ck_assert_uint_eq(cp, 0xe9);
	ck_assert_uint_eq(auth_utf8_step((const unsigned char *)"\xe2\x82\xac",
	    3, &cp), 3);
	ck_assert_uint_eq(cp, 0x20ac);
	ck_assert_uint_eq(auth_utf8_step(
	    (const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp), 4);
	ck_assert_uint_eq(cp, 0x10ffff);
	ck_assert_uint_eq(auth_utf8_step((const unsigned char *)"", 1, &cp), 1);
	ck_assert_uint_eq(cp, 0);
	ck_assert_uint_eq(auth_utf8_step((const unsigned char *)"a", 0, &cp), 0);
}
END_TEST

static const char *const utf8_bad[] = {
	"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf",
	"\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\xaf",
	"\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xff", "\xe2\x82",
	"\xc3", "\xc3\x41",
};

START_TEST(test_utf8_rejects)
{
	const char	*s = utf8_bad[_i];

	ck_assert_uint_eq(auth_utf8_step((const unsigned char *)s, strlen(s),
	    NULL), 0);
	ck_assert(!auth_utf8_check(s, strlen(s), false, NULL));
}
END_TEST

START_TEST(test_utf8_check_clean)
{
	char	out[8];
	size_t	n = 99;

	ck_assert(auth_utf8_check("h\xc3\xa9\xe2\x82\xac", 6, false, &n));
	ck_assert_uint_eq(n, 3);
	ck_assert(!auth_utf8_check("a\0b", 3, false, NULL));
	ck_assert(auth_utf8_check("a\tb", 3, false, NULL));
	ck_assert(!auth_utf8_check("a\tb", 3, true, NULL));
	ck_assert(!auth_utf8_check("a\x7f", 2, true, NULL));
	auth_utf8_clean("a\x80\tb\xc3\xa9", out, sizeof(out));
	ck_assert_str_eq(out, "a??b\xc3\xa9");
	/* Cut at a character boundary, room left for the NUL. */
	auth_utf8_clean("abcde\xe2\x82\xac", out, sizeof(out));
	ck_assert_str_eq(out, "abcde");
	auth_utf8_clean("abc", out, 1);
	ck_assert_str_eq(out, "");
}
END_TEST

/* ---- buffer, clock, errors ---------------------------------------------- */

START_TEST(test_buf)
{
	struct auth_buf	 b = AUTH_BUF_INIT(2000);
	char		 mem[8], big[1500];
	struct auth_buf	 f;

	memset(big, 'x', sizeof(big));
	ck_assert(auth_buf_str(&b, "abc"));
	ck_assert(auth_buf_add(&b, big, sizeof(big)));
	ck_assert_uint_eq(b.len, 1503);
	ck_assert_uint_eq(strlen(b.p), 1503);
	ck_assert(!auth_buf_add(&b, big, 498));	/* 2001 > max */
	ck_assert(b.failed);
	ck_assert(!auth_buf_str(&b, "a"));	/* stays failed */
	ck_assert_uint_eq(b.len, 1503);
	auth_buf_free(&b);
	ck_assert_ptr_null(b.p);
	ck_assert(!b.failed);
	ck_assert_uint_eq(b.max, 2000);
	auth_buf_free(&b);

	auth_buf_fixed(&f, mem, sizeof(mem), 100);
	ck_assert_uint_eq(f.max, sizeof(mem) - 1);
	ck_assert(auth_buf_str(&f, "1234567"));
	ck_assert_str_eq(mem, "1234567");
	ck_assert(!auth_buf_str(&f, "8"));
	auth_buf_free(&f);		/* the caller's storage: untouched */
	ck_assert_str_eq(mem, "1234567");
}
END_TEST

START_TEST(test_clock_hook)
{
	int64_t	t;

	t = auth_clock_mono_us();
	ck_assert_int_gt(t, 0);
	ck_assert_int_ge(auth_clock_mono_us(), t);
	auth_clock_set_for_test(5000000);
	ck_assert_int_eq(auth_clock_mono_us(), 5000000);
	auth_clock_advance_for_test(250);
	ck_assert_int_eq(auth_clock_mono_us(), 5000250);
	auth_clock_sleep_until(6000000);	/* pinned: moves, no sleep */
	ck_assert_int_eq(auth_clock_mono_us(), 6000000);
	auth_clock_sleep_until(1);
	ck_assert_int_eq(auth_clock_mono_us(), 6000000);
	auth_clock_set_for_test(0);
	ck_assert_int_ge(auth_clock_mono_us(), t);
	auth_clock_advance_for_test(1);		/* unpinned: no effect */
	auth_clock_sleep_until(auth_clock_mono_us() - 1);
}
END_TEST

START_TEST(test_errf)
{
	char	err[8];

	auth_errf(err, sizeof(err), "%s:%d", "abcdef", 42);
	ck_assert_str_eq(err, "abcdef:");
	auth_errf(NULL, 0, "%s", "nothing");
	ck_assert_int_eq(auth_err_info(AUTH_ERR__MAX)->status, 500);
	ck_assert_str_eq(auth_err_info(AUTH_ERR_NOT_FOUND)->code, "not_found");
	ck_assert_str_eq(auth_http_reason(429), "Too Many Requests");
}
END_TEST

START_TEST(test_utf8_cases)
{
	ck_assert(auth_utf8_check("plain", 5, false, NULL));
	ck_assert(auth_utf8_check("\xe2\x82\xac", 3, false, NULL));		/* € */
	ck_assert(auth_utf8_check("\xf0\x9f\x94\x91", 4, false, NULL));	/* key emoji */
	ck_assert(!auth_utf8_check("a\0b", 3, false, NULL));
	ck_assert(!auth_utf8_check("\xc0\xaf", 2, false, NULL));		/* overlong */
	ck_assert(!auth_utf8_check("\xed\xa0\x80", 3, false, NULL));		/* surrogate */
	ck_assert(!auth_utf8_check("\xf4\x90\x80\x80", 4, false, NULL));	/* > U+10FFFF */
	ck_assert(!auth_utf8_check("\xe2\x82", 2, false, NULL));		/* truncated */
	ck_assert(!auth_utf8_check("\x80", 1, false, NULL));
}
END_TEST

START_TEST(test_num_cases)
{
	unsigned long long v;

	ck_assert_int_eq(auth_parse_num("16384", 0, 1ULL << 40, &v, NULL), 0);
	ck_assert_uint_eq(v, 16384);
	ck_assert_int_eq(auth_parse_num("0", 0, 10, &v, NULL), 0);
	ck_assert_int_eq(auth_parse_num("11", 0, 10, &v, NULL), -1);
	ck_assert_int_eq(auth_parse_num("7", 0, 3, &v, NULL), -1);	/* max < 9 */
	ck_assert_int_eq(auth_parse_num("3", 0, 3, &v, NULL), 0);
	ck_assert_int_eq(auth_parse_num("-1", 0, 10, &v, NULL), -1);
	ck_assert_int_eq(auth_parse_num("+1", 0, 10, &v, NULL), -1);
	ck_assert_int_eq(auth_parse_num(" 1", 0, 10, &v, NULL), -1);
	ck_assert_int_eq(auth_parse_num("1 ", 0, 10, &v, NULL), -1);
	ck_assert_int_eq(auth_parse_num("", 0, 10, &v, NULL), -1);
	ck_assert_int_eq(auth_parse_num("99999999999999999999999", 0, ~0ULL,
	    &v, NULL), -1);
	ck_assert_int_eq(auth_parse_num("18446744073709551615", 0, ~0ULL, &v,
	    NULL), 0);
	ck_assert_int_eq(auth_parse_num("18446744073709551616", 0, ~0ULL, &v,
	    NULL), -1);
}
END_TEST

/* The key of an address: ASCII case only, no Unicode mapping, bounded. */
START_TEST(test_email_key)
{
	char	key[AUTH_EMAIL_MAX + 1], big[AUTH_EMAIL_MAX + 2];
	bool	ascii = false;

	ck_assert_int_eq(auth_email_key(" \tKim@Kiwi.IO\r\n", 15, key, &ascii),
	    0);
	ck_assert_str_eq(key, "kim@kiwi.io");
	ck_assert(ascii);
	/* U+0130 and U+212A stay themselves: never "kim@kiwi.io". */
	ck_assert_int_eq(auth_email_key("k\xc4\xb0m@kiwi.io", 12, key, &ascii),
	    0);
	ck_assert_str_eq(key, "k\xc4\xb0m@kiwi.io");
	ck_assert(!ascii);
	ck_assert_int_eq(auth_email_key("\xe2\x84\xaaIM@kiwi.io", 13, key,
	    &ascii), 0);
	ck_assert_str_eq(key, "\xe2\x84\xaaim@kiwi.io");
	ck_assert(!ascii);
	/* Empty, a NUL, one byte too long: no key. */
	ck_assert_int_eq(auth_email_key(" \t ", 3, key, NULL), -1);
	ck_assert_int_eq(auth_email_key("a\0b@c.d", 7, key, NULL), -1);
	ck_assert_int_eq(auth_email_key(NULL, 0, key, NULL), -1);
	memset(big, 'A', sizeof(big));
	ck_assert_int_eq(auth_email_key(big, AUTH_EMAIL_MAX + 1, key, NULL), -1);
	ck_assert_int_eq(auth_email_key(big, AUTH_EMAIL_MAX, key, &ascii), 0);
	ck_assert_uint_eq(strlen(key), AUTH_EMAIL_MAX);
	ck_assert_int_eq(key[0], 'a');
}
END_TEST

/* ---- the node's counters -------------------------------------------------- */

/* A fresh scratch path for a counters file; the directory is removed by
 * metric_done. */
static char metric_dir[64];
static char metric_path[96];

static const char *
metric_scratch(void)
{
	snprintf(metric_dir, sizeof(metric_dir), "/tmp/check_metric.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(metric_dir));
	snprintf(metric_path, sizeof(metric_path), "%s/metrics", metric_dir);
	return metric_path;
}

static void
metric_done(void)
{
	auth_metric_close();
	unlink(metric_path);
	rmdir(metric_dir);
}

/* The exposition of the mapped file; the caller frees b. */
static const char *
metric_text(struct auth_buf *b)
{
	ck_assert(auth_metric_render(b));
	ck_assert_ptr_nonnull(b->p);
	return b->p;
}

/* Lines of test_metric_counts' exposition. */
static const char *const metric_want[] = {
	"\nauthd_http_requests_total{endpoint=\"login\",status=\"200\"} 3\n",
	"\nauthd_http_requests_total{endpoint=\"login\",status=\"401\"} 1\n",
	"_bucket{endpoint=\"login\",le=\"0.001\"} 0\n",
	"_bucket{endpoint=\"login\",le=\"0.0025\"} 3\n",
	"_bucket{endpoint=\"login\",le=\"10\"} 3\n",
	"_bucket{endpoint=\"login\",le=\"+Inf\"} 4\n",
	"_sum{endpoint=\"login\"} 20.004500\n",
	"_count{endpoint=\"login\"} 4\n",
	"\nauthd_rate_limit_refusals_total{rule=\"login_ip\"} 2\n",
	"\nauthd_login_failures_total 5\n",
	"\nauthd_mail_last_sent_timestamp_seconds 100\n",
	"\n# TYPE authd_http_request_duration_seconds histogram\n",
};

START_TEST(test_metric_counts)
{
	const char *path = metric_scratch();
	struct auth_buf b = AUTH_BUF_INIT(1024 * 1024);
	char err[256];
	pid_t pid;
	int i, st;

	ck_assert_int_eq(auth_metric_open(path, "login", err, sizeof(err)), 0);
	ck_assert(auth_metric_on());
	for (i = 0; i < 3; i++)
		auth_metric_request(200, 1500);
	auth_metric_request(401, 20000000);	/* beyond the last bound */
	auth_metric_refused("login_ip");
	auth_metric_refused("login_ip");
	auth_metric_add(AUTH_METRIC_LOGIN_FAILURES, 5);
	auth_metric_raise(AUTH_METRIC_MAIL_LAST_SENT, 100);
	auth_metric_raise(AUTH_METRIC_MAIL_LAST_SENT, 50);	/* never lower */
	ck_assert_uint_eq(auth_metric_value(AUTH_METRIC_MAIL_LAST_SENT), 100);
	metric_text(&b);
	for (i = 0; i < (int)(sizeof(metric_want) / sizeof(*metric_want));
	    i++)
		ck_assert_msg(strstr(b.p, metric_want[i]) != NULL,
		    "no \"%s\" in:\n%s", metric_want[i], b.p);
	auth_buf_free(&b);

	/* Another process attaches while this one keeps its mapping (the
	 * open lock is gone) and counts into the same file. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		alarm(10);
		_exit(auth_metric_open(path, "login", err, sizeof(err)) == 0 &&
		    (auth_metric_request(200, 10), 1) ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* Another endpoint has its own slot; a restart finds its own again. */
	ck_assert_int_eq(auth_metric_open(path, "signup", err, sizeof(err)),
	    0);
	auth_metric_request(202, 10);
	ck_assert_int_eq(auth_metric_open(path, "login", err, sizeof(err)), 0);
	auth_metric_request(200, 10);
	metric_text(&b);
	ck_assert_ptr_nonnull(strstr(b.p, "{endpoint=\"login\",status=\"200\"}"
	    " 5\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "{endpoint=\"signup\",status=\"202\"}"
	    " 1\n"));
	ck_assert_ptr_nonnull(strstr(b.p, "\nauthd_login_failures_total 5\n"));
	auth_buf_free(&b);
	metric_done();
}
END_TEST

START_TEST(test_metric_limits)
{
	const char *path = metric_scratch();
	struct auth_buf b = AUTH_BUF_INIT(1024 * 1024);
	char err[256];
	int fd;

	/* Off: every call a no-op, nothing rendered. */
	ck_assert_int_eq(auth_metric_open("", "login", err, sizeof(err)), 0);
	ck_assert(!auth_metric_on());
	auth_metric_request(200, 1);
	auth_metric_add(AUTH_METRIC_DB_ERRORS, 1);
	ck_assert_uint_eq(auth_metric_value(AUTH_METRIC_DB_ERRORS), 0);
	ck_assert(auth_metric_render(&b));
	ck_assert_uint_eq(b.len, 0);
	/* No directory, or a name no slot takes: an error, counting off. */
	ck_assert_int_eq(auth_metric_open("/nonexistent/dir/metrics", "login",
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/metrics"));
	ck_assert(!auth_metric_on());
	ck_assert_int_eq(auth_metric_open(path, "Login\"}", err, sizeof(err)),
	    -1);
	ck_assert(!auth_metric_on());
	ck_assert_int_eq(auth_metric_open(path, "a-name-longer-than-thirty-one-"
	    "bytes", err, sizeof(err)), -1);
	/* A file of another layout is replaced, its contents dropped. */
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "not a counters file", 19), 19);
	close(fd);
	ck_assert_int_eq(auth_metric_open(path, "login", err, sizeof(err)), 0);
	auth_metric_add(AUTH_METRIC_DB_ERRORS, 2);
	ck_assert_uint_eq(auth_metric_value(AUTH_METRIC_DB_ERRORS), 2);
	ck_assert(auth_metric_render(&b));
	ck_assert_ptr_null(strstr(b.p, "not a counters"));
	ck_assert_ptr_nonnull(strstr(b.p, "\nauthd_db_errors_total 2\n"));
	auth_buf_free(&b);
	/* A symlink is not followed. */
	auth_metric_close();
	unlink(path);
	ck_assert_int_eq(symlink("/tmp", path), 0);
	ck_assert_int_eq(auth_metric_open(path, "login", err, sizeof(err)), -1);
	ck_assert(!auth_metric_on());
	metric_done();
}
END_TEST

START_TEST(test_buf_printf)
{
	struct auth_buf b = AUTH_BUF_INIT(16);
	char big[2000];

	ck_assert(auth_buf_printf(&b, "%s=%d", "n", 42));
	ck_assert_str_eq(b.p, "n=42");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert(!auth_buf_printf(&b, "%s", big));	/* over 1023 bytes */
	ck_assert(b.failed);
	auth_buf_free(&b);
	ck_assert(!auth_buf_printf(&b, "%s", "0123456789abcdefg")); /* > max */
	auth_buf_free(&b);
}
END_TEST

static Suite *
base_suite(void)
{
	Suite	*s = suite_create("base");
	TCase	*tc = tcase_create("core");
	TCase	*lim = tcase_create("limits");

	tcase_add_loop_test(tc, test_b64_rfc4648, 0,
	    sizeof(rfc4648) / sizeof(rfc4648[0]));
	tcase_add_test(tc, test_b64_url_alphabet);
	tcase_add_test(tc, test_b64_all_bytes);
	tcase_add_test(tc, test_token_new);
	tcase_add_test(tc, test_random_bytes);
	tcase_add_test(tc, test_sha256);
	tcase_add_test(tc, test_hex_wipe);
	tcase_add_test(lim, test_b64_rejects);
	tcase_add_test(lim, test_ct_equal);
	tcase_add_test(lim, test_uuid);
	tcase_add_test(tc, test_num);
	tcase_add_loop_test(lim, test_num_rejects, 0,
	    sizeof(num_bad) / sizeof(num_bad[0]));
	tcase_add_test(lim, test_num_range);
	tcase_add_test(tc, test_utf8_step);
	tcase_add_loop_test(lim, test_utf8_rejects, 0,
	    sizeof(utf8_bad) / sizeof(utf8_bad[0]));
	tcase_add_test(tc, test_utf8_check_clean);
	tcase_add_test(lim, test_buf);
	tcase_add_test(tc, test_clock_hook);
	tcase_add_test(tc, test_errf);
	tcase_add_test(lim, test_utf8_cases);
	tcase_add_test(lim, test_num_cases);
	tcase_add_test(lim, test_email_key);
	tcase_add_test(tc, test_metric_counts);
	tcase_add_test(lim, test_metric_limits);
	tcase_add_test(lim, test_buf_printf);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, lim);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(base_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
