# shellcheck shell=bash
# Debian packages a stack and the builds need.

PACKAGES=(build-essential autoconf automake libtool pkg-config libfcgi-dev pgbouncer
	libcurl4-openssl-dev python3-aiosmtpd
	libpq-dev libcrypt-dev libjwt-dev libjson-c-dev libhiredis-dev check
	libsubunit-dev libcrack2-dev cracklib-runtime libzxcvbn-dev libssl-dev
	postgresql redis-server lighttpd curl jq python3 wrk spawn-fcgi
	apache2 nodejs mandoc debhelper lintian logrotate chromium
	libseccomp-dev clang libclang-rt-14-dev valgrind fail2ban prometheus
	python3-yaml python3-jsonschema)

ensure_packages() {
	local missing=() p created=0
	for p in "${PACKAGES[@]}"; do
		[[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] ||
			missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	if ((EUID != 0)); then
		die "missing Debian packages: ${missing[*]}
  install them with: sudo apt-get install ${missing[*]}"
	fi
	say "installing ${missing[*]}"
	# Our stacks run their own servers: keep the packages' system services
	# from starting during the install.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		created=1
	fi
	try apt_install "${missing[@]}"
	((created)) && rm -f /usr/sbin/policy-rc.d
	((TRY_RC == 0)) || die "apt-get install failed"
}

# The browser journey's driver (tests/browser/package.json and its lock:
# playwright-core, which downloads no browser; it drives Debian's
# chromium), installed into var/browser by npm ci when the lock changed.
# Prints the node_modules directory.
ensure_browser_driver() {
	local src=$ROOT/tests/browser d=$VAR/browser
	if [[ -d $d/node_modules/playwright-core ]] &&
		cmp -s "$src/package-lock.json" "$d/package-lock.json"; then
		echo "$d/node_modules"
		return 0
	fi
	mkdir -p "$d"
	install -m 0644 "$src/package.json" "$src/package-lock.json" "$d/"
	say "npm ci (tests/browser: playwright-core) in var/browser" >&2
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$d" --ignore-scripts \
		--no-audit --no-fund --loglevel=error >&2
	echo "$d/node_modules"
}

# The lint of openapi.yaml (tests/openapi/package.json and its lock:
# @redocly/cli), installed into var/openapi by npm ci when the lock changed.
# Prints the node_modules directory.
ensure_openapi_lint() {
	local src=$ROOT/tests/openapi d=$VAR/openapi
	if [[ -f $d/node_modules/@redocly/cli/bin/cli.js ]] &&
		cmp -s "$src/package-lock.json" "$d/package-lock.json"; then
		echo "$d/node_modules"
		return 0
	fi
	mkdir -p "$d"
	install -m 0644 "$src/package.json" "$src/package-lock.json" "$d/"
	say "npm ci (tests/openapi: @redocly/cli) in var/openapi" >&2
	npm ci --prefix "$d" --ignore-scripts --no-audit --no-fund \
		--loglevel=error >&2
	echo "$d/node_modules"
}

apt_install() {
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "$@"
}
