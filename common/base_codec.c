/* SHA-256, base64url, lowercase hex, the UUID check. */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include <openssl/sha.h>

#include "base_codec.h"

static const char b64url_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value of one base64url character, or -1 for anything else. */
static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

void
auth_sha256(const void *data, size_t len, unsigned char out[AUTH_HASH_LEN])
{
	SHA256(data, len, out);
}

size_t
auth_b64url_encode(const void *in, size_t len, char *out, size_t outsz)
{
	const unsigned char	*p = in;
	size_t			 need, i, o = 0;
	uint32_t		 v;

	if (len > (SIZE_MAX - 3) / 4 * 3)
		return 0;
	need = len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
	if (out == NULL || outsz < need + 1)
		return 0;
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64url_alpha[v >> 18 & 63];
		out[o++] = b64url_alpha[v >> 12 & 63];
		out[o++] = b64url_alpha[v >> 6 & 63];
		out[o++] = b64url_alpha[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)p[i] << 16;
		out[o++] = b64url_alpha[v >> 18 & 63];
		out[o++] = b64url_alpha[v >> 12 & 63];
	} else if (len - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = b64url_alpha[v >> 18 & 63];
		out[o++] = b64url_alpha[v >> 12 & 63];
		out[o++] = b64url_alpha[v >> 6 & 63];
	}
	out[o] = '\0';
	return o;
}

/*
 * Strict decoder: no padding, no whitespace, a length of 1 mod 4 is invalid
 * and the unused low bits of the last character must be zero, so every byte
 * string has exactly one accepted encoding.
 */
ssize_t
auth_b64url_decode(const char *in, size_t len, void *out, size_t outsz)
{
	unsigned char	*p = out;
	size_t		 need, i, o = 0, rem;
	uint32_t	 v;
	int		 c[4], k;

	if (in == NULL || len % 4 == 1 || len > SSIZE_MAX)
		return -1;
	rem = len % 4;
	need = len / 4 * 3 + (rem == 0 ? 0 : rem - 1);
	if (need > outsz || (need > 0 && out == NULL))
		return -1;
	for (i = 0; i + 4 <= len; i += 4) {
		for (k = 0; k < 4; k++)
			if ((c[k] = b64url_value((unsigned char)in[i + k])) < 0)
				return -1;
		v = (uint32_t)c[0] << 18 | (uint32_t)c[1] << 12 |
		    (uint32_t)c[2] << 6 | (uint32_t)c[3];
		p[o++] = v >> 16 & 0xff;
		p[o++] = v >> 8 & 0xff;
		p[o++] = v & 0xff;
	}
	if (rem == 0)
		return (ssize_t)o;
	for (k = 0; k < (int)rem; k++)
		if ((c[k] = b64url_value((unsigned char)in[i + k])) < 0)
			return -1;
	if (rem == 2) {
		if (c[1] & 0x0f)
			return -1;
		p[o++] = (unsigned char)(c[0] << 2 | c[1] >> 4);
	} else {
		if (c[2] & 0x03)
			return -1;
		v = (uint32_t)c[0] << 18 | (uint32_t)c[1] << 12 |
		    (uint32_t)c[2] << 6;
		p[o++] = v >> 16 & 0xff;
		p[o++] = v >> 8 & 0xff;
	}
	return (ssize_t)o;
}

bool
auth_uuid_valid(const char *s, size_t len)
{
	size_t	i;

	if (s == NULL || len != AUTH_UUID_LEN)
		return false;
	for (i = 0; i < len; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

void
auth_hex(const void *in, size_t len, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	const unsigned char	*p = in;
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * len] = '\0';
}
