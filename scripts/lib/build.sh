# shellcheck shell=bash
# The builds: configure, make and make install under var/.

# Builds: name -> build dir, install dir (both under var/), compiler flags.
SAN_FLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
declare -A BUILD_DIR=([normal]=build [asan]=build-asan)
declare -A BUILD_PREFIX=([normal]=prefix [asan]=prefix-asan)
declare -A BUILD_FLAGS=([normal]="" [asan]="$SAN_FLAGS")

ensure_configure() {
	if [[ ! -x $ROOT/configure || $ROOT/configure.ac -nt $ROOT/configure ||
		$ROOT/Makefile.am -nt $ROOT/configure ]]; then
		say "autoreconf -fi"
		(cd "$ROOT" && autoreconf -fi)
	fi
}

# Configures (when needed), builds and installs build $1.
build_install() {
	local name=$1 bdir prefix flags args stamp
	bdir=$VAR/${BUILD_DIR[$name]}
	prefix=$(place "${BUILD_PREFIX[$name]}")
	flags=${BUILD_FLAGS[$name]}
	args=("--prefix=$prefix")
	[[ -n $flags ]] && args+=("CFLAGS=$flags" "LDFLAGS=$flags")
	ensure_configure
	mkdir -p "$bdir"
	stamp=$bdir/.configure-args
	if [[ ! -f $bdir/Makefile || ! -f $stamp ||
		$(<"$stamp") != "$(printf '%s\n' "${args[@]}")" ]]; then
		say "configure ($name) in ${bdir#"$ROOT"/}"
		(cd "$bdir" && "$ROOT/configure" -q "${args[@]}")
		printf '%s\n' "${args[@]}" >"$stamp"
	fi
	say "make ($name)"
	make -C "$bdir" -j2
	make -C "$bdir" install >/dev/null
	say "installed $name build in $prefix"
}

prefix_of() {
	local p=$VAR/${BUILD_PREFIX[$1]}
	(cd -P "$p" 2>/dev/null && pwd) || echo "$p"
}
