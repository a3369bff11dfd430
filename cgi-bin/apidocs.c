/*
 * The API documentation, files of the installed apidocs directory
 * (AUTH_APIDOCS_DIR, made at build time):
 *   GET /auth/openapi.json   openapi.yaml as JSON
 *   GET /auth/docs           the page rendering it (Swagger UI)
 *   GET /auth/docs/NAME      the page's script and stylesheets, cacheable
 * Served by the service itself, under every web server alike: nothing is
 * loaded from another host. No database, no limits.
 */
#include <stdlib.h>
#include <string.h>

#include "endpoint.h"
#include "endpoint_web.h"
#include "http_tmpl.h"
#include "log.h"

#define DOCS		"/auth/docs"
#define FILE_MAX	(8 * 1024 * 1024)	/* bytes; the bundle is ~2 MB */
#define JS		"text/javascript; charset=utf-8"
#define CSS		"text/css; charset=utf-8"

/*
 * The pages' policy with the one thing Swagger UI needs besides: the
 * data: images of its stylesheet (its styles are a file, set inline only
 * through the DOM, which style-src does not restrict). Scripts, styles,
 * connections and everything else: this origin only.
 */
#define DOCS_CSP	"default-src 'self'; img-src 'self' data:; " \
			"frame-ancestors 'none'; form-action 'self'; " \
			"base-uri 'none'"

struct doc_file {
	const char	*path;
	const char	*file;		/* in AUTH_APIDOCS_DIR */
	const char	*type;
	bool		 page;		/* the HTML page: its headers */
};

static const struct doc_file files[] = {
	{ "/auth/openapi.json", "openapi.json", "application/json", false },
	{ DOCS, "index.html", "text/html; charset=utf-8", true },
	{ DOCS "/docs.js", "docs.js", JS, false },
	{ DOCS "/swagger-ui-bundle.js", "swagger-ui-bundle.js", JS, false },
	{ DOCS "/swagger-ui.css", "swagger-ui.css", CSS, false },
};

static enum auth_err
serve(struct auth_ctx *ctx, struct auth_req *req, struct auth_resp *rs)
{
	const struct doc_file *f = NULL;
	char err[512], *body = NULL;
	size_t i, len = 0;
	enum auth_err e = AUTH_ERR_INTERNAL;

	(void)ctx;
	for (i = 0; i < AUTH_NITEMS(files) && f == NULL; i++)
		if (strcmp(req->path, files[i].path) == 0)
			f = &files[i];
	if (f == NULL)
		return AUTH_ERR_NOT_FOUND;
	err[0] = '\0';
	if ((body = auth_http_file_read(AUTH_APIDOCS_DIR, f->file, "",
	    FILE_MAX, &len, err, sizeof(err))) == NULL) {
		auth_log_error(req->request_id, "apidocs: %s", err);
		goto out;
	}
	if (!f->page) {
		if (auth_endpoint_static(rs, body, len, f->type) == 0)
			e = AUTH_OK;
		goto out;
	}
	if (auth_http_resp_html(rs, 200, body, len) != 0)
		goto out;
	/* As every page: never stored, never framed. */
	auth_resp_header(rs, "Content-Security-Policy", DOCS_CSP);
	auth_resp_header(rs, "Referrer-Policy", "no-referrer");
	auth_resp_header(rs, "X-Frame-Options", "DENY");
	e = AUTH_OK;
out:
	free(body);
	return e;
}

static const struct auth_route routes[] = {
	{ "/auth/openapi.json", false, NULL, AUTH_M(AUTH_GET), 0, serve },
	{ DOCS, false, NULL, AUTH_M(AUTH_GET), 0, serve },
	{ DOCS "/docs.js", false, NULL, AUTH_M(AUTH_GET), 0, serve },
	{ DOCS "/swagger-ui-bundle.js", false, NULL, AUTH_M(AUTH_GET), 0,
	    serve },
	{ DOCS "/swagger-ui.css", false, NULL, AUTH_M(AUTH_GET), 0, serve },
};

static const struct auth_endpoint endpoint = {
	.name = "apidocs",
	.fields = NULL,
	.nfields = 0,
	AUTH_ENDPOINT_ROUTES(routes),
};

AUTH_ENDPOINT_MAIN(endpoint)
