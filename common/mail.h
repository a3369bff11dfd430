/*
 * Outgoing email: templates an operator can edit, and the RFC 5322 message
 * built from one (multipart/alternative, plain text and HTML, UTF-8).
 * Every header value is checked or encoded here, so no value can start a
 * header line of its own.
 *
 * A template NAME is two files in the templates directory:
 *   NAME.txt   "Subject: ..." on the first line, an empty line, then the
 *              plain-text body
 *   NAME.html  the HTML body
 * {{var}} in the subject and bodies is replaced by a payload value: as is
 * in the subject and the text, HTML-escaped in the HTML.
 */
#ifndef AUTH_MAIL_H
#define AUTH_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "http_tmpl.h"

#define AUTH_MAIL_TEMPLATE_MAX	AUTH_TMPL_FILE_MAX	/* bytes per template file */
#define AUTH_MAIL_SUBJECT_MAX	256		/* bytes of a rendered subject */
#define AUTH_MAIL_MSG_MAX	(1024 * 1024)	/* bytes of a built message */
#define AUTH_MAIL_VAR_MAX	2048		/* bytes of one value */
#define AUTH_MAIL_VARS_MAX	8
#define AUTH_MAIL_NAME_MAX	AUTH_TMPL_NAME_MAX	/* template and variable names */
#define AUTH_MAIL_ADDR_MAX	254
#define AUTH_MAIL_UNIQUE_MIN	16
#define AUTH_MAIL_UNIQUE_MAX	64

struct auth_mail_template {
	char	 subject[AUTH_MAIL_SUBJECT_MAX + 1];	/* UTF-8, unrendered */
	char	*text;					/* malloc'd, LF or CRLF */
	char	*html;					/* malloc'd */
};

/* What goes into the header besides the template's subject. */
struct auth_mail_head {
	const char	*from;		/* mail_from: "a@b" or "Name <a@b>" */
	const char	*to;		/* the recipient's address */
	long long	 date;		/* seconds since the epoch */
	const char	*unique;	/* [A-Za-z0-9], AUTH_MAIL_UNIQUE_MIN..MAX
					   chars: Message-ID and boundary */
};

/* True if name matches the outbox CHECK: ^[a-z][a-z0-9_.-]{0,63}$, without "..". */
bool	auth_mail_template_name_ok(const char *name);

/*
 * True if addr is an ASCII addr-spec fit for a header and an SMTP
 * envelope: local@domain, at most 254 bytes, no space, control character
 * or any of <>()[],;:\" .
 */
bool	auth_mail_addr_ok(const char *addr);

/*
 * Checks a mail_from value: "a@b" or "Display Name <a@b>" (the name
 * printable ASCII without quotes or backslashes). Returns NULL or a static
 * reason; with addr non-NULL, copies the address into it (addrsz bytes).
 */
const char *auth_mail_from_parse(const char *from, char *addr, size_t addrsz);

/*
 * Loads template name from dir. Returns a template the caller frees with
 * auth_mail_template_free, or NULL with a one-line reason in err.
 */
struct auth_mail_template *auth_mail_template_load(const char *dir,
	    const char *name, char *err, size_t errlen);
void	auth_mail_template_free(struct auth_mail_template *t);

/*
 * Renders t with vars into a complete message, CRLF line ends. On success
 * *out is malloc'd and NUL-terminated (*outlen bytes without the NUL); the
 * caller wipes and frees it. Returns 0, or -1 with a reason in err (an
 * unknown placeholder, a bad address, a value with a control character).
 */
int	auth_mail_build(const struct auth_mail_template *t,
	    const struct auth_mail_head *h, const struct auth_tmpl_var *vars,
	    size_t nvars, char **out, size_t *outlen, char *err, size_t errlen);

/* The RFC 5322 date of t in UTC ("Tue, 24 Nov 2026 09:13:36 +0000"). */
int	auth_mail_date(long long t, char *buf, size_t bufsz);

/*
 * Seconds to wait after the attempts-th failed attempt (1, 2, ...):
 * base * 2^(attempts - 1), at most max.
 */
long	auth_mail_backoff(int attempts, long base, long max);

/* The keys of outgoing mail (mail_*, smtp_*). */
extern const struct auth_cfg_module auth_mail_cfg;

#endif
