/*
 * Key administration, for authctl: generate, activate, retire and list
 * the keys of a keys_dir. The endpoints never link it.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include "base_err.h"
#include "jwt.h"
#include "keyadmin.h"
#include "keyring_internal.h"

/* Writes len bytes to fd, retrying short writes. 0, or -1. */
static int
write_all(int fd, const void *p, size_t len)
{
	const unsigned char	*c = p;
	ssize_t			 n;

	while (len > 0) {
		n = write(fd, c, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Creates path exclusively with mode and writes the contents of the memory
 * BIO b. 0, or -1 with a reason in err (the file is removed on failure).
 */
static int
write_new_file(const char *path, mode_t mode, BIO *b, char *err,
    size_t errlen)
{
	char	*data;
	long	 len;
	int	 fd;

	if ((len = BIO_get_mem_data(b, &data)) <= 0) {
		auth_errf(err, errlen, "%s: nothing to write", path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1) {
		auth_errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1 || write_all(fd, data, (size_t)len) == -1 ||
	    fsync(fd) == -1) {
		auth_errf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) == -1) {
		auth_errf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

/* Writes kid + "\n" to dir/active through a temporary file and rename(2),
 * or with create_only through link(2), which never replaces a file. */
static int
write_active(const char *dir, const char *kid, bool create_only, char *err,
    size_t errlen)
{
	char	 tmp[AUTH_PATH_MAX + 64], active[AUTH_PATH_MAX + 64];
	BIO	*b;
	int	 rc = -1;

	if ((b = BIO_new(BIO_s_mem())) == NULL || BIO_printf(b, "%s\n",
	    kid) <= 0) {
		auth_errf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(active, sizeof(active), "%s/active", dir);
	snprintf(tmp, sizeof(tmp), "%s/.active.%ld", dir, (long)getpid());
	(void)unlink(tmp);
	if (write_new_file(tmp, 0644, b, err, errlen) == -1)
		goto out;
	if (create_only ? (link(tmp, active) == -1 && errno != EEXIST) :
	    rename(tmp, active) == -1) {
		auth_errf(err, errlen, "%s: %s", active, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (create_only)
		unlink(tmp);
	rc = 0;
out:
	BIO_free(b);
	return rc;
}

int
auth_keys_generate_alg(const char *dir, enum auth_jwt_alg alg, char *kid_out,
    size_t kid_len, char *err, size_t errlen)
{
	EVP_PKEY	*pkey = NULL;
	BIO		*priv = NULL, *pub = NULL;
	struct auth_key	 k;
	char		 keypath[AUTH_PATH_MAX + 64], pubpath[AUTH_PATH_MAX + 64];
	struct stat	 st;
	bool		 keyfile = false, pubfile = false;
	int		 rc = -1;

	if (dir == NULL || dir[0] == '\0' || strlen(dir) >= AUTH_PATH_MAX) {
		auth_errf(err, errlen, "no key directory");
		return -1;
	}
	if (alg != AUTH_JWT_ES256 && alg != AUTH_JWT_RS256) {
		auth_errf(err, errlen, "keys are ES256 or RS256");
		return -1;
	}
	/* The group (the verifiers' user, which has no private key) may read
	 * the directory and <kid>.pub; <kid>.key is 0600. */
	if (mkdir(dir, 0750) == -1 && errno != EEXIST) {
		auth_errf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		auth_errf(err, errlen, "%s: not a directory", dir);
		return -1;
	}
	pkey = alg == AUTH_JWT_ES256 ? EVP_EC_gen(SN_X9_62_prime256v1) :
	    EVP_RSA_gen(AUTH_RSA_BITS);
	if (pkey == NULL) {
		auth_errf(err, errlen, "cannot generate a %s key",
		    auth_jwt_alg_name(alg));
		goto out;
	}
	if (auth_keyring_describe(pkey, &k, "new key", err, errlen) == -1)
		goto out;
	if (kid_out == NULL || kid_len <= strlen(k.kid)) {
		auth_errf(err, errlen, "kid buffer too small");
		goto out;
	}
	priv = BIO_new(BIO_s_secmem());
	pub = BIO_new(BIO_s_mem());
	if (priv == NULL || pub == NULL ||
	    !PEM_write_bio_PrivateKey(priv, pkey, NULL, NULL, 0, NULL, NULL) ||
	    !PEM_write_bio_PUBKEY(pub, pkey)) {
		auth_errf(err, errlen, "cannot encode the key");
		goto out;
	}
	snprintf(keypath, sizeof(keypath), "%s/%s.key", dir, k.kid);
	if (write_new_file(keypath, 0600, priv, err, errlen) == -1)
		goto out;
	keyfile = true;
	snprintf(pubpath, sizeof(pubpath), "%s/%s.pub", dir, k.kid);
	if (write_new_file(pubpath, 0644, pub, err, errlen) == -1)
		goto out;
	pubfile = true;
	if (write_active(dir, k.kid, true, err, errlen) == -1)
		goto out;
	memcpy(kid_out, k.kid, strlen(k.kid) + 1);
	rc = 0;
out:
	if (rc == -1 && pubfile)
		unlink(pubpath);
	if (rc == -1 && keyfile)
		unlink(keypath);
	BIO_free(priv);
	BIO_free(pub);
	EVP_PKEY_free(pkey);
	return rc;
}

int
auth_keys_generate(const char *dir, char *kid_out, size_t kid_len,
    char *err, size_t errlen)
{
	return auth_keys_generate_alg(dir, AUTH_JWT_ES256, kid_out, kid_len,
	    err, errlen);
}

/* Checks that kid is a thumbprint and dir a usable directory path. */
static int
check_dir_kid(const char *dir, const char *kid, char *err, size_t errlen)
{
	if (dir == NULL || dir[0] == '\0' || strlen(dir) >= AUTH_PATH_MAX) {
		auth_errf(err, errlen, "no key directory");
		return -1;
	}
	if (kid == NULL || !auth_keyring_kid_valid(kid, strlen(kid))) {
		auth_errf(err, errlen, "not a key id: a kid is 43 base64url "
		    "characters (authctl keys list)");
		return -1;
	}
	return 0;
}

int
auth_keys_activate(const char *dir, const char *kid,
    enum auth_jwt_alg want_alg, char *err, size_t errlen)
{
	struct auth_key	 k;
	EVP_PKEY	*priv = NULL;
	int		 rc = -1;

	memset(&k, 0, sizeof(k));
	if (check_dir_kid(dir, kid, err, errlen) == -1)
		return -1;
	if (auth_keyring_load_pub(dir, kid, strlen(kid), &k, err, errlen) == -1)
		goto out;
	if (want_alg < AUTH_JWT_ALG__MAX && k.alg != want_alg) {
		auth_errf(err, errlen, "%s is an %s key but jwt_alg is %s: set "
		    "jwt_alg = %s first (the endpoints take it at their next "
		    "restart)", kid, auth_jwt_alg_name(k.alg),
		    auth_jwt_alg_name(want_alg), auth_jwt_alg_name(k.alg));
		goto out;
	}
	if ((priv = auth_keyring_load_priv(dir, kid, k.pub, err,
	    errlen)) == NULL)
		goto out;
	if (write_active(dir, kid, false, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	EVP_PKEY_free(priv);
	EVP_PKEY_free(k.pub);
	return rc;
}

int
auth_keys_retire(const char *dir, const char *kid, char *err, size_t errlen)
{
	char		 active[AUTH_KID_MAX + 1], rdir[AUTH_PATH_MAX + 64];
	char		 from[AUTH_PATH_MAX + 64], to[AUTH_PATH_MAX + 128];
	char		 aerr[256];
	struct stat	 st;

	if (check_dir_kid(dir, kid, err, errlen) == -1)
		return -1;
	if (auth_keyring_read_active(dir, active, aerr, sizeof(aerr)) == 0 &&
	    strcmp(active, kid) == 0) {
		auth_errf(err, errlen, "%s is the active key: activate another "
		    "key first", kid);
		return -1;
	}
	snprintf(from, sizeof(from), "%s/%s.pub", dir, kid);
	if (lstat(from, &st) == -1) {
		auth_errf(err, errlen, "%s: %s", from, strerror(errno));
		return -1;
	}
	snprintf(rdir, sizeof(rdir), "%s/" AUTH_KEYS_RETIRED, dir);
	if (mkdir(rdir, 0700) == -1 && errno != EEXIST) {
		auth_errf(err, errlen, "%s: %s", rdir, strerror(errno));
		return -1;
	}
	snprintf(to, sizeof(to), "%s/%s.pub", rdir, kid);
	if (rename(from, to) == -1) {
		auth_errf(err, errlen, "%s: %s", from, strerror(errno));
		return -1;
	}
	snprintf(from, sizeof(from), "%s/%s.key", dir, kid);
	if (unlink(from) == -1 && errno != ENOENT) {
		auth_errf(err, errlen, "%s retired, but its private key stays: "
		    "%s: %s", kid, from, strerror(errno));
		return -1;
	}
	return 0;
}

/* Describes the keys of one directory (retired or not) into out[*n...]. */
static int
list_dir(const char *dir, const char *sub, const char *active,
    struct auth_key_info *out, size_t max, size_t *n, char *err,
    size_t errlen)
{
	DIR		*d;
	struct dirent	*de;
	struct auth_key	 k;
	struct stat	 st;
	char		 path[AUTH_PATH_MAX + 64], kpath[AUTH_PATH_MAX + 512];
	size_t		 nlen;
	int		 rc = -1;

	if (sub != NULL)
		snprintf(path, sizeof(path), "%s/%s", dir, sub);
	else
		snprintf(path, sizeof(path), "%s", dir);
	if ((d = opendir(path)) == NULL) {
		if (sub != NULL && errno == ENOENT)
			return 0;
		auth_errf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if ((nlen = auth_keyring_pub_name(de->d_name)) == 0)
			continue;
		if (*n == max) {
			auth_errf(err, errlen, "%s: too many keys", path);
			goto out;
		}
		memset(&k, 0, sizeof(k));
		if (auth_keyring_load_pub(path, de->d_name, nlen, &k, err,
		    errlen) == -1) {
			EVP_PKEY_free(k.pub);
			goto out;
		}
		EVP_PKEY_free(k.pub);
		memset(&out[*n], 0, sizeof(out[*n]));
		memcpy(out[*n].kid, k.kid, sizeof(k.kid));
		out[*n].alg = k.alg;
		out[*n].bits = k.bits;
		out[*n].retired = sub != NULL;
		out[*n].active = sub == NULL && strcmp(k.kid, active) == 0;
		snprintf(kpath, sizeof(kpath), "%s/%s", path, de->d_name);
		if (stat(kpath, &st) == 0)
			out[*n].created = (long long)st.st_mtim.tv_sec;
		snprintf(kpath, sizeof(kpath), "%s/%s.key", path, k.kid);
		if (stat(kpath, &st) == 0) {
			out[*n].has_private = true;
			out[*n].private_loose = (st.st_mode & 077) != 0;
		}
		(*n)++;
	}
	rc = 0;
out:
	closedir(d);
	return rc;
}

long
auth_keys_list(const char *dir, struct auth_key_info *out, size_t max,
    char *err, size_t errlen)
{
	char	active[AUTH_KID_MAX + 1] = "", aerr[256];
	size_t	n = 0;

	if (dir == NULL || dir[0] == '\0' || strlen(dir) >= AUTH_PATH_MAX) {
		auth_errf(err, errlen, "no key directory");
		return -1;
	}
	if (auth_keyring_read_active(dir, active, aerr, sizeof(aerr)) == -1)
		active[0] = '\0';
	if (list_dir(dir, NULL, active, out, max, &n, err, errlen) == -1 ||
	    list_dir(dir, AUTH_KEYS_RETIRED, active, out, max, &n, err,
	    errlen) == -1)
		return -1;
	return (long)n;
}
