/*
 * libFuzzer harness for mail templates: input "NAME.txt\0NAME.html", loaded
 * as a template and rendered into a message; the page template renderer
 * on the same text.
 */
#include <stdlib.h>
#include <string.h>

#include "base_buf.h"
#include "http_tmpl.h"
#include "mail.h"
#include "fuzz.h"

static const struct auth_tmpl_var vars[] = {
	{ "link", "https://auth.example/verify-email?token=abc" },
	{ "email", "user@example.com" },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_mail_head h = { "Authd <noreply@example.com>",
	    "user@example.com", 1795000000, "abcdefghijklmnopqrstuvwx" };
	struct auth_mail_template *t;
	struct auth_buf b = AUTH_BUF_INIT(65536);
	char *txt, *html, *msg = NULL, err[256], addr[256];
	size_t len, mlen = 0;

	fuzz_split(data, size, &txt, &html);
	len = strlen(txt);
	(void)fuzz_file("t.txt", (const uint8_t *)txt, len);
	(void)fuzz_file("t.html", (const uint8_t *)html, strlen(html));
	if ((t = auth_mail_template_load(fuzz_dir(), "t", err,
	    sizeof(err))) != NULL) {
		if (auth_mail_build(t, &h, vars, 2, &msg, &mlen, err,
		    sizeof(err)) == 0 && strlen(msg) != mlen)
			abort();
		free(msg);
		auth_mail_template_free(t);
	}
	(void)auth_http_tmpl_render(html, vars, 2, AUTH_TMPL_HTML, &b, err,
	    sizeof(err));
	auth_buf_free(&b);
	(void)auth_mail_from_parse(txt, addr, sizeof(addr));
	free(txt);
	return 0;
}
