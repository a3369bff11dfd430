/*
 * Secrets: random bytes and tokens from getrandom(2), constant-time
 * comparison, wiping, and the reader of secret files.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base_codec.h"
#include "base_err.h"
#include "base_secret.h"

int
auth_random_bytes(void *buf, size_t len)
{
	unsigned char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = getrandom(p, len > 256 ? 256 : len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
auth_token_new(char out[AUTH_TOKEN_LEN + 1])
{
	unsigned char	raw[AUTH_TOKEN_BYTES];
	int		rc = -1;

	if (auth_random_bytes(raw, sizeof(raw)) == -1)
		goto out;
	if (auth_b64url_encode(raw, sizeof(raw), out, AUTH_TOKEN_LEN + 1) !=
	    AUTH_TOKEN_LEN)
		goto out;
	rc = 0;
out:
	auth_wipe(raw, sizeof(raw));
	return rc;
}

bool
auth_token_wellformed(const char *s, size_t len)
{
	unsigned char	raw[AUTH_TOKEN_BYTES];
	bool		ok;

	if (s == NULL || len != AUTH_TOKEN_LEN)
		return false;
	ok = auth_b64url_decode(s, len, raw, sizeof(raw)) == AUTH_TOKEN_BYTES;
	auth_wipe(raw, sizeof(raw));
	return ok;
}

bool
auth_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen)
		return false;
	if (alen == 0)
		return true;
	if (a == NULL || b == NULL)
		return false;
	return CRYPTO_memcmp(a, b, alen) == 0;
}

void
auth_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}

void
auth_wipe_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	auth_wipe(p, len);
	free(p);
}

/*
 * Reads the regular file path (at most max bytes) into a malloc'd buffer
 * *out of *outlen bytes, NUL-terminated; with secret, refuses a file any
 * group or other permission bit is set on. The caller wipes and frees *out.
 * 0, or -1 with a reason in err.
 */
int
auth_key_file_read(const char *path, size_t max, bool secret,
    unsigned char **out, size_t *outlen, char *err, size_t errlen)
{
	struct stat	 st;
	unsigned char	*buf = NULL;
	size_t		 got = 0;
	ssize_t		 n;
	int		 fd, rc = -1;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		auth_errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		auth_errf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		auth_errf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (secret && (st.st_mode & 077) != 0) {
		auth_errf(err, errlen, "%s: accessible by group or others "
		    "(mode %03o); chmod 600 it", path,
		    (unsigned)(st.st_mode & 0777));
		goto out;
	}
	if (st.st_size < 0 || (size_t)st.st_size > max) {
		auth_errf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		auth_errf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (got <= max) {
		n = read(fd, buf + got, max + 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			auth_errf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max) {
		auth_errf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	buf = NULL;
	rc = 0;
out:
	auth_wipe_free(buf, max + 1);
	close(fd);
	return rc;
}

int
auth_key_file_load(const char *name, const char *path, unsigned char *key,
    size_t len, char *err, size_t errlen)
{
	unsigned char	*buf = NULL;
	size_t		 got = 0;
	int		 rc = -1;

	if (path == NULL || path[0] == '\0') {
		auth_errf(err, errlen, "%s is not set", name);
		return -1;
	}
	if (auth_key_file_read(path, len, true, &buf, &got, err, errlen) == -1)
		return -1;
	if (got != len) {
		auth_errf(err, errlen, "%s: must hold exactly %zu bytes", path,
		    len);
		goto out;
	}
	memcpy(key, buf, len);
	rc = 0;
out:
	auth_wipe_free(buf, len + 1);
	return rc;
}

/* Writes all len bytes of p to fd. 0, or -1 with errno set. */
static int
write_all(int fd, const unsigned char *p, size_t len)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

int
auth_key_file_create(const char *name, const char *path, size_t len,
    char *err, size_t errlen)
{
	unsigned char	key[64];
	int		fd, rc = -1;

	if (path == NULL || path[0] == '\0') {
		auth_errf(err, errlen, "%s is not set", name);
		return -1;
	}
	if (len > sizeof(key)) {
		auth_errf(err, errlen, "%s: keys longer than %zu bytes are not "
		    "made here", path, sizeof(key));
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 && errno == EEXIST)
		return 0;
	if (fd == -1) {
		auth_errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (auth_random_bytes(key, len) == -1) {
		auth_errf(err, errlen, "no random bytes");
		goto out;
	}
	if (write_all(fd, key, len) == -1 || fsync(fd) == -1) {
		auth_errf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	auth_wipe(key, sizeof(key));
	if (close(fd) == -1 && rc == 0) {
		auth_errf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc == -1)
		unlink(path);
	return rc;
}
