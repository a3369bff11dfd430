/*
 * The template engine of mails and pages: {{name}} placeholders replaced
 * by values, as is or HTML-escaped, into a growing buffer that is wiped
 * when freed; template files are read whole, bounded and checked as UTF-8.
 */
#ifndef AUTH_HTTP_TMPL_H
#define AUTH_HTTP_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "base_buf.h"

#define AUTH_TMPL_FILE_MAX	(64 * 1024)	/* bytes per template file */
#define AUTH_TMPL_BUF_MAX	(1024 * 1024)	/* bytes of a rendered text */
#define AUTH_TMPL_NAME_MAX	64		/* placeholder names */

/* A {{name}} placeholder and its value. */
struct auth_tmpl_var {
	const char	*name;
	const char	*value;
};

enum auth_tmpl_esc {
	AUTH_TMPL_RAW = 0,
	AUTH_TMPL_HTML,
	AUTH_TMPL__MAX
};

/* The entity of c in HTML text or attributes, or NULL if c stands as is. */
const char *auth_http_html_entity(char c);

/*
 * Appends tmpl with each {{name}} (spaces allowed inside the braces)
 * replaced by its value, escaped as esc says, to b. Returns 0, or -1 with
 * a reason in err for an unknown name or an unterminated placeholder.
 */
int	auth_http_tmpl_render(const char *tmpl,
	    const struct auth_tmpl_var *vars, size_t nvars, enum auth_tmpl_esc esc,
	    struct auth_buf *b, char *err, size_t errlen);

/*
 * auth_http_tmpl_render with, besides vars, the values html (nhtml of
 * them): HTML rendered from templates already, copied as they are.
 */
int	auth_http_tmpl_render_with(const char *tmpl,
	    const struct auth_tmpl_var *vars, size_t nvars,
	    const struct auth_tmpl_var *html, size_t nhtml,
	    enum auth_tmpl_esc esc, struct auth_buf *b, char *err,
	    size_t errlen);

/*
 * Reads dir/name+suffix whole into a malloc'd, NUL-terminated string the
 * caller frees: a regular file of at most AUTH_TMPL_FILE_MAX bytes of
 * UTF-8 without NUL. NULL with a one-line reason in err.
 */
char	*auth_http_tmpl_read(const char *dir, const char *name,
	    const char *suffix, char *err, size_t errlen);
/* The same for a file of at most max bytes; its length in *lenp (if not
 * NULL). */
char	*auth_http_file_read(const char *dir, const char *name,
	    const char *suffix, size_t max, size_t *lenp, char *err,
	    size_t errlen);

#endif
