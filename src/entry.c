/*-------------------------------------------------------------------------
 *
 * entry.c
 *	  Entry points with the office's number first, for the functions that
 *	  find their office in a number (application number, billing code,
 *	  reservation number): passport.transition_at(office_id, ...) and the
 *	  like.  Citus delegates a call to the worker that owns the office by
 *	  the office_id argument; the number must belong to that office
 *	  (otherwise PP006), and the call is then the function without it.
 *
 * The functions that take an office code have their _at form in the same
 * C function (it reads its first argument by type: LookupArgOffice).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "passport.h"

/* The functions the _at forms call (status.c, queue.c). */
extern Datum passport_transition_0_2(PG_FUNCTION_ARGS);
extern Datum passport_confirm_payment_0_2(PG_FUNCTION_ARGS);
extern Datum passport_open_application_0_2(PG_FUNCTION_ARGS);
extern Datum passport_pickup_ticket_0_2(PG_FUNCTION_ARGS);

/* What the number in the second argument is. */
typedef enum NumberKind
{
	NUMBER_APPLICATION,
	NUMBER_BILLING,
	NUMBER_RESERVATION
} NumberKind;

/*
 * CallAtOffice checks that the number in argument 1 belongs to the office
 * in argument 0 (PP006 otherwise, as for an unknown number), then calls
 * target with the other arguments (the result type is the same).
 */
static Datum
CallAtOffice(FunctionCallInfo fcinfo, NumberKind kind, PGFunction target)
{
	LOCAL_FCINFO(inner, FUNC_MAX_ARGS);
	char	   *typed = PassportArgText(fcinfo, 1);
	int64		office_id;
	int64		owner = 0;
	char	   *shown = NULL;
	Datum		result;
	int			i;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("office_id is required")));
	office_id = PG_GETARG_INT64(0);
	if (typed != NULL)
	{
		switch (kind)
		{
			case NUMBER_APPLICATION:
				shown = CanonicalApplicationNumber(typed);
				owner = ApplicationNumberOffice(shown);
				break;
			case NUMBER_BILLING:
				shown = CanonicalBillingCode(typed);
				owner = BillingCodeOffice(shown);
				break;
			case NUMBER_RESERVATION:
				shown = CanonicalReservationNumber(typed);
				if (!ReservationNumberOffice(shown, &owner))
					owner = 0;
				break;
		}
		if (owner != office_id)
			ereport(ERROR,
					(errcode(ERRCODE_PP_NOT_FOUND),
					 errmsg("%s not found",
							kind == NUMBER_APPLICATION ? "application" :
							kind == NUMBER_BILLING ? "billing" : "reservation"),
					 errdetail("Office %lld has no %s %s.", (long long) office_id,
							   kind == NUMBER_APPLICATION ? "application numbered" :
							   kind == NUMBER_BILLING ? "billing with the code" :
							   "reservation numbered", shown)));
	}
	InitFunctionCallInfoData(*inner, fcinfo->flinfo, fcinfo->nargs - 1, fcinfo->fncollation,
							 fcinfo->context, fcinfo->resultinfo);
	for (i = 1; i < fcinfo->nargs; i++)
		inner->args[i - 1] = fcinfo->args[i];
	result = target(inner);
	fcinfo->isnull = inner->isnull;
	return result;
}

PG_FUNCTION_INFO_V1(passport_transition_at);

/* passport_transition_at is passport.transition_at(office_id, application_number, ...). */
Datum
passport_transition_at(PG_FUNCTION_ARGS)
{
	return CallAtOffice(fcinfo, NUMBER_APPLICATION, passport_transition_0_2);
}

PG_FUNCTION_INFO_V1(passport_confirm_payment_at);

/* passport_confirm_payment_at is passport.confirm_payment_at(office_id, billing_code, ...). */
Datum
passport_confirm_payment_at(PG_FUNCTION_ARGS)
{
	return CallAtOffice(fcinfo, NUMBER_BILLING, passport_confirm_payment_0_2);
}

PG_FUNCTION_INFO_V1(passport_open_application_at);

/* passport_open_application_at is passport.open_application_at(office_id, reservation_number, ...). */
Datum
passport_open_application_at(PG_FUNCTION_ARGS)
{
	return CallAtOffice(fcinfo, NUMBER_RESERVATION, passport_open_application_0_2);
}

PG_FUNCTION_INFO_V1(passport_pickup_ticket_at);

/* passport_pickup_ticket_at is passport.pickup_ticket_at(office_id, application_number). */
Datum
passport_pickup_ticket_at(PG_FUNCTION_ARGS)
{
	return CallAtOffice(fcinfo, NUMBER_APPLICATION, passport_pickup_ticket_0_2);
}
