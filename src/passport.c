/*-------------------------------------------------------------------------
 *
 * passport.c
 *	  Module entry: the settings (GUCs) and the one time source.
 *
 * The module keeps no shared state and needs no shared_preload_libraries:
 * the settings below exist as soon as any passport function is called,
 * and a value set earlier with SET is taken over when the module loads.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "passport.h"

PG_MODULE_MAGIC;

int			passport_max_active_per_sender = 4;
int			passport_cooldown_minutes = 24 * 60;
int			passport_reschedule_limit = 1;
int			passport_reschedule_min_days = 1;
int			passport_checkin_early_minutes = 60;
int			passport_checkin_late_minutes = 30;
int			passport_max_calls = 3;
int			passport_outbox_max_attempts = 5;
bool		passport_outbox_notify = false;
bool		passport_queue_notify = false;
int			passport_documents_days = 7;
int			passport_pickup_days = 30;
int			passport_billing_minutes_after_interview = 7 * 24 * 60;
int			passport_billing_minutes_at_booking = 2 * 60;
char	   *passport_test_pause = NULL;
static int	passport_conversation_timeout = 30;
static char *passport_now_override = NULL;

void		_PG_init(void);

/* Earliest and latest time the clock may be pinned to (2000-01-01, 2200-01-01 UTC). */
#define NOW_OVERRIDE_MIN	((TimestampTz) 0)
#define NOW_OVERRIDE_MAX	((TimestampTz) 6311433600 * USECS_PER_SEC)

/*
 * CheckNowOverride accepts an empty string, or a finite time between 2000
 * and 2200.  Who may set it is PostgreSQL's business: the setting is
 * superuser-only (PGC_SUSET), and a superuser lets a test role pin the
 * clock with GRANT SET ON PARAMETER passport.now_override TO that role.
 */
static bool
CheckNowOverride(char **newval, void **extra, GucSource source)
{
	TimestampTz ts = 0;
	bool		parsed = true;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	PG_TRY();
	{
		ts = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(*newval),
													 ObjectIdGetDatum(InvalidOid),
													 Int32GetDatum(-1)));
	}
	PG_CATCH();
	{
		FlushErrorState();
		parsed = false;
	}
	PG_END_TRY();
	if (!parsed || TIMESTAMP_NOT_FINITE(ts) || ts < NOW_OVERRIDE_MIN || ts >= NOW_OVERRIDE_MAX)
	{
		GUC_check_errdetail("passport.now_override must be empty or a time with time zone between 2000 and 2200.");
		return false;
	}
	return true;
}

/* _PG_init defines the extension's settings. */
void
_PG_init(void)
{
	DefineCustomStringVariable("passport.now_override",
							   "Pins the time every passport rule reads (for tests).",
							   "Empty means the transaction start time. Superusers only, or roles granted SET ON PARAMETER.",
							   &passport_now_override, "",
							   PGC_SUSET, 0,
							   CheckNowOverride, NULL, NULL);
	DefineOfficeScope();
	DefineCustomIntVariable("passport.max_active_per_sender",
							"Active reservations one sender may hold at once.",
							"0 means no limit.",
							&passport_max_active_per_sender, 4, 0, 1000,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.cooldown",
							"Time a NIK must wait after a cancellation or no-show before booking again.",
							NULL,
							&passport_cooldown_minutes, 24 * 60, 0, 366 * 24 * 60,
							PGC_SUSET, GUC_UNIT_MIN, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.reschedule_limit",
							"How many times one reservation may be rescheduled.",
							NULL,
							&passport_reschedule_limit, 1, 0, 100,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.reschedule_min_days",
							"Reschedule is allowed up to this many days before the visit.",
							NULL,
							&passport_reschedule_min_days, 1, 0, 365,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.checkin_early",
							"How long before the slot start check-in opens.",
							NULL,
							&passport_checkin_early_minutes, 60, 0, 24 * 60,
							PGC_SUSET, GUC_UNIT_MIN, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.checkin_late",
							"How long after the slot start check-in stays open.",
							NULL,
							&passport_checkin_late_minutes, 30, 0, 24 * 60,
							PGC_SUSET, GUC_UNIT_MIN, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.max_calls",
							"Calls of a queue ticket without arrival before it is marked missed.",
							NULL,
							&passport_max_calls, 3, 1, 20,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.outbox_max_attempts",
							"Delivery attempts of an outbox message before it is dead.",
							NULL,
							&passport_outbox_max_attempts, 5, 1, 100,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("passport.outbox_notify",
							 "Whether enqueuing an outbox message notifies channel passport_outbox.",
							 "A transaction that notifies holds a database-wide lock through its "
							 "commit, so notifying transactions commit one at a time; off, adapters "
							 "find messages by polling.",
							 &passport_outbox_notify, false,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("passport.queue_notify",
							 "Whether the queue functions notify channel passport_queue.",
							 "Issuing, calling, recalling, starting and finishing a ticket notify "
							 "passport_queue with the office number, so that waiting-room displays "
							 "change at once; a notifying transaction commits one at a time.  Off, "
							 "the displays' daemon finds changes by polling.",
							 &passport_queue_notify, false,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.documents_days",
							"Days an applicant has to complete missing documents before the application lapses.",
							NULL,
							&passport_documents_days, 7, 1, 90,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.pickup_days",
							"Days a ready passport waits for pickup before it is cancelled.",
							NULL,
							&passport_pickup_days, 30, 1, 365,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.billing_valid_after_interview",
							"How long a billing issued after the interview stays payable.",
							"Offices with payment_policy after_interview.",
							&passport_billing_minutes_after_interview, 7 * 24 * 60, 10, 90 * 24 * 60,
							PGC_SUSET, GUC_UNIT_MIN, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.billing_valid_at_booking",
							"How long a billing of an office that charges at booking stays payable.",
							"Offices with payment_policy at_booking.",
							&passport_billing_minutes_at_booking, 2 * 60, 10, 90 * 24 * 60,
							PGC_SUSET, GUC_UNIT_MIN, NULL, NULL, NULL);
	DefineCustomIntVariable("passport.conversation_timeout",
							"Idle time after which a conversation starts over.",
							NULL,
							&passport_conversation_timeout, 30, 1, 24 * 60,
							PGC_SUSET, GUC_UNIT_MIN, NULL, NULL, NULL);
	DefineCustomStringVariable("passport.test_pause",
							   "Pauses a booking made in steps after one of them (for tests).",
							   "\"claim=N\" or \"book=N\" sleeps N seconds after that step of passport.reserve_at on a distributed installation, so that a test can stop a worker between two steps. Empty (no pause) by default; superusers only.",
							   &passport_test_pause, "",
							   PGC_SUSET, 0,
							   NULL, NULL, NULL);
	MarkGUCPrefixReserved("passport");
}

/* PassportNow returns the pinned time if set, else the transaction start. */
TimestampTz
PassportNow(void)
{
	if (passport_now_override != NULL && passport_now_override[0] != '\0')
		return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
													   CStringGetDatum(passport_now_override),
													   ObjectIdGetDatum(InvalidOid),
													   Int32GetDatum(-1)));
	return GetCurrentTransactionStartTimestamp();
}

PG_FUNCTION_INFO_V1(passport_now);

/* passport_now is passport.now(): the time every rule reads. */
Datum
passport_now(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(PassportNow());
}
