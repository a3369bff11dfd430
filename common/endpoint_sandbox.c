/*
 * The endpoints' sandbox: no root, no new privileges, a seccomp allow-list.
 * The lists were derived by running the black-box suite with the filter in
 * log mode (sandbox = log) and reading the kernel's audit lines; what is
 * not listed fails with EPERM, and running another program or tracing one
 * kills the process.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <seccomp.h>

#include "endpoint_sandbox.h"
#include "log.h"

/* What every endpoint does: FastCGI on its inherited socket, memory, time,
 * randomness, read-only file opens (key rereads, templates, dictionaries). */
static const char *const sandbox_common[] = {
	"read", "write", "readv", "writev", "pread64", "close", "lseek",
	"fstat", "newfstatat", "statx", "stat", "lstat", "getdents64",
	"access", "faccessat", "faccessat2", "readlink", "fcntl",
	"mmap", "munmap", "mremap", "mprotect", "brk", "madvise",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"accept", "accept4", "shutdown", "getsockname", "getpeername",
	"getsockopt", "setsockopt", "recvfrom", "sendto", "recvmsg", "sendmsg",
	"poll", "ppoll", "select", "pselect6",
	"clock_gettime", "clock_getres", "gettimeofday", "time",
	"nanosleep", "clock_nanosleep", "getrandom", "futex",
	"getpid", "gettid", "getuid", "geteuid", "getgid", "getegid",
	"uname", "sysinfo", "prlimit64", "getrlimit", "sched_getaffinity",
	"sched_yield", "restart_syscall", "exit", "exit_group", "tgkill",
	NULL
};

/* On top, for the endpoints that reach PostgreSQL and Redis. */
static const char *const sandbox_net[] = {
	"connect", "bind", "sendmmsg", "recvmmsg", NULL
};

/* Fatal even when merely attempted. */
static const char *const sandbox_fatal[] = {
	"execve", "execveat", "ptrace", "process_vm_readv",
	"process_vm_writev", NULL
};

/* The socket families a networked endpoint may open (resolver: netlink). */
static const int sandbox_families[] = {
	AF_UNIX, AF_INET, AF_INET6, AF_NETLINK
};

static int
sandbox_add_list(scmp_filter_ctx f, uint32_t action,
    const char *const *names)
{
	int nr;

	for (; *names != NULL; names++) {
		if ((nr = seccomp_syscall_resolve_name(*names)) ==
		    __NR_SCMP_ERROR)
			continue;	/* not a call of this architecture */
		if (seccomp_rule_add(f, action, nr, 0) != 0)
			return -1;
	}
	return 0;
}

/* Opens for reading only; ioctl only for isatty(3). */
static int
sandbox_add_args(scmp_filter_ctx f, enum auth_sandbox_kind kind)
{
	const scmp_datum_t wr = O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND;
	size_t i;

	if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, wr, 0)) != 0 ||
	    seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
	    SCMP_A1(SCMP_CMP_MASKED_EQ, wr, 0)) != 0 ||
	    seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    SCMP_A1(SCMP_CMP_EQ, TCGETS)) != 0)
		return -1;
	if (kind != AUTH_SANDBOX_NET)
		return 0;
	for (i = 0; i < sizeof(sandbox_families) / sizeof(*sandbox_families);
	    i++)
		if (seccomp_rule_add(f, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)sandbox_families[i])) !=
		    0)
			return -1;
	return 0;
}

/*
 * Under a sanitizer, the runtime writes reports and LeakSanitizer traces
 * the process at exit: the filter only logs there.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif
#ifndef SANDBOX_SANITIZER
#define SANDBOX_SANITIZER	0
#endif

static int
sandbox_load(enum auth_sandbox_kind kind, bool enforce)
{
	scmp_filter_ctx f;
	int rc = -1;

	f = seccomp_init(enforce ? SCMP_ACT_ERRNO(EPERM) : SCMP_ACT_LOG);
	if (f == NULL)
		return -1;
	if (sandbox_add_list(f, SCMP_ACT_ALLOW, sandbox_common) != 0 ||
	    (kind == AUTH_SANDBOX_NET &&
	    sandbox_add_list(f, SCMP_ACT_ALLOW, sandbox_net) != 0) ||
	    (enforce && sandbox_add_list(f, SCMP_ACT_KILL_PROCESS,
	    sandbox_fatal) != 0) ||
	    sandbox_add_args(f, kind) != 0)
		goto out;
	if (seccomp_load(f) != 0)
		goto out;
	rc = 0;
out:
	seccomp_release(f);
	return rc;
}

int
auth_sandbox_refuse_root(const char *prog)
{
	if (getuid() != 0 && geteuid() != 0 && getgid() != 0 &&
	    getegid() != 0)
		return 0;
	fprintf(stderr, "%s: refusing to run as root (user or group 0): run "
	    "it as the service user\n", prog);
	return -1;
}

int
auth_sandbox_enter(enum auth_sandbox_kind kind, const struct auth_config *cfg)
{
	bool enforce = cfg->sandbox == AUTH_SANDBOX_ON && !SANDBOX_SANITIZER;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		auth_log_error(NULL, "sandbox: PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
		return -1;
	}
	if (cfg->sandbox == AUTH_SANDBOX_OFF) {
		auth_log_error(NULL, "sandbox = off: no seccomp filter; for "
		    "debugging only");
		return 0;
	}
	if (cfg->sandbox == AUTH_SANDBOX_LOG)
		auth_log_error(NULL, "sandbox = log: calls outside the seccomp "
		    "allow-list are logged by the kernel, not refused");
	if (sandbox_load(kind, enforce) != 0) {
		auth_log_error(NULL, "sandbox: the seccomp filter does not "
		    "load");
		return -1;
	}
	return 0;
}

/* ---- configuration ------------------------------------------------------ */

static const char *const sandbox_names[] = { "on", "log", "off", NULL };

_Static_assert(sizeof(sandbox_names) / sizeof(sandbox_names[0]) ==
    AUTH_SANDBOX__MAX + 1, "sandbox names match the enum");

static const struct auth_cfg_key sandbox_keys[] = {
	AUTH_CFG_ENUM(sandbox, sandbox_names, "on"),
};

const struct auth_cfg_module auth_sandbox_cfg =
    AUTH_CFG_MODULE(sandbox_keys, NULL);
