/* email_tokens: the single-use links of verification and password reset. */
#ifndef AUTH_STORE_EMAIL_TOKEN_H
#define AUTH_STORE_EMAIL_TOKEN_H

#include "base_err.h"
#include "store_stmt.h"
#include "base_codec.h"
#include "base_secret.h"

/* Inserts a token; voids older unused tokens of the same purpose. */
enum auth_err auth_store_email_token_insert(const char *user_id,
	    const unsigned char hash[AUTH_HASH_LEN], const char *purpose,
	    long ttl_seconds);
/* Marks the token used if unused and unexpired; fills user_id. NOT_FOUND
 * for unknown, expired, used or wrong purpose alike. */
enum auth_err auth_store_email_token_consume(
	    const unsigned char hash[AUTH_HASH_LEN], const char *purpose,
	    char user_id[AUTH_UUID_LEN + 1]);
/* Consumes the token as auth_store_email_token_consume does, marks its
 * account verified and writes the audit row event, in one statement. */
enum auth_err auth_store_email_token_verify(
	    const unsigned char hash[AUTH_HASH_LEN], const char *purpose,
	    const char *event, const struct auth_client *cl,
	    char user_id[AUTH_UUID_LEN + 1]);

#endif
