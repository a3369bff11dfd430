/*
 * Unit tests for the flows (common/flow_*.c) and the store under them,
 * against a throwaway PostgreSQL cluster: main() runs itself again under
 * tests/unit/with-pg, which creates the cluster, applies the schema files and
 * removes it afterwards. Redis is pointed at a closed port, so the limits
 * and the login delay run on their in-process fallback.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "config.h"
#include "db.h"
#include "endpoint_config.h"
#include "flow.h"
#include "hmac.h"
#include "store_email_token.h"
#include "jwt.h"
#include "keyring.h"
#include "rl.h"
#include "redis.h"
#include "seal.h"
#include "base_clock.h"
#include "base_codec.h"
#include "base_secret.h"

#define PW_GOOD		"Tq7#vLp2!xWz9mRb"
#define PW_OTHER	"Kd4$hNs8@yUe3wQc"

static struct auth_config	 cfg;
static struct auth_keyring	*keyring;
static unsigned char		 seal_key[AUTH_SEAL_KEY_LEN];
static char			 tmpdir[64];
static struct auth_rl_verdict	 verdict;
static struct auth_ctx		 ctx;
static PGconn			*spy;	/* the test's own connection */

static const struct auth_client	 client = {
	"192.0.2.10", "check_flow", "check-flow-request"
};

/* ---- fixture ------------------------------------------------------------- */

static void
setup(void)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = &cfg;
	ctx.keys = keyring;
	ctx.seal_key = seal_key;
	ctx.now = (long long)time(NULL);
	ctx.rl = &verdict;
	spy = PQconnectdb(getenv("AUTH_TEST_DATABASE_URL"));
	ck_assert_msg(PQstatus(spy) == CONNECTION_OK, "spy: %s",
	    PQerrorMessage(spy));
}

static void
teardown(void)
{
	PQfinish(spy);
	auth_db_close();
}

/* ---- inspection through the spy connection ------------------------------- */

/* The integer in the first cell of sql run with up to two parameters. */
static long
q_long(const char *sql, const char *p1, const char *p2)
{
	const char	*params[2] = { p1, p2 };
	PGresult	*r;
	long		 n;

	r = PQexecParams(spy, sql, p2 != NULL ? 2 : p1 != NULL ? 1 : 0, NULL,
	    params, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQerrorMessage(spy));
	ck_assert_int_eq(PQntuples(r), 1);
	ck_assert_int_eq(sscanf(PQgetvalue(r, 0, 0), "%ld", &n), 1);
	PQclear(r);
	return n;
}

static void
q_exec(const char *sql, const char *p1)
{
	const char	*params[1] = { p1 };
	PGresult	*r;

	r = PQexecParams(spy, sql, p1 != NULL ? 1 : 0, NULL, params, NULL,
	    NULL, 0);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s: %s", sql,
	    PQerrorMessage(spy));
	PQclear(r);
}

/* What the tests count, each of one account's email (and a second value). */
enum count {
	N_USERS = 0,		/* users with the email */
	N_TOKENS,		/* its email tokens of a purpose */
	N_MAIL,			/* outbox rows to the email of a template */
	N_AUDIT,		/* its audit events of a name */
	N_LIVE_SESSIONS,	/* its unrevoked sessions */
	N__MAX
};

static const char *const count_sql[N__MAX] = {
	"SELECT count(*) FROM users WHERE lower(email) = lower($1)",
	"SELECT count(*) FROM email_tokens t JOIN users u ON u.id = t.user_id "
	    "WHERE lower(u.email) = lower($1) AND t.purpose = $2",
	"SELECT count(*) FROM outbox WHERE recipient = $1 AND template = $2",
	"SELECT count(*) FROM audit_events a JOIN users u ON u.id = a.user_id "
	    "WHERE lower(u.email) = lower($1) AND a.event = $2",
	"SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id "
	    "WHERE lower(u.email) = lower($1) AND s.revoked_at IS NULL",
};

static long
n_of(enum count what, const char *email, const char *value)
{
	return q_long(count_sql[what], email, value);
}

/* The revoke reason of the session holding refresh token tok ("" if live). */
static void
revoke_reason(const char *tok, char *out, size_t outsz)
{
	unsigned char	 th[AUTH_HASH_LEN];
	const char	*params[1] = { (const char *)th };
	int		 lens[1] = { AUTH_HASH_LEN }, fmts[1] = { 1 };
	PGresult	*r;

	auth_sha256(tok, strlen(tok), th);
	r = PQexecParams(spy, "SELECT coalesce(s.revoke_reason, '') FROM "
	    "refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE "
	    "t.token_hash = $1", 1, NULL, params, lens, fmts, 0);
	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	ck_assert_int_eq(PQntuples(r), 1);
	snprintf(out, outsz, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
}

/*
 * The token in the newest mail of template to email: the payload is
 * unsealed with the outbox key, as the mailer does.
 */
static void
mail_token(const char *email, const char *template,
    char token[AUTH_TOKEN_LEN + 1])
{
	const char	*params[2] = { email, template };
	char		 aad[AUTH_EMAIL_MAX + 80], *pt = NULL;
	const char	*p;
	size_t		 ptlen;
	PGresult	*r;

	r = PQexecParams(spy, "SELECT payload FROM outbox WHERE recipient = $1 "
	    "AND template = $2 ORDER BY id DESC LIMIT 1", 2, NULL, params,
	    NULL, NULL, 1);
	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	ck_assert_int_eq(PQntuples(r), 1);
	snprintf(aad, sizeof(aad), "%s\n%s", email, template);
	ck_assert_int_eq(auth_unseal(seal_key, aad, strlen(aad),
	    (const unsigned char *)PQgetvalue(r, 0, 0),
	    (size_t)PQgetlength(r, 0, 0), &pt, &ptlen), 0);
	PQclear(r);
	ck_assert_ptr_nonnull(p = strstr(pt, "?token="));
	p += strlen("?token=");
	ck_assert_msg(strlen(p) == AUTH_TOKEN_LEN + 2 && p[AUTH_TOKEN_LEN] ==
	    '"', "payload %s", pt);
	memcpy(token, p, AUTH_TOKEN_LEN);
	token[AUTH_TOKEN_LEN] = '\0';
	auth_wipe(pt, ptlen);
	free(pt);
}

/* ---- flows used as steps ------------------------------------------------- */

/* Runs the call, wanting trips database round trips from it. */
#define TRIPS(trips, call) do {						\
	unsigned long t0_ = auth_db_round_trips();			\
	call;								\
	ck_assert_uint_eq(auth_db_round_trips() - t0_, (trips));	\
} while (0)

/* A new, verified account email with password pw. */
static void
make_user(const char *email, const char *pw)
{
	struct auth_user	 u;
	const char		*weak;
	bool			 created;

	ck_assert_int_eq(auth_flow_signup(&ctx, &client, email, strlen(email),
	    pw, strlen(pw), &u, &created, &weak), AUTH_OK);
	ck_assert(created);
	ck_assert_int_eq(auth_store_user_mark_verified(u.id), AUTH_OK);
}

static enum auth_err
login(const char *email, const char *pw, struct auth_tokens *t)
{
	return auth_flow_login(&ctx, &client, email, strlen(email), pw,
	    strlen(pw), t);
}

static enum auth_err
refresh(const char *tok, struct auth_tokens *t)
{
	return auth_flow_refresh(&ctx, &client, tok, strlen(tok), t);
}

/* ---- refresh rotation ---------------------------------------------------- */

START_TEST(test_refresh_rotates)
{
	struct auth_tokens	a, b, c;
	char			why[64];

	make_user("rotate@example.test", PW_GOOD);
	ck_assert_int_eq(login("rotate@example.test", PW_GOOD, &a), AUTH_OK);
	ck_assert_ptr_nonnull(a.access);
	ck_assert_int_eq(refresh(a.refresh, &b), AUTH_OK);
	ck_assert_str_ne(a.refresh, b.refresh);
	ck_assert_ptr_nonnull(b.access);
	/* The new token rotates in turn; the session stays one and live. */
	ck_assert_int_eq(refresh(b.refresh, &c), AUTH_OK);
	revoke_reason(c.refresh, why, sizeof(why));
	ck_assert_str_eq(why, "");
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, "rotate@example.test", NULL), 1);
	auth_tokens_clear(&b);
	/* Garbage and unknown tokens are the same 401. */
	ck_assert_int_eq(refresh("not a token", &b),
	    AUTH_ERR_INVALID_REFRESH_TOKEN);
	ck_assert_int_eq(refresh("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	    &b), AUTH_ERR_INVALID_REFRESH_TOKEN);
	auth_tokens_clear(&a);
	auth_tokens_clear(&c);
}
END_TEST

START_TEST(test_refresh_retry_within_leeway)
{
	struct auth_tokens	a, b, b2, c;
	char			why[64];
	const char		*live = "SELECT count(*) FROM refresh_tokens t "
	    "JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = "
	    "s.user_id WHERE u.email = $1 AND t.rotated_at IS NULL AND "
	    "t.expires_at > now()";

	ck_assert_int_gt(cfg.refresh_reuse_leeway, 0);
	make_user("leeway@example.test", PW_GOOD);
	ck_assert_int_eq(login("leeway@example.test", PW_GOOD, &a), AUTH_OK);
	ck_assert_int_eq(refresh(a.refresh, &b), AUTH_OK);
	/* A retry of the rotated token at once: a fresh access token, the
	 * same successor, no revocation, still one live refresh token. */
	ck_assert_int_eq(refresh(a.refresh, &b2), AUTH_OK);
	ck_assert_ptr_nonnull(b2.access);
	ck_assert_str_eq(b.refresh, b2.refresh);
	ck_assert_str_ne(b.refresh, a.refresh);
	ck_assert_int_eq(q_long(live, "leeway@example.test", NULL), 1);
	revoke_reason(a.refresh, why, sizeof(why));
	ck_assert_str_eq(why, "");
	ck_assert_int_eq(refresh(b.refresh, &c), AUTH_OK);
	ck_assert_int_eq(q_long(live, "leeway@example.test", NULL), 1);
	ck_assert_int_eq(n_of(N_AUDIT, "leeway@example.test",
	    "refresh_token_reuse"), 0);
	auth_tokens_clear(&a);
	auth_tokens_clear(&b);
	auth_tokens_clear(&b2);
	auth_tokens_clear(&c);
}
END_TEST

START_TEST(test_refresh_reuse_revokes_family)
{
	struct auth_tokens	a, b, x;
	char			why[64];

	make_user("reuse@example.test", PW_GOOD);
	ck_assert_int_eq(login("reuse@example.test", PW_GOOD, &a), AUTH_OK);
	ck_assert_int_eq(refresh(a.refresh, &b), AUTH_OK);
	/* The leeway is over for a token rotated an hour ago. */
	q_exec("UPDATE refresh_tokens SET rotated_at = now() - interval "
	    "'1 hour' WHERE rotated_at IS NOT NULL AND session_id IN (SELECT "
	    "s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE "
	    "u.email = $1)", "reuse@example.test");
	ck_assert_int_eq(refresh(a.refresh, &x),
	    AUTH_ERR_INVALID_REFRESH_TOKEN);
	ck_assert_ptr_null(x.access);
	/* The whole family is burnt: the newest token is refused too. */
	ck_assert_int_eq(refresh(b.refresh, &x),
	    AUTH_ERR_INVALID_REFRESH_TOKEN);
	revoke_reason(b.refresh, why, sizeof(why));
	ck_assert_str_eq(why, "refresh_token_reuse");
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, "reuse@example.test", NULL), 0);
	ck_assert_int_eq(n_of(N_AUDIT, "reuse@example.test",
	    "refresh_token_reuse"), 1);
	auth_tokens_clear(&a);
	auth_tokens_clear(&b);
}
END_TEST

START_TEST(test_logout_revokes)
{
	struct auth_tokens	a, b, x;
	char			why[64];
	const char		*unknown =
	    "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

	make_user("logout@example.test", PW_GOOD);
	ck_assert_int_eq(login("logout@example.test", PW_GOOD, &a), AUTH_OK);
	ck_assert_int_eq(login("logout@example.test", PW_GOOD, &b), AUTH_OK);
	ck_assert_int_eq(auth_flow_logout(&ctx, &client, a.refresh,
	    strlen(a.refresh)), AUTH_OK);
	ck_assert_int_eq(refresh(a.refresh, &x),
	    AUTH_ERR_INVALID_REFRESH_TOKEN);
	revoke_reason(a.refresh, why, sizeof(why));
	ck_assert_str_eq(why, "logout");
	/* Only that session: the other login still refreshes. */
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, "logout@example.test", NULL), 1);
	ck_assert_int_eq(refresh(b.refresh, &x), AUTH_OK);
	auth_tokens_clear(&x);
	ck_assert_int_eq(n_of(N_AUDIT, "logout@example.test", "logout"), 1);
	/* Unknown and malformed tokens log out nothing, and say OK. */
	ck_assert_int_eq(auth_flow_logout(&ctx, &client, unknown,
	    strlen(unknown)), AUTH_OK);
	ck_assert_int_eq(auth_flow_logout(&ctx, &client, "x", 1), AUTH_OK);
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, "logout@example.test", NULL), 1);
	auth_tokens_clear(&a);
	auth_tokens_clear(&b);
}
END_TEST

/* ---- signup atomicity ---------------------------------------------------- */

START_TEST(test_signup_writes_all_three)
{
	const char		*email = "new@example.test";
	char			 token[AUTH_TOKEN_LEN + 1];
	struct auth_user	 u, s;
	const char		*weak;
	bool			 created;

	ck_assert_int_eq(auth_flow_signup(&ctx, &client, email, strlen(email),
	    PW_GOOD, strlen(PW_GOOD), &u, &created, &weak), AUTH_OK);
	ck_assert(created);
	ck_assert_str_eq(u.email, email);
	ck_assert_str_eq(u.password_hash, "");	/* not handed out */
	ck_assert_int_eq(n_of(N_USERS, email, NULL), 1);
	ck_assert_int_eq(n_of(N_TOKENS, email, "verify"), 1);
	ck_assert_int_eq(n_of(N_MAIL, email, "verify_email"), 1);
	ck_assert_int_eq(n_of(N_AUDIT, email, "signup"), 1);
	/* The mailed link verifies the address, once. */
	mail_token(email, "verify_email", token);
	ck_assert_int_eq(auth_flow_verify_email(&ctx, &client, token,
	    strlen(token)), AUTH_OK);
	ck_assert_int_eq(auth_store_user_by_email(email, &s), AUTH_OK);
	ck_assert(s.email_verified);
	ck_assert_int_eq(auth_flow_verify_email(&ctx, &client, token,
	    strlen(token)), AUTH_ERR_INVALID_TOKEN);
	ck_assert_int_eq(n_of(N_AUDIT, email, "email_verified"), 1);
}
END_TEST

START_TEST(test_signup_duplicate_writes_nothing)
{
	const char		*email = "dup@example.test";
	const char		*again = "  DUP@example.test ";
	struct auth_user	 u;
	const char		*weak;
	bool			 created;

	ck_assert_int_eq(auth_flow_signup(&ctx, &client, email, strlen(email),
	    PW_GOOD, strlen(PW_GOOD), &u, &created, &weak), AUTH_OK);
	cfg.signup_existing = AUTH_SIGNUP_REVEAL;
	ck_assert_int_eq(auth_flow_signup(&ctx, &client, again, strlen(again),
	    PW_OTHER, strlen(PW_OTHER), &u, &created, &weak),
	    AUTH_ERR_EMAIL_TAKEN);
	ck_assert(!created);
	ck_assert_int_eq(n_of(N_USERS, email, NULL), 1);
	ck_assert_int_eq(n_of(N_TOKENS, email, "verify"), 1);
	ck_assert_int_eq(n_of(N_MAIL, email, "verify_email"), 1);
	ck_assert_int_eq(n_of(N_MAIL, email, "account_exists"), 0);
	ck_assert_int_eq(n_of(N_AUDIT, email, "signup_existing_email"), 0);
	/* Concealed: a notice to the stored address, still no second row. */
	cfg.signup_existing = AUTH_SIGNUP_CONCEAL;
	ck_assert_int_eq(auth_flow_signup(&ctx, &client, again, strlen(again),
	    PW_OTHER, strlen(PW_OTHER), &u, &created, &weak), AUTH_OK);
	ck_assert(!created);
	ck_assert_int_eq(n_of(N_USERS, email, NULL), 1);
	ck_assert_int_eq(n_of(N_TOKENS, email, "verify"), 1);
	ck_assert_int_eq(n_of(N_MAIL, email, "account_exists"), 1);
	ck_assert_int_eq(n_of(N_AUDIT, email, "signup_existing_email"), 1);
}
END_TEST

START_TEST(test_signup_failure_writes_nothing)
{
	const char		*email = "half@example.test";
	struct auth_user	 u;
	const char		*weak;
	bool			 created;

	/* The mail cannot be sealed: user and token roll back with it. */
	ctx.seal_key = NULL;
	ck_assert_int_eq(auth_flow_signup(&ctx, &client, email, strlen(email),
	    PW_GOOD, strlen(PW_GOOD), &u, &created, &weak), AUTH_ERR_INTERNAL);
	ck_assert_int_eq(n_of(N_USERS, email, NULL), 0);
	ck_assert_int_eq(q_long("SELECT count(*) FROM outbox WHERE recipient "
	    "= $1", email, NULL), 0);
	ck_assert_int_eq(q_long("SELECT count(*) FROM email_tokens t WHERE NOT "
	    "EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id)", NULL,
	    NULL), 0);
	/* A weak password writes nothing either. */
	ctx.seal_key = seal_key;
	ck_assert_int_eq(auth_flow_signup(&ctx, &client, email, strlen(email),
	    "password", 8, &u, &created, &weak), AUTH_ERR_VALIDATION);
	ck_assert_ptr_nonnull(weak);
	ck_assert_int_eq(n_of(N_USERS, email, NULL), 0);
	/* And once the key is back, the same signup goes through. */
	ck_assert_int_eq(auth_flow_signup(&ctx, &client, email, strlen(email),
	    PW_GOOD, strlen(PW_GOOD), &u, &created, &weak), AUTH_OK);
	ck_assert(created);
	ck_assert_int_eq(n_of(N_TOKENS, email, "verify"), 1);
	ck_assert_int_eq(n_of(N_MAIL, email, "verify_email"), 1);
}
END_TEST

/* ---- password reset ------------------------------------------------------ */

START_TEST(test_reset_single_use_revokes_sessions)
{
	const char		*email = "reset@example.test";
	char			 token[AUTH_TOKEN_LEN + 1];
	struct auth_tokens	 a, b, x;
	const char		*weak;
	enum auth_err		 e;

	make_user(email, PW_GOOD);
	ck_assert_int_eq(login(email, PW_GOOD, &a), AUTH_OK);
	ck_assert_int_eq(login(email, PW_GOOD, &b), AUTH_OK);
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, email, NULL), 2);
	ck_assert_int_eq(auth_flow_password_forgot(&ctx, &client, email,
	    strlen(email)), AUTH_OK);
	ck_assert_int_eq(n_of(N_TOKENS, email, "reset"), 1);
	mail_token(email, "password_reset", token);
	/* A weak password is refused and the token stays usable: its
	 * lookup alone. */
	TRIPS(1, e = auth_flow_password_reset(&ctx, &client, token,
	    strlen(token), "password", 8, &weak));
	ck_assert_int_eq(e, AUTH_ERR_VALIDATION);
	ck_assert_ptr_nonnull(weak);
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, email, NULL), 2);
	/* The lookup, then the change in one statement. */
	TRIPS(2, e = auth_flow_password_reset(&ctx, &client, token,
	    strlen(token), PW_OTHER, strlen(PW_OTHER), &weak));
	ck_assert_int_eq(e, AUTH_OK);
	/* Every session is gone, the token is spent. */
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, email, NULL), 0);
	ck_assert_int_eq(refresh(a.refresh, &x),
	    AUTH_ERR_INVALID_REFRESH_TOKEN);
	ck_assert_int_eq(refresh(b.refresh, &x),
	    AUTH_ERR_INVALID_REFRESH_TOKEN);
	ck_assert_int_eq(auth_flow_password_reset(&ctx, &client, token,
	    strlen(token), PW_GOOD, strlen(PW_GOOD), &weak),
	    AUTH_ERR_INVALID_TOKEN);
	ck_assert_int_eq(n_of(N_AUDIT, email, "password_reset"), 1);
	ck_assert_int_eq(q_long("SELECT count(*) FROM audit_events a JOIN users"
	    " u ON u.id = a.user_id WHERE u.email = $1 AND a.event = "
	    "'password_reset' AND a.detail = '{\"sessions_revoked\": 2}'",
	    email, NULL), 1);
	/* The new password logs in, the old one does not. */
	ck_assert_int_eq(login(email, PW_GOOD, &x),
	    AUTH_ERR_INVALID_CREDENTIALS);
	ck_assert_int_eq(login(email, PW_OTHER, &x), AUTH_OK);
	auth_tokens_clear(&x);
	auth_tokens_clear(&a);
	auth_tokens_clear(&b);
}
END_TEST

START_TEST(test_forgot_unknown_and_newer_token)
{
	const char	*email = "forgot@example.test";
	const char	*nobody = "nobody@example.test";
	char		 first[AUTH_TOKEN_LEN + 1], second[AUTH_TOKEN_LEN + 1];
	char		 third[AUTH_TOKEN_LEN + 1];
	const char	*weak;

	make_user(email, PW_GOOD);
	/* Unknown addresses: AUTH_OK, no mail, one audit row without a user. */
	ck_assert_int_eq(auth_flow_password_forgot(&ctx, &client, nobody,
	    strlen(nobody)), AUTH_OK);
	ck_assert_int_eq(n_of(N_MAIL, nobody, "password_reset"), 0);
	ck_assert_int_ge(q_long("SELECT count(*) FROM audit_events WHERE "
	    "user_id IS NULL AND event = 'password_reset_requested'", NULL,
	    NULL), 1);
	/* A second request voids the first link. */
	ck_assert_int_eq(auth_flow_password_forgot(&ctx, &client, email,
	    strlen(email)), AUTH_OK);
	mail_token(email, "password_reset", first);
	ck_assert_int_eq(auth_flow_password_forgot(&ctx, &client, email,
	    strlen(email)), AUTH_OK);
	mail_token(email, "password_reset", second);
	ck_assert_str_ne(first, second);
	ck_assert_int_eq(auth_flow_password_reset(&ctx, &client, first,
	    strlen(first), PW_OTHER, strlen(PW_OTHER), &weak),
	    AUTH_ERR_INVALID_TOKEN);
	ck_assert_int_eq(auth_flow_password_reset(&ctx, &client, second,
	    strlen(second), PW_OTHER, strlen(PW_OTHER), &weak), AUTH_OK);
	/* A reset token verifies no address, and stays a reset token. */
	ck_assert_int_eq(auth_flow_password_forgot(&ctx, &client, email,
	    strlen(email)), AUTH_OK);
	mail_token(email, "password_reset", third);
	ck_assert_int_eq(auth_flow_verify_email(&ctx, &client, third,
	    strlen(third)), AUTH_ERR_INVALID_TOKEN);
	ck_assert_int_eq(auth_flow_password_reset(&ctx, &client, third,
	    strlen(third), PW_GOOD, strlen(PW_GOOD), &weak), AUTH_OK);
}
END_TEST

/* ---- login lockout (the in-process fallback) ---------------------------- */

START_TEST(test_login_lockout)
{
	const char		*email = "lock@example.test";
	struct auth_client	 home = { "198.51.100.7", "check_flow", NULL };
	struct auth_client	 proxy = { "127.0.0.1", "check_flow", NULL };
	struct auth_tokens	 t;
	unsigned		 i;

	make_user(email, PW_GOOD);
	/* A success from home makes that address known good; one from a
	 * loopback address (a proxy's, every client's) does not. */
	ck_assert_int_eq(auth_flow_login(&ctx, &home, email, strlen(email),
	    PW_GOOD, strlen(PW_GOOD), &t), AUTH_OK);
	auth_tokens_clear(&t);
	ck_assert_int_eq(auth_flow_login(&ctx, &proxy, email, strlen(email),
	    PW_GOOD, strlen(PW_GOOD), &t), AUTH_OK);
	auth_tokens_clear(&t);
	for (i = 0; i < cfg.login_lockout_threshold; i++)
		ck_assert_int_eq(login(email, PW_OTHER, &t),
		    AUTH_ERR_INVALID_CREDENTIALS);
	ck_assert(auth_rl_degraded());
	ck_assert_int_eq(n_of(N_AUDIT, email, "login_failed"),
	    cfg.login_lockout_threshold);
	ck_assert_int_eq(n_of(N_AUDIT, email, "login_lockout"), 1);
	/* Locked: even the right password waits, with a Retry-After. */
	memset(&verdict, 0, sizeof(verdict));
	ck_assert_int_eq(login(email, PW_GOOD, &t), AUTH_ERR_RATE_LIMITED);
	ck_assert_uint_ge(verdict.retry_after, 1);
	ck_assert_ptr_null(t.access);
	ck_assert_int_eq(auth_flow_login(&ctx, &proxy, email, strlen(email),
	    PW_GOOD, strlen(PW_GOOD), &t), AUTH_ERR_RATE_LIMITED);
	/* The owner's known-good address is exempt. */
	ck_assert_int_eq(auth_flow_login(&ctx, &home, email, strlen(email),
	    PW_GOOD, strlen(PW_GOOD), &t), AUTH_OK);
	auth_tokens_clear(&t);
	/* An address without an account answers as a wrong password does. */
	ck_assert_int_eq(login("ghost@example.test", PW_OTHER, &t),
	    AUTH_ERR_INVALID_CREDENTIALS);
}
END_TEST

/* ---- a lost connection: retried only if nothing was sent ---------------- */

static const char *kill_at;	/* the statement before which to kill */

/* Terminates the flow's backend from the spy, and waits until it is gone. */
static void
kill_backend(const char *what)
{
	char	pid[16];
	int	i;

	if (kill_at == NULL || strcmp(what, kill_at) != 0)
		return;
	kill_at = NULL;
	snprintf(pid, sizeof(pid), "%d", PQbackendPID(auth_db_conn()));
	ck_assert_int_eq(q_long("SELECT pg_terminate_backend($1::int)::int",
	    pid, NULL), 1);
	for (i = 0; i < 200 && q_long("SELECT count(*) FROM pg_stat_activity "
	    "WHERE pid = $1::int", pid, NULL) > 0; i++)
		usleep(10000);
}

struct refresh_run {
	const char		*token;
	struct auth_tokens	 out;
	int			 calls;
	bool			 unreachable;	/* the first call finds no db */
};

static enum auth_err
refresh_run(void *arg)
{
	struct refresh_run *r = arg;

	if (r->calls++ == 0 && r->unreachable) {
		auth_db_reset();
		auth_db_init("host=/nonexistent dbname=none");
	} else
		auth_db_init(getenv("AUTH_TEST_DATABASE_URL"));
	auth_tokens_clear(&r->out);
	return refresh(r->token, &r->out);
}

/*
 * A connection lost once the refresh's statements were sent (here just
 * before the statement of its change, which commits by itself) is a 503,
 * not a retry: the server may have committed, and with leeway 0 a retry
 * would see its own rotation as reuse.
 */
START_TEST(test_lost_commit_not_retried)
{
	struct refresh_run	r;
	struct auth_tokens	t;

	cfg.refresh_reuse_leeway = 0;
	make_user("lostcommit@example.test", PW_GOOD);
	ck_assert_int_eq(login("lostcommit@example.test", PW_GOOD, &t),
	    AUTH_OK);
	memset(&r, 0, sizeof(r));
	r.token = t.refresh;
	auth_db_test_hook(kill_backend);
	kill_at = "refresh_rotate";
	ck_assert_int_eq(auth_db_run(refresh_run, &r), AUTH_ERR_UNAVAILABLE);
	ck_assert_ptr_null(kill_at);
	ck_assert_int_eq(r.calls, 1);
	/* Killed before its lookup, once the connection was found good: the
	 * same. */
	kill_at = "user_by_refresh";
	r.calls = 0;
	ck_assert_int_eq(auth_db_run(refresh_run, &r), AUTH_ERR_UNAVAILABLE);
	ck_assert_ptr_null(kill_at);
	ck_assert_int_eq(r.calls, 1);
	auth_db_test_hook(NULL);
	/* Nothing was committed: the token still rotates, no reuse. */
	r.calls = 0;
	ck_assert_int_eq(auth_db_run(refresh_run, &r), AUTH_OK);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(n_of(N_AUDIT, "lostcommit@example.test",
	    "refresh_token_reuse"), 0);
	auth_tokens_clear(&r.out);
	auth_tokens_clear(&t);
}
END_TEST

/* ---- account security: one key per address, equal work, caps ------------ */

/* U+0130 (k\xc4\xb0m) and U+212A (\xe2\x84\xaaim) are other addresses. */
#define KIM		"kim@kiwi.io"
#define KIM_DOTTED	"k\xc4\xb0m@kiwi.io"
#define KIM_KELVIN	"\xe2\x84\xaaim@kiwi.io"

START_TEST(test_lookalike_emails)
{
	const char	*alike[] = { KIM_DOTTED, KIM_KELVIN };
	struct auth_tokens t;
	struct auth_user u;
	const char	*weak;
	bool		 created;
	size_t		 i;

	make_user(KIM, PW_GOOD);
	for (i = 0; i < 2; i++) {
		/* Not the account, even with its password; no account made. */
		ck_assert_int_eq(auth_store_user_by_email(alike[i], &u),
		    AUTH_ERR_NOT_FOUND);
		ck_assert_int_eq(login(alike[i], PW_GOOD, &t),
		    AUTH_ERR_INVALID_CREDENTIALS);
		ck_assert_ptr_null(t.access);
		ck_assert_int_eq(auth_flow_signup(&ctx, &client, alike[i],
		    strlen(alike[i]), PW_OTHER, strlen(PW_OTHER), &u, &created,
		    &weak), AUTH_ERR_VALIDATION);
		ck_assert_int_eq(auth_store_user_import(alike[i], "$y$x", true,
		    NULL, &u, &created), AUTH_ERR_VALIDATION);
	}
	ck_assert_int_eq(q_long("SELECT count(*) FROM users WHERE email_key "
	    "LIKE '%kiwi.io'", NULL, NULL), 1);
	/* ASCII case is one account: its failures lock every spelling. */
	for (i = 0; i < cfg.login_lockout_threshold; i++)
		ck_assert_int_eq(login(i % 2 ? "KIM@Kiwi.io" : " kIm@KIWI.IO",
		    PW_OTHER, &t), AUTH_ERR_INVALID_CREDENTIALS);
	ck_assert_int_eq(login(KIM, PW_GOOD, &t), AUTH_ERR_RATE_LIMITED);
}
END_TEST

/* An unknown address does a wrong password's work: one audit row too. */
START_TEST(test_login_unknown_audited)
{
	const char	*sql = "SELECT count(*) FROM audit_events WHERE "
			    "event = 'login_failed' AND user_id IS NULL AND "
			    "detail->>'reason' = 'unknown'";
	struct auth_tokens t;
	long		 before;

	make_user("known@example.test", PW_GOOD);
	before = q_long(sql, NULL, NULL);
	ck_assert_int_eq(login("unknown@example.test", PW_OTHER, &t),
	    AUTH_ERR_INVALID_CREDENTIALS);
	ck_assert_int_eq(login(KIM_KELVIN, PW_OTHER, &t),
	    AUTH_ERR_INVALID_CREDENTIALS);
	ck_assert_int_eq(q_long(sql, NULL, NULL), before + 2);
	ck_assert_int_eq(login("known@example.test", PW_OTHER, &t),
	    AUTH_ERR_INVALID_CREDENTIALS);
	ck_assert_int_eq(n_of(N_AUDIT, "known@example.test", "login_failed"),
	    1);
}
END_TEST

/* forgot lasts AUTH_FLOW_FLOOR_US for an account and for nobody alike. */
START_TEST(test_forgot_time_floor)
{
	const char	*who[] = { "floor@example.test", "nofloor@example.test" };
	int64_t		 t0;
	size_t		 i;

	make_user(who[0], PW_GOOD);
	/* Pinned ahead of the real clock: the limits never see time go back. */
	t0 = auth_clock_mono_us() + 1000000;
	for (i = 0; i < 2; i++) {
		auth_clock_set_for_test(t0);
		ck_assert_int_eq(auth_flow_password_forgot(&ctx, &client, who[i],
		    strlen(who[i])), AUTH_OK);
		ck_assert_int_eq(auth_clock_mono_us(), t0 + AUTH_FLOW_FLOOR_US);
		auth_clock_set_for_test(t0);
		ck_assert_int_eq(auth_flow_verify_resend(&ctx, &client, who[i],
		    strlen(who[i])), AUTH_OK);
		ck_assert_int_eq(auth_clock_mono_us(), t0 + AUTH_FLOW_FLOOR_US);
	}
	auth_clock_set_for_test(0);
	ck_assert_int_eq(n_of(N_MAIL, who[0], "password_reset"), 1);
}
END_TEST

/* The owner's reset ends the delay an attacker's guesses caused. */
START_TEST(test_reset_clears_lockout)
{
	const char		*email = "relock@example.test";
	struct auth_client	 other = { "203.0.113.9", "check_flow", NULL };
	char			 token[AUTH_TOKEN_LEN + 1];
	struct auth_tokens	 t;
	const char		*weak;
	unsigned		 i;

	make_user(email, PW_GOOD);
	for (i = 0; i < cfg.login_lockout_threshold; i++)
		ck_assert_int_eq(login(email, PW_OTHER, &t),
		    AUTH_ERR_INVALID_CREDENTIALS);
	ck_assert_int_eq(login(email, PW_GOOD, &t), AUTH_ERR_RATE_LIMITED);
	ck_assert_int_eq(auth_flow_password_forgot(&ctx, &client, email,
	    strlen(email)), AUTH_OK);
	mail_token(email, "password_reset", token);
	ck_assert_int_eq(auth_flow_password_reset(&ctx, &client, token,
	    strlen(token), PW_OTHER, strlen(PW_OTHER), &weak), AUTH_OK);
	ck_assert_int_eq(auth_flow_login(&ctx, &other, email, strlen(email),
	    PW_OTHER, strlen(PW_OTHER), &t), AUTH_OK);
	auth_tokens_clear(&t);
}
END_TEST

/* With no statement sent (the database unreachable), the work runs again. */
START_TEST(test_unreachable_is_retried)
{
	struct refresh_run	r;
	struct auth_tokens	t;

	make_user("retried@example.test", PW_GOOD);
	ck_assert_int_eq(login("retried@example.test", PW_GOOD, &t), AUTH_OK);
	memset(&r, 0, sizeof(r));
	r.token = t.refresh;
	r.unreachable = true;
	ck_assert_int_eq(auth_db_run(refresh_run, &r), AUTH_OK);
	ck_assert_int_eq(r.calls, 2);
	ck_assert_ptr_nonnull(r.out.access);
	auth_tokens_clear(&r.out);
	auth_tokens_clear(&t);
}
END_TEST

/* Every mail to one address counts against mail_recipient (3/3600). */
START_TEST(test_mail_recipient_cap)
{
	const char		*email = "Capped@example.test";
	struct auth_config	 c = cfg;
	struct auth_user	 u;
	const char		*weak;
	char			 err[256];
	bool			 created;
	int			 i;

	c.rate_limits[0] = '\0';
	ck_assert_int_eq(auth_rl_init(&c, err, sizeof(err)), 0);
	make_user(email, PW_GOOD);
	/* The verify mail and two notices; then nothing, the same answer. */
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(auth_flow_signup(&ctx, &client,
		    "capped@EXAMPLE.test", 19, PW_OTHER, strlen(PW_OTHER), &u,
		    &created, &weak), AUTH_OK);
	ck_assert_int_eq(auth_flow_password_forgot(&ctx, &client, email,
	    strlen(email)), AUTH_OK);
	ck_assert_int_eq(q_long("SELECT count(*) FROM outbox WHERE "
	    "recipient = $1", email, NULL), 3);
	ck_assert_int_eq(n_of(N_MAIL, email, "account_exists"), 2);
	/* A capped reset stores no token: no link is voided unseen. */
	ck_assert_int_eq(n_of(N_TOKENS, email, "reset"), 0);
	ck_assert_int_eq(auth_rl_init(&cfg, err, sizeof(err)), 0);
}
END_TEST

/* ---- the Bearer caller, its sessions, the operator ----------------------- */

/* Makes the access token of t the caller of ctx. */
static void
bearer(const struct auth_tokens *t)
{
	ck_assert_int_eq(auth_jwt_verify(keyring, &cfg, t->access,
	    strlen(t->access), ctx.now, &ctx.bearer), AUTH_OK);
}

static int
count_row(void *arg, const struct auth_session_row *row)
{
	ck_assert_int_eq(auth_uuid_valid(row->id, strlen(row->id)), 1);
	(*(long *)arg)++;
	return 0;
}

START_TEST(test_sessions_of_the_caller)
{
	const char		*email = "sessions@example.test";
	struct auth_tokens	 a, b, c, o, x;
	char			 sid_o[AUTH_UUID_LEN + 1];
	long			 n = 0;

	make_user(email, PW_GOOD);
	make_user("other@example.test", PW_GOOD);
	ck_assert_int_eq(login(email, PW_GOOD, &a), AUTH_OK);
	ck_assert_int_eq(login(email, PW_GOOD, &b), AUTH_OK);
	ck_assert_int_eq(login(email, PW_GOOD, &c), AUTH_OK);
	ck_assert_int_eq(login("other@example.test", PW_GOOD, &o), AUTH_OK);
	bearer(&a);
	ck_assert_int_eq(auth_flow_sessions_list(&ctx, count_row, &n),
	    AUTH_OK);
	ck_assert_int_eq(n, 3);
	/* Someone else's session is not found, and stays live. */
	bearer(&o);
	snprintf(sid_o, sizeof(sid_o), "%s", ctx.bearer.sid);
	bearer(&a);
	ck_assert_int_eq(auth_flow_session_revoke(&ctx, &client, sid_o),
	    AUTH_ERR_NOT_FOUND);
	ck_assert_int_eq(auth_flow_session_revoke(&ctx, &client, "nope"),
	    AUTH_ERR_NOT_FOUND);
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, "other@example.test", NULL), 1);
	/* One's own: that one only. */
	bearer(&o);
	ck_assert_int_eq(auth_flow_session_revoke(&ctx, &client, sid_o),
	    AUTH_OK);
	ck_assert_int_eq(n_of(N_AUDIT, "other@example.test",
	    "session_revoked"), 1);
	ck_assert_int_eq(refresh(b.refresh, &x), AUTH_OK);
	auth_tokens_clear(&x);
	/* A revoked session's access token no longer names a caller. */
	bearer(&o);
	ck_assert_int_eq(auth_flow_bearer_user(&ctx, NULL),
	    AUTH_ERR_UNAUTHORIZED);
	/* Everywhere: every session of the caller, no one else's. */
	bearer(&a);
	ck_assert_int_eq(auth_flow_logout_all(&ctx, &client), AUTH_OK);
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, email, NULL), 0);
	ck_assert_int_eq(auth_flow_bearer_user(&ctx, NULL),
	    AUTH_ERR_UNAUTHORIZED);
	ck_assert_int_eq(n_of(N_AUDIT, email, "logout_all"), 1);
	auth_tokens_clear(&a);
	auth_tokens_clear(&b);
	auth_tokens_clear(&c);
	auth_tokens_clear(&o);
}
END_TEST

START_TEST(test_password_change_keeps_current)
{
	const char		*email = "change@example.test";
	struct auth_tokens	 a, b, x;
	const char		*weak;

	make_user(email, PW_GOOD);
	ck_assert_int_eq(login(email, PW_GOOD, &a), AUTH_OK);
	ck_assert_int_eq(login(email, PW_GOOD, &b), AUTH_OK);
	bearer(&a);
	ck_assert_int_eq(auth_flow_password_change(&ctx, &client, PW_OTHER,
	    strlen(PW_OTHER), PW_OTHER, strlen(PW_OTHER), &weak),
	    AUTH_ERR_INVALID_CREDENTIALS);
	ck_assert_int_eq(n_of(N_AUDIT, email, "login_failed"), 1);
	ck_assert_int_eq(auth_flow_password_change(&ctx, &client, PW_GOOD,
	    strlen(PW_GOOD), "password", 8, &weak), AUTH_ERR_VALIDATION);
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, email, NULL), 2);
	ck_assert_int_eq(auth_flow_password_change(&ctx, &client, PW_GOOD,
	    strlen(PW_GOOD), PW_OTHER, strlen(PW_OTHER), &weak), AUTH_OK);
	/* The caller's session stays, the other one is gone. */
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, email, NULL), 1);
	ck_assert_int_eq(auth_flow_bearer_user(&ctx, NULL), AUTH_OK);
	ck_assert_int_eq(refresh(b.refresh, &x),
	    AUTH_ERR_INVALID_REFRESH_TOKEN);
	ck_assert_int_eq(login(email, PW_OTHER, &x), AUTH_OK);
	auth_tokens_clear(&x);
	auth_tokens_clear(&a);
	auth_tokens_clear(&b);
}
END_TEST

START_TEST(test_operator_disable)
{
	const char		*email = "disable@example.test";
	struct auth_tokens	 a, x;
	struct auth_user	 u;

	make_user(email, PW_GOOD);
	ck_assert_int_eq(auth_store_user_by_email(email, &u), AUTH_OK);
	ck_assert_int_eq(login(email, PW_GOOD, &a), AUTH_OK);
	ck_assert_int_eq(auth_flow_user_set_disabled(&client, u.id, true),
	    AUTH_OK);
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, email, NULL), 0);
	ck_assert_int_eq(refresh(a.refresh, &x),
	    AUTH_ERR_INVALID_REFRESH_TOKEN);
	ck_assert_int_eq(login(email, PW_GOOD, &x), AUTH_ERR_ACCOUNT_DISABLED);
	ck_assert_int_eq(auth_flow_user_set_disabled(&client, u.id, false),
	    AUTH_OK);
	ck_assert_int_eq(login(email, PW_GOOD, &x), AUTH_OK);
	auth_tokens_clear(&x);
	ck_assert_int_eq(n_of(N_AUDIT, email, "account_disabled"), 1);
	ck_assert_int_eq(n_of(N_AUDIT, email, "account_enabled"), 1);
	/* An unknown account changes nothing and says so. */
	ck_assert_int_eq(auth_flow_user_set_disabled(&client,
	    "00000000-0000-4000-8000-000000000000", true), AUTH_ERR_NOT_FOUND);
	auth_tokens_clear(&a);
}
END_TEST

/* ---- the store directly ------------------------------------------------ */

START_TEST(test_store_user_insert_any_case)
{
	struct auth_user	u, v;
	bool			inserted;

	ck_assert_int_eq(auth_store_user_insert("Case@Example.test", "$y$x",
	    &u, &inserted), AUTH_OK);
	ck_assert(inserted);
	ck_assert_int_eq(auth_store_user_insert("case@EXAMPLE.test", "$y$z",
	    &v, &inserted), AUTH_OK);
	ck_assert(!inserted);
	ck_assert_int_eq(auth_store_user_by_email("CASE@example.TEST", &v),
	    AUTH_OK);
	ck_assert_str_eq(v.id, u.id);
	ck_assert_str_eq(v.email, "Case@Example.test");
	ck_assert_str_eq(v.password_hash, "$y$x");
	ck_assert(!v.email_verified);
	ck_assert_int_eq(auth_store_user_by_email("nobody@example.test", &v),
	    AUTH_ERR_NOT_FOUND);
}
END_TEST

START_TEST(test_store_email_token_rules)
{
	unsigned char		h1[AUTH_HASH_LEN], h2[AUTH_HASH_LEN];
	unsigned char		h3[AUTH_HASH_LEN];
	char			uid[AUTH_UUID_LEN + 1];
	struct auth_user	u;
	bool			inserted;

	memset(h1, 1, sizeof(h1));
	memset(h2, 2, sizeof(h2));
	memset(h3, 3, sizeof(h3));
	ck_assert_int_eq(auth_store_user_insert("tok@example.test", "$y$x",
	    &u, &inserted), AUTH_OK);
	ck_assert_int_eq(auth_store_email_token_insert(u.id, h1, "reset",
	    3600), AUTH_OK);
	/* Wrong purpose: not found, and the token is still there. */
	ck_assert_int_eq(auth_store_email_token_consume(h1, "verify", uid),
	    AUTH_ERR_NOT_FOUND);
	/* A newer token of the purpose voids the older one. */
	ck_assert_int_eq(auth_store_email_token_insert(u.id, h2, "reset",
	    3600), AUTH_OK);
	ck_assert_int_eq(auth_store_email_token_consume(h1, "reset", uid),
	    AUTH_ERR_NOT_FOUND);
	ck_assert_int_eq(auth_store_email_token_consume(h2, "reset", uid),
	    AUTH_OK);
	ck_assert_str_eq(uid, u.id);
	ck_assert_int_eq(auth_store_email_token_consume(h2, "reset", uid),
	    AUTH_ERR_NOT_FOUND);
	/* An expired token is no token. */
	ck_assert_int_eq(auth_store_email_token_insert(u.id, h3, "verify",
	    -1), AUTH_OK);
	ck_assert_int_eq(auth_store_email_token_consume(h3, "verify", uid),
	    AUTH_ERR_NOT_FOUND);
}
END_TEST

/* ---- round trips --------------------------------------------------------- */

/*
 * One round trip per request where the work allows it: a Bearer caller's
 * check, its sessions' list, a session's revocation, logout, logout
 * everywhere, verification; a refresh pays two, its
 * lookup and its change, with the limiter's count of the session between
 * them.
 */
START_TEST(test_round_trips)
{
	const char		*email = "trips@example.test";
	char			 tok[AUTH_TOKEN_LEN + 1];
	char			 sid_a[AUTH_UUID_LEN + 1];
	struct auth_tokens	 a, b, c;
	struct auth_user	 u;
	long			 n = 0;
	const char		*weak;
	bool			 created;
	enum auth_err		 e;

	ck_assert_int_eq(auth_flow_signup(&ctx, &client, email, strlen(email),
	    PW_GOOD, strlen(PW_GOOD), &u, &created, &weak), AUTH_OK);
	mail_token(email, "verify_email", tok);
	TRIPS(1, e = auth_flow_verify_email(&ctx, &client, tok, strlen(tok)));
	ck_assert_int_eq(e, AUTH_OK);
	ck_assert_int_eq(n_of(N_AUDIT, email, "email_verified"), 1);
	/* Used: the same one round trip, refused. */
	TRIPS(1, e = auth_flow_verify_email(&ctx, &client, tok, strlen(tok)));
	ck_assert_int_eq(e, AUTH_ERR_INVALID_TOKEN);
	ck_assert_int_eq(n_of(N_AUDIT, email, "email_verified"), 1);
	ck_assert_int_eq(login(email, PW_GOOD, &a), AUTH_OK);
	ck_assert_int_eq(login(email, PW_GOOD, &c), AUTH_OK);
	bearer(&a);
	TRIPS(1, e = auth_flow_bearer_user(&ctx, &u));
	ck_assert_int_eq(e, AUTH_OK);
	ck_assert_str_eq(u.email, email);
	TRIPS(2, e = refresh(a.refresh, &b));
	ck_assert_int_eq(e, AUTH_OK);
	TRIPS(1, e = auth_flow_logout(&ctx, &client, b.refresh,
	    strlen(b.refresh)));
	ck_assert_int_eq(e, AUTH_OK);
	ck_assert_int_eq(n_of(N_AUDIT, email, "logout"), 1);
	/* The logged-out session's access token names no caller. */
	TRIPS(1, e = auth_flow_bearer_user(&ctx, NULL));
	ck_assert_int_eq(e, AUTH_ERR_UNAUTHORIZED);
	TRIPS(1, e = auth_flow_logout_all(&ctx, &client));
	ck_assert_int_eq(e, AUTH_ERR_UNAUTHORIZED);
	ck_assert_int_eq(n_of(N_AUDIT, email, "logout_all"), 0);
	bearer(&a);
	snprintf(sid_a, sizeof(sid_a), "%s", ctx.bearer.sid);
	bearer(&c);
	TRIPS(1, e = auth_flow_sessions_list(&ctx, count_row, &n));
	ck_assert_int_eq(e, AUTH_OK);
	ck_assert_int_eq(n, 1);
	/* The logged-out session is no longer there to revoke. */
	TRIPS(1, e = auth_flow_session_revoke(&ctx, &client, sid_a));
	ck_assert_int_eq(e, AUTH_ERR_NOT_FOUND);
	TRIPS(1, e = auth_flow_logout_all(&ctx, &client));
	ck_assert_int_eq(e, AUTH_OK);
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, email, NULL), 0);
	ck_assert_int_eq(q_long("SELECT count(*) FROM audit_events a JOIN users"
	    " u ON u.id = a.user_id WHERE u.email = $1 AND a.event = "
	    "'logout_all' AND a.detail = '{\"sessions_revoked\": 1}'", email,
	    NULL), 1);
	auth_tokens_clear(&a);
	auth_tokens_clear(&b);
	auth_tokens_clear(&c);
}
END_TEST

/* ---- main ---------------------------------------------------------------- */

/* Loads the test's configuration, HS256 key and outbox key. */
/* ---- administration: roles, the listing, deletion ------------------------ */

/* The rows of user id (or of the address email) in tables that must all
 * be empty once the account is deleted. */
static long
n_left(const char *id, const char *email)
{
	return q_long("SELECT (SELECT count(*) FROM users WHERE id = $1::uuid)"
	    " + (SELECT count(*) FROM sessions WHERE user_id = $1::uuid)"
	    " + (SELECT count(*) FROM email_tokens WHERE user_id = $1::uuid)"
	    " + (SELECT count(*) FROM user_roles WHERE user_id = $1::uuid)"
	    " + (SELECT count(*) FROM outbox WHERE lower(recipient) ="
	    " lower($2))", id, email);
}

START_TEST(test_role_claim_and_deletion)
{
	const char		*email = "Admin.Del@example.test";
	struct auth_tokens	 a, b;
	struct auth_user	 u;
	char			 id[AUTH_UUID_LEN + 1];

	make_user(email, PW_GOOD);
	ck_assert_int_eq(auth_store_user_by_email(email, &u), AUTH_OK);
	snprintf(id, sizeof(id), "%s", u.id);
	ck_assert_int_eq(login(email, PW_GOOD, &a), AUTH_OK);
	ck_assert_int_eq(auth_flow_role_set(&ctx, &client, NULL, id, "Admin",
	    true), AUTH_ERR_VALIDATION);
	ck_assert_int_eq(auth_flow_role_set(&ctx, &client, NULL,
	    "00000000-0000-4000-8000-000000000000", "ops", true),
	    AUTH_ERR_NOT_FOUND);
	ck_assert_int_eq(auth_flow_role_set(&ctx, &client, NULL, id, "admin",
	    true), AUTH_OK);
	/* The claim follows at the next refresh. */
	ck_assert_int_eq(refresh(a.refresh, &b), AUTH_OK);
	bearer(&b);
	ck_assert_int_eq(ctx.bearer.nroles, 1);
	ck_assert_str_eq(ctx.bearer.roles[0], "admin");
	ck_assert_int_eq(auth_flow_admin_caller(&ctx), AUTH_OK);
	/* Revoking admin_role ends every session. */
	ck_assert_int_eq(auth_flow_role_set(&ctx, &client, NULL, id, "admin",
	    false), AUTH_OK);
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, email, NULL), 0);
	ck_assert_int_eq(auth_flow_admin_caller(&ctx), AUTH_ERR_UNAUTHORIZED);
	auth_tokens_clear(&a);
	auth_tokens_clear(&b);

	/* A connection lost before the delete: nothing of it stays. */
	ck_assert_int_eq(login(email, PW_GOOD, &a), AUTH_OK);
	ck_assert_int_eq(auth_flow_role_set(&ctx, &client, NULL, id, "ops",
	    true), AUTH_OK);
	ck_assert_int_gt(n_of(N_MAIL, email, "verify_email"), 0);
	auth_db_test_hook(kill_backend);
	kill_at = "user_delete";
	ck_assert_int_eq(auth_flow_user_delete(&client, NULL, id),
	    AUTH_ERR_UNAVAILABLE);
	auth_db_test_hook(NULL);
	ck_assert_ptr_null(kill_at);
	ck_assert_int_eq(n_of(N_USERS, email, NULL), 1);
	ck_assert_int_gt(n_of(N_MAIL, email, "verify_email"), 0);
	ck_assert_int_eq(n_of(N_LIVE_SESSIONS, email, NULL), 1);
	ck_assert_int_eq(q_long("SELECT count(*) FROM audit_events WHERE "
	    "user_id = $1::uuid AND event = 'account_deleted'", id, NULL), 0);

	ck_assert_int_eq(auth_flow_user_delete(&client, NULL, id), AUTH_OK);
	ck_assert_int_eq(n_left(id, email), 0);
	ck_assert_int_eq(refresh(a.refresh, &b), AUTH_ERR_INVALID_REFRESH_TOKEN);
	/* The trail keeps the id and no address. */
	ck_assert_int_eq(q_long("SELECT count(*) FROM audit_events WHERE "
	    "user_id = $1::uuid AND event IN ('signup', 'account_deleted')",
	    id, NULL), 2);
	ck_assert_int_eq(q_long("SELECT count(*) FROM audit_events a WHERE "
	    "a::text ILIKE '%' || $1 || '%'", "admin.del", NULL), 0);
	ck_assert_int_eq(auth_flow_user_delete(&client, NULL, id),
	    AUTH_ERR_NOT_FOUND);
	/* The address is free again. */
	make_user(email, PW_GOOD);
	auth_tokens_clear(&a);
}
END_TEST

/* Appends a listed id to the array of ids arg. */
static int
list_row(void *arg, const struct auth_user_row *row)
{
	char (*ids)[AUTH_UUID_LEN + 1] = arg;
	int i;

	for (i = 0; ids[i][0] != '\0'; i++)
		continue;
	ck_assert_int_lt(i, 3);
	snprintf(ids[i], sizeof(ids[i]), "%s", row->id);
	return 0;
}

#define NEXT_MAX	200

/* One page of the listing q into ids (appended) and next. */
static enum auth_err
list_page(const struct auth_admin_query *q, char ids[][AUTH_UUID_LEN + 1],
    char next[NEXT_MAX])
{
	return auth_flow_admin_users(&ctx, q, list_row, ids, next, NEXT_MAX);
}

/* Asserts that the user with this email has the id id. */
static void
assert_id(const char *email, const char *id)
{
	struct auth_user u;

	ck_assert_int_eq(auth_store_user_by_email(email, &u), AUTH_OK);
	ck_assert_str_eq(u.id, id);
}

START_TEST(test_admin_listing_pages)
{
	char			 ids[4][AUTH_UUID_LEN + 1], next[NEXT_MAX];
	char			 first[NEXT_MAX];
	struct auth_admin_query	 q = { "PAGE_", 5, 2, NULL, 0 };
	struct auth_tokens	 t;
	struct auth_user	 u;

	make_user("page_1@example.test", PW_GOOD);
	make_user("page_2@example.test", PW_GOOD);
	make_user("page_3@example.test", PW_GOOD);
	make_user("pageX@example.test", PW_GOOD);
	make_user("boss@example.test", PW_GOOD);
	ck_assert_int_eq(login("boss@example.test", PW_GOOD, &t), AUTH_OK);
	bearer(&t);
	memset(ids, 0, sizeof(ids));
	ck_assert_int_eq(list_page(&q, ids, next), AUTH_ERR_FORBIDDEN);
	ck_assert_int_eq(auth_store_user_by_email("boss@example.test", &u),
	    AUTH_OK);
	ck_assert_int_eq(auth_flow_role_set(&ctx, &client, NULL, u.id, "admin",
	    true), AUTH_OK);
	/* Newest first; "_" matches itself only. */
	ck_assert_int_eq(list_page(&q, ids, next), AUTH_OK);
	ck_assert_str_ne(next, "");
	assert_id("page_3@example.test", ids[0]);
	assert_id("page_2@example.test", ids[1]);
	snprintf(first, sizeof(first), "%s", next);
	q.cursor = next;
	q.cursor_len = strlen(next);
	ck_assert_int_eq(list_page(&q, ids, next), AUTH_OK);
	ck_assert_str_eq(next, "");
	assert_id("page_1@example.test", ids[2]);
	ck_assert_str_eq(ids[3], "");
	/* A cursor altered by one character is refused. */
	first[20] = first[20] == 'A' ? 'B' : 'A';
	q.cursor = first;
	ck_assert_int_eq(list_page(&q, ids, next), AUTH_ERR_INVALID_CURSOR);
	auth_tokens_clear(&t);
}
END_TEST

static void
init(void)
{
	char	 path[128], secret[48], err[256];
	int	 fd;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_flow.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/hs256.secret", tmpdir);
	memset(secret, 'k', sizeof(secret));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
	    write(fd, secret, sizeof(secret)) != (ssize_t)sizeof(secret) ||
	    close(fd) != 0)
		abort();
	auth_config_defaults(&cfg);
	cfg.jwt_alg = AUTH_JWT_HS256;
	snprintf(cfg.hs256_secret_file, sizeof(cfg.hs256_secret_file), "%s",
	    path);
	snprintf(cfg.public_url, sizeof(cfg.public_url), "https://auth.test");
	snprintf(cfg.redis_url, sizeof(cfg.redis_url), "redis://127.0.0.1:1");
	cfg.redis_timeout_ms = 100;
	cfg.password_cost = 1;
	cfg.login_lockout_threshold = 3;
	/* The flows' tests mail one address more often than mail_recipient
	 * allows; test_mail_recipient_cap runs with the default. */
	snprintf(cfg.rate_limits, sizeof(cfg.rate_limits),
	    "mail_recipient=1000/3600");
	if ((keyring = auth_keyring_load(&cfg, true, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "check_flow: keys: %s\n", err);
		exit(1);
	}
	memset(seal_key, 0x5a, sizeof(seal_key));
	snprintf(path, sizeof(path), "%s/hmac.key", tmpdir);
	if (auth_hmac_key_generate(path, err, sizeof(err)) != 0 ||
	    auth_hmac_key_load(path, err, sizeof(err)) != 0) {
		fprintf(stderr, "check_flow: hmac key: %s\n", err);
		exit(1);
	}
	auth_redis_init(&cfg);
	if (auth_rl_init(&cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "check_flow: limits: %s\n", err);
		exit(1);
	}
	auth_db_init(getenv("AUTH_TEST_DATABASE_URL"));
}

static Suite *
flow_suite(void)
{
	Suite	*s = suite_create("flow");
	TCase	*rot = tcase_create("refresh");
	TCase	*sig = tcase_create("signup");
	TCase	*pw = tcase_create("reset");
	TCase	*sec = tcase_create("security");
	TCase	*ses = tcase_create("sessions");
	TCase	*st = tcase_create("store");

	tcase_add_checked_fixture(rot, setup, teardown);
	tcase_add_checked_fixture(sig, setup, teardown);
	tcase_add_checked_fixture(pw, setup, teardown);
	tcase_add_checked_fixture(sec, setup, teardown);
	tcase_add_checked_fixture(ses, setup, teardown);
	tcase_add_checked_fixture(st, setup, teardown);
	tcase_add_test(rot, test_refresh_rotates);
	tcase_add_test(rot, test_refresh_retry_within_leeway);
	tcase_add_test(rot, test_refresh_reuse_revokes_family);
	tcase_add_test(rot, test_logout_revokes);
	tcase_add_test(rot, test_lost_commit_not_retried);
	tcase_add_test(rot, test_unreachable_is_retried);
	tcase_add_test(rot, test_round_trips);
	tcase_add_test(sig, test_signup_writes_all_three);
	tcase_add_test(sig, test_signup_duplicate_writes_nothing);
	tcase_add_test(sig, test_signup_failure_writes_nothing);
	tcase_add_test(pw, test_reset_single_use_revokes_sessions);
	tcase_add_test(pw, test_forgot_unknown_and_newer_token);
	tcase_add_test(sec, test_login_lockout);
	tcase_add_test(sec, test_lookalike_emails);
	tcase_add_test(sec, test_login_unknown_audited);
	tcase_add_test(sec, test_forgot_time_floor);
	tcase_add_test(sec, test_reset_clears_lockout);
	tcase_add_test(sec, test_mail_recipient_cap);
	tcase_add_test(ses, test_sessions_of_the_caller);
	tcase_add_test(ses, test_password_change_keeps_current);
	tcase_add_test(ses, test_operator_disable);
	tcase_add_test(ses, test_role_claim_and_deletion);
	tcase_add_test(ses, test_admin_listing_pages);
	tcase_add_test(st, test_store_user_insert_any_case);
	tcase_add_test(st, test_store_email_token_rules);
	suite_add_tcase(s, rot);
	suite_add_tcase(s, sig);
	suite_add_tcase(s, pw);
	suite_add_tcase(s, sec);
	suite_add_tcase(s, ses);
	suite_add_tcase(s, st);
	return s;
}

int
main(int argc, char **argv)
{
	char		 wrapper[1024], path[160];
	SRunner		*sr;
	int		 failed;

	(void)argc;
	/* First the cluster: run again under tests/unit/with-pg. */
	if (getenv("AUTH_TEST_DATABASE_URL") == NULL) {
		snprintf(wrapper, sizeof(wrapper), "%s/tests/unit/with-pg",
		    AUTH_TEST_SRCDIR);
		execl(wrapper, wrapper, argv[0], (char *)NULL);
		fprintf(stderr, "check_flow: %s: %s\n", wrapper,
		    strerror(errno));
		return 1;
	}
	init();
	sr = srunner_create(flow_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	auth_keyring_free(keyring);
	snprintf(path, sizeof(path), "%s/hs256.secret", tmpdir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/hmac.key", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
