/* auth-mailer's SMTP transport, on libcurl. */
#include <string.h>

#include <curl/curl.h>

#include "mailer.h"

#define MAILER_CONNECT_TIMEOUT	10	/* seconds */

/* The upload of one message through libcurl's read callback. */
struct upload {
	const char	*p;
	size_t		 left;
};

static size_t
upload_read(char *buf, size_t size, size_t n, void *arg)
{
	struct upload	*u = arg;
	size_t		 want = size * n;

	if (want > u->left)
		want = u->left;
	memcpy(buf, u->p, want);
	u->p += want;
	u->left -= want;
	return want;
}

/*
 * Sends msg to rcpt over SMTP. A 5xx answer to RCPT TO or to the end of
 * the data is permanent; anything else (no connection, TLS, AUTH, 4xx, a
 * 5xx to the greeting or MAIL FROM: a server or configuration problem)
 * is retried.
 */
enum send_result
mailer_smtp_send(const struct mailer *mr, const struct auth_outbox_msg *m,
    const char *msg, size_t len, char *err, size_t errlen)
{
	CURL			*c;
	struct curl_slist	*rcpts = NULL;
	struct upload		 up = { msg, len };
	char			 from[AUTH_MAIL_ADDR_MAX + 3];
	char			 to[AUTH_MAIL_ADDR_MAX + 3];
	char			 ebuf[CURL_ERROR_SIZE];
	enum send_result	 rc = SEND_RETRY;
	CURLcode		 res;
	long			 code = 0;

	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "smtp: curl_easy_init failed");
		return SEND_RETRY;
	}
	snprintf(from, sizeof(from), "<%s>", mr->from_addr);
	snprintf(to, sizeof(to), "<%s>", m->recipient);
	if ((rcpts = curl_slist_append(NULL, to)) == NULL) {
		snprintf(err, errlen, "smtp: out of memory");
		goto out;
	}
	ebuf[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, mr->cfg.smtp_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	    (long)(mr->cfg.smtp_timeout < MAILER_CONNECT_TIMEOUT ?
	    mr->cfg.smtp_timeout : MAILER_CONNECT_TIMEOUT));
	curl_easy_setopt(c, CURLOPT_TIMEOUT, mr->cfg.smtp_timeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	if (strncmp(mr->cfg.smtp_url, "smtp://", 7) == 0 &&
	    mr->cfg.smtp_tls == AUTH_SMTP_STARTTLS)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (mr->cfg.smtp_user[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, mr->cfg.smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, mr->password);
	}
	res = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (res == CURLE_OK) {
		rc = SEND_OK;
		goto out;
	}
	snprintf(err, errlen, "smtp: %s", ebuf[0] != '\0' ? ebuf :
	    curl_easy_strerror(res));
	if (code >= 500 && code <= 599 && res != CURLE_LOGIN_DENIED &&
	    (strncmp(ebuf, "RCPT failed", 11) == 0 || up.left == 0))
		rc = SEND_PERMANENT;
out:
	curl_slist_free_all(rcpts);
	curl_easy_cleanup(c);
	return rc;
}
