/*
 * Email templates and the messages built from them: headers checked or
 * RFC 2047-encoded, bodies CRLF-normalised and sent as 7bit when they are
 * plain short-lined ASCII, else quoted-printable.
 */
#include "mail.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base_buf.h"
#include "base_codec.h"
#include "base_err.h"
#include "base_secret.h"
#include "base_utf8.h"
#include "http_addr.h"
#include "http_tmpl.h"

#define MAIL_LINE_MAX		998	/* RFC 5322 hard limit, CRLF excluded */
#define MAIL_QP_LINE		75	/* encoded chars before a soft break */
#define MAIL_WORD_BYTES		45	/* raw bytes per encoded-word (60 base64) */
#define MAIL_BOUNDARY_PREFIX	"=_authd_"

bool
auth_mail_template_name_ok(const char *name)
{
	size_t i;

	if (name == NULL || name[0] < 'a' || name[0] > 'z')
		return false;
	for (i = 1; name[i] != '\0'; i++) {
		if (i >= AUTH_MAIL_NAME_MAX)
			return false;
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_' || name[i] == '-' || name[i] == '.'))
			return false;
		if (name[i] == '.' && name[i - 1] == '.')
			return false;
	}
	return true;
}

bool
auth_mail_addr_ok(const char *addr)
{
	const char	*at;
	size_t		 len, i;

	if (addr == NULL)
		return false;
	len = strnlen(addr, AUTH_MAIL_ADDR_MAX + 1);
	if (len < 3 || len > AUTH_MAIL_ADDR_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)addr[i] <= 0x20 ||
		    (unsigned char)addr[i] >= 0x7f ||
		    strchr("<>()[],;:\\\"", addr[i]) != NULL)
			return false;
	at = strchr(addr, '@');
	return at != NULL && at != addr && at[1] != '\0' &&
	    strchr(at + 1, '@') == NULL && (size_t)(at - addr) <= 64;
}

const char *
auth_mail_from_parse(const char *from, char *addr, size_t addrsz)
{
	const char	*lt, *p;
	char		 a[AUTH_MAIL_ADDR_MAX + 1];
	size_t		 len, alen;

	if (from == NULL)
		return "is missing";
	len = strnlen(from, 512);
	if (len == 0 || len >= 512)
		return "must be an address or \"Name <address>\"";
	if ((lt = strchr(from, '<')) == NULL) {
		if (len > AUTH_MAIL_ADDR_MAX)
			return "is not a valid address";
		memcpy(a, from, len + 1);
	} else {
		if (from[len - 1] != '>' || strchr(lt + 1, '<') != NULL)
			return "must be an address or \"Name <address>\"";
		for (p = from; p < lt; p++)
			if (*p < 0x20 || *p > 0x7e || *p == '"' ||
			    *p == '\\' || *p == '>')
				return "has a display name that is not plain "
				    "printable ASCII without quotes";
		alen = (size_t)(from + len - 1 - (lt + 1));
		if (alen > AUTH_MAIL_ADDR_MAX)
			return "is not a valid address";
		memcpy(a, lt + 1, alen);
		a[alen] = '\0';
	}
	if (!auth_mail_addr_ok(a))
		return "is not a valid address";
	if (addr != NULL) {
		if (strlen(a) >= addrsz)
			return "is too long";
		memcpy(addr, a, strlen(a) + 1);
	}
	return NULL;
}

struct auth_mail_template *
auth_mail_template_load(const char *dir, const char *name, char *err,
    size_t errlen)
{
	struct auth_mail_template	*t = NULL;
	char				*txt = NULL, *body, *eol;
	const char			*s;
	size_t				 slen;

	if (!auth_mail_template_name_ok(name)) {
		auth_errf(err, errlen, "invalid template name");
		return NULL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		auth_errf(err, errlen, "out of memory");
		return NULL;
	}
	if ((txt = auth_http_tmpl_read(dir, name, ".txt", err,
	    errlen)) == NULL || (t->html = auth_http_tmpl_read(dir, name,
	    ".html", err, errlen)) == NULL)
		goto fail;
	if (strncmp(txt, "Subject:", 8) != 0 ||
	    (eol = strchr(txt, '\n')) == NULL) {
		auth_errf(err, errlen, "template %s.txt: the first line must be "
		    "\"Subject: ...\"", name);
		goto fail;
	}
	body = eol + 1;
	if (eol > txt && eol[-1] == '\r')
		eol--;
	s = txt + 8;
	while (*s == ' ' || *s == '\t')
		s++;
	slen = (size_t)(eol - s);
	while (slen > 0 && (s[slen - 1] == ' ' || s[slen - 1] == '\t'))
		slen--;
	if (slen == 0 || slen > AUTH_MAIL_SUBJECT_MAX ||
	    !auth_utf8_check(s, slen, true, NULL)) {
		auth_errf(err, errlen, "template %s.txt: the subject must be 1-%d "
		    "bytes of text", name, AUTH_MAIL_SUBJECT_MAX);
		goto fail;
	}
	memcpy(t->subject, s, slen);
	t->subject[slen] = '\0';
	if (body[0] == '\r')
		body++;
	if (body[0] != '\n') {
		auth_errf(err, errlen, "template %s.txt: an empty line must "
		    "follow the subject", name);
		goto fail;
	}
	body++;
	if ((t->text = strdup(body)) == NULL) {
		auth_errf(err, errlen, "out of memory");
		goto fail;
	}
	free(txt);
	return t;
fail:
	free(txt);
	auth_mail_template_free(t);
	return NULL;
}

void
auth_mail_template_free(struct auth_mail_template *t)
{
	if (t == NULL)
		return;
	free(t->text);
	free(t->html);
	free(t);
}

/* Copies s with every line ending (LF, CR or CRLF) made CRLF, ending in one. */
static void
crlf(const char *s, struct auth_buf *b)
{
	for (; *s != '\0'; s++) {
		if (*s == '\r') {
			if (s[1] == '\n')
				s++;
			auth_buf_add(b, "\r\n", 2);
		} else if (*s == '\n')
			auth_buf_add(b, "\r\n", 2);
		else
			auth_buf_add(b, s, 1);
	}
	if (b->len < 2 || b->p[b->len - 2] != '\r' || b->p[b->len - 1] != '\n')
		auth_buf_add(b, "\r\n", 2);
}

/* True if a CRLF-normalised body may go as 7bit: ASCII, lines <= 998. */
static bool
body_7bit(const char *s, size_t len)
{
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return false;
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
			col = 0;
			i++;
			continue;
		}
		if (++col > MAIL_LINE_MAX)
			return false;
	}
	return true;
}

/* Quoted-printable (RFC 2045 6.7) of a CRLF-normalised body. */
static void
qp_encode(const char *s, size_t len, struct auth_buf *b)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 tok[3];
	size_t			 i, col = 0, tlen;
	unsigned char		 c;
	bool			 eol;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\r' && i + 1 < len && s[i + 1] == '\n') {
			auth_buf_add(b, "\r\n", 2);
			col = 0;
			i++;
			continue;
		}
		eol = i + 1 >= len || (s[i + 1] == '\r' && i + 2 < len &&
		    s[i + 2] == '\n');
		if ((c >= 33 && c <= 126 && c != '=') ||
		    ((c == ' ' || c == '\t') && !eol)) {
			tok[0] = (char)c;
			tlen = 1;
		} else {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
			tlen = 3;
		}
		if (col + tlen > MAIL_QP_LINE) {
			auth_buf_add(b, "=\r\n", 3);
			col = 0;
		}
		auth_buf_add(b, tok, tlen);
		col += tlen;
	}
}

/* Appends one encoded-word =?UTF-8?B?...?= of len (<= 45) bytes. */
static void
encoded_word(const char *s, size_t len, struct auth_buf *b)
{
	unsigned char	out[4 * ((MAIL_WORD_BYTES + 2) / 3) + 1];
	int		n;

	n = EVP_EncodeBlock(out, (const unsigned char *)s, (int)len);
	auth_buf_str(b, "=?UTF-8?B?");
	auth_buf_add(b, (const char *)out, (size_t)n);
	auth_buf_str(b, "?=");
}

/*
 * The Subject header of a rendered subject: as is when it is printable
 * ASCII that cannot be read as an encoded-word, else RFC 2047 B-encoded
 * words of whole characters, folded.
 */
static void
subject_header(const char *s, struct auth_buf *b)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 len = strlen(s), i, start, l;
	bool			 plain = strstr(s, "=?") == NULL;

	for (i = 0; i < len && plain; i++)
		if (u[i] < 0x20 || u[i] > 0x7e)
			plain = false;
	auth_buf_str(b, "Subject: ");
	if (plain) {
		auth_buf_add(b, s, len);
		auth_buf_str(b, "\r\n");
		return;
	}
	start = 0;
	for (i = 0; i < len; i += l) {
		l = auth_utf8_step(u + i, len - i, NULL);
		if (l == 0)
			l = 1;	/* checked before; never reached */
		if (i + l - start > MAIL_WORD_BYTES) {
			encoded_word(s + start, i - start, b);
			auth_buf_str(b, "\r\n ");
			start = i;
		}
	}
	encoded_word(s + start, len - start, b);
	auth_buf_str(b, "\r\n");
}

int
auth_mail_date(long long t, char *buf, size_t bufsz)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	tm;
	time_t		tt = (time_t)t;
	int		n;

	if (t < 0 || gmtime_r(&tt, &tm) == NULL || tm.tm_wday < 0 ||
	    tm.tm_wday > 6 || tm.tm_mon < 0 || tm.tm_mon > 11)
		return -1;
	n = snprintf(buf, bufsz, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n < 0 || (size_t)n >= bufsz ? -1 : 0;
}

long
auth_mail_backoff(int attempts, long base, long max)
{
	long	d = base;
	int	i;

	if (base <= 0)
		return 0;
	for (i = 1; i < attempts; i++) {
		if (d >= max / 2)
			return max;
		d *= 2;
	}
	return d < max ? d : max;
}

static bool
unique_ok(const char *u)
{
	size_t i;

	if (u == NULL)
		return false;
	for (i = 0; u[i] != '\0'; i++)
		if (i >= AUTH_MAIL_UNIQUE_MAX ||
		    !((u[i] >= 'a' && u[i] <= 'z') ||
		    (u[i] >= 'A' && u[i] <= 'Z') ||
		    (u[i] >= '0' && u[i] <= '9')))
			return false;
	return i >= AUTH_MAIL_UNIQUE_MIN;
}

/* Appends one MIME part: its headers and the body, encoded. */
static int
add_part(struct auth_buf *m, const char *boundary, const char *type,
    const struct auth_buf *body, char *err, size_t errlen)
{
	bool seven = body_7bit(body->p, body->len);

	if (seven && strstr(body->p, boundary) != NULL) {
		auth_errf(err, errlen, "a body holds the MIME boundary");
		return -1;
	}
	auth_buf_str(m, "--");
	auth_buf_str(m, boundary);
	auth_buf_str(m, "\r\nContent-Type: ");
	auth_buf_str(m, type);
	auth_buf_str(m, "; charset=UTF-8\r\nContent-Transfer-Encoding: ");
	auth_buf_str(m, seven ? "7bit" : "quoted-printable");
	auth_buf_str(m, "\r\n\r\n");
	if (seven)
		auth_buf_add(m, body->p, body->len);
	else {
		qp_encode(body->p, body->len, m);
		auth_buf_str(m, "\r\n");
	}
	return 0;
}

/* Checks the values and the head; fills from (the bare address) and date. */
static int
check_input(const struct auth_mail_head *h, const struct auth_tmpl_var *vars,
    size_t nvars, char *from, size_t fromsz, char *date, size_t datesz,
    char *err, size_t errlen)
{
	const char	*why;
	size_t		 i, vlen;

	if (nvars > AUTH_MAIL_VARS_MAX) {
		auth_errf(err, errlen, "too many values");
		return -1;
	}
	for (i = 0; i < nvars; i++) {
		vlen = strnlen(vars[i].value, AUTH_MAIL_VAR_MAX + 1);
		if (vlen > AUTH_MAIL_VAR_MAX ||
		    !auth_utf8_check(vars[i].value, vlen, true, NULL)) {
			auth_errf(err, errlen, "value of {{%.64s}} is too long, "
			    "not UTF-8 or holds a control character",
			    vars[i].name);
			return -1;
		}
	}
	if (!auth_mail_addr_ok(h->to)) {
		auth_errf(err, errlen, "recipient is not a plain ASCII address");
		return -1;
	}
	if ((why = auth_mail_from_parse(h->from, from, fromsz)) != NULL) {
		auth_errf(err, errlen, "mail_from %s", why);
		return -1;
	}
	if (!unique_ok(h->unique) || auth_mail_date(h->date, date,
	    datesz) == -1) {
		auth_errf(err, errlen, "bad message id or date");
		return -1;
	}
	return 0;
}

/* Renders the subject, the text and the HTML (both CRLF) of t. */
static int
render_parts(const struct auth_mail_template *t,
    const struct auth_tmpl_var *vars, size_t nvars, struct auth_buf *subj,
    struct auth_buf *text, struct auth_buf *html, char *err,
    size_t errlen)
{
	struct auth_buf	raw = AUTH_BUF_INIT(AUTH_TMPL_BUF_MAX);
	int			rc = -1;

	if (auth_http_tmpl_render(t->subject, vars, nvars, AUTH_TMPL_RAW, subj,
	    err, errlen) || auth_http_tmpl_render(t->text, vars, nvars,
	    AUTH_TMPL_RAW, &raw, err, errlen))
		goto out;
	crlf(raw.p != NULL ? raw.p : "", text);
	auth_buf_free(&raw);
	if (auth_http_tmpl_render(t->html, vars, nvars, AUTH_TMPL_HTML, &raw,
	    err, errlen))
		goto out;
	crlf(raw.p != NULL ? raw.p : "", html);
	if (subj->failed || text->failed || html->failed) {
		auth_errf(err, errlen, "message too large or out of memory");
		goto out;
	}
	if (subj->len == 0 || subj->len > AUTH_MAIL_SUBJECT_MAX ||
	    !auth_utf8_check(subj->p, subj->len, true, NULL)) {
		auth_errf(err, errlen, "the rendered subject is empty, longer "
		    "than %d bytes or holds a control character",
		    AUTH_MAIL_SUBJECT_MAX);
		goto out;
	}
	rc = 0;
out:
	auth_buf_free(&raw);
	return rc;
}

/* The header lines of the message, up to the MIME preamble. */
static void
put_head(struct auth_buf *m, const struct auth_mail_head *h,
    const char *from, const char *date, const char *subject,
    const char *boundary)
{
	const char	*lt, *domain = strchr(from, '@') + 1;
	size_t		 vlen;

	lt = strchr(h->from, '<');
	auth_buf_str(m, "From: ");
	if (lt != NULL && lt > h->from) {
		auth_buf_str(m, "\"");
		vlen = (size_t)(lt - h->from);
		while (vlen > 0 && h->from[vlen - 1] == ' ')
			vlen--;
		auth_buf_add(m, h->from, vlen);
		auth_buf_str(m, "\" ");
	}
	auth_buf_str(m, "<");
	auth_buf_str(m, from);
	auth_buf_str(m, ">\r\nTo: <");
	auth_buf_str(m, h->to);
	auth_buf_str(m, ">\r\n");
	subject_header(subject, m);
	auth_buf_str(m, "Date: ");
	auth_buf_str(m, date);
	auth_buf_str(m, "\r\nMessage-ID: <");
	auth_buf_str(m, h->unique);
	auth_buf_str(m, "@");
	auth_buf_str(m, domain);
	auth_buf_str(m, ">\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/alternative; boundary=\"");
	auth_buf_str(m, boundary);
	auth_buf_str(m, "\"\r\nAuto-Submitted: auto-generated\r\n\r\n"
	    "This is a MIME message with a text and an HTML part.\r\n");
}

int
auth_mail_build(const struct auth_mail_template *t,
    const struct auth_mail_head *h, const struct auth_tmpl_var *vars,
    size_t nvars, char **out, size_t *outlen, char *err, size_t errlen)
{
	struct auth_buf	 subj = AUTH_BUF_INIT(AUTH_TMPL_BUF_MAX);
	struct auth_buf	 text = AUTH_BUF_INIT(AUTH_TMPL_BUF_MAX);
	struct auth_buf	 html = AUTH_BUF_INIT(AUTH_TMPL_BUF_MAX);
	struct auth_buf	 m = AUTH_BUF_INIT(AUTH_TMPL_BUF_MAX);
	char			 from[AUTH_MAIL_ADDR_MAX + 1], date[64];
	char			 boundary[96];
	int			 rc = -1;

	*out = NULL;
	*outlen = 0;
	if (check_input(h, vars, nvars, from, sizeof(from), date,
	    sizeof(date), err, errlen) == -1)
		goto out;
	snprintf(boundary, sizeof(boundary), MAIL_BOUNDARY_PREFIX "%s",
	    h->unique);
	if (render_parts(t, vars, nvars, &subj, &text, &html, err,
	    errlen) == -1)
		goto out;
	put_head(&m, h, from, date, subj.p, boundary);
	if (add_part(&m, boundary, "text/plain", &text, err, errlen) == -1 ||
	    add_part(&m, boundary, "text/html", &html, err, errlen) == -1)
		goto out;
	auth_buf_str(&m, "--");
	auth_buf_str(&m, boundary);
	auth_buf_str(&m, "--\r\n");
	if (m.failed) {
		auth_errf(err, errlen, "message too large or out of memory");
		goto out;
	}
	*out = m.p;
	*outlen = m.len;
	m.p = NULL;
	rc = 0;
out:
	auth_buf_free(&subj);
	auth_buf_free(&text);
	auth_buf_free(&html);
	auth_buf_free(&m);
	return rc;
}

/* ---- configuration ------------------------------------------------------ */

#ifndef AUTH_TEMPLATES_DIR
#define AUTH_TEMPLATES_DIR	"/usr/local/share/authd/templates"
#endif

static const char *const transport_names[] = { "file", "smtp", "sendmail",
    NULL };
static const char *const smtp_tls_names[] = { "starttls", "none", NULL };

_Static_assert(sizeof(transport_names) / sizeof(transport_names[0]) ==
    AUTH_MAIL_TRANSPORT__MAX + 1, "mail_transport names match the enum");
_Static_assert(sizeof(smtp_tls_names) / sizeof(smtp_tls_names[0]) ==
    AUTH_SMTP_TLS__MAX + 1, "smtp_tls names match the enum");

static const char *
mail_check_smtp_url(char *s)
{
	const char	*rest;

	if (strncmp(s, "smtps://", 8) == 0)
		rest = s + 8;
	else if (strncmp(s, "smtp://", 7) == 0)
		rest = s + 7;
	else
		return "must start with smtp:// or smtps://";
	if (*rest == '\0' || *rest == '/' || *rest == ':')
		return "has no host";
	if (strpbrk(s, " \t\"'<>\\`@") != NULL)
		return "must not contain spaces, quotes, <> or @ (credentials "
		    "go in smtp_user and smtp_password_file)";
	return NULL;
}

static const char *
mail_check_sendmail(char *s)
{
	if (s[0] != '/')
		return "must be an absolute path";
	return NULL;
}

static const char *
mail_check_from(char *s)
{
	return auth_mail_from_parse(s, NULL, 0);
}

static const struct auth_cfg_key mail_keys[] = {
	AUTH_CFG_ENUM(mail_transport, transport_names, "file"),
	AUTH_CFG_STR(mail_file_dir, NULL, "/var/lib/authd/mail"),
	AUTH_CFG_STR(mail_templates_dir, NULL, AUTH_TEMPLATES_DIR),
	AUTH_CFG_STR(mail_from, mail_check_from, "authd <noreply@localhost>"),
	AUTH_CFG_STR(sendmail_path, mail_check_sendmail, "/usr/sbin/sendmail"),
	AUTH_CFG_STR(smtp_url, mail_check_smtp_url, "smtp://127.0.0.1:25"),
	AUTH_CFG_ENUM(smtp_tls, smtp_tls_names, "starttls"),
	AUTH_CFG_STR(smtp_user, NULL, ""),
	AUTH_CFG_STR(smtp_password_file, NULL, ""),
	AUTH_CFG_NUM(smtp_timeout, AUTH_CFG_T_LONG, 5, 600, "60"),
	AUTH_CFG_NUM(mail_max_attempts, AUTH_CFG_T_UINT, 1, 100, "10"),
	AUTH_CFG_NUM(mail_retry_base, AUTH_CFG_T_LONG, 1, 86400, "60"),
	AUTH_CFG_NUM(mail_retry_max, AUTH_CFG_T_LONG, 1, 604800, "3600"),
	AUTH_CFG_NUM(mail_poll_interval, AUTH_CFG_T_LONG, 1, 3600, "30"),
	AUTH_CFG_NUM(mail_claim_timeout, AUTH_CFG_T_LONG, 60, 86400, "600"),
};

/*
 * True if the host of the smtp:// or smtps:// url is a loopback address
 * (127.0.0.0/8, ::1) or "localhost".
 */
static bool
mail_smtp_loopback(const char *url)
{
	struct auth_cidr	 lo[2];
	char			 host[256];
	const char		*h;
	size_t			 n;
	int			 nlo;

	if ((h = strstr(url, "://")) == NULL)
		return false;
	h += 3;
	if (*h == '[') {
		h++;
		n = strcspn(h, "]");
	} else
		n = strcspn(h, ":/");
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	if (strcasecmp(host, "localhost") == 0)
		return true;
	nlo = auth_http_cidr_parse_list("127.0.0.0/8, ::1/128", lo, 2);
	return nlo == 2 && auth_http_cidr_match(lo, 2, host);
}

static const char *
mail_validate(const struct auth_config *c, const char **key)
{
	if (c->mail_retry_base > c->mail_retry_max) {
		*key = "mail_retry_base";
		return "mail_retry_base must not exceed mail_retry_max";
	}
	/* A lease shorter than a send could let two mailers send one message. */
	if (c->mail_claim_timeout < c->smtp_timeout + 30) {
		*key = "mail_claim_timeout";
		return "mail_claim_timeout must be at least smtp_timeout + 30";
	}
	if (c->smtp_user[0] != '\0' && c->smtp_password_file[0] == '\0') {
		*key = "smtp_user";
		return "smtp_user requires smtp_password_file";
	}
	/* AUTH in clear goes to a relay on this host only. */
	if (c->smtp_user[0] != '\0' && c->smtp_tls == AUTH_SMTP_TLS_NONE &&
	    strncmp(c->smtp_url, "smtp://", 7) == 0 &&
	    !mail_smtp_loopback(c->smtp_url)) {
		*key = "smtp_tls";
		return "smtp_tls none with smtp_user would send the SMTP "
		    "password in clear: use smtp_tls starttls or an smtps:// "
		    "smtp_url, or a loopback smtp_url host (127.0.0.0/8, ::1, "
		    "localhost)";
	}
	return NULL;
}

const struct auth_cfg_module auth_mail_cfg =
    AUTH_CFG_MODULE(mail_keys, mail_validate);
