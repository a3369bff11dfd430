/* Password hashing with libxcrypt (yescrypt) and the password policy. */
#include <sys/stat.h>

#include <stddef.h>

#include <crack.h>
#include <crypt.h>
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>
#include <zxcvbn.h>

#include "password.h"
#include "base_codec.h"
#include "base_secret.h"
#include "base_utf8.h"

#define PW_COST_MIN		1
#define PW_COST_MAX		11
#define PW_PREHASH_LEN		(1 + 86)	/* 0xff + base64url(SHA-512) */
#define PW_CRACKLIB_MAX		255		/* cracklib truncates past this */
#define PW_REPEAT_UNIT_MAX	64	/* longest unit the repeat check folds */
#define PW_FOLD_RUNS		16	/* distinct runs a fold tells apart */
#define PW_FOLD_ROUNDS		10	/* nesting 2^10 deep fills 1024 bytes */
#define PW_WORDS_MAX		16	/* user inputs given to zxcvbn */
#define PW_WORD_MIN		3
#define PW_WORD_MAX		64

static char	pw_dummy[AUTH_PW_HASH_MAX];
static unsigned	pw_dummy_cost;

static char	pw_params[CRYPT_GENSALT_OUTPUT_SIZE];	/* "$y$j9T$" for pw_params_cost */
static unsigned	pw_params_cost;

/*
 * Builds the NUL-terminated phrase handed to crypt into buf. Passwords that
 * libxcrypt would refuse as too long become 0xff || base64url(SHA-512(pw)),
 * when prehash is set (yescrypt only); 0xff never starts valid UTF-8, so no
 * typed password collides with a pre-hashed one. 0, or -1.
 */
static int
pw_phrase(const char *pw, size_t len, bool prehash,
    char buf[CRYPT_MAX_PASSPHRASE_SIZE])
{
	unsigned char	digest[SHA512_DIGEST_LENGTH];
	int		rc = -1;

	if (pw == NULL || len > AUTH_PW_MAX_BYTES || memchr(pw, '\0', len))
		return -1;
	if (len < CRYPT_MAX_PASSPHRASE_SIZE) {
		memcpy(buf, pw, len);
		buf[len] = '\0';
		return 0;
	}
	if (!prehash)
		return -1;
	SHA512((const unsigned char *)pw, len, digest);
	buf[0] = '\xff';
	if (auth_b64url_encode(digest, sizeof(digest), buf + 1,
	    CRYPT_MAX_PASSPHRASE_SIZE - 1) != PW_PREHASH_LEN - 1)
		goto out;
	rc = 0;
out:
	auth_wipe(digest, sizeof(digest));
	return rc;
}

/* Length of the "$y$<params>$" prefix of a yescrypt string, or 0. */
static size_t
pw_yescrypt_prefix(const char *s)
{
	const char	*end;

	if (strncmp(s, "$y$", 3) != 0)
		return 0;
	if ((end = strchr(s + 3, '$')) == NULL || end == s + 3)
		return 0;
	return (size_t)(end - s) + 1;
}

/* The "$y$<params>$" prefix crypt_gensalt produces for cost, cached. */
static const char *
pw_params_for(unsigned cost)
{
	char	setting[CRYPT_GENSALT_OUTPUT_SIZE];
	size_t	n;

	if (pw_params_cost == cost && pw_params[0] != '\0')
		return pw_params;
	if (crypt_gensalt_rn("$y$", cost, NULL, 0, setting,
	    sizeof(setting)) == NULL || setting[0] == '*')
		return NULL;
	if ((n = pw_yescrypt_prefix(setting)) == 0 || n >= sizeof(pw_params))
		return NULL;
	memcpy(pw_params, setting, n);
	pw_params[n] = '\0';
	pw_params_cost = cost;
	return pw_params;
}

int
auth_pw_init(unsigned cost)
{
	unsigned char	raw[32];
	char		pw[64];
	int		rc = -1;

	if (auth_random_bytes(raw, sizeof(raw)) == -1)
		goto out;
	if (auth_b64url_encode(raw, sizeof(raw), pw, sizeof(pw)) == 0)
		goto out;
	if (auth_pw_hash(pw, strlen(pw), cost, pw_dummy) != AUTH_OK)
		goto out;
	pw_dummy_cost = cost;
	rc = 0;
out:
	auth_wipe(raw, sizeof(raw));
	auth_wipe(pw, sizeof(pw));
	return rc;
}

enum auth_err
auth_pw_hash(const char *pw, size_t len, unsigned cost,
    char out[AUTH_PW_HASH_MAX])
{
	struct crypt_data	*cd = NULL;
	char			 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	char			 phrase[CRYPT_MAX_PASSPHRASE_SIZE];
	const char		*h;
	size_t			 n;
	enum auth_err		 rc = AUTH_ERR_INTERNAL;

	out[0] = '\0';
	if (cost < PW_COST_MIN || cost > PW_COST_MAX)
		return AUTH_ERR_INTERNAL;
	if (pw_phrase(pw, len, true, phrase) == -1)
		return AUTH_ERR_VALIDATION;
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		goto out;
	if (crypt_gensalt_rn("$y$", cost, NULL, 0, setting,
	    sizeof(setting)) == NULL || setting[0] == '*')
		goto out;
	h = crypt_rn(phrase, setting, cd, sizeof(*cd));
	if (h == NULL || h[0] == '*')
		goto out;
	if ((n = strlen(h)) >= AUTH_PW_HASH_MAX)
		goto out;
	memcpy(out, h, n + 1);
	rc = AUTH_OK;
out:
	auth_wipe_free(cd, sizeof(*cd));
	auth_wipe(phrase, sizeof(phrase));
	return rc;
}

int
auth_pw_verify(const char *pw, size_t len, const char *stored,
    unsigned cost, bool *rehash)
{
	struct crypt_data	*cd = NULL;
	char			 phrase[CRYPT_MAX_PASSPHRASE_SIZE];
	const char		*h, *want;
	size_t			 slen, plen;
	bool			 yescrypt;
	int			 rc = -1;

	if (rehash != NULL)
		*rehash = false;
	if (stored == NULL || pw == NULL)
		return -1;
	slen = strnlen(stored, AUTH_PW_HASH_MAX);
	if (slen == AUTH_PW_HASH_MAX)
		return -1;
	/*
	 * "*..." and "!..." mark locked or unusable accounts: never a match.
	 * Nor is an over-long, NUL-carrying password, or one too long for a
	 * legacy scheme: nothing we ever hashed. Either way one hash is spent,
	 * so that the answer takes as long as a wrong password's (a fixed
	 * phrase: the dummy hash is yescrypt and takes it).
	 */
	yescrypt = pw_yescrypt_prefix(stored) != 0;
	if (slen == 0 || stored[0] == '*' || stored[0] == '!' ||
	    pw_phrase(pw, len, yescrypt, phrase) == -1) {
		auth_wipe(phrase, sizeof(phrase));
		auth_pw_burn("x", 1);
		return 0;
	}
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		goto out;
	h = crypt_rn(phrase, stored, cd, sizeof(*cd));
	if (h == NULL || h[0] == '*')
		goto out;
	if (!auth_ct_equal(h, strlen(h), stored, slen)) {
		rc = 0;
		goto out;
	}
	rc = 1;
	if (rehash != NULL) {
		want = pw_params_for(cost);
		plen = pw_yescrypt_prefix(stored);
		*rehash = want == NULL || plen == 0 || plen != strlen(want) ||
		    memcmp(stored, want, plen) != 0;
	}
out:
	auth_wipe_free(cd, sizeof(*cd));
	auth_wipe(phrase, sizeof(phrase));
	return rc;
}

void
auth_pw_burn(const char *pw, size_t len)
{
	bool	rehash;

	if (pw_dummy[0] == '\0' && auth_pw_init(5) == -1)
		return;
	(void)auth_pw_verify(pw, len, pw_dummy, pw_dummy_cost, &rehash);
}

/* True if needle (nlen bytes) occurs in hay, ASCII case-insensitively. */
static bool
pw_contains_ci(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t	i;

	if (nlen == 0 || nlen > hlen)
		return false;
	for (i = 0; i + nlen <= hlen; i++)
		if (strncasecmp(hay + i, needle, nlen) == 0)
			return true;
	return false;
}

/* True if the cracklib dictionary at prefix dict can be opened. */
static bool
pw_dict_usable(const char *dict)
{
	char	path[1100];
	int	n;

	n = snprintf(path, sizeof(path), "%s.pwd", dict);
	return n > 0 && (size_t)n < sizeof(path) && access(path, R_OK) == 0;
}

/* The words a guesser of one account tries first: its email, the site. */
struct pw_words {
	char		 buf[PW_WORDS_MAX][PW_WORD_MAX + 1];
	const char	*list[PW_WORDS_MAX + 1];	/* NULL-terminated */
	size_t		 n;
};

/* Adds s (len bytes) lowercased if it is PW_WORD_MIN..PW_WORD_MAX long. */
static void
pw_word_add(struct pw_words *w, const char *s, size_t len)
{
	size_t	i;

	if (len < PW_WORD_MIN || len > PW_WORD_MAX || w->n == PW_WORDS_MAX ||
	    memchr(s, '\0', len) != NULL)
		return;
	for (i = 0; i < len; i++)
		w->buf[w->n][i] = (char)tolower((unsigned char)s[i]);
	w->buf[w->n][len] = '\0';
	w->list[w->n] = w->buf[w->n];
	w->list[++w->n] = NULL;
}

/* Adds s (len bytes) whole, then each of its runs of letters and digits. */
static void
pw_words_of(struct pw_words *w, const char *s, size_t len)
{
	size_t	i, start = 0;

	pw_word_add(w, s, len);
	for (i = 0; i <= len; i++) {
		if (i < len && (isalnum((unsigned char)s[i]) ||
		    (unsigned char)s[i] >= 0x80))
			continue;
		if (i - start < len)
			pw_word_add(w, s + start, i - start);
		start = i + 1;
	}
}

/* A run of a unit repeated back to back, as folded. */
struct pw_run {
	size_t	off;		/* the unit's one copy, in the folded string */
	size_t	unit;		/* its length */
	size_t	count;		/* how many times it stood in a row */
};

/*
 * The longest-covering run of a unit of up to PW_REPEAT_UNIT_MAX bytes
 * repeated back to back from s + i (len bytes in all) into *r; false if
 * none repeats.
 */
static bool
pw_run_at(const char *s, size_t len, size_t i, struct pw_run *r)
{
	size_t	p, k;

	r->unit = r->count = 0;
	for (p = 1; p <= PW_REPEAT_UNIT_MAX && i + 2 * p <= len; p++) {
		for (k = 1; i + (k + 1) * p <= len &&
		    memcmp(s + i, s + i + k * p, p) == 0; k++)
			;
		if (k > 1 && k * p > r->count * r->unit) {
			r->unit = p;
			r->count = k;
		}
	}
	return r->count > 1;
}

/*
 * Folds, in place, every run of a unit repeated back to back in s (*len
 * bytes; "abcabcabc" becomes "abc") and stores the new length. Returns the
 * bits the folds are worth: log2 of each run's count, once per distinct
 * run (a run like one folded before costs a guesser nothing more).
 */
static double
pw_fold(char *s, size_t *len)
{
	struct pw_run	 seen[PW_FOLD_RUNS], r;
	double		 bits = 0;
	size_t		 i = 0, o = 0, n, nseen = 0, j;

	while (i < *len) {
		if (!pw_run_at(s, *len, i, &r)) {
			if ((n = auth_utf8_step((const unsigned char *)s + i,
			    *len - i, NULL)) == 0)
				n = 1;
			memmove(s + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		for (j = 0; j < nseen; j++)
			if (seen[j].unit == r.unit && seen[j].count == r.count &&
			    memcmp(s + seen[j].off, s + i, r.unit) == 0)
				break;
		if (j == nseen) {
			bits += log2((double)r.count);
			r.off = o;
			if (nseen < PW_FOLD_RUNS)
				seen[nseen++] = r;
		}
		memmove(s + o, s + i, r.unit);
		o += r.unit;
		i += r.unit * r.count;
	}
	*len = o;
	return bits;
}

/*
 * Bits of guessing work for pw (len bytes, no NUL) by zxcvbn with the
 * user's words: the lowest of pw whole and pw after each round of folds
 * (plus what the folds are worth), as zxcvbn judges only the first 100
 * characters in full and misses long repeats. -1 if out of memory.
 */
static double
pw_guess_bits(const char *pw, size_t len, const char **words)
{
	char	*buf;
	double	 best, est, folds = 0;
	size_t	 n = len, before, round;

	if ((buf = malloc(len + 1)) == NULL)
		return -1;
	memcpy(buf, pw, len);
	buf[len] = '\0';
	best = ZxcvbnMatch(buf, words, NULL);
	for (round = 0; round < PW_FOLD_ROUNDS; round++) {
		before = n;
		folds += pw_fold(buf, &n);
		if (n == before)
			break;
		buf[n] = '\0';
		est = folds + ZxcvbnMatch(buf, words, NULL);
		if (est < best)
			best = est;
	}
	auth_wipe_free(buf, len + 1);
	return best;
}

/* The zxcvbn reason for pw, or NULL if it takes enough guesses. */
static const char *
pw_guessable(const char *pw, size_t len, const char *email, size_t email_len,
    const char *site)
{
	struct pw_words	 w;
	const char	*at;
	double		 bits;

	memset(&w, 0, sizeof(w));
	w.list[0] = NULL;
	if (email != NULL && email_len > 0 &&
	    (at = memrchr(email, '@', email_len)) != NULL) {
		pw_words_of(&w, email, (size_t)(at - email));
		pw_words_of(&w, at + 1, email_len - (size_t)(at - email) - 1);
	}
	if (site != NULL)
		pw_words_of(&w, site, strlen(site));
	bits = pw_guess_bits(pw, len, w.list);
	auth_wipe(&w, sizeof(w));
	if (bits < 0)
		return "cannot be checked right now";
	if (bits * log10(2.0) < AUTH_PW_MIN_GUESSES_LOG10)
		return "too easy to guess";
	return NULL;
}

const char *
auth_pw_policy(const char *pw, size_t len, const char *email,
    size_t email_len, const char *site, const char *dict)
{
	char		 buf[PW_CRACKLIB_MAX + 1];
	char		 user[65];
	const char	*at, *msg;
	size_t		 chars, ulen = 0, i;

	if (pw == NULL)
		return "required";
	if (len > AUTH_PW_MAX_BYTES)
		return "too long";
	if (!auth_utf8_check(pw, len, false, &chars))
		return "invalid characters";
	if (chars < AUTH_PW_MIN_CHARS)
		return "too short";
	if (email != NULL && email_len > 0 &&
	    (at = memrchr(email, '@', email_len)) != NULL) {
		ulen = (size_t)(at - email);
		if (ulen >= 3 && pw_contains_ci(pw, len, email, ulen))
			return "contains the email address";
	}
	if ((msg = pw_guessable(pw, len, email, email_len, site)) != NULL)
		return msg;
	if (dict == NULL || dict[0] == '\0')
		return NULL;
	if (!pw_dict_usable(dict))
		return "cannot be checked right now";
	/* cracklib judges only its first 255 bytes; longer ones are not
	 * dictionary words. */
	if (len > PW_CRACKLIB_MAX)
		return NULL;
	memcpy(buf, pw, len);
	buf[len] = '\0';
	/* Give cracklib the local part as the user name, so it does not look
	 * up the process's own passwd entry. */
	if (ulen >= sizeof(user) || (ulen > 0 && memchr(email, '\0', ulen)))
		ulen = 0;
	for (i = 0; i < ulen; i++)
		user[i] = (char)tolower((unsigned char)email[i]);
	user[ulen] = '\0';
	msg = FascistCheckUser(buf, dict, user, "");
	auth_wipe(buf, sizeof(buf));
	return msg == NULL ? NULL : "too common or too simple";
}

size_t
auth_pw_site(const char *url, char *out, size_t outsz)
{
	const char	*h, *end;
	size_t		 n;

	out[0] = '\0';
	if (url == NULL || (h = strstr(url, "://")) == NULL)
		return 0;
	h += 3;
	if (*h == '[') {
		h++;
		end = h + strcspn(h, "]");
	} else
		end = h + strcspn(h, ":/?#");
	n = (size_t)(end - h);
	if (n >= outsz)
		return 0;
	memcpy(out, h, n);
	out[n] = '\0';
	return n;
}

enum auth_err
auth_pw_new(const char *pw, size_t len, const char *email,
    const struct auth_config *cfg, char out[AUTH_PW_HASH_MAX],
    const char **weak)
{
	char	site[256];

	auth_pw_site(cfg->public_url, site, sizeof(site));
	if ((*weak = auth_pw_policy(pw, len, email, email ? strlen(email) : 0,
	    site, cfg->cracklib_dict)) != NULL)
		return AUTH_ERR_VALIDATION;
	return auth_pw_hash(pw, len, cfg->password_cost, out);
}

/* ---- configuration ------------------------------------------------------ */

#ifndef AUTH_CRACKLIB_DICT
#define AUTH_CRACKLIB_DICT	"/var/cache/cracklib/cracklib_dict"
#endif

static const struct auth_cfg_key pw_keys[] = {
	AUTH_CFG_NUM(password_cost, AUTH_CFG_T_UINT, 1, 11, "5"),
	AUTH_CFG_STR(cracklib_dict, NULL, AUTH_CRACKLIB_DICT),
};

const struct auth_cfg_module auth_pw_cfg = AUTH_CFG_MODULE(pw_keys, NULL);
