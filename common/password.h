/*
 * Password hashing (libxcrypt, yescrypt; bcrypt and older yescrypt verified)
 * and the password policy (length, zxcvbn, cracklib, the email's local part).
 */
#ifndef AUTH_PASSWORD_H
#define AUTH_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "base_err.h"
#include "config.h"

#define AUTH_PW_MIN_CHARS	8	/* Unicode code points */
#define AUTH_PW_MAX_BYTES	1024
#define AUTH_PW_HASH_MAX	256	/* room for any crypt(5) string */
#define AUTH_PW_MIN_GUESSES_LOG10 10	/* zxcvbn guesses, as log10 */

/*
 * Prepares the dummy hash used to spend equal work for unknown accounts.
 * Call once at start with the configured cost. 0, or -1.
 */
int	auth_pw_init(unsigned cost);

/*
 * Hashes pw (len bytes, valid UTF-8, no NUL) with yescrypt at cost into out.
 * Passphrases longer than libxcrypt accepts are pre-hashed with a
 * domain-separated SHA-512, never truncated.
 */
enum auth_err auth_pw_hash(const char *pw, size_t len, unsigned cost,
	    char out[AUTH_PW_HASH_MAX]);

/*
 * Verifies pw against stored (any scheme libxcrypt knows). Returns 1 on match,
 * 0 on mismatch, -1 on error. On a match, *rehash says whether stored uses
 * another scheme or other parameters than yescrypt at cost.
 */
int	auth_pw_verify(const char *pw, size_t len, const char *stored,
	    unsigned cost, bool *rehash);

/* Spends the work of one verification against the dummy hash. */
void	auth_pw_burn(const char *pw, size_t len);

/*
 * Policy check for a new password. Returns NULL if acceptable, else a short
 * static reason suitable for a 422 field error (never echoes the password):
 * at least AUTH_PW_MIN_CHARS code points, at most AUTH_PW_MAX_BYTES bytes of
 * UTF-8; not containing the local part of email (may be NULL); at least
 * 10^AUTH_PW_MIN_GUESSES_LOG10 guesses by zxcvbn (common passwords, words,
 * names, l33t, keyboard patterns, sequences, dates, repeats), with email's
 * local part and domain words and site (the service's host name, may be
 * NULL) as the user's own words; and, with dict (the cracklib dictionary
 * prefix, may be NULL or ""), not a cracklib dictionary word. Every length
 * is judged, however long.
 */
const char *auth_pw_policy(const char *pw, size_t len, const char *email,
	    size_t email_len, const char *site, const char *dict);

/*
 * The host of url ("https://auth.example.org:8443/x" gives
 * "auth.example.org") into out (outsz bytes); its length, or 0 if none.
 */
size_t	auth_pw_site(const char *url, char *out, size_t outsz);

/*
 * A new password for the account at email: the policy check (the site is
 * the host of cfg->public_url, the dictionary cfg->cracklib_dict), then the
 * hash at cfg->password_cost into out. AUTH_ERR_VALIDATION with the reason
 * in *weak, or the result of auth_pw_hash.
 */
enum auth_err auth_pw_new(const char *pw, size_t len, const char *email,
	    const struct auth_config *cfg, char out[AUTH_PW_HASH_MAX],
	    const char **weak);

/* The keys password_cost and cracklib_dict. */
extern const struct auth_cfg_module auth_pw_cfg;

#endif
