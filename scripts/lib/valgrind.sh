# shellcheck shell=bash
# scripts/dev test --valgrind: the main web-server instance of a test stack
# spawns its endpoints under valgrind memcheck (lighttpd's bin-path names a
# wrapper script per endpoint); each process writes valgrind/NAME.PID.log.

VALGRIND_OPTS=(--tool=memcheck --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite --error-exitcode=99 --track-fds=no --num-callers=30)

# Writes S/valgrind-bin/NAME.fcgi for each endpoint of PREFIX.
valgrind_wrappers() {
	local s=$1 prefix=$2 exe name
	mkdir -p "$s/valgrind-bin" "$s/valgrind"
	svc_own "$s/valgrind"
	for exe in "$prefix"/libexec/authd/*.fcgi; do
		name=${exe##*/}
		{
			echo '#!/bin/sh'
			# valgrind does not implement seccomp(2): no filter (logged)
			echo 'AUTH_SANDBOX=off; export AUTH_SANDBOX'
			printf 'exec valgrind'
			printf ' %q' "${VALGRIND_OPTS[@]}" "--log-file=$s/valgrind/${name%.fcgi}.%p.log" "$exe"
			printf ' "$@"\n'
		} >"$s/valgrind-bin/$name"
		chmod 0755 "$s/valgrind-bin/$name"
	done
}

# Reports the memcheck logs of stack S: fails on an error or a definite
# leak, or if no endpoint ran under valgrind at all.
valgrind_check() {
	local s=$1 f n=0 bad=0 unfinished=0
	for f in "$s"/valgrind/*.log; do
		[[ -e $f ]] || continue
		n=$((n + 1))
		if ! grep -q 'ERROR SUMMARY:' "$f"; then
			unfinished=$((unfinished + 1))
		elif ! grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
			bad=$((bad + 1))
			printf -- '--- memcheck report %s\n' "$f" >&2
			head -n 150 "$f" >&2
		fi
	done
	say "valgrind: $n endpoint processes, $bad with errors or definite leaks, $unfinished without a summary (killed)"
	((n > 0 && bad == 0))
}
