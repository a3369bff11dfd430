/* auth-mailer's file transport: one .eml file per attempt. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mailer.h"

/* Writes msg as <mail_file_dir>/<time>-<id>-<attempt>.eml, atomically. */
enum send_result
mailer_file_send(const struct mailer *mr, const struct auth_outbox_msg *m,
    const char *msg, size_t len, char *err, size_t errlen)
{
	char		 path[AUTH_PATH_MAX + 96], tmp[AUTH_PATH_MAX + 96];
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd;
	bool		 ok;

	snprintf(path, sizeof(path), "%s/%lld-%lld-%d.eml",
	    mr->cfg.mail_file_dir, (long long)time(NULL), m->id, m->attempts);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%lld-%d-%ld",
	    mr->cfg.mail_file_dir, m->id, m->attempts, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0640)) == -1) {
		snprintf(err, errlen, "file: %.300s: %s", tmp, strerror(errno));
		return SEND_RETRY;
	}
	while (off < len) {
		n = write(fd, msg + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	ok = off == len && fsync(fd) == 0;
	if (close(fd) == -1)
		ok = false;
	if (!ok || rename(tmp, path) == -1) {
		snprintf(err, errlen, "file: %.300s: %s", path,
		    off != len ? "short write" : strerror(errno));
		unlink(tmp);
		return SEND_RETRY;
	}
	return SEND_OK;
}
