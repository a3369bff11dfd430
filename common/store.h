/*
 * Every store file at once, for the flows. A caller that needs one table
 * group includes its store_*.h instead.
 */
#ifndef AUTH_STORE_H
#define AUTH_STORE_H

#include "store_audit.h"
#include "store_email_token.h"
#include "store_outbox.h"
#include "store_session.h"
#include "store_stmt.h"
#include "store_user.h"

#endif
