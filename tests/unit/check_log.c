/*
 * Unit tests for common/log.c: every line, however long its values, is one
 * JSON object of at most LOG_LINE_MAX bytes ending in "}\n". The line
 * builder is static, so this file includes log.c itself and drives it with
 * field sequences no caller makes today.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.c"

static FILE	*captured;
static int	 saved_stderr = -1;

/* Sends stderr to a fresh anonymous file until capture_end. */
static void
capture_begin(void)
{
	auth_log_init("check");
	ck_assert_ptr_nonnull(captured = tmpfile());
	ck_assert_int_ge(saved_stderr = dup(STDERR_FILENO), 0);
	ck_assert_int_eq(dup2(fileno(captured), STDERR_FILENO),
	    STDERR_FILENO);
}

/* Restores stderr; the captured bytes (the caller frees them) in *len. */
static char *
capture_end(size_t *len)
{
	char	*buf;

	ck_assert_int_eq(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
	close(saved_stderr);
	ck_assert_ptr_nonnull(buf = calloc(1, 4 * LOG_LINE_MAX));
	rewind(captured);
	*len = fread(buf, 1, 4 * LOG_LINE_MAX - 1, captured);
	fclose(captured);
	return buf;
}

/*
 * Checks that buf (len bytes) is exactly one line: a JSON object of at most
 * LOG_LINE_MAX bytes. Returns it parsed (the caller puts it).
 */
static json_object *
one_line(const char *buf, size_t len)
{
	json_object	*o;

	ck_assert_uint_ge(len, 2);
	ck_assert_uint_le(len, LOG_LINE_MAX);
	ck_assert_msg(buf[len - 2] == '}' && buf[len - 1] == '\n',
	    "line ends with %.8s", buf + len - 8);
	ck_assert_ptr_eq(memchr(buf, '\n', len), buf + len - 1);
	o = json_tokener_parse(buf);
	ck_assert_msg(o != NULL && json_object_is_type(o, json_type_object),
	    "not a JSON object: %.64s...", buf);
	return o;
}

static bool
truncated(json_object *o)
{
	json_object	*v;

	return json_object_object_get_ex(o, "truncated", &v) &&
	    json_object_get_boolean(v);
}

/* A value that ends exactly at the reserve, then more fields: no overflow. */
START_TEST(test_value_fills_to_reserve)
{
	struct logbuf	 lb;
	json_object	*o, *v;
	char		 value[LOG_LINE_MAX + 1], more[600];
	char		*buf;
	size_t		 n, len, head;

	memset(more, 'b', sizeof(more) - 1);
	more[sizeof(more) - 1] = '\0';
	lb_begin(&lb, "info", "rid");
	head = lb.b.len + strlen(",\"msg\":\"");
	/* every length around the one that fills the line to its reserve */
	for (n = LOG_LINE_MAX - LOG_RESERVE - head - 8;
	    n <= LOG_LINE_MAX - head; n++) {
		memset(value, 'a', n);
		value[n] = '\0';
		capture_begin();
		lb_begin(&lb, "info", "rid");
		lb_str(&lb, "msg", value, sizeof(lb.mem));
		lb_str(&lb, "more", more, 512);
		lb_num(&lb, "n", 7);
		lb_str(&lb, "last", more, 512);
		lb_end(&lb);
		buf = capture_end(&len);
		o = one_line(buf, len);
		ck_assert(json_object_object_get_ex(o, "msg", &v));
		ck_assert_uint_le(strlen(json_object_get_string(v)), n);
		/* whatever did not fit is marked */
		if (strlen(json_object_get_string(v)) < n ||
		    !json_object_object_get_ex(o, "last", NULL))
			ck_assert_msg(truncated(o), "n=%zu", n);
		json_object_put(o);
		free(buf);
	}
}
END_TEST

/* The longest message and request lines, escapes and all, stay one line. */
START_TEST(test_maximal_lines)
{
	json_object	*o;
	char		 msg[LOG_LINE_MAX + 16], field[600];
	char		*buf;
	size_t		 len;
	const char	*fill[] = { "a", "\"", "\x01", "\xc3\xa9", "\xff" };
	size_t		 i, j, flen;

	for (i = 0; i < sizeof(fill) / sizeof(fill[0]); i++) {
		flen = strlen(fill[i]);
		for (j = 0; j + flen < sizeof(msg); j += flen)
			memcpy(msg + j, fill[i], flen);
		msg[j] = '\0';
		for (j = 0; j + flen < sizeof(field); j += flen)
			memcpy(field + j, fill[i], flen);
		field[j] = '\0';

		capture_begin();
		auth_log_error(field, "%s", msg);
		buf = capture_end(&len);
		o = one_line(buf, len);
		ck_assert(truncated(o));
		json_object_put(o);
		free(buf);

		capture_begin();
		auth_log_request(field, field, field, 599, field, 1234567,
		    field, field);
		buf = capture_end(&len);
		o = one_line(buf, len);
		ck_assert(truncated(o));
		json_object_put(o);
		free(buf);
	}
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*lim = tcase_create("limits");

	tcase_add_test(lim, test_value_fills_to_reserve);
	tcase_add_test(lim, test_maximal_lines);
	suite_add_tcase(s, lim);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(log_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
