# shellcheck shell=bash
# scripts/dev test: the stages, the black-box runs and the summary.

# Black-box runs of `scripts/dev test`: stack name, build, web server.
E2E_STACKS=(
	"normal normal lighttpd"
	"asan asan lighttpd"
	"apache normal apache"
	"cgi normal cgi"
)
# The tests a black-box run NAME runs when not all (run.py's arguments):
# under CGI every request starts a process, so the cgi run takes the
# endpoints' answers (each endpoint, the shared pipeline, the pages) and
# leaves the rate limits, outages, mail and key rotation to the FastCGI
# runs.
declare -A E2E_MODULES=(
	[cgi]="test_common test_health test_jwks test_me test_signup
	test_verify_email test_login test_refresh test_logout
	test_account.ResetTest test_account.ChangeTest test_account.SessionsTest
	test_account.LogoutAllTest test_browser_pages test_hardening"
)
# Black-box runs that go in the background, beside the others (their output
# is shown when they end), e.g. AUTH_TEST_BACKGROUND="cgi apache": a few
# minutes less, but on two busy cores the rate-limit tests' timing checks
# flake when two runs overlap, so only cgi by default (its modules leave the
# rate limits out and its timing checks are skipped; AUTH_TEST_BACKGROUND=
# runs it in the foreground too).
read -ra E2E_BACKGROUND <<<"${AUTH_TEST_BACKGROUND-cgi}"
# Black-box runs whose stack then also runs the browser journey
# (tests/run-browser), reported as the stage browser-NAME; not with --quick.
BROWSER_STACKS=(normal apache)
BROWSER_MODULES=

STAGES=()
declare -A STAGE_RESULT=() STAGE_NOTE=()

# stage NAME NEEDS FUNCTION ARGS...: runs FUNCTION unless a stage it needs
# (comma-separated names, or -) did not pass.
stage() {
	local name=$1 needs=$2 t0=$SECONDS n
	shift 2
	STAGES+=("$name")
	if [[ $needs != - ]]; then
		for n in ${needs//,/ }; do
			if [[ ${STAGE_RESULT[$n]:-} != PASS ]]; then
				STAGE_RESULT[$name]="SKIP ($n did not pass)"
				say "stage $name: skipped ($n did not pass)"
				return 0
			fi
		done
	fi
	say "stage $name"
	try "$@"
	if ((TRY_RC == 130 || TRY_RC == 143)); then
		die "interrupted during stage $name"
	fi
	if ((TRY_RC == 0)); then
		STAGE_RESULT[$name]=PASS
	else
		STAGE_RESULT[$name]=FAIL
	fi
	say "stage $name: ${STAGE_RESULT[$name]} ($((SECONDS - t0))s)"
}

unit_tests() {
	local bdir=$VAR/${BUILD_DIR[$1]}
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		make -C "$bdir" -j2 check VERBOSE=1
}

# The stage openapi: tests/openapi-lint (redocly lint of openapi.yaml, its
# JSON, the unit tests of the black-box suite's checker).
openapi_lint() {
	local mods
	mods=$(ensure_openapi_lint) || return 1
	AUTH_OPENAPI_MODULES=$mods "$ROOT/tests/openapi-lint"
}

# Reports sanitizer logs of stack $1; fails if there are any.
check_sanitizer_logs() {
	local san=$1 f found=0
	[[ -d $san ]] || return 0
	for f in "$san"/asan.* "$san"/ubsan.*; do
		[[ -e $f ]] || continue
		found=1
		printf -- '--- sanitizer report %s\n' "$f" >&2
		head -n 200 "$f" >&2
	done
	((found == 0))
}

# Throwaway stack NAME of BUILD on SERVER, the black-box suite against it.
e2e_stack() {
	local name=$1 build=$2 server=$3 s http rc want=
	s=$(place test)/$name
	stack_remove "$s"
	http=$(pick_port)
	[[ $build == asan ]] && want=san
	[[ $name == valgrind ]] && want=valgrind
	stack_create "$s" "$build" "$server" "$http" test "$want"
	try e2e_run "$s"
	rc=$TRY_RC
	check_sanitizer_logs "$s/san" || rc=1
	return "$rc"
}

# S/bin/authctl and S/bin/auth-mailer for the suite: as root, they run the
# stack's tools as the service user (the tools refuse root); prints S/bin.
tool_wrappers() {
	local s=$1 t
	mkdir -p "$s/bin"
	for t in authctl auth-mailer; do
		if ((EUID == 0)); then
			printf '#!/bin/sh
exec setpriv --reuid=%q --regid=%q --init-groups -- %q "$@"\n' \
				"$SVC_USER" "$SVC_USER" "${ST[prefix]}/bin/$t"
		else
			printf '#!/bin/sh
exec %q "$@"\n' "${ST[prefix]}/bin/$t"
		fi >"$s/bin/$t"
		chmod 0755 "$s/bin/$t"
	done
	echo "$s/bin"
}

# What every black-box run of stack $1 gets, into the array E2E_ENV: an
# empty environment but for these, the main instance's URL, the database,
# Redis, the mail directory, the config and the tools.
e2e_env() {
	local s=$1
	E2E_ENV=(env -i PATH="$PATH" HOME="${HOME:-/}" LANG=C.UTF-8 TERM="${TERM:-dumb}"
		AUTH_BASE_URL="http://127.0.0.1:${PORTS[http_port]}"
		AUTH_DATABASE_URL="$(conninfo "$s")"
		AUTH_REDIS_URL="redis://127.0.0.1:${PORTS[redis_port]}"
		AUTH_TEST_REDIS_PASSWORD="$(cat "$s/redis/admin.password" 2>/dev/null)"
		AUTH_MAIL_DIR="$s/mail"
		AUTH_CONFIG="$s/auth.conf"
		AUTHCTL="$(tool_wrappers "$s")/authctl"
		AUTH_STACK_DIR="$s"
		AUTH_TEST_CTL="$ROOT/scripts/dev ctl $s"
		AUTH_TEST_AUTHCTL="$ROOT/scripts/dev authctl $s")
}

# AUTH_E2E_ONLY="test_x test_y.Class": only those modules or classes.
e2e_run() {
	local s=$1 san rc
	trap 'stack_stop "$s"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	stack_start "$s"
	san=${ST[san]:-}
	e2e_env "$s"
	local env=("${E2E_ENV[@]}" \
		AUTH_BASE_URL_ALT="http://127.0.0.1:${PORTS[alt_port]}" \
		AUTH_BASE_URL_RL="http://127.0.0.1:${PORTS[rl_port]}" \
		AUTH_BASE_URL_RL2="http://127.0.0.1:${PORTS[rl2_port]}" \
		AUTH_WEB_SERVER="${ST[server]}" \
		AUTH_TEST_PGHOST=127.0.0.1 \
		AUTH_TEST_PGPORT="${PORTS[pg_port]}" \
		AUTH_TEST_PGUSER=postgres \
		AUTH_TEST_PGPASSWORD="$(<"$s/pg/superuser.password")" \
		${san:+"ASAN_OPTIONS=log_path=$san/asan:detect_leaks=1"} \
		${san:+"UBSAN_OPTIONS=log_path=$san/ubsan:print_stacktrace=1"})
	# shellcheck disable=SC2086 # AUTH_E2E_ONLY and E2E_MODULES are word lists
	try "${env[@]}" "$ROOT/tests/run-e2e" ${AUTH_E2E_ONLY:-${E2E_MODULES[${s##*/}]:-}}
	rc=$TRY_RC
	if [[ " ${BROWSER_STACKS[*]} " == *" ${s##*/} "* && -n $BROWSER_MODULES ]]; then
		browser_run "$s" "${env[@]}"
	fi
	return "$rc"
}

# The browser journey against the running stack $1, in the environment of
# the command that follows; its output, exit status and seconds go to
# $1/browser.{out,rc,secs} for the stage browser-NAME.
browser_run() {
	local s=$1 t0=$SECONDS
	shift
	say "browser journey (output: ${s#"$ROOT"/}/browser.out)"
	try "$@" AUTH_BROWSER_MODULES="$BROWSER_MODULES" HOME="${HOME:-/root}" \
		"$ROOT/tests/run-browser" >"$s/browser.out" 2>&1
	echo "$TRY_RC" >"$s/browser.rc"
	echo "$((SECONDS - t0))" >"$s/browser.secs"
}

# The stage browser-NAME: the journey's result from the run of stack NAME.
browser_result() {
	local s
	s=$(place test)/$1
	if [[ ! -f $s/browser.rc ]]; then
		echo "no browser journey ran on stack $1 (did its stack start?)" >&2
		return 1
	fi
	cat "$s/browser.out"
	return "$(<"$s/browser.rc")"
}

# Records the stages browser-NAME of the runs of BROWSER_STACKS.
browser_stages() {
	local name s
	for name in "${BROWSER_STACKS[@]}"; do
		s=$(place test)/$name
		if [[ -z $BROWSER_MODULES ]]; then
			STAGES+=("browser-$name")
			STAGE_RESULT[browser-$name]="FAIL (the driver did not install: npm ci)"
			continue
		fi
		stage "browser-$name" "build-normal" browser_result "$name"
		STAGE_NOTE[browser-$name]="($(cat "$s/browser.secs" 2>/dev/null || echo ?)s of e2e-$name; screenshots: var/test/$name/screenshots/)"
	done
}

declare -A BG_PID=() BG_T0=()
FUZZ_PID=

# Starts the black-box run NAME (BUILD on SERVER) in the background once its
# build passed, and returns when its stack is up (so the next stack picks
# other ports) or the run ended. Output goes to var/test/NAME.out.
e2e_background() {
	local name=$1 build=$2 server=$3 out i
	STAGES+=("e2e-$name")
	if [[ ${STAGE_RESULT[build-$build]:-} != PASS ]]; then
		STAGE_RESULT[e2e-$name]="SKIP (build-$build did not pass)"
		say "stage e2e-$name: skipped (build-$build did not pass)"
		return 0
	fi
	out=$(place test)/$name.out
	say "stage e2e-$name: in the background (output: var/test/$name.out)"
	BG_T0[$name]=$SECONDS
	(e2e_stack "$name" "$build" "$server") >"$out" 2>&1 &
	BG_PID[$name]=$!
	for ((i = 0; i < 1500; i++)); do
		grep -q '^== e2e: ' "$out" 2>/dev/null && return 0
		alive "${BG_PID[$name]}" || return 0
		sleep 0.2
	done
}

# Waits for the background runs and records their results.
e2e_background_wait() {
	local name rc
	for name in "${!BG_PID[@]}"; do
		rc=0
		wait "${BG_PID[$name]}" || rc=$?
		say "stage e2e-$name (background), its output:"
		cat "$(place test)/$name.out"
		STAGE_RESULT[e2e-$name]=$( ((rc == 0)) && echo PASS || echo FAIL)
		STAGE_NOTE[e2e-$name]="(logs: var/test/$name/log/)"
		say "stage e2e-$name: ${STAGE_RESULT[e2e-$name]} ($((SECONDS - BG_T0[$name]))s)"
	done
}

# The Debian package: built, linted, installed, its units verified, the
# black-box core run against the installed files, purged (scripts/package-test).
package_stage() {
	"$ROOT/scripts/package-test"
}

# The fuzz stage: every harness of tests/fuzz/ for FUZZ_SECONDS (20) each,
# in the background from the start (it builds with clang on its own), its
# output in var/test/fuzz.out; fuzz_wait records the result.
fuzz_background() {
	local out
	STAGES+=(fuzz)
	out=$(place test)/fuzz.out
	say "stage fuzz: in the background (output: var/test/fuzz.out)"
	BG_T0[fuzz]=$SECONDS
	AUTH_FUZZ_DIR=$VAR/fuzz nice "$ROOT/tests/fuzz/run" "${FUZZ_SECONDS:-20}" \
		>"$out" 2>&1 &
	FUZZ_PID=$!
}

fuzz_wait() {
	local rc=0
	[[ -n ${FUZZ_PID:-} ]] || return 0
	wait "$FUZZ_PID" || rc=$?
	say "stage fuzz (background), its output:"
	cat "$(place test)/fuzz.out"
	STAGE_RESULT[fuzz]=$( ((rc == 0)) && echo PASS || echo FAIL)
	STAGE_NOTE[fuzz]="(crashing inputs: var/fuzz/)"
	say "stage fuzz: ${STAGE_RESULT[fuzz]} ($((SECONDS - BG_T0[fuzz]))s)"
}

# The stage distcheck: `make distcheck` (the tarball has every file it needs:
# it configures, builds, passes make check, installs and uninstalls out of
# tree from read-only sources) in var/distcheck, its own build directory,
# in the background from the start; output in var/test/distcheck.out. It
# runs beside the other stages on a busy machine: Check's per-test timeouts
# are five times longer there (CK_TIMEOUT_MULTIPLIER).
DISTCHECK_PID=
distcheck_background() {
	local out d=$VAR/distcheck
	STAGES+=(distcheck)
	out=$(place test)/distcheck.out
	ensure_configure
	say "stage distcheck: in the background (output: var/test/distcheck.out)"
	BG_T0[distcheck]=$SECONDS
	(
		mkdir -p "$d" && cd "$d" &&
			{ [[ -f Makefile ]] || "$ROOT/configure" -q; } &&
			CK_TIMEOUT_MULTIPLIER=5 nice make distcheck
	) >"$out" 2>&1 &
	DISTCHECK_PID=$!
}

distcheck_wait() {
	local rc=0
	[[ -n $DISTCHECK_PID ]] || return 0
	wait "$DISTCHECK_PID" || rc=$?
	say "stage distcheck (background), the end of its output:"
	tail -n 30 "$(place test)/distcheck.out"
	STAGE_RESULT[distcheck]=$( ((rc == 0)) && echo PASS || echo FAIL)
	STAGE_NOTE[distcheck]="(output: var/test/distcheck.out)"
	say "stage distcheck: ${STAGE_RESULT[distcheck]} ($((SECONDS - BG_T0[distcheck]))s)"
}

# scripts/dev test --valgrind: the normal build, the black-box suite with
# the main lighttpd instance's endpoints under valgrind memcheck, then the
# memcheck logs of that run (their own stage: a test that times out under
# valgrind's slowdown is not a memory error).
test_valgrind() {
	local t0=$SECONDS
	ensure_packages
	init_layout
	stage build-normal - build_install normal
	stage e2e-valgrind build-normal e2e_stack valgrind normal lighttpd
	STAGE_NOTE[e2e-valgrind]="(logs: var/test/valgrind/log/)"
	stage memcheck build-normal valgrind_check "$(place test)/valgrind"
	STAGE_NOTE[memcheck]="(var/test/valgrind/valgrind/)"
	test_summary "$t0"
}

# scripts/dev test --stack NAME: the build and the black-box run NAME of
# E2E_STACKS alone (its stage e2e-NAME), e.g. cgi.
test_stack() {
	local want=$1 t0=$SECONDS entry name build server
	for entry in "${E2E_STACKS[@]}"; do
		read -r name build server <<<"$entry"
		[[ $name == "$want" ]] && break
		name=
	done
	[[ -n $name ]] || die "test --stack: no black-box run $want (one of: $(printf '%s ' "${E2E_STACKS[@]%% *}"))"
	ensure_packages
	init_layout
	stage "build-$build" - build_install "$build"
	stage "e2e-$name" "build-$build" e2e_stack "$name" "$build" "$server"
	STAGE_NOTE[e2e-$name]="(logs: var/test/$name/log/)"
	test_summary "$t0"
}

# test_run QUICK: every stage, then the summary; QUICK 1: the normal build,
# its unit tests and its lighttpd run only. Fails if a stage did not pass.
test_run() {
	local quick=$1 t0=$SECONDS entry name build server
	((quick)) && E2E_STACKS=("${E2E_STACKS[0]}") BROWSER_STACKS=()
	ensure_packages
	init_layout
	((quick)) || fuzz_background
	((quick)) || distcheck_background
	if ((${#BROWSER_STACKS[@]})); then
		BROWSER_MODULES=$(ensure_browser_driver) || BROWSER_MODULES=
	fi
	stage build-normal - build_install normal
	((quick)) || stage build-asan - build_install asan
	stage unit-normal build-normal unit_tests normal
	stage openapi - openapi_lint
	((quick)) || stage unit-asan build-asan unit_tests asan
	for entry in "${E2E_STACKS[@]}"; do
		read -r name build server <<<"$entry"
		[[ " ${E2E_BACKGROUND[*]} " == *" $name "* ]] || continue
		e2e_background "$name" "$build" "$server"
	done
	for entry in "${E2E_STACKS[@]}"; do
		read -r name build server <<<"$entry"
		[[ " ${E2E_BACKGROUND[*]} " == *" $name "* ]] && continue
		stage "e2e-$name" "build-$build" e2e_stack "$name" "$build" "$server"
		STAGE_NOTE[e2e-$name]="(logs: var/test/$name/log/)"
	done
	((quick)) || stage e2e-twonode build-normal twonode_stack
	STAGE_NOTE[e2e-twonode]="(logs: var/test/twonode/log/)"
	e2e_background_wait
	fuzz_wait
	distcheck_wait
	browser_stages
	((quick)) || stage package - package_stage
	test_summary "$t0"
}

# Prints each stage's result and the counts (the run began at SECONDS $1);
# fails unless every stage passed.
test_summary() {
	local t0=$1 name st pass=0 fail=0
	echo
	echo "== summary ($((SECONDS - t0))s)"
	for name in "${STAGES[@]}"; do
		st=${STAGE_RESULT[$name]}
		[[ $st == SKIP* ]] && STAGE_NOTE[$name]=
		printf '  %-14s %s\n' "$name" "$st${STAGE_NOTE[$name]:+  ${STAGE_NOTE[$name]}}"
		if [[ $st == PASS ]]; then ((++pass)); else ((++fail)); fi
	done
	echo "$pass passed, $fail failed"
	((fail == 0))
}
