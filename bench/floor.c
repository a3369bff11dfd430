/*
 * The benchmark's crypto and hashing floors: operations per second on all
 * cores, with everything that can be prepared once prepared before timing.
 *
 *   floor sign   KEY.pem SECONDS PROCS   JWS signatures (SHA-256 + the key's
 *                                        algorithm), key loaded once
 *   floor verify KEY.pem SECONDS PROCS   verifications of one such signature
 *   floor hash   COST SECONDS PROCS      yescrypt hashes at COST (libxcrypt)
 *
 * PROCS worker processes start together and run for SECONDS each; prints
 * "<mode> <ops per second>" (the sum over the workers). Exit status 1 with a
 * reason on stderr when anything fails.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#define FLOOR_PROCS_MAX		256
#define FLOOR_SECONDS_MAX	600
#define FLOOR_SIG_MAX		1024

/* A JWS signing input of the size our access tokens have. */
static const char jws_input[] =
    "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6InF6djR5aUxSd0FpOXhvaXoy"
    "aDlaVC1fMTZDUW9uZE5SZWRxdVkzN0FQSzQifQ.eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4x"
    "OjgwODAiLCJhdWQiOiJhdXRoZCIsInN1YiI6IjFlNmQ3YjJhLTZmNjQtNGI1Mi1hZWQ3LTlm"
    "YjI0ZjJmNmM1YyIsImlhdCI6MTcwMDAwMDAwMCwibmJmIjoxNzAwMDAwMDAwLCJleHAiOjE3"
    "MDAwMDAzMDAsImp0aSI6IkZ4X3J3VjhxTmJ3ZUE5b0hwU2dKTFEiLCJlbWFpbF92ZXJpZmll"
    "ZCI6dHJ1ZSwicm9sZXMiOltdfQ";
static const char password[] = "bench-floor correct horse battery";

enum floor_mode { FLOOR_SIGN, FLOOR_VERIFY, FLOOR_HASH };

struct floor_state {
	enum floor_mode	 mode;
	EVP_PKEY_CTX	*pctx;		/* sign or verify, initialised once */
	unsigned char	 sig[FLOOR_SIG_MAX];
	size_t		 siglen;
	char		 setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
};

static void
fail(const char *what)
{
	fprintf(stderr, "floor: %s\n", what);
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A strict decimal in 1..max, or -1. */
static long
parse_num(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max)
		return -1;
	return v;
}

/* One signature of jws_input into st->sig; 0 or -1. */
static int
sign_once(struct floor_state *st, EVP_PKEY_CTX *pctx)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)jws_input, sizeof(jws_input) - 1, md);
	st->siglen = sizeof(st->sig);
	return EVP_PKEY_sign(pctx, st->sig, &st->siglen, md, sizeof(md)) == 1 ?
	    0 : -1;
}

static int
verify_once(struct floor_state *st)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)jws_input, sizeof(jws_input) - 1, md);
	return EVP_PKEY_verify(st->pctx, st->sig, st->siglen, md,
	    sizeof(md)) == 1 ? 0 : -1;
}

static int
hash_once(struct floor_state *st)
{
	const char *h;

	h = crypt_rn(password, st->setting, st->cd, sizeof(*st->cd));
	return h != NULL && h[0] != '*' ? 0 : -1;
}

/* Loads the key and prepares the context the timed loop uses. */
static void
prepare_key(struct floor_state *st, const char *path)
{
	EVP_PKEY_CTX *sctx;
	EVP_PKEY *pk;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		fail("cannot open the key file");
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (pk == NULL)
		fail("not a PEM private key");
	if ((sctx = EVP_PKEY_CTX_new(pk, NULL)) == NULL ||
	    EVP_PKEY_sign_init(sctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(sctx, EVP_sha256()) != 1)
		fail("cannot set up signing");
	if (sign_once(st, sctx) != 0)
		fail("signing failed");
	if (st->mode == FLOOR_SIGN) {
		st->pctx = sctx;
	} else {
		EVP_PKEY_CTX_free(sctx);
		if ((st->pctx = EVP_PKEY_CTX_new(pk, NULL)) == NULL ||
		    EVP_PKEY_verify_init(st->pctx) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(st->pctx,
		    EVP_sha256()) != 1)
			fail("cannot set up verification");
		if (verify_once(st) != 0)
			fail("verification failed");
	}
	EVP_PKEY_free(pk);
}

static void
prepare_hash(struct floor_state *st, long cost)
{
	if (crypt_gensalt_rn("$y$", (unsigned long)cost, NULL, 0, st->setting,
	    sizeof(st->setting)) == NULL)
		fail("crypt_gensalt_rn failed (yescrypt unavailable?)");
	if ((st->cd = calloc(1, sizeof(*st->cd))) == NULL)
		fail("out of memory");
	if (hash_once(st) != 0)
		fail("hashing failed");
}

/* A worker: waits for the start byte, runs, writes "count seconds". */
static void
worker(struct floor_state *st, int go, int out, double seconds)
{
	unsigned long long n = 0;
	double t0, t;
	char c, line[64];
	int len, rc = 0;

	if (read(go, &c, 1) != 1)
		_exit(1);
	t0 = now_s();
	do {
		switch (st->mode) {
		case FLOOR_SIGN:
			rc = sign_once(st, st->pctx);
			break;
		case FLOOR_VERIFY:
			rc = verify_once(st);
			break;
		case FLOOR_HASH:
			rc = hash_once(st);
			break;
		}
		if (rc != 0)
			_exit(1);
		n++;
	} while ((t = now_s()) - t0 < seconds);
	len = snprintf(line, sizeof(line), "%llu %.6f\n", n, t - t0);
	if (len < 0 || write(out, line, (size_t)len) != len)
		_exit(1);
	_exit(0);
}

int
main(int argc, char **argv)
{
	struct floor_state st;
	pid_t pids[FLOOR_PROCS_MAX];
	int go[2], res[2], status, i, bad = 0;
	long procs, seconds, cost;
	double total = 0, secs;
	unsigned long long n;
	FILE *in;

	memset(&st, 0, sizeof(st));
	if (argc != 5)
		fail("usage: floor sign|verify KEY.pem SECONDS PROCS | "
		    "floor hash COST SECONDS PROCS");
	if ((seconds = parse_num(argv[3], FLOOR_SECONDS_MAX)) < 0 ||
	    (procs = parse_num(argv[4], FLOOR_PROCS_MAX)) < 0)
		fail("SECONDS and PROCS must be positive numbers");
	if (strcmp(argv[1], "sign") == 0 || strcmp(argv[1], "verify") == 0) {
		st.mode = argv[1][0] == 's' ? FLOOR_SIGN : FLOOR_VERIFY;
		prepare_key(&st, argv[2]);
	} else if (strcmp(argv[1], "hash") == 0) {
		st.mode = FLOOR_HASH;
		if ((cost = parse_num(argv[2], 11)) < 0)
			fail("COST must be 1..11");
		prepare_hash(&st, cost);
	} else
		fail("unknown mode");

	if (pipe(go) != 0 || pipe(res) != 0)
		fail("pipe failed");
	for (i = 0; i < procs; i++) {
		if ((pids[i] = fork()) < 0)
			fail("fork failed");
		if (pids[i] == 0) {
			close(go[1]);
			close(res[0]);
			worker(&st, go[0], res[1], (double)seconds);
		}
	}
	close(go[0]);
	close(res[1]);
	for (i = 0; i < procs; i++)
		if (write(go[1], "g", 1) != 1)
			fail("cannot start the workers");
	close(go[1]);
	if ((in = fdopen(res[0], "r")) == NULL)
		fail("fdopen failed");
	for (i = 0; i < procs; i++) {
		if (fscanf(in, "%llu %lf", &n, &secs) != 2 || secs <= 0) {
			bad = 1;
			break;
		}
		total += (double)n / secs;
	}
	fclose(in);
	for (i = 0; i < procs; i++)
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			bad = 1;
	if (bad)
		fail("a worker failed");
	printf("%s %.1f\n", argv[1], total);
	EVP_PKEY_CTX_free(st.pctx);
	free(st.cd);
	return 0;
}
