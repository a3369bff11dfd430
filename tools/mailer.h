/*
 * auth-mailer's parts: the process state and the transports. Each
 * transport sends one rendered message (mailer_smtp.c, mailer_file.c,
 * mailer_sendmail.c).
 */
#ifndef AUTH_MAILER_H
#define AUTH_MAILER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "mail.h"
#include "seal.h"
#include "store_outbox.h"

#define MAILER_PASSWORD_MAX	512

enum send_result {
	SEND_OK = 0,
	SEND_RETRY,		/* try again later */
	SEND_PERMANENT,		/* the recipient or the message was refused */
	SEND_RESULT__MAX
};

struct mailer {
	struct auth_config	 cfg;
	unsigned char		 key[AUTH_SEAL_KEY_LEN];
	char			 from_addr[AUTH_MAIL_ADDR_MAX + 1];
	char			 password[MAILER_PASSWORD_MAX + 1];
	bool			 once;
};

/* Sends msg (len bytes), the rendered message of claimed row m; on
 * failure err (errlen bytes) says why. */
typedef enum send_result (*mailer_send_fn)(const struct mailer *mr,
	    const struct auth_outbox_msg *m, const char *msg, size_t len,
	    char *err, size_t errlen);

/* Over SMTP (libcurl) to smtp_url. A 5xx answer to RCPT TO or to the end
 * of the data is permanent; anything else is retried. */
enum send_result mailer_smtp_send(const struct mailer *mr,
	    const struct auth_outbox_msg *m, const char *msg, size_t len,
	    char *err, size_t errlen);
/* Piped to sendmail_path -i -f FROM -- RCPT (never -t), within
 * smtp_timeout seconds. Exit 65, 67 or 68 (sysexits: data error, no such
 * user or host) is permanent; any other failure is retried. */
enum send_result mailer_sendmail_send(const struct mailer *mr,
	    const struct auth_outbox_msg *m, const char *msg, size_t len,
	    char *err, size_t errlen);
/* As <mail_file_dir>/<time>-<id>-<attempt>.eml, written atomically. */
enum send_result mailer_file_send(const struct mailer *mr,
	    const struct auth_outbox_msg *m, const char *msg, size_t len,
	    char *err, size_t errlen);

#endif
