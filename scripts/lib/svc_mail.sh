# shellcheck shell=bash
# Mail of a stack: the SMTP sink (scripts/smtp-sink) and auth-mailer.

# The stack's SMTP sink (scripts/smtp-sink, Debian's python3-aiosmtpd)
# answers 550 for recipients at this domain: a permanent failure.
SMTP_REJECT_DOMAIN=reject.test

# auth.conf lines of stack $1: auth-mailer sends to the stack's SMTP sink
# (a test stack's quick retries are in STACK_CONF_DIR/mail.conf).
mail_settings() {
	local s=$1
	echo "mail_transport = smtp"
	echo "smtp_url = smtp://127.0.0.1:${PORTS[smtp_port]}"
	echo "smtp_tls = none"
	echo "mail_from = authd dev <noreply@authd.test>"
	echo "mail_templates_dir = ${ST[prefix]}/share/authd/templates"
	echo "mail_file_dir = $s/mail-files"
}

# svc_spawn LOG PIDFILE COMMAND...: runs COMMAND in the background as the
# service user with a clean environment (NAME=VALUE words may precede it),
# in a session of its own, output appended to LOG; its PID goes to PIDFILE.
svc_spawn() {
	local log=$1 pidfile=$2
	shift 2
	local base=(PATH="$CLEAN_PATH" LANG=C.UTF-8 HOME=/)
	if ((EUID == 0)); then
		(cd / && exec setsid setpriv --reuid="$SVC_USER" --regid="$SVC_USER" \
			--init-groups -- env -i "${base[@]}" "$@" </dev/null >>"$log" 2>&1) &
	else
		(cd / && exec setsid env -i "${base[@]}" "$@" </dev/null >>"$log" 2>&1) &
	fi
	echo "$!" >"$pidfile"
}

# PID file of mail service $1 (smtp-sink, auth-mailer) of the loaded stack:
# a directory of their own, which the web servers' cleanup never touches.
mail_pidfile() {
	mkdir -p "${ST[run_main]}/mail" 2>/dev/null || true
	echo "${ST[run_main]}/mail/$1.pid"
}

# True if an SMTP server greets on 127.0.0.1 port $1.
smtp_ready() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		read -r -t 2 line <&3 || exit 1
		printf 'QUIT\r\n' >&3
		[[ $line == 220* ]]
	) 2>/dev/null
}

svc_smtp_start() {
	local s=$1 pidfile
	pidfile=$(mail_pidfile smtp-sink)
	pidfile_pid "$pidfile" smtp-sink && return 0
	say "starting the SMTP sink on 127.0.0.1:${PORTS[smtp_port]} (mail in $s/mail)"
	svc_spawn "$s/log/smtp-sink.log" "$pidfile" \
		"$s/smtp-sink" --port "${PORTS[smtp_port]}" --dir "$s/mail" \
		--reject-domain "$SMTP_REJECT_DOMAIN"
	await_start "the SMTP sink" "$s/log/smtp-sink.log" smtp_ready "${PORTS[smtp_port]}"
}

svc_smtp_stop() {
	local s=$1 pid pidfile
	pidfile=$(mail_pidfile smtp-sink)
	pid=$(pidfile_pid "$pidfile" smtp-sink && cat "$pidfile") || return 0
	say "stopping the SMTP sink"
	kill -TERM "$pid" 2>/dev/null || true
	reap "$pid" 10
}

# auth-mailer of stack $1 (of its instance $2, default main: a node of a
# two-node stack runs its own), with the endpoints' extra environment.
svc_mailer_start() {
	local s=$1 inst=${2:-main} extra=() pidfile log=$1/log/mailer.log conf=$1/auth.conf
	pidfile=$(mail_pidfile "auth-mailer${2:+-$2}")
	[[ $inst == main ]] || { log=$s/log/mailer-$inst.log; conf=$(inst_dir "$s" "$inst")/auth.conf; }
	pidfile_pid "$pidfile" auth-mailer && return 0
	if [[ ! -x ${ST[prefix]}/bin/auth-mailer ]]; then
		warn "no auth-mailer in ${ST[prefix]}/bin: mail stays in the outbox"
		return 0
	fi
	mapfile -t extra < <(endpoint_env)
	say "starting auth-mailer (log: $log)"
	svc_spawn "$log" "$pidfile" "AUTH_CONFIG=$conf" \
		"${extra[@]}" "${ST[prefix]}/bin/auth-mailer"
	sleep 0.3
	if ! pidfile_pid "$pidfile" auth-mailer; then
		tail -n 20 "$log" >&2 || true
		die "auth-mailer did not start"
	fi
}

svc_mailer_stop() {
	local s=$1 pid pidfile
	pidfile=$(mail_pidfile "auth-mailer${2:+-$2}")
	pid=$(pidfile_pid "$pidfile" auth-mailer && cat "$pidfile") || return 0
	say "stopping auth-mailer"
	kill -TERM "$pid" 2>/dev/null || true
	reap "$pid" 30
}
