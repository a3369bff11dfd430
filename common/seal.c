/* Sealing of outbox payloads with AES-256-GCM. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base_err.h"
#include "seal.h"
#include "base_codec.h"
#include "base_secret.h"

#define SEAL_NONCE_LEN	12
#define SEAL_TAG_LEN	16

int
auth_seal_key_load(const char *path, unsigned char key[AUTH_SEAL_KEY_LEN],
    char *err, size_t errlen)
{
	return auth_key_file_load("outbox_key_file", path, key,
	    AUTH_SEAL_KEY_LEN, err, errlen);
}

int
auth_seal_key_generate(const char *path, char *err, size_t errlen)
{
	return auth_key_file_create("outbox_key_file", path, AUTH_SEAL_KEY_LEN,
	    err, errlen);
}

int
auth_seal(const unsigned char key[AUTH_SEAL_KEY_LEN], const void *aad,
    size_t aadlen, const void *pt, size_t len, unsigned char **out,
    size_t *outlen)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	*buf = NULL;
	int		 n, fin;
	int		 rc = -1;

	*out = NULL;
	*outlen = 0;
	if (len > INT_MAX - AUTH_SEAL_OVERHEAD || aadlen > INT_MAX ||
	    (len > 0 && pt == NULL) || (aadlen > 0 && aad == NULL))
		return -1;
	if ((buf = malloc(len + AUTH_SEAL_OVERHEAD)) == NULL)
		return -1;
	if (auth_random_bytes(buf, SEAL_NONCE_LEN) == -1)
		goto out;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_EncryptInit_ex(ctx, NULL, NULL, key, buf) != 1)
		goto out;
	if (aadlen > 0 &&
	    EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		goto out;
	n = 0;
	if (len > 0 && EVP_EncryptUpdate(ctx, buf + SEAL_NONCE_LEN, &n, pt,
	    (int)len) != 1)
		goto out;
	if (EVP_EncryptFinal_ex(ctx, buf + SEAL_NONCE_LEN + n, &fin) != 1 ||
	    (size_t)n + (size_t)fin != len)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_LEN,
	    buf + SEAL_NONCE_LEN + len) != 1)
		goto out;
	*out = buf;
	*outlen = len + AUTH_SEAL_OVERHEAD;
	buf = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	free(buf);
	return rc;
}

int
auth_unseal(const unsigned char key[AUTH_SEAL_KEY_LEN], const void *aad,
    size_t aadlen, const unsigned char *in, size_t len, char **out,
    size_t *outlen)
{
	EVP_CIPHER_CTX	*ctx = NULL;
	unsigned char	 tag[SEAL_TAG_LEN];
	char		*buf = NULL;
	size_t		 ctlen;
	int		 n = 0, fin;
	int		 rc = -1;

	*out = NULL;
	*outlen = 0;
	if (in == NULL || len < AUTH_SEAL_OVERHEAD || len > INT_MAX ||
	    aadlen > INT_MAX || (aadlen > 0 && aad == NULL))
		return -1;
	ctlen = len - AUTH_SEAL_OVERHEAD;
	if ((buf = malloc(ctlen + 1)) == NULL)
		return -1;
	memcpy(tag, in + len - SEAL_TAG_LEN, SEAL_TAG_LEN);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, SEAL_NONCE_LEN,
	    NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, in) != 1)
		goto out;
	if (aadlen > 0 &&
	    EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1)
		goto out;
	n = 0;
	if (ctlen > 0 && EVP_DecryptUpdate(ctx, (unsigned char *)buf, &n,
	    in + SEAL_NONCE_LEN, (int)ctlen) != 1)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_LEN,
	    tag) != 1)
		goto out;
	if (EVP_DecryptFinal_ex(ctx, (unsigned char *)buf + n, &fin) != 1 ||
	    (size_t)n + (size_t)fin != ctlen)
		goto out;
	buf[ctlen] = '\0';
	*out = buf;
	*outlen = ctlen;
	buf = NULL;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	auth_wipe_free(buf, ctlen + 1);
	return rc;
}

/* ---- configuration ------------------------------------------------------ */

static const struct auth_cfg_key seal_keys[] = {
	AUTH_CFG_STR(outbox_key_file, NULL, "/etc/authd/outbox.key"),
};

const struct auth_cfg_module auth_seal_cfg = AUTH_CFG_MODULE(seal_keys, NULL);
