/*-------------------------------------------------------------------------
 *
 * access.c
 *	  Who is calling: the role outside every SECURITY DEFINER function,
 *	  which the access checks of the officer, payment and administrator
 *	  functions are made against.
 *
 * Inside a SECURITY DEFINER function current_user is the function's owner;
 * the role that called it (the session's role after any SET ROLE) is the
 * "outer" user id.  Checks made against it cannot be widened by a setting
 * the caller chooses.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "passport.h"

/* CallingRole returns the role outside any SECURITY DEFINER function. */
Oid
CallingRole(void)
{
	return GetOuterUserId();
}

/* CallingRoleName returns the name of CallingRole(). */
char *
CallingRoleName(void)
{
	return GetUserNameFromId(CallingRole(), false);
}

PG_FUNCTION_INFO_V1(passport_calling_role);

/* passport_calling_role is passport.calling_role(): the role that called. */
Datum
passport_calling_role(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(DirectFunctionCall1(namein, CStringGetDatum(CallingRoleName())));
}
