/* Unit tests for common/token.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base_codec.h"
#include "base_secret.h"

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

static Suite *
token_suite(void)
{
	Suite	*s = suite_create("token");
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
	suite_add_tcase(s, tc);
	suite_add_tcase(s, lim);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(token_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
