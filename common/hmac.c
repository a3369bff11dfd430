/* The server's HMAC secret and the keyed digests made with it. */
#include "hmac.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "base_err.h"
#include "base_secret.h"

static const char *const purpose_names[AUTH_HMAC__MAX] = {
	[AUTH_HMAC_REFRESH_SUCCESSOR] = "refresh-successor",
	[AUTH_HMAC_CSRF] = "csrf",
	[AUTH_HMAC_REDIS_KEY] = "redis-key",
	[AUTH_HMAC_ADMIN_CURSOR] = "admin-cursor",
};

static unsigned char	hmac_key[AUTH_HMAC_KEY_LEN];
static bool		hmac_loaded;
static EVP_MAC		*hmac_mac;	/* fetched with the key, not per digest */

const char *
auth_hmac_purpose_name(enum auth_hmac_purpose p)
{
	if ((unsigned)p >= AUTH_HMAC__MAX)
		return "unknown";
	return purpose_names[p];
}

int
auth_hmac_key_load(const char *path, char *err, size_t errlen)
{
	auth_hmac_key_unload();
	if (auth_key_file_load("hmac_key_file", path, hmac_key,
	    sizeof(hmac_key), err, errlen) == -1)
		return -1;
	if ((hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL) {
		auth_errf(err, errlen, "hmac_key_file: no HMAC in OpenSSL");
		auth_wipe(hmac_key, sizeof(hmac_key));
		return -1;
	}
	hmac_loaded = true;
	return 0;
}

void
auth_hmac_key_unload(void)
{
	auth_wipe(hmac_key, sizeof(hmac_key));
	EVP_MAC_free(hmac_mac);
	hmac_mac = NULL;
	hmac_loaded = false;
}

int
auth_hmac_key_generate(const char *path, char *err, size_t errlen)
{
	return auth_key_file_create("hmac_key_file", path, AUTH_HMAC_KEY_LEN,
	    err, errlen);
}

int
auth_hmac(enum auth_hmac_purpose p, const void *data, size_t len,
    unsigned char out[AUTH_HASH_LEN])
{
	EVP_MAC_CTX	*c = NULL;
	OSSL_PARAM	 params[2];
	const char	*label;
	size_t		 n = 0;
	int		 rc = -1;

	if (!hmac_loaded || (unsigned)p >= AUTH_HMAC__MAX)
		return -1;
	label = purpose_names[p];
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((c = EVP_MAC_CTX_new(hmac_mac)) == NULL ||
	    EVP_MAC_init(c, hmac_key, sizeof(hmac_key), params) != 1 ||
	    EVP_MAC_update(c, (const unsigned char *)label,
	    strlen(label) + 1) != 1 ||
	    (len > 0 && EVP_MAC_update(c, data, len) != 1) ||
	    EVP_MAC_final(c, out, &n, AUTH_HASH_LEN) != 1 ||
	    n != AUTH_HASH_LEN)
		goto out;
	rc = 0;
out:
	EVP_MAC_CTX_free(c);
	if (rc == -1)
		auth_wipe(out, AUTH_HASH_LEN);
	return rc;
}

/* ---- configuration ------------------------------------------------------ */

static const struct auth_cfg_key hmac_keys[] = {
	AUTH_CFG_STR(hmac_key_file, NULL, "/etc/authd/hmac.key"),
};

const struct auth_cfg_module auth_hmac_cfg = AUTH_CFG_MODULE(hmac_keys, NULL);
