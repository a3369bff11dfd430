/* Unit tests for common/seal.c. */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hmac.h"
#include "seal.h"
#include "base_codec.h"
#include "base_secret.h"

static char	tmpdir[64];

static void
setup(void)
{
	strcpy(tmpdir, "/tmp/check_seal.XXXXXX");
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
key_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void
write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	int	fd;

	ck_assert_int_ne(fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode), -1);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static const unsigned char test_key[AUTH_SEAL_KEY_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

START_TEST(test_roundtrip)
{
	const char	*msg = "https://example.com/verify-email?token=abc";
	const char	*aad = "bob@example.com|verify";
	unsigned char	*ct = NULL, *ct2 = NULL;
	char		*pt = NULL;
	size_t		 ctlen, ct2len, ptlen;

	ck_assert_int_eq(auth_seal(test_key, aad, strlen(aad), msg, strlen(msg),
	    &ct, &ctlen), 0);
	ck_assert_uint_eq(ctlen, strlen(msg) + AUTH_SEAL_OVERHEAD);
	ck_assert(memmem(ct, ctlen, "verify-email", 12) == NULL);
	ck_assert_int_eq(auth_unseal(test_key, aad, strlen(aad), ct, ctlen, &pt,
	    &ptlen), 0);
	ck_assert_uint_eq(ptlen, strlen(msg));
	ck_assert_str_eq(pt, msg);
	/* fresh nonce each time */
	ck_assert_int_eq(auth_seal(test_key, aad, strlen(aad), msg, strlen(msg),
	    &ct2, &ct2len), 0);
	ck_assert(memcmp(ct, ct2, ctlen) != 0);
	auth_wipe(pt, ptlen);
	free(pt);
	free(ct);
	free(ct2);
}
END_TEST

START_TEST(test_empty)
{
	unsigned char	*ct = NULL;
	char		*pt = NULL;
	size_t		 ctlen, ptlen;

	ck_assert_int_eq(auth_seal(test_key, NULL, 0, "", 0, &ct, &ctlen), 0);
	ck_assert_uint_eq(ctlen, AUTH_SEAL_OVERHEAD);
	ck_assert_int_eq(auth_unseal(test_key, NULL, 0, ct, ctlen, &pt, &ptlen), 0);
	ck_assert_uint_eq(ptlen, 0);
	ck_assert_str_eq(pt, "");
	free(pt);
	free(ct);
}
END_TEST

START_TEST(test_tamper)
{
	const char	*msg = "one-time link";
	unsigned char	*ct = NULL;
	unsigned char	 other[AUTH_SEAL_KEY_LEN];
	char		*pt = NULL;
	size_t		 ctlen, ptlen, i;

	ck_assert_int_eq(auth_seal(test_key, "a", 1, msg, strlen(msg), &ct,
	    &ctlen), 0);
	for (i = 0; i < ctlen; i++) {
		ct[i] ^= 0x01;
		ck_assert_int_eq(auth_unseal(test_key, "a", 1, ct, ctlen, &pt,
		    &ptlen), -1);
		ck_assert_ptr_null(pt);
		ct[i] ^= 0x01;
	}
	/* wrong aad, missing aad, wrong key, truncated */
	ck_assert_int_eq(auth_unseal(test_key, "b", 1, ct, ctlen, &pt, &ptlen), -1);
	ck_assert_int_eq(auth_unseal(test_key, NULL, 0, ct, ctlen, &pt, &ptlen), -1);
	memcpy(other, test_key, sizeof(other));
	other[31] ^= 0x80;
	ck_assert_int_eq(auth_unseal(other, "a", 1, ct, ctlen, &pt, &ptlen), -1);
	ck_assert_int_eq(auth_unseal(test_key, "a", 1, ct, ctlen - 1, &pt,
	    &ptlen), -1);
	ck_assert_int_eq(auth_unseal(test_key, "a", 1, ct, AUTH_SEAL_OVERHEAD - 1,
	    &pt, &ptlen), -1);
	ck_assert_int_eq(auth_unseal(test_key, "a", 1, ct, ctlen, &pt, &ptlen), 0);
	free(pt);
	free(ct);
}
END_TEST

START_TEST(test_key_generate_load)
{
	unsigned char	a[AUTH_SEAL_KEY_LEN], b[AUTH_SEAL_KEY_LEN];
	char		path[128], err[256];
	struct stat	st;

	key_path(path, sizeof(path), "outbox.key");
	ck_assert_int_eq(auth_seal_key_generate(path, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, AUTH_SEAL_KEY_LEN);
	ck_assert_int_eq(auth_seal_key_load(path, a, err, sizeof(err)), 0);
	/* a second generate is a no-op and keeps the key */
	ck_assert_int_eq(auth_seal_key_generate(path, err, sizeof(err)), 0);
	ck_assert_int_eq(auth_seal_key_load(path, b, err, sizeof(err)), 0);
	ck_assert(memcmp(a, b, sizeof(a)) == 0);
}
END_TEST

START_TEST(test_key_perms)
{
	char	path[128], err[256];
	unsigned char k[AUTH_SEAL_KEY_LEN];

	key_path(path, sizeof(path), "loose.key");
	write_file(path, test_key, sizeof(test_key), 0644);
	ck_assert_int_eq(auth_seal_key_load(path, k, err, sizeof(err)), -1);
	ck_assert(strstr(err, "group or others") != NULL);
	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(auth_seal_key_load(path, k, err, sizeof(err)), -1);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(auth_seal_key_load(path, k, err, sizeof(err)), 0);
	ck_assert(memcmp(k, test_key, sizeof(k)) == 0);
}
END_TEST

START_TEST(test_key_size)
{
	char		path[128], err[256];
	unsigned char	k[AUTH_SEAL_KEY_LEN], big[AUTH_SEAL_KEY_LEN + 1];

	memset(big, 'k', sizeof(big));
	key_path(path, sizeof(path), "short.key");
	write_file(path, test_key, sizeof(test_key) - 1, 0600);
	ck_assert_int_eq(auth_seal_key_load(path, k, err, sizeof(err)), -1);
	key_path(path, sizeof(path), "long.key");
	write_file(path, big, sizeof(big), 0600);
	ck_assert_int_eq(auth_seal_key_load(path, k, err, sizeof(err)), -1);
	key_path(path, sizeof(path), "missing.key");
	ck_assert_int_eq(auth_seal_key_load(path, k, err, sizeof(err)), -1);
	ck_assert_int_eq(auth_seal_key_load(tmpdir, k, err, sizeof(err)), -1);
}
END_TEST

/* A known answer: HMAC-SHA-256 under test_key of "csrf" NUL "x". */
#define HMAC_CSRF_X \
	"4a8cc2c566f4447938e4f242079eb3d1a258ddadb7cfc03baa090e88c060997e"

START_TEST(test_hmac)
{
	unsigned char	a[AUTH_HASH_LEN], b[AUTH_HASH_LEN], c[AUTH_HASH_LEN];
	char		path[128], err[256];
	char		hex[2 * AUTH_HASH_LEN + 1];

	auth_hmac_key_unload();
	ck_assert_int_eq(auth_hmac(AUTH_HMAC_CSRF, "x", 1, a), -1);
	key_path(path, sizeof(path), "hmac.key");
	write_file(path, test_key, sizeof(test_key), 0644);
	ck_assert_int_eq(auth_hmac_key_load(path, err, sizeof(err)), -1);
	ck_assert_int_eq(auth_hmac(AUTH_HMAC_CSRF, "x", 1, a), -1);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(auth_hmac_key_load(path, err, sizeof(err)), 0);
	ck_assert_int_eq(auth_hmac(AUTH_HMAC_CSRF, "x", 1, a), 0);
	ck_assert_int_eq(auth_hmac(AUTH_HMAC_CSRF, "x", 1, b), 0);
	ck_assert(memcmp(a, b, sizeof(a)) == 0);
	/* the purpose is part of the MAC: another purpose, another digest */
	ck_assert_int_eq(auth_hmac(AUTH_HMAC_REFRESH_SUCCESSOR, "x", 1, c), 0);
	ck_assert(memcmp(a, c, sizeof(a)) != 0);
	/* openssl dgst -sha256 -mac HMAC -macopt hexkey:0102...1f20 agrees */
	auth_hex(a, sizeof(a), hex);
	ck_assert_str_eq(hex, HMAC_CSRF_X);
	ck_assert_int_eq(auth_hmac(AUTH_HMAC__MAX, "x", 1, c), -1);
	auth_hmac_key_unload();
	ck_assert_int_eq(auth_hmac(AUTH_HMAC_CSRF, "x", 1, a), -1);
	key_path(path, sizeof(path), "new-hmac.key");
	ck_assert_int_eq(auth_hmac_key_generate(path, err, sizeof(err)), 0);
	ck_assert_int_eq(auth_hmac_key_load(path, err, sizeof(err)), 0);
	ck_assert_int_eq(auth_hmac(AUTH_HMAC_CSRF, "x", 1, b), 0);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	auth_hmac_key_unload();
}
END_TEST

static Suite *
seal_suite(void)
{
	Suite	*s = suite_create("seal");
	TCase	*tc = tcase_create("core");
	TCase	*sec = tcase_create("security");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(sec, setup, teardown);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_key_generate_load);
	tcase_add_test(sec, test_tamper);
	tcase_add_test(sec, test_key_perms);
	tcase_add_test(sec, test_key_size);
	tcase_add_test(sec, test_hmac);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, sec);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(seal_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
