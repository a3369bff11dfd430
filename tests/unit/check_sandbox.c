/* Unit tests for common/endpoint_sandbox.c: each probe runs in a child. */
#include <sys/socket.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "endpoint_config.h"
#include "endpoint_sandbox.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER	1	/* the filter only logs under a sanitizer */
#else
#define SANITIZER	0
#endif

enum probe {
	P_SOCKET_INET,		/* socket(AF_INET, SOCK_STREAM) */
	P_SOCKET_PACKET,	/* socket(AF_PACKET, SOCK_RAW) */
	P_OPEN_READ,		/* open(/dev/null, O_RDONLY) */
	P_OPEN_WRITE,		/* open(/dev/null, O_WRONLY) */
	P_OPEN_CREATE,		/* open(dir/new, O_RDONLY | O_CREAT) */
	P_EXEC,			/* execve(/bin/true) */
	P_FORK,			/* fork() */
};

/*
 * Enters the sandbox of kind in mode in a child, makes one call and exits
 * 0 if it succeeded, 1 if it failed with EPERM, 2 otherwise; the wait
 * status comes back (a kill by SIGSYS for a fatal call).
 */
static int
probe(enum auth_sandbox_kind kind, enum auth_sandbox_mode mode,
    enum probe what)
{
	struct auth_config cfg;
	char path[] = "/tmp/check_sandbox.XXXXXX", made[64];
	char *const args[] = { "true", NULL };
	int fd = -1, st, ok;
	pid_t pid, kid;

	ck_assert_ptr_nonnull(mkdtemp(path));
	snprintf(made, sizeof(made), "%s/new", path);
	auth_config_defaults(&cfg);
	cfg.sandbox = mode;
	if ((pid = fork()) == 0) {
		if (auth_sandbox_enter(kind, &cfg) != 0)
			_exit(3);
		switch (what) {
		case P_SOCKET_INET: fd = socket(AF_INET, SOCK_STREAM, 0); break;
		case P_SOCKET_PACKET: fd = socket(AF_PACKET, SOCK_RAW, 0); break;
		case P_OPEN_READ: fd = open("/dev/null", O_RDONLY); break;
		case P_OPEN_WRITE: fd = open("/dev/null", O_WRONLY); break;
		case P_OPEN_CREATE: fd = open(made, O_RDONLY | O_CREAT, 0600);
			break;
		case P_EXEC: execve("/bin/true", args, NULL); break;
		case P_FORK:
			if ((kid = fork()) == 0)
				_exit(0);
			fd = kid > 0 ? 0 : -1;
			break;
		}
		ok = fd >= 0;
		_exit(ok ? 0 : errno == EPERM ? 1 : 2);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	unlink(made);
	rmdir(path);
	return st;
}

/* The exit code of a probe that ended normally, -1 if killed. */
static int
probe_rc(enum auth_sandbox_kind kind, enum auth_sandbox_mode mode,
    enum probe what)
{
	int st = probe(kind, mode, what);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* What each probe gives under the filter: 0 allowed, 1 refused (EPERM). */
static const struct {
	enum auth_sandbox_kind	 kind;
	enum auth_sandbox_mode	 mode;
	enum probe		 what;
	int			 rc;
} cases[] = {
	{ AUTH_SANDBOX_LOCAL, AUTH_SANDBOX_ON, P_OPEN_READ, 0 },
	{ AUTH_SANDBOX_LOCAL, AUTH_SANDBOX_ON, P_SOCKET_INET, 1 },
	{ AUTH_SANDBOX_LOCAL, AUTH_SANDBOX_ON, P_OPEN_WRITE, 1 },
	{ AUTH_SANDBOX_LOCAL, AUTH_SANDBOX_ON, P_OPEN_CREATE, 1 },
	{ AUTH_SANDBOX_LOCAL, AUTH_SANDBOX_ON, P_FORK, 1 },
	{ AUTH_SANDBOX_NET, AUTH_SANDBOX_ON, P_SOCKET_INET, 0 },
	{ AUTH_SANDBOX_NET, AUTH_SANDBOX_ON, P_SOCKET_PACKET, 1 },
	{ AUTH_SANDBOX_NET, AUTH_SANDBOX_ON, P_OPEN_WRITE, 1 },
	/* log and off refuse nothing (log: the kernel records it) */
	{ AUTH_SANDBOX_LOCAL, AUTH_SANDBOX_LOG, P_SOCKET_INET, 0 },
	{ AUTH_SANDBOX_LOCAL, AUTH_SANDBOX_OFF, P_SOCKET_INET, 0 },
	{ AUTH_SANDBOX_LOCAL, AUTH_SANDBOX_OFF, P_OPEN_WRITE, 0 },
};

START_TEST(test_calls)
{
	int want = SANITIZER ? 0 : cases[_i].rc;

	ck_assert_int_eq(probe_rc(cases[_i].kind, cases[_i].mode,
	    cases[_i].what), want);
}
END_TEST

START_TEST(test_exec_kills)
{
	int st = probe(AUTH_SANDBOX_NET, AUTH_SANDBOX_ON, P_EXEC);

	if (SANITIZER)
		return;
	ck_assert(WIFSIGNALED(st));
	ck_assert_int_eq(WTERMSIG(st), SIGSYS);
}
END_TEST

START_TEST(test_root)
{
	int root = getuid() == 0 || geteuid() == 0 || getgid() == 0 ||
	    getegid() == 0;

	ck_assert_int_eq(auth_sandbox_refuse_root("check_sandbox"),
	    root ? -1 : 0);
}
END_TEST

static Suite *
sandbox_suite(void)
{
	Suite	*s = suite_create("sandbox");
	TCase	*sec = tcase_create("security");

	tcase_add_loop_test(sec, test_calls, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(sec, test_exec_kills);
	tcase_add_test(sec, test_root);
	suite_add_tcase(s, sec);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sandbox_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
