/* Unit tests for common/password.c. */
#include <check.h>
#include <crypt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "password.h"

#define COST	5
#define DICT	AUTH_CRACKLIB_DICT

/* A password of len bytes: a repeating, non-dictionary ASCII pattern. */
static char *
long_password(size_t len)
{
	static const char	 pat[] = "Qx7!vR2#mZ9&kL4%";
	char			*p;
	size_t			 i;

	ck_assert_ptr_nonnull(p = malloc(len + 1));
	for (i = 0; i < len; i++)
		p[i] = pat[(i * 7 + i / 16) % (sizeof(pat) - 1)];
	p[len] = '\0';
	return p;
}

START_TEST(test_roundtrip)
{
	char		 h[AUTH_PW_HASH_MAX];
	const char	*pw = "correct horse battery staple";
	bool		 rehash = true;

	ck_assert_int_eq(auth_pw_hash(pw, strlen(pw), COST, h), AUTH_OK);
	ck_assert(strncmp(h, "$y$", 3) == 0);
	ck_assert_int_eq(auth_pw_verify(pw, strlen(pw), h, COST, &rehash), 1);
	ck_assert(!rehash);
	ck_assert_int_eq(auth_pw_verify("correct horse battery stapl", 27, h,
	    COST, &rehash), 0);
	ck_assert_int_eq(auth_pw_verify("", 0, h, COST, &rehash), 0);
	/* cost change asks for a rehash */
	ck_assert_int_eq(auth_pw_verify(pw, strlen(pw), h, COST + 1, &rehash), 1);
	ck_assert(rehash);
}
END_TEST

START_TEST(test_salted)
{
	char	a[AUTH_PW_HASH_MAX], b[AUTH_PW_HASH_MAX];

	ck_assert_int_eq(auth_pw_hash("same password", 13, COST, a), AUTH_OK);
	ck_assert_int_eq(auth_pw_hash("same password", 13, COST, b), AUTH_OK);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(test_bcrypt_verifies)
{
	struct crypt_data	*cd;
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	char			 stored[AUTH_PW_HASH_MAX];
	const char		*pw = "legacy-Passw0rd", *h;
	bool			 rehash = false;

	ck_assert_ptr_nonnull(cd = calloc(1, sizeof(*cd)));
	ck_assert_ptr_nonnull(crypt_gensalt_rn("$2b$", 4, NULL, 0, setting,
	    sizeof(setting)));
	ck_assert_ptr_nonnull(h = crypt_rn(pw, setting, cd, sizeof(*cd)));
	ck_assert(strncmp(h, "$2b$04$", 7) == 0);
	strcpy(stored, h);
	free(cd);
	ck_assert_int_eq(auth_pw_verify(pw, strlen(pw), stored, COST, &rehash), 1);
	ck_assert(rehash);
	ck_assert_int_eq(auth_pw_verify("legacy-Passw0rD", 15, stored, COST,
	    &rehash), 0);
	/* $2y$ and $2a$ spellings of the same hash verify too */
	stored[2] = 'y';
	ck_assert_int_eq(auth_pw_verify(pw, strlen(pw), stored, COST, &rehash), 1);
	stored[2] = 'a';
	ck_assert_int_eq(auth_pw_verify(pw, strlen(pw), stored, COST, &rehash), 1);
}
END_TEST

START_TEST(test_sha512crypt_verifies)
{
	/* crypt(5) "$6$" test vector: "Hello world!" with salt "saltstring" */
	const char	*stored = "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl"
	    "/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1";
	bool		 rehash = false;

	ck_assert_int_eq(auth_pw_verify("Hello world!", 12, stored, COST,
	    &rehash), 1);
	ck_assert(rehash);
	ck_assert_int_eq(auth_pw_verify("Hello world?", 12, stored, COST,
	    &rehash), 0);
}
END_TEST

START_TEST(test_lower_cost_rehash)
{
	char		 h[AUTH_PW_HASH_MAX];
	const char	*pw = "an older account";
	bool		 rehash = false;

	ck_assert_int_eq(auth_pw_hash(pw, strlen(pw), 3, h), AUTH_OK);
	ck_assert_int_eq(auth_pw_verify(pw, strlen(pw), h, COST, &rehash), 1);
	ck_assert(rehash);
	ck_assert_int_eq(auth_pw_verify(pw, strlen(pw), h, 3, &rehash), 1);
	ck_assert(!rehash);
}
END_TEST

START_TEST(test_failure_tokens)
{
	bool	rehash = true;

	ck_assert_int_eq(auth_pw_verify("whatever", 8, "*", COST, &rehash), 0);
	ck_assert(!rehash);
	ck_assert_int_eq(auth_pw_verify("whatever", 8, "*0", COST, &rehash), 0);
	ck_assert_int_eq(auth_pw_verify("whatever", 8, "!$y$j9T$abc$def", COST,
	    &rehash), 0);
	ck_assert_int_eq(auth_pw_verify("whatever", 8, "", COST, &rehash), 0);
	ck_assert_int_eq(auth_pw_verify("whatever", 8, "$y$garbage", COST,
	    &rehash), -1);
	ck_assert_int_eq(auth_pw_verify("whatever", 8, NULL, COST, &rehash), -1);
	ck_assert(!rehash);
}
END_TEST

START_TEST(test_long_password_not_truncated)
{
	char	 h[AUTH_PW_HASH_MAX];
	char	*pw = long_password(1000);
	char	*max = long_password(AUTH_PW_MAX_BYTES + 1);
	bool	 rehash;

	ck_assert_int_eq(auth_pw_hash(pw, 1000, COST, h), AUTH_OK);
	ck_assert_int_eq(auth_pw_verify(pw, 1000, h, COST, &rehash), 1);
	ck_assert_int_eq(auth_pw_verify(pw, 999, h, COST, &rehash), 0);
	ck_assert_int_eq(auth_pw_verify(pw, 511, h, COST, &rehash), 0);
	pw[999] ^= 1;
	ck_assert_int_eq(auth_pw_verify(pw, 1000, h, COST, &rehash), 0);
	pw[999] ^= 1;
	/* the 511-byte prefix (below libxcrypt's limit) hashes directly */
	ck_assert_int_eq(auth_pw_hash(pw, 511, COST, h), AUTH_OK);
	ck_assert_int_eq(auth_pw_verify(pw, 511, h, COST, &rehash), 1);
	ck_assert_int_eq(auth_pw_verify(pw, 512, h, COST, &rehash), 0);
	ck_assert_int_eq(auth_pw_verify(pw, 1000, h, COST, &rehash), 0);
	/* exactly the limit works, one more is refused */
	ck_assert_int_eq(auth_pw_hash(max, AUTH_PW_MAX_BYTES, COST, h), AUTH_OK);
	ck_assert_int_eq(auth_pw_verify(max, AUTH_PW_MAX_BYTES, h, COST,
	    &rehash), 1);
	ck_assert_int_ne(auth_pw_hash(max, AUTH_PW_MAX_BYTES + 1, COST, h),
	    AUTH_OK);
	ck_assert_int_eq(auth_pw_verify(max, AUTH_PW_MAX_BYTES + 1, h, COST,
	    &rehash), 0);
	free(pw);
	free(max);
}
END_TEST

START_TEST(test_prehash_domain_separated)
{
	char		 h[AUTH_PW_HASH_MAX];
	char		*pw = long_password(600);
	bool		 rehash;

	/* A typed password can never equal the pre-hashed phrase: 0xff is
	 * not UTF-8, and a phrase with it hashes to something else anyway. */
	ck_assert_int_eq(auth_pw_hash(pw, 600, COST, h), AUTH_OK);
	ck_assert_int_eq(auth_pw_verify("\xff", 1, h, COST, &rehash), 0);
	free(pw);
}
END_TEST

START_TEST(test_embedded_nul)
{
	char	h[AUTH_PW_HASH_MAX];
	bool	rehash;

	ck_assert_int_ne(auth_pw_hash("abc\0defghij", 11, COST, h), AUTH_OK);
	ck_assert_int_eq(auth_pw_hash("abcdefghij", 10, COST, h), AUTH_OK);
	ck_assert_int_eq(auth_pw_verify("abcdefghij\0x", 12, h, COST, &rehash), 0);
}
END_TEST

START_TEST(test_burn)
{
	ck_assert_int_eq(auth_pw_init(COST), 0);
	auth_pw_burn("anything at all", 15);
	auth_pw_burn("", 0);
}
END_TEST

static double
secs_of_verify(const char *pw, size_t len, const char *stored)
{
	struct timespec	a, b;
	bool		rehash;

	/* CPU time: a hash is work the thread does, an early return is not,
	 * whatever else the machine runs meanwhile. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	ck_assert_int_eq(auth_pw_verify(pw, len, stored, COST, &rehash), 0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	return (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
}

/*
 * A locked account's hash ("*", "!...") and a password no scheme takes
 * spend a hash like a wrong password: the time of a login must not tell
 * that the account exists. The margin is wide: a hash here is tens of
 * milliseconds, an early return microseconds.
 */
START_TEST(test_mismatch_costs_a_hash)
{
	char	h[AUTH_PW_HASH_MAX];
	double	wrong, t;

	ck_assert_int_eq(auth_pw_init(COST), 0);
	ck_assert_int_eq(auth_pw_hash("right password", 14, COST, h), AUTH_OK);
	wrong = secs_of_verify("wrong password", 14, h);
	t = secs_of_verify("wrong password", 14, "*");
	ck_assert_msg(t > wrong / 4, "'*': %.4f s against %.4f s", t, wrong);
	t = secs_of_verify("wrong password", 14, "!$y$j9T$abc$def");
	ck_assert_msg(t > wrong / 4, "'!': %.4f s against %.4f s", t, wrong);
	t = secs_of_verify("wrong\0password", 14, h);
	ck_assert_msg(t > wrong / 4, "NUL: %.4f s against %.4f s", t, wrong);
}
END_TEST

START_TEST(test_bad_cost)
{
	char	h[AUTH_PW_HASH_MAX];

	ck_assert_int_ne(auth_pw_hash("abcdefghij", 10, 0, h), AUTH_OK);
	ck_assert_int_ne(auth_pw_hash("abcdefghij", 10, 12, h), AUTH_OK);
}
END_TEST

static const char *
policy(const char *pw, const char *email)
{
	return auth_pw_policy(pw, strlen(pw), email,
	    email == NULL ? 0 : strlen(email), NULL, DICT);
}

START_TEST(test_policy)
{
	char	*p;

	ck_assert_ptr_null(policy("vT9#kq2!Lmw4", NULL));
	ck_assert_ptr_null(policy("vT9#kq2!Lmw4", "alice@example.com"));
	ck_assert_str_eq(policy("password1", NULL), "too easy to guess");
	ck_assert_str_eq(policy("Password123", NULL), "too easy to guess");
	ck_assert_str_eq(policy("abcdefghijk", NULL), "too easy to guess");
	/* a dictionary word zxcvbn's smaller lists do not hold: cracklib's */
	ck_assert_str_eq(policy("circumlocutions", NULL),
	    "too common or too simple");
	ck_assert_str_eq(policy("Ab3$xY9", NULL), "too short");
	ck_assert_ptr_null(policy("Ab3$xY9z", NULL));
	/* eight code points, sixteen bytes */
	ck_assert_ptr_null(policy("\xc4\x89\xc5\x9d\xc4\x9d\xc4\xa5\xc4\xb5"
	    "\xc5\xad\xc3\xa4\xc3\xb6", NULL));
	/* seven code points, fourteen bytes */
	ck_assert_str_eq(policy("\xc4\x89\xc5\x9d\xc4\x9d\xc4\xa5\xc4\xb5"
	    "\xc5\xad\xc3\xa4", NULL), "too short");
	ck_assert_str_eq(policy("xJohnSmith!99", "johnsmith@example.com"),
	    "contains the email address");
	ck_assert_str_eq(policy("xJOHNSMITH!99", "JohnSmith@example.com"),
	    "contains the email address");
	/* local parts under three characters are not checked */
	ck_assert_ptr_null(policy("vT9#jo2!Lmw4", "jo@example.com"));
	ck_assert_str_eq(policy("\xff\xfe" "abcdefgh", NULL),
	    "invalid characters");

	p = long_password(AUTH_PW_MAX_BYTES + 1);
	ck_assert_str_eq(auth_pw_policy(p, AUTH_PW_MAX_BYTES + 1, NULL, 0,
	    NULL, DICT), "too long");
	ck_assert_ptr_null(auth_pw_policy(p, AUTH_PW_MAX_BYTES, NULL, 0, NULL,
	    DICT));
	free(p);
}
END_TEST

/* Breached and sprayed passwords, and the account's own words. */
START_TEST(test_policy_guessable)
{
	static const char *const weak[] = {
		"P@ssw0rd", "Passw0rd!", "Password123!", "P@ssword1",
		"Summer2024!", "passwordpassword", "1qaz2wsx3edc", "Winter2025!",
		"qwertyuiop123", "Letmein!23",
	};
	char		 site[64];
	size_t		 i;

	for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
		ck_assert_msg(policy(weak[i], NULL) != NULL &&
		    strcmp(policy(weak[i], NULL), "too easy to guess") == 0,
		    "%s: %s", weak[i], policy(weak[i], NULL));
	/* strong ones pass, with the account's words too */
	ck_assert_ptr_null(policy("Qx7!Zk3_p9QmA0vRw2LtXnJ8", "a@kiwi.io"));
	ck_assert_ptr_null(policy("correct horse battery staple",
	    "alice@example.com"));
	/* the domain of the email and the site's name are the user's words */
	ck_assert_ptr_null(auth_pw_policy("Zorblatt#79", 11, NULL, 0, NULL,
	    NULL));
	ck_assert_str_eq(auth_pw_policy("Zorblatt#79", 11, "x.y@zorblatt.io",
	    15, NULL, NULL), "too easy to guess");
	ck_assert_uint_eq(auth_pw_site("https://zorblatt.example:8443/a",
	    site, sizeof(site)), 16);
	ck_assert_str_eq(site, "zorblatt.example");
	ck_assert_str_eq(auth_pw_policy("Zorblatt#79", 11, "x@y.org", 7,
	    site, NULL), "too easy to guess");
	ck_assert_uint_eq(auth_pw_site("http://[::1]:8080", site,
	    sizeof(site)), 3);
	ck_assert_str_eq(site, "::1");
	ck_assert_uint_eq(auth_pw_site("no-scheme", site, sizeof(site)), 0);
}
END_TEST

/* The policy holds past 255 bytes (cracklib's limit) up to the maximum. */
START_TEST(test_policy_every_length)
{
	static const char *const units[] = {
		"x", "12345678", "ab", "Password123!", "1qaz2wsx3edc",
		"P@ssw0rd\xc3\xa9",
	};
	char		 pw[AUTH_PW_MAX_BYTES + 1];
	size_t		 i, len, ulen, o;
	static const size_t lens[] = { 255, 256, 300, 512, 1000, 1024 };
	size_t		 j;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		ulen = strlen(units[i]);
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			len = lens[j] - lens[j] % ulen;
			for (o = 0; o < len; o += ulen)
				memcpy(pw + o, units[i], ulen);
			pw[len] = '\0';
			ck_assert_msg(auth_pw_policy(pw, len, NULL, 0, NULL,
			    NULL) != NULL, "%s x %zu accepted", units[i],
			    len / ulen);
		}
	}
	/* a weak start padded with a repeat is as weak */
	memcpy(pw, "Password123!", 12);
	memset(pw + 12, 'x', 500);
	ck_assert_ptr_nonnull(auth_pw_policy(pw, 512, NULL, 0, NULL, NULL));
	/* a unit longer than the fold's made of runs: folded in rounds */
	for (o = 0; o < 1024; o++)
		pw[o] = o % 65 == 64 ? 'b' : 'a';
	ck_assert_ptr_nonnull(auth_pw_policy(pw, 1024, NULL, 0, NULL, NULL));
}
END_TEST

START_TEST(test_policy_no_dict)
{
	/* zxcvbn judges without the cracklib dictionary */
	ck_assert_str_eq(auth_pw_policy("password1", 9, NULL, 0, NULL, NULL),
	    "too easy to guess");
	ck_assert_ptr_null(auth_pw_policy("vT9#kq2!Lmw4", 12, NULL, 0, NULL,
	    NULL));
	ck_assert_str_eq(auth_pw_policy("vT9#kq2!Lmw4", 12, NULL, 0,
	    NULL, "/nonexistent/dict"), "cannot be checked right now");
}
END_TEST

static Suite *
password_suite(void)
{
	Suite	*s = suite_create("password");
	TCase	*tc = tcase_create("core");
	TCase	*lim = tcase_create("limits");

	tcase_set_timeout(tc, 60);
	tcase_set_timeout(lim, 60);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_salted);
	tcase_add_test(tc, test_bcrypt_verifies);
	tcase_add_test(tc, test_sha512crypt_verifies);
	tcase_add_test(tc, test_lower_cost_rehash);
	tcase_add_test(tc, test_burn);
	tcase_add_test(tc, test_policy);
	tcase_add_test(lim, test_failure_tokens);
	tcase_add_test(lim, test_long_password_not_truncated);
	tcase_add_test(lim, test_prehash_domain_separated);
	tcase_add_test(lim, test_embedded_nul);
	tcase_add_test(lim, test_mismatch_costs_a_hash);
	tcase_add_test(lim, test_bad_cost);
	tcase_add_test(lim, test_policy_no_dict);
	tcase_add_test(lim, test_policy_guessable);
	tcase_add_test(lim, test_policy_every_length);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, lim);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(password_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
