/*-------------------------------------------------------------------------
 *
 * compat.c
 *	  Entry points that released SQL declarations name and the library no
 *	  longer serves.
 *
 * Every installable version's SQL script declares its C functions by
 * symbol, and a fresh install runs the released base script before the
 * update scripts, so every symbol a released script names must exist in
 * this library forever.  When a release changes what a C function takes,
 * returns or needs from the schema, it gets a new symbol (named after the
 * version that introduced it, as pg_stat_statements does) and the update
 * script points the SQL declaration at it; the old symbol is listed here
 * and raises a clear error instead of running code written for another
 * schema.  The window in which this matters is the one between installing
 * a new library and running ALTER EXTENSION passport UPDATE.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "passport.h"

/*
 * PassportRetired raises the error of an entry point whose SQL declaration
 * is older than the library: the DBA has to finish the update.
 */
void
PassportRetired(const char *symbol, const char *version)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the SQL definitions of extension \"passport\" are older than its library"),
			 errdetail("C function %s was declared by passport %s, which this library no longer serves.",
					   symbol, version),
			 errhint("Run ALTER EXTENSION passport UPDATE.")));
}

/*
 * RETIRED_ENTRY defines an old entry point that only raises the error
 * above.  The list below names each with the version that declared it.
 */
#define RETIRED_ENTRY(symbol, version) \
	PG_FUNCTION_INFO_V1(symbol); \
	Datum symbol(PG_FUNCTION_ARGS); \
	Datum \
	symbol(PG_FUNCTION_ARGS) \
	{ \
		PassportRetired(#symbol, version); \
		PG_RETURN_NULL(); \
	}

/* 0.2 checks the officer's office binding and the payment role */
RETIRED_ENTRY(passport_check_in, "0.1")
RETIRED_ENTRY(passport_open_application, "0.1")
RETIRED_ENTRY(passport_open_walk_in, "0.1")
RETIRED_ENTRY(passport_transition, "0.1")
RETIRED_ENTRY(passport_confirm_payment, "0.1")
RETIRED_ENTRY(passport_walk_in_ticket, "0.1")
RETIRED_ENTRY(passport_pickup_ticket, "0.1")
RETIRED_ENTRY(passport_call_next, "0.1")
RETIRED_ENTRY(passport_recall, "0.1")
RETIRED_ENTRY(passport_start_service, "0.1")
RETIRED_ENTRY(passport_finish_service, "0.1")
RETIRED_ENTRY(passport_sweep, "0.1")

/*
 * 0.2 draws numbers from the office's counters, knows channels as rows and
 * counts second-factor attempts
 */
RETIRED_ENTRY(passport_reserve, "0.1")
RETIRED_ENTRY(passport_cancel, "0.1")
RETIRED_ENTRY(passport_reschedule, "0.1")
RETIRED_ENTRY(passport_issue_reservation_number, "0.1")
RETIRED_ENTRY(passport_reservation_number_office, "0.1")
RETIRED_ENTRY(passport_issue_application_number, "0.1")
RETIRED_ENTRY(passport_issue_billing_code, "0.1")
