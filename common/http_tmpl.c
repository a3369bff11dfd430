/*
 * The template engine of mails and pages: placeholders, escaping, a
 * bounded buffer wiped when freed, and the file reader.
 */
#include "http_tmpl.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base_utf8.h"
#include "base_codec.h"
#include "base_secret.h"

/* Reads dir/name+suffix whole into a malloc'd string; NULL with a reason. */
char *
auth_http_tmpl_read(const char *dir, const char *name, const char *suffix,
    char *err, size_t errlen)
{
	return auth_http_file_read(dir, name, suffix, AUTH_TMPL_FILE_MAX, NULL,
	    err, errlen);
}

char *
auth_http_file_read(const char *dir, const char *name, const char *suffix,
    size_t max, size_t *lenp, char *err, size_t errlen)
{
	struct stat	 st;
	char		 path[4096];
	char		*buf = NULL;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd = -1, len;

	len = snprintf(path, sizeof(path), "%s/%s%s", dir, name, suffix);
	if (len < 0 || (size_t)len >= sizeof(path)) {
		snprintf(err, errlen, "template %s%s: path too long", name,
		    suffix);
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "template %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "template %s: not a regular file", path);
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		snprintf(err, errlen, "template %s: larger than %zu bytes", path,
		    max);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "template %s: out of memory", path);
		goto out;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	if (off != (size_t)st.st_size || !auth_utf8_check(buf, off, false, NULL)) {
		snprintf(err, errlen, "template %s: %s", path,
		    off != (size_t)st.st_size ? "short read" :
		    "not UTF-8 text (or holds a NUL byte)");
		free(buf);
		buf = NULL;
	} else if (lenp != NULL)
		*lenp = off;
out:
	close(fd);
	return buf;
}

const char *
auth_http_html_entity(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

/* Appends v escaped for the part being rendered. */
static void
put_value(struct auth_buf *b, const char *v, enum auth_tmpl_esc esc)
{
	const char	*rep;

	if (esc == AUTH_TMPL_RAW) {
		auth_buf_str(b, v);
		return;
	}
	for (; *v != '\0'; v++) {
		rep = auth_http_html_entity(*v);
		if (rep != NULL)
			auth_buf_str(b, rep);
		else
			auth_buf_add(b, v, 1);
	}
}

/*
 * Replaces each {{name}} (spaces allowed inside the braces) of tmpl by its
 * value. An unknown name or an unterminated placeholder is an error.
 */
int
auth_http_tmpl_render(const char *tmpl, const struct auth_tmpl_var *vars,
    size_t nvars, enum auth_tmpl_esc esc, struct auth_buf *b, char *err,
    size_t errlen)
{
	return auth_http_tmpl_render_with(tmpl, vars, nvars, NULL, 0, esc, b,
	    err, errlen);
}

/* The value of the placeholder n (nlen bytes) in vars, or NULL. */
static const struct auth_tmpl_var *
find_var(const struct auth_tmpl_var *vars, size_t nvars, const char *n,
    size_t nlen)
{
	size_t i;

	for (i = 0; i < nvars; i++)
		if (strlen(vars[i].name) == nlen &&
		    memcmp(vars[i].name, n, nlen) == 0)
			return &vars[i];
	return NULL;
}

int
auth_http_tmpl_render_with(const char *tmpl, const struct auth_tmpl_var *vars,
    size_t nvars, const struct auth_tmpl_var *html, size_t nhtml,
    enum auth_tmpl_esc esc, struct auth_buf *b, char *err, size_t errlen)
{
	const struct auth_tmpl_var *v;
	const char	*p = tmpl, *open, *n, *ne, *close;
	size_t		 nlen;

	while ((open = strstr(p, "{{")) != NULL) {
		auth_buf_add(b, p, (size_t)(open - p));
		n = open + 2;
		while (*n == ' ')
			n++;
		for (ne = n; (*ne >= 'a' && *ne <= 'z') ||
		    (*ne >= '0' && *ne <= '9') || *ne == '_'; ne++)
			;
		nlen = (size_t)(ne - n);
		close = ne;
		while (*close == ' ')
			close++;
		if (nlen == 0 || nlen > AUTH_TMPL_NAME_MAX ||
		    strncmp(close, "}}", 2) != 0) {
			snprintf(err, errlen, "a \"{{\" that does not start a "
			    "{{name}} placeholder");
			return -1;
		}
		if ((v = find_var(vars, nvars, n, nlen)) != NULL)
			put_value(b, v->value, esc);
		else if ((v = find_var(html, nhtml, n, nlen)) != NULL)
			put_value(b, v->value, AUTH_TMPL_RAW);
		else {
			snprintf(err, errlen, "unknown placeholder {{%.*s}}",
			    (int)nlen, n);
			return -1;
		}
		p = close + 2;
	}
	auth_buf_str(b, p);
	return 0;
}
