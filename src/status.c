/*-------------------------------------------------------------------------
 *
 * status.c
 *	  The application status engine: opening applications, transitions
 *	  checked against the rules in passport.transition, guards, side
 *	  effects (deadlines, billing, promised ready date), the append-only
 *	  history, and payment confirmation.
 *
 * Every move locks the application row, compares the expected status and
 * version, updates the row with version + 1 and inserts one history row
 * with that version as its sequence number, in one transaction: a history
 * row exists for every version and for nothing else.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "passport.h"
#include "ident.h"

#define DAY_USECS		((int64) 24 * 60 * 60 * USECS_PER_SEC)
/* how far a bank's clock may be ahead of the database's */
#define PAID_AT_SKEW	((int64) 5 * 60 * USECS_PER_SEC)

/* An application row as the engine reads it (locked). */
typedef struct AppRow
{
	int64		office_id;
	char	   *number;
	char	   *office_code;
	char	   *status;
	int32		version;
	TimestampTz status_at;		/* set by a move */
	char	   *service;
	char	   *passport_kind;
	int32		validity_years;
	char	   *lane;
	bool		force_majeure;
	bool		has_incomplete_until;
	TimestampTz incomplete_until;
	char	   *recipient;		/* the sender or phone to message, or NULL */
	char	   *recipient_channel;	/* the outbox channel that reaches it */
	bool		has_promised;
	DateADT		promised_ready_on;
	bool		has_pickup;
	DateADT		pickup_until;
	/* its latest billing (the answer shows it), if any */
	bool		has_billing;
	char	   *billing_code;
	int64		billing_amount;
	TimestampTz billing_expires_at;
	bool		billing_open;	/* it has an open billing */
	char	   *office_name;
	char	   *time_zone;		/* the office's */
	DateADT		today;			/* local date at the office */
	char	   *payment_policy;
	bool		lane_surcharge;	/* the lane adds the percepatan tariff */
	int32		ready_days;		/* working days from approval to ready */
	char	   *rule_roles;		/* roles allowed to move to the target, "" if none */
	bool		target_known;	/* the target is a known status */
} AppRow;

/* CallerIsOfficer: officers and administrators make the officer moves. */
static bool
CallerIsOfficer(void)
{
	return CallerHasRole("passport_officer") || CallerHasRole("passport_admin");
}

/*
 * An application's latest billing (the one its answers show), as b; the
 * office is $1, so that a cluster routes the statement to one shard.
 */
#define LATEST_BILLING_JOIN \
	"  LEFT JOIN LATERAL (SELECT x.billing_code, x.amount, x.expires_at " \
	"                       FROM passport.billing x " \
	"                      WHERE x.office_id = $1 " \
	"                        AND x.application_number = a.application_number " \
	"                      ORDER BY x.issued_at DESC LIMIT 1) b ON true "

/*
 * The statement of StateDatum; the office's code comes from the office
 * table, or as $3 when the backend keeps the offices.
 */
#define STATE_SQL(code, office_join) \
	"SELECT a.application_number, " code ", a.status, a.version, a.status_at, " \
	"       a.promised_ready_on, a.pickup_until, b.billing_code, b.amount, " \
	"       b.expires_at " \
	"  FROM passport.application a " \
	office_join \
	LATEST_BILLING_JOIN \
	" WHERE a.office_id = $1 AND a.application_number = $2"

/* StateDatum forms the passport.application_state answer from the database. */
static Datum
StateDatum(FunctionCallInfo fcinfo, MemoryContext cxt, int64 office_id,
		   const char *number)
{
	static SPIPlanPtr plans[2];
	static const char *const sql[2] = {
		STATE_SQL("o.code", "  JOIN passport.office o ON o.office_id = a.office_id "),
		STATE_SQL("$3::text", "")
	};
	static const Oid types[3] = {INT8OID, TEXTOID, TEXTOID};
	int			kept = ReferencesCached() ? 1 : 0;
	Datum		args[3];

	args[0] = Int64GetDatum(office_id);
	args[1] = CStringGetTextDatum(number);
	if (kept)
		args[2] = CStringGetTextDatum(KeptOfficeOf(office_id)->code);
	if (PassportExecute(PassportPrepare(&plans[kept], sql[kept], kept ? 3 : 2, types),
						args, NULL, false, 1) != 1)
		elog(ERROR, "application %s vanished", number);
	return PassportRowDatum(fcinfo, cxt);
}

/* The attributes of passport.application_state, from 0. */
typedef enum StateAttribute
{
	STATE_APPLICATION_NUMBER,
	STATE_OFFICE_CODE,
	STATE_STATUS,
	STATE_VERSION,
	STATE_STATUS_AT,
	STATE_PROMISED_READY_ON,
	STATE_PICKUP_UNTIL,
	STATE_BILLING_CODE,
	STATE_AMOUNT,
	STATE_BILLING_EXPIRES_AT,
	STATE_ATTRIBUTES
} StateAttribute;

/*
 * MovedStateDatum forms the passport.application_state answer of a move
 * from the row it locked and changed (ApplyMove), as StateDatum would read
 * it back, in memory context cxt.
 */
static Datum
MovedStateDatum(FunctionCallInfo fcinfo, MemoryContext cxt, const AppRow *row)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	TupleDesc	tupdesc;
	Datum		values[STATE_ATTRIBUTES];
	bool		nulls[STATE_ATTRIBUTES];
	HeapTuple	tuple;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != STATE_ATTRIBUTES)
		elog(ERROR, "passport.application_state has %d attributes where %d are named",
			 tupdesc->natts, STATE_ATTRIBUTES);
	memset(nulls, false, sizeof(nulls));
	values[STATE_APPLICATION_NUMBER] = CStringGetTextDatum(row->number);
	values[STATE_OFFICE_CODE] = CStringGetTextDatum(row->office_code);
	values[STATE_STATUS] = CStringGetTextDatum(row->status);
	values[STATE_VERSION] = Int32GetDatum(row->version);
	values[STATE_STATUS_AT] = TimestampTzGetDatum(row->status_at);
	values[STATE_PROMISED_READY_ON] = DateADTGetDatum(row->promised_ready_on);
	nulls[STATE_PROMISED_READY_ON] = !row->has_promised;
	values[STATE_PICKUP_UNTIL] = DateADTGetDatum(row->pickup_until);
	nulls[STATE_PICKUP_UNTIL] = !row->has_pickup;
	if (row->has_billing)
	{
		values[STATE_BILLING_CODE] = CStringGetTextDatum(row->billing_code);
		values[STATE_AMOUNT] = Int64GetDatum(row->billing_amount);
		values[STATE_BILLING_EXPIRES_AT] = TimestampTzGetDatum(row->billing_expires_at);
	}
	else
		nulls[STATE_BILLING_CODE] = nulls[STATE_AMOUNT] = nulls[STATE_BILLING_EXPIRES_AT] = true;
	tuple = heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls);
	MemoryContextSwitchTo(old);
	return HeapTupleGetDatum(tuple);
}

/* Result columns of LockApplication's statement. */
typedef enum AppColumn
{
	APP_STATUS = 1,
	APP_VERSION,
	APP_SERVICE,
	APP_PASSPORT_KIND,
	APP_VALIDITY_YEARS,
	APP_LANE,
	APP_FORCE_MAJEURE,
	APP_INCOMPLETE_UNTIL,
	APP_RECIPIENT,
	APP_RECIPIENT_CHANNEL,
	APP_PROMISED_READY_ON,
	APP_PICKUP_UNTIL,
	APP_BILLING_CODE,
	APP_BILLING_AMOUNT,
	APP_BILLING_EXPIRES_AT,
	APP_BILLING_OPEN,
	APP_OFFICE_CODE,
	APP_OFFICE_NAME,
	APP_OFFICE_TIME_ZONE,
	APP_TODAY,
	APP_PAYMENT_POLICY,
	APP_LANE_SURCHARGE,
	APP_READY_DAYS,
	APP_RULE_ROLES,
	APP_TARGET_KNOWN
} AppColumn;
#define APP_COLUMNS		APP_TARGET_KNOWN
#define APP_KEPT_COLUMNS	APP_BILLING_OPEN

/*
 * KeptOfficeTerms fills what a move reads of the application's office from
 * the office as the backend keeps it: its code, name, time zone, local
 * date and payment policy.
 */
static void
KeptOfficeTerms(AppRow *row, const KeptOffice *office, TimestampTz now)
{
	row->office_code = pstrdup(office->code);
	row->office_name = pstrdup(office->name);
	row->time_zone = pstrdup(office->time_zone);
	row->today = LocalDate(now, office->time_zone);
	row->payment_policy = pstrdup(office->payment_policy);
}

/*
 * KeptTerms fills what a move checks beside the application's row from
 * the rows the backend keeps: its office's code, local date and payment
 * policy, its lane's terms, the roles that may make the move from its
 * status to target, and whether target is a status.
 */
static void
KeptTerms(AppRow *row, TimestampTz now, const char *target)
{
	const char *ready_days;
	const char *roles;

	KeptOfficeTerms(row, KeptOfficeOf(row->office_id), now);
	row->lane_surcharge = ReferenceHas(REFERENCE_SURCHARGE_LANES, row->lane);
	ready_days = ReferenceValue(REFERENCE_LANE_READY_DAYS, row->lane);
	row->ready_days = ready_days ? atoi(ready_days) : 3;
	roles = ReferenceValue(REFERENCE_MOVES, psprintf("%s>%s", row->status, target));
	row->rule_roles = pstrdup(roles ? roles : "");
	row->target_known = ReferenceHas(REFERENCE_STATUSES, target);
}

/*
 * What a move's answer and message show of an application a, read beside
 * its row (ReadShownColumns reads them): whom to message (recipient, an
 * expression) and through which channel, its dates, its latest billing
 * (LATEST_BILLING_JOIN as b; what an answer shows) and whether it has an
 * open one (what a message shows; at most one,
 * billing_open_per_application).
 */
#define SHOWN_SQL_COLUMNS(recipient) \
	"       " recipient ", passport.contact_channel(" recipient "), " \
	"       a.promised_ready_on, a.pickup_until, b.billing_code, b.amount, " \
	"       b.expires_at, " \
	"       EXISTS (SELECT 1 FROM passport.billing y " \
	"                WHERE y.office_id = $1 " \
	"                  AND y.application_number = a.application_number " \
	"                  AND y.status = 'open')"

/* ReadShownColumns reads SHOWN_SQL_COLUMNS into row, from column first on. */
static void
ReadShownColumns(AppRow *row, int first)
{
	bool		isnull;

	row->recipient = PassportGetText(0, first);
	row->recipient_channel = PassportGetText(0, first + 1);
	row->promised_ready_on = DatumGetDateADT(PassportGetDatum(0, first + 2, &isnull));
	row->has_promised = !isnull;
	row->pickup_until = DatumGetDateADT(PassportGetDatum(0, first + 3, &isnull));
	row->has_pickup = !isnull;
	row->billing_code = PassportGetText(0, first + 4);
	row->has_billing = row->billing_code != NULL;
	row->billing_amount = DatumGetInt64(PassportGetDatum(0, first + 5, &isnull));
	row->billing_expires_at = DatumGetTimestampTz(PassportGetDatum(0, first + 6, &isnull));
	row->billing_open = DatumGetBool(PassportGetDatum(0, first + 7, &isnull));
}

/* What LockApplication reads of the application itself: the row and what is shown. */
#define LOCK_SQL_COLUMNS \
	"SELECT a.status, a.version, a.service, a.passport_kind, " \
	"       a.validity_years, a.lane, a.force_majeure, a.incomplete_until, " \
	SHOWN_SQL_COLUMNS("coalesce(a.sender, a.phone)")
#define LOCK_SQL_ROW		LOCK_SQL_COLUMNS ", "
#define LOCK_SQL_ROW_END	LOCK_SQL_COLUMNS " "

/*
 * LockApplication finds an application by its canonical number and locks
 * it, with what a move of it to target checks: its office, its lane's
 * terms and the rule of the move, read in the same statement or, when the
 * backend keeps those rows (ReferencesCached), from them, with whom to
 * message and its latest billing; raises PP006 when there is none.
 * office_id is the application's office (its number's, or that of the row
 * that named it), 0 for none.
 */
static void
LockApplication(int64 office_id, const char *digits, TimestampTz now, const char *target,
				AppRow *row)
{
	static SPIPlanPtr plans[2];
	static const char *const sql[2] = {
		LOCK_SQL_ROW
		"       o.code, o.name, o.time_zone, ($3 AT TIME ZONE o.time_zone)::date, o.payment_policy, "
		"       coalesce(l.tariff_item = 'percepatan', false), "
		"       coalesce(l.ready_working_days, 3), "
		"       (SELECT coalesce(string_agg(t.actor_role, ',' ORDER BY t.actor_role), '') "
		"          FROM passport.transition t "
		"         WHERE t.from_status = a.status AND t.to_status = $4), "
		"       EXISTS (SELECT 1 FROM passport.application_status s WHERE s.status = $4) "
		"  FROM passport.application a "
		"  JOIN passport.office o ON o.office_id = a.office_id "
		"  LEFT JOIN passport.lane l ON l.lane_code = a.lane "
		LATEST_BILLING_JOIN
		" WHERE a.office_id = $1 AND a.application_number = $2 "
		"   FOR UPDATE OF a",
		LOCK_SQL_ROW_END
		"  FROM passport.application a "
		LATEST_BILLING_JOIN
		" WHERE a.office_id = $1 AND a.application_number = $2 "
		"   FOR UPDATE OF a"
	};
	static const Oid types[4] = {INT8OID, TEXTOID, TIMESTAMPTZOID, TEXTOID};
	Datum		values[4];
	bool		isnull;
	int			kept = ReferencesCached() ? 1 : 0;

	if (office_id != 0)
	{
		values[0] = Int64GetDatum(office_id);
		values[1] = CStringGetTextDatum(digits);
		values[2] = TimestampTzGetDatum(now);
		values[3] = CStringGetTextDatum(target);
		if (PassportExecute(PassportPrepare(&plans[kept], sql[kept], kept ? 2 : 4, types),
							values, NULL, false, 1) == 1)
		{
			PassportExpectColumns(kept ? APP_KEPT_COLUMNS : APP_COLUMNS);
			row->office_id = office_id;
			row->number = pstrdup(digits);
			row->status = PassportGetText(0, APP_STATUS);
			row->version = DatumGetInt32(PassportGetDatum(0, APP_VERSION, &isnull));
			row->service = PassportGetText(0, APP_SERVICE);
			row->passport_kind = PassportGetText(0, APP_PASSPORT_KIND);
			row->validity_years = DatumGetInt16(PassportGetDatum(0, APP_VALIDITY_YEARS, &isnull));
			row->lane = PassportGetText(0, APP_LANE);
			row->force_majeure = DatumGetBool(PassportGetDatum(0, APP_FORCE_MAJEURE, &isnull));
			row->incomplete_until = DatumGetTimestampTz(PassportGetDatum(0, APP_INCOMPLETE_UNTIL, &isnull));
			row->has_incomplete_until = !isnull;
			ReadShownColumns(row, APP_RECIPIENT);
			if (kept)
				KeptTerms(row, now, target);
			else
			{
				row->office_code = PassportGetText(0, APP_OFFICE_CODE);
				row->office_name = PassportGetText(0, APP_OFFICE_NAME);
				row->time_zone = PassportGetText(0, APP_OFFICE_TIME_ZONE);
				row->today = DatumGetDateADT(PassportGetDatum(0, APP_TODAY, &isnull));
				row->payment_policy = PassportGetText(0, APP_PAYMENT_POLICY);
				row->lane_surcharge = DatumGetBool(PassportGetDatum(0, APP_LANE_SURCHARGE, &isnull));
				row->ready_days = DatumGetInt32(PassportGetDatum(0, APP_READY_DAYS, &isnull));
				row->rule_roles = PassportGetText(0, APP_RULE_ROLES);
				row->target_known = DatumGetBool(PassportGetDatum(0, APP_TARGET_KNOWN, &isnull));
			}
			return;
		}
	}
	ereport(ERROR,
			(errcode(ERRCODE_PP_NOT_FOUND),
			 errmsg("application not found"),
			 errdetail("No application has the number %s.", digits)));
}

/* AllowedNext lists the statuses reachable from status for the given roles. */
static char *
AllowedNext(const char *status, bool officer, bool admin)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[3] = {TEXTOID, BOOLOID, BOOLOID};
	Datum		values[3];
	bool		isnull;
	Datum		d;

	values[0] = CStringGetTextDatum(status);
	values[1] = BoolGetDatum(officer);
	values[2] = BoolGetDatum(admin);
	PassportExecute(PassportPrepare(&plan,
									"SELECT coalesce(string_agg(DISTINCT t.to_status, ', ' ORDER BY t.to_status), '') "
									"  FROM passport.transition t "
									" WHERE t.from_status = $1 "
									"   AND ((t.actor_role = 'officer' AND $2) OR (t.actor_role = 'admin' AND $3))",
									3, types),
					values, NULL, false, 1);
	d = PassportGetDatum(0, 1, &isnull);
	return isnull ? pstrdup("") : TextDatumGetCString(d);
}

/* HasRole tells whether a comma separated role list contains role. */
static bool
HasRole(const char *roles, const char *role)
{
	size_t		len = strlen(role);
	const char *p = roles;

	while ((p = strstr(p, role)) != NULL)
	{
		if ((p == roles || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

/* IllegalMove raises PP012 with the allowed next statuses. */
static void
IllegalMove(const AppRow *row, const char *to, const char *why)
{
	char	   *next = AllowedNext(row->status, CallerIsOfficer(), CallerHasRole("passport_admin"));

	ereport(ERROR,
			(errcode(ERRCODE_PP_ILLEGAL_TRANSITION),
			 errmsg("application cannot move from %s to %s", row->status, to),
			 why ? errdetail("%s Allowed next statuses: %s.", why, next[0] ? next : "none")
			 : errdetail("Allowed next statuses: %s.", next[0] ? next : "none")));
}

/*
 * MoverRole returns the role in which the caller makes a move whose rule
 * names roles ("officer" or "admin"), or NULL when it may not make it.
 */
static const char *
MoverRole(const char *roles)
{
	if (HasRole(roles, "officer") && CallerIsOfficer())
		return "officer";
	if (HasRole(roles, "admin") && CallerHasRole("passport_admin"))
		return "admin";
	return NULL;
}

/* PaidBillingExists tells whether the application has a confirmed payment. */
static bool
PaidBillingExists(const AppRow *row)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[2] = {INT8OID, TEXTOID};
	Datum		values[2];

	values[0] = Int64GetDatum(row->office_id);
	values[1] = CStringGetTextDatum(row->number);
	return PassportExecute(PassportPrepare(&plan,
										   "SELECT 1 FROM passport.billing b WHERE b.office_id = $1 "
										   "   AND b.application_number = $2 AND b.status = 'paid'",
										   2, types),
						   values, NULL, false, 1) > 0;
}

/*
 * IssueBilling inserts the billing of an application entering
 * awaiting_payment; it becomes the row's latest and open billing (the
 * partial unique index billing_open_per_application refuses a second open
 * one).
 */
static void
IssueBilling(AppRow *row, TimestampTz now)
{
	static SPIPlanPtr amount_plan = NULL;
	static SPIPlanPtr insert_plan = NULL;
	static const Oid amount_types[6] = {TEXTOID, TEXTOID, INT4OID, BOOLOID, BOOLOID, DATEOID};
	static const Oid insert_types[7] = {INT8OID, TEXTOID, TEXTOID, INT8OID, JSONBOID,
	TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[7];
	bool		isnull;
	int64		amount;
	Datum		breakdown;
	char	   *code;
	int64		validity = (int64) (strcmp(row->payment_policy, "at_booking") == 0 ?
										passport_billing_minutes_at_booking :
										passport_billing_minutes_after_interview) * USECS_PER_MINUTE;

	values[0] = CStringGetTextDatum(row->service);
	values[1] = CStringGetTextDatum(row->passport_kind);
	values[2] = Int32GetDatum(row->validity_years);
	values[3] = BoolGetDatum(row->lane_surcharge);
	values[4] = BoolGetDatum(row->force_majeure);
	values[5] = DateADTGetDatum(row->today);
	PassportExecute(PassportPrepare(&amount_plan,
									"SELECT b.amount, b.breakdown FROM passport.billing_amount($1, $2, $3, $4, $5, $6) b",
									6, amount_types),
					values, NULL, false, 1);
	/* columns: amount, breakdown */
	PassportExpectColumns(2);
	amount = DatumGetInt64(PassportGetDatum(0, 1, &isnull));
	breakdown = SPI_datumTransfer(PassportGetDatum(0, 2, &isnull), false, -1);

	code = IssueBillingCode(row->office_id);
	values[0] = Int64GetDatum(row->office_id);
	values[1] = CStringGetTextDatum(code);
	values[2] = CStringGetTextDatum(row->number);
	values[3] = Int64GetDatum(amount);
	values[4] = breakdown;
	values[5] = TimestampTzGetDatum(now);
	values[6] = TimestampTzGetDatum(now + validity);
	PassportExecute(PassportPrepare(&insert_plan,
									"INSERT INTO passport.billing (office_id, billing_code, application_number, "
									"  amount, breakdown, issued_at, expires_at) "
									"VALUES ($1, $2, $3, $4, $5, $6, $7)",
									7, insert_types),
					values, NULL, false, 0);
	row->has_billing = true;
	row->billing_code = code;
	row->billing_amount = amount;
	row->billing_expires_at = now + validity;
	row->billing_open = true;
}

/* VoidOpenBilling closes the open billing of an application leaving awaiting_payment unpaid. */
static void
VoidOpenBilling(AppRow *row)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[2] = {INT8OID, TEXTOID};
	Datum		values[2];

	values[0] = Int64GetDatum(row->office_id);
	values[1] = CStringGetTextDatum(row->number);
	PassportExecute(PassportPrepare(&plan,
									"UPDATE passport.billing b SET status = 'expired' "
									" WHERE b.office_id = $1 AND b.application_number = $2 AND b.status = 'open'",
									2, types),
					values, NULL, false, 0);
	row->billing_open = false;
}

/* PromisedReadyOn computes the promised ready date in working days. */
static DateADT
PromisedReadyOn(const AppRow *row)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[3] = {INT8OID, DATEOID, INT4OID};
	Datum		values[3];
	bool		isnull;

	values[0] = Int64GetDatum(row->office_id);
	values[1] = DateADTGetDatum(row->today);
	values[2] = Int32GetDatum(row->ready_days);
	PassportExecute(PassportPrepare(&plan,
									"SELECT passport.add_working_days($1, $2, $3)",
									3, types),
					values, NULL, false, 1);
	return DatumGetDateADT(PassportGetDatum(0, 1, &isnull));
}

/*
 * QueueStatusMessage queues the message an applicant gets for a move
 * (nothing for moves they need not hear about, or without a recipient) and
 * returns whether it queued one; row is the application after the move.
 * The message is made from the row, with its open billing when it has one
 * (the billing a move to awaiting_payment issued), whose amount and expiry
 * are formatted in SQL as the templates show them.
 */
static bool
QueueStatusMessage(const AppRow *row, const char *to, TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[3] = {INT8OID, TEXTOID, TEXTOID};
	Datum		values[3];
	const char *template;
	const char *billing_code = NULL;
	const char *amount = NULL;
	const char *expires_at = NULL;
	Payload		payload;

	if (strcmp(to, "awaiting_payment") == 0)
		template = "billing_issued";
	else if (strcmp(to, "ready") == 0)
		template = "passport_ready";
	else if (strcmp(to, "incomplete") == 0 || strcmp(to, "approved") == 0 ||
			 strcmp(to, "rejected") == 0 || strcmp(to, "cancelled") == 0 ||
			 strcmp(to, "payment_expired") == 0 || strcmp(to, "forfeited") == 0 ||
			 strcmp(to, "uncollected") == 0)
		template = psprintf("status_%s", to);
	else
		return false;
	/* nobody to tell (the lock read the sender and phone) */
	if (row->recipient == NULL)
		return false;
	if (row->billing_open)
	{
		values[0] = Int64GetDatum(row->office_id);
		values[1] = CStringGetTextDatum(row->number);
		values[2] = CStringGetTextDatum(row->time_zone);
		if (PassportExecute(PassportPrepare(&plan,
											"SELECT b.billing_code, to_char(b.amount, 'FM999G999G999'), "
											"       to_char(b.expires_at AT TIME ZONE $3, 'YYYY-MM-DD HH24:MI') "
											"  FROM passport.billing b "
											" WHERE b.office_id = $1 AND b.application_number = $2 "
											"   AND b.status = 'open'",
											3, types),
							values, NULL, false, 1) == 1)
		{
			/* columns: billing code, amount, expiry */
			PassportExpectColumns(3);
			billing_code = PassportGetText(0, 1);
			amount = PassportGetText(0, 2);
			expires_at = PassportGetText(0, 3);
		}
	}
	PayloadInit(&payload);
	PayloadAdd(&payload, "application_number", row->number);
	PayloadAdd(&payload, "office", row->office_name);
	PayloadAdd(&payload, "promised_ready_on",
			   row->has_promised ? IsoDate(row->promised_ready_on) : NULL);
	PayloadAdd(&payload, "pickup_until", row->has_pickup ? IsoDate(row->pickup_until) : NULL);
	PayloadAdd(&payload, "billing_code", billing_code);
	PayloadAdd(&payload, "amount", amount);
	PayloadAdd(&payload, "expires_at", expires_at);
	return EnqueueMessage(row->office_id, row->recipient_channel, row->recipient, template,
						  NULL, PayloadEnd(&payload), NULL, now);
}

/*
 * ApplyMove performs a move whose rule and caller were checked: the guards,
 * the side effects, the compare-and-set update, one history row and the
 * applicant's message; returns whether a message was queued.
 */
static bool
ApplyMove(AppRow *row, const char *to, const char *actor, const char *actor_role,
		  const char *channel, const char *reason, TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[13] = {INT8OID, TEXTOID, TEXTOID, INT4OID, TIMESTAMPTZOID,
		TIMESTAMPTZOID, DATEOID, DATEOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[13];
	char		nulls[13];
	bool		set_incomplete = false;
	bool		set_promised = false;
	bool		set_pickup = false;
	DateADT		promised = 0;

	/* guards */
	if (strcmp(to, "paid") == 0 && !PaidBillingExists(row))
		IllegalMove(row, to, "No payment has been confirmed for this application.");
	if (strcmp(row->status, "incomplete") == 0 && strcmp(to, "submitted") == 0 &&
		row->has_incomplete_until && now > row->incomplete_until)
		IllegalMove(row, to, psprintf("The missing documents were due within %d days; the sweep forfeits the application.",
									  passport_documents_days));

	/* side effects */
	if (strcmp(row->status, "awaiting_payment") == 0 && strcmp(to, "paid") != 0)
		VoidOpenBilling(row);
	if (strcmp(to, "incomplete") == 0)
		set_incomplete = true;
	if (strcmp(to, "awaiting_payment") == 0)
		IssueBilling(row, now);
	if (strcmp(to, "approved") == 0)
	{
		promised = PromisedReadyOn(row);
		set_promised = true;
	}
	if (strcmp(to, "ready") == 0)
		set_pickup = true;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(row->office_id);
	values[1] = CStringGetTextDatum(row->number);
	values[2] = CStringGetTextDatum(to);
	values[3] = Int32GetDatum(row->version);
	values[4] = TimestampTzGetDatum(now);
	values[5] = TimestampTzGetDatum(now + passport_documents_days * DAY_USECS);
	nulls[5] = set_incomplete ? ' ' : 'n';
	values[6] = DateADTGetDatum(promised);
	nulls[6] = set_promised ? ' ' : 'n';
	values[7] = DateADTGetDatum(row->today + passport_pickup_days);
	nulls[7] = set_pickup ? ' ' : 'n';
	values[8] = CStringGetTextDatum(row->status);
	values[9] = CStringGetTextDatum(actor);
	values[10] = CStringGetTextDatum(actor_role);
	values[11] = CStringGetTextDatum(channel);
	values[12] = reason ? CStringGetTextDatum(reason) : (Datum) 0;
	nulls[12] = reason ? ' ' : 'n';
	/* the compare-and-set update and its history row, one statement */
	if (PassportExecute(PassportPrepare(&plan,
										"WITH u AS ( "
										"  UPDATE passport.application a "
										"     SET status = $3, version = a.version + 1, status_at = $5, "
										"         incomplete_until = coalesce($6, a.incomplete_until), "
										"         promised_ready_on = coalesce($7, a.promised_ready_on), "
										"         pickup_until = coalesce($8, a.pickup_until) "
										"   WHERE a.office_id = $1 AND a.application_number = $2 AND a.version = $4 "
										"  RETURNING a.office_id, a.application_number, a.version) "
										"INSERT INTO passport.application_event (office_id, application_number, seq, "
										"  from_status, to_status, actor, actor_role, channel, at, reason) "
										"SELECT u.office_id, u.application_number, u.version, $9, $3, $10, $11, $12, $5, $13 "
										"  FROM u",
										13, types),
						values, nulls, false, 0) != 1)
		elog(ERROR, "application %s changed under its row lock", row->number);
	row->status = pstrdup(to);
	row->version++;
	row->status_at = now;
	if (set_incomplete)
	{
		row->has_incomplete_until = true;
		row->incomplete_until = now + passport_documents_days * DAY_USECS;
	}
	if (set_promised)
	{
		row->has_promised = true;
		row->promised_ready_on = promised;
	}
	if (set_pickup)
	{
		row->has_pickup = true;
		row->pickup_until = row->today + passport_pickup_days;
	}
	return QueueStatusMessage(row, to, now);
}

/*
 * MoveReadsFirst tells whether the move from from to to reads or writes
 * anything beside the application's row before it is made: a guard that
 * reads the billings (to paid), a billing issued (to awaiting_payment) or
 * voided (from awaiting_payment), or the promised date, which reads the
 * calendar (to approved).  These are ApplyMove's; a guard or side effect
 * added there that reads or writes another row is added here.
 */
static bool
MoveReadsFirst(const char *from, const char *to)
{
	return strcmp(to, "paid") == 0 || strcmp(to, "awaiting_payment") == 0 ||
		strcmp(from, "awaiting_payment") == 0 || strcmp(to, "approved") == 0;
}

/*
 * FastMove makes a move in one statement, without LockApplication, when
 * the caller named the status it expects and the move needs nothing read
 * before it (MoveReadsFirst): the rule, the caller's role and the target
 * are checked against the expected status in the rows the backend keeps,
 * and the update changes the row only while it is still at that status
 * (and version), and, for incomplete -> submitted, within its deadline.
 * The update waits for the row lock and checks those conditions on the
 * row it then finds, as LockApplication's compare would.  It writes the
 * history row, reads what the answer and the message show, and queues the
 * message; row is the application after the move.  Returns false, having
 * written nothing, when it does not apply or the row is not as expected
 * (or not there): the caller then takes the full path, which raises the
 * error that applies.
 */
static bool
FastMove(int64 office_id, const char *digits, const char *expected, bool has_version,
		 int32 expected_version, const char *to, const char *reason, const char *channel,
		 TimestampTz now, AppRow *row)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[13] = {INT8OID, TEXTOID, TEXTOID, INT4OID, TIMESTAMPTZOID,
		TIMESTAMPTZOID, DATEOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[13];
	char		nulls[13];
	const KeptOffice *office;
	const char *roles;
	const char *actor_role;
	bool		set_incomplete = strcmp(to, "incomplete") == 0;
	bool		set_pickup = strcmp(to, "ready") == 0;
	bool		isnull;

	if (expected == NULL || office_id == 0 || !ReferencesCached() ||
		MoveReadsFirst(expected, to) || !ReferenceHas(REFERENCE_STATUSES, to))
		return false;
	roles = ReferenceValue(REFERENCE_MOVES, psprintf("%s>%s", expected, to));
	if (roles == NULL || (actor_role = MoverRole(roles)) == NULL)
		return false;
	if ((office = KeptOfficeRow(office_id, NULL)) == NULL)
		return false;
	memset(row, 0, sizeof(*row));
	row->office_id = office_id;
	KeptOfficeTerms(row, office, now);

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(digits);
	values[2] = CStringGetTextDatum(to);
	values[3] = Int32GetDatum(expected_version);
	nulls[3] = has_version ? ' ' : 'n';
	values[4] = TimestampTzGetDatum(now);
	values[5] = TimestampTzGetDatum(now + passport_documents_days * DAY_USECS);
	nulls[5] = set_incomplete ? ' ' : 'n';
	values[6] = DateADTGetDatum(row->today + passport_pickup_days);
	nulls[6] = set_pickup ? ' ' : 'n';
	values[7] = CStringGetTextDatum(expected);
	values[8] = CStringGetTextDatum(CallingRoleName());
	values[9] = CStringGetTextDatum(actor_role);
	values[10] = CStringGetTextDatum(channel);
	values[11] = reason ? CStringGetTextDatum(reason) : (Datum) 0;
	nulls[11] = reason ? ' ' : 'n';
	/* the deadline guard of ApplyMove, as a condition */
	values[12] = TimestampTzGetDatum(now);
	nulls[12] = strcmp(expected, "incomplete") == 0 && strcmp(to, "submitted") == 0 ? ' ' : 'n';
	if (PassportExecute(PassportPrepare(&plan,
										"WITH u AS ( "
										"  UPDATE passport.application a "
										"     SET status = $3, version = a.version + 1, status_at = $5, "
										"         incomplete_until = coalesce($6, a.incomplete_until), "
										"         pickup_until = coalesce($7, a.pickup_until) "
										"   WHERE a.office_id = $1 AND a.application_number = $2 "
										"     AND a.status = $8 AND a.version = coalesce($4, a.version) "
										"     AND ($13 IS NULL OR a.incomplete_until IS NULL "
										"          OR a.incomplete_until >= $13) "
										"  RETURNING a.office_id, a.application_number, a.version, "
										"            coalesce(a.sender, a.phone) AS recipient, "
										"            a.promised_ready_on, a.pickup_until), "
										"e AS ( "
										"  INSERT INTO passport.application_event (office_id, application_number, "
										"    seq, from_status, to_status, actor, actor_role, channel, at, reason) "
										"  SELECT u.office_id, u.application_number, u.version, $8, $3, $9, $10, "
										"         $11, $5, $12 "
										"    FROM u) "
										"SELECT a.version, "
										SHOWN_SQL_COLUMNS("a.recipient")
										"  FROM u a "
										LATEST_BILLING_JOIN,
										13, types),
						values, nulls, false, 0) != 1)
		return false;

	/* columns: version, then SHOWN_SQL_COLUMNS */
	PassportExpectColumns(9);
	row->number = pstrdup(digits);
	row->status = pstrdup(to);
	row->version = DatumGetInt32(PassportGetDatum(0, 1, &isnull));
	row->status_at = now;
	ReadShownColumns(row, 2);
	QueueStatusMessage(row, to, now);
	return true;
}

/*
 * CheckPassportChoice validates the passport kind against passport.passport_kind;
 * the validity is checked against the tariff when the application is
 * inserted (a kind and validity without a tariff today raise 22023 there).
 * The caller holds an SPI connection.
 */
static void
CheckPassportChoice(const char *kind, const char *service)
{
	RequireText(kind, "passport_kind");
	RequireText(service, "service");
	if (!ReferenceHas(REFERENCE_PASSPORT_KINDS, kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown passport kind \"%s\"", kind),
				 errhint("Passport kinds are %s.", ReferenceList(REFERENCE_PASSPORT_KINDS))));
}

/* InsertApplication writes a new application (submitted) and its first history row. */
static char *
InsertApplication(int64 office_id, const char *reservation_code, const char *service,
				  const char *kind, int32 validity, const char *lane, bool force_majeure,
				  const char *nik, const char *full_name, DateADT birth, const char *phone,
				  const char *sender, const char *channel, const char *reason,
				  TimestampTz now)
{
	static SPIPlanPtr app_plan = NULL;
	static SPIPlanPtr event_plan = NULL;
	static SPIPlanPtr tariff_plan = NULL;
	static const Oid app_types[14] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT2OID,
		TEXTOID, BOOLOID, TEXTOID, TEXTOID, DATEOID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
	static const Oid event_types[6] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTOID};
	static const Oid tariff_types[6] = {TEXTOID, TEXTOID, INT4OID, TEXTOID, BOOLOID, DATEOID};
	Datum		values[14];
	char		nulls[14];
	char	   *number;

	/* the tariff must exist for this choice today (raises 22023 otherwise) */
	values[0] = CStringGetTextDatum(service);
	values[1] = CStringGetTextDatum(kind);
	values[2] = Int32GetDatum(validity);
	values[3] = CStringGetTextDatum(lane);
	values[4] = BoolGetDatum(force_majeure);
	values[5] = (Datum) 0;
	memset(nulls, ' ', sizeof(nulls));
	nulls[5] = 'n';
	PassportExecute(PassportPrepare(&tariff_plan,
									"SELECT b.amount FROM passport.lane l, "
									"       passport.billing_amount($1, $2, $3, coalesce(l.tariff_item = 'percepatan', false), "
									"                               $5, $6) b "
									" WHERE l.lane_code = $4",
									6, tariff_types),
					values, nulls, false, 1);

	number = IssueApplicationNumber(office_id);
	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(number);
	values[2] = reservation_code ? CStringGetTextDatum(reservation_code) : (Datum) 0;
	nulls[2] = reservation_code ? ' ' : 'n';
	values[3] = CStringGetTextDatum(service);
	values[4] = CStringGetTextDatum(kind);
	values[5] = Int16GetDatum((int16) validity);
	values[6] = CStringGetTextDatum(lane);
	values[7] = BoolGetDatum(force_majeure);
	values[8] = CStringGetTextDatum(nik);
	values[9] = CStringGetTextDatum(full_name);
	values[10] = DateADTGetDatum(birth);
	values[11] = phone ? CStringGetTextDatum(phone) : (Datum) 0;
	nulls[11] = phone ? ' ' : 'n';
	values[12] = sender ? CStringGetTextDatum(sender) : (Datum) 0;
	nulls[12] = sender ? ' ' : 'n';
	values[13] = TimestampTzGetDatum(now);
	PassportExecute(PassportPrepare(&app_plan,
									"INSERT INTO passport.application (office_id, application_number, "
									"  reservation_code, service, passport_kind, validity_years, lane, "
									"  force_majeure, nik, full_name, birth_date, phone, sender, status, "
									"  version, opened_at, status_at) "
									"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
									"        'submitted', 1, $14, $14)",
									14, app_types),
					values, nulls, false, 0);

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(number);
	values[2] = CStringGetTextDatum(CallingRoleName());
	values[3] = CStringGetTextDatum(channel);
	values[4] = TimestampTzGetDatum(now);
	values[5] = CStringGetTextDatum(reason);
	PassportExecute(PassportPrepare(&event_plan,
									"INSERT INTO passport.application_event (office_id, application_number, seq, "
									"  from_status, to_status, actor, actor_role, channel, at, reason) "
									"VALUES ($1, $2, 1, NULL, 'submitted', $3, 'officer', $4, $5, $6)",
									6, event_types),
					values, nulls, false, 0);
	return number;
}

/* RequireOfficer raises 42501 unless the caller is an officer or administrator. */
static void
RequireOfficer(const char *what)
{
	if (!CallerIsOfficer())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only officers may %s", what),
				 errhint("Grant passport_officer or passport_admin to the role.")));
}

/* Result columns of the reservation read by open_application. */
typedef enum OpenColumn
{
	OPEN_STATUS = 1,
	OPEN_SERVICE,
	OPEN_LANE,
	OPEN_NIK,
	OPEN_FULL_NAME,
	OPEN_BIRTH_DATE,
	OPEN_PHONE,
	OPEN_SENDER
} OpenColumn;
#define OPEN_COLUMNS	OPEN_SENDER

PG_FUNCTION_INFO_V1(passport_open_application_0_2);

/*
 * passport_open_application_0_2 opens the application of a checked-in
 * reservation; a second call answers with the application already open.
 */
Datum
passport_open_application_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *typed = PassportArgText(fcinfo, 0);
	char	   *kind = PG_ARGISNULL(1) ? pstrdup("electronic") : PassportArgText(fcinfo, 1);
	int32		validity = PG_ARGISNULL(2) ? 10 : PG_GETARG_INT32(2);
	bool		force_majeure = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	TimestampTz now = PassportNow();
	static SPIPlanPtr res_plan = NULL;
	static SPIPlanPtr app_plan = NULL;
	static const Oid types[2] = {INT8OID, TEXTOID};
	Datum		values[2];
	bool		isnull;
	char	   *code;
	int64		office_id;
	char	   *number;
	char	   *status;
	Datum		result;

	RequireText(typed, "reservation_number");
	RequireOfficer("open applications");
	code = CanonicalReservationNumber(typed);
	PassportConnect();
	if (!ReservationNumberOffice(code, &office_id))
		goto notfound;
	RequireOfficeAccess(office_id);
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(code);
	if (PassportExecute(PassportPrepare(&res_plan,
										"SELECT r.status, r.service, r.lane, r.nik, r.full_name, r.birth_date, "
										"       r.phone, r.sender "
										"  FROM passport.reservation r WHERE r.office_id = $1 AND r.code = $2 "
										"   FOR UPDATE",
										2, types),
						values, NULL, false, 1) != 1)
		goto notfound;
	PassportExpectColumns(OPEN_COLUMNS);
	status = PassportGetText(0, OPEN_STATUS);
	{
		char	   *service = PassportGetText(0, OPEN_SERVICE);
		char	   *lane = PassportGetText(0, OPEN_LANE);
		char	   *nik = PassportGetText(0, OPEN_NIK);
		char	   *full_name = PassportGetText(0, OPEN_FULL_NAME);
		DateADT		birth = DatumGetDateADT(PassportGetDatum(0, OPEN_BIRTH_DATE, &isnull));
		char	   *phone = PassportGetText(0, OPEN_PHONE);
		char	   *sender = PassportGetText(0, OPEN_SENDER);

		/* already open: the same answer */
		if (PassportExecute(PassportPrepare(&app_plan,
											"SELECT a.application_number FROM passport.application a "
											" WHERE a.office_id = $1 AND a.reservation_code = $2",
											2, types),
							values, NULL, false, 1) == 1)
		{
			number = PassportGetText(0, 1);
			result = StateDatum(fcinfo, cxt, office_id, number);
			PassportFinish();
			PG_RETURN_DATUM(result);
		}
		if (strcmp(status, "checked_in") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_PP_NOT_ACTIVE),
					 errmsg("the reservation is %s", status),
					 errdetail("An application is opened from reservation %s after its check-in.", code)));
		CheckPassportChoice(kind, service);
		number = InsertApplication(office_id, code, service, kind, validity, lane,
								   force_majeure, nik, full_name, birth, phone, sender,
								   "counter", "opened from reservation", now);
	}
	result = StateDatum(fcinfo, cxt, office_id, number);
	PassportFinish();
	PG_RETURN_DATUM(result);

notfound:
	ereport(ERROR,
			(errcode(ERRCODE_PP_NOT_FOUND),
			 errmsg("reservation not found"),
			 errdetail("No reservation has the number %s.", code)));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(passport_open_walk_in_0_2);

/* passport_open_walk_in_0_2 opens an application at the counter for a walk-in lane. */
Datum
passport_open_walk_in_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *lane = PassportArgText(fcinfo, 1);
	char	   *service = PassportArgText(fcinfo, 2);
	char	   *nik_in = PassportArgText(fcinfo, 3);
	char	   *full_name = PassportArgText(fcinfo, 4);
	bool		has_birth = !PG_ARGISNULL(5);
	DateADT		birth = has_birth ? PG_GETARG_DATEADT(5) : 0;
	char	   *phone_in = PassportArgText(fcinfo, 6);
	char	   *kind = PG_ARGISNULL(7) ? pstrdup("electronic") : PassportArgText(fcinfo, 7);
	int32		validity = PG_ARGISNULL(8) ? 10 : PG_GETARG_INT32(8);
	bool		force_majeure = !PG_ARGISNULL(9) && PG_GETARG_BOOL(9);
	TimestampTz now = PassportNow();
	char		nik[17];
	char	   *phone = NULL;
	OfficeInfo	office;
	int64		office_id;
	char	   *number;
	Datum		result;

	RequireText(lane, "lane");
	RequireText(service, "service");
	RequireText(nik_in, "nik");
	RequireText(full_name, "full_name");
	if (!has_birth)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("birth_date is required")));
	RequireOfficer("open applications");
	CheckNikOrError(nik_in, birth, nik);
	if (phone_in != NULL)
		phone = NormalisePhoneOrError(phone_in, "phone number");

	PassportConnect();
	RequireWalkInLane(lane);
	CheckPassportChoice(kind, service);
	LookupArgOffice(fcinfo, 0, now, &office);
	office_id = office.office_id;
	if (!ReferenceHas(REFERENCE_SERVICES, service))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown service \"%s\"", service)));
	RequireOfficeAccess(office_id);
	number = InsertApplication(office_id, NULL, service, kind, validity, lane, force_majeure,
							   nik, full_name, birth, phone, NULL, "counter", "walk-in", now);
	result = StateDatum(fcinfo, cxt, office_id, number);
	PassportFinish();
	PG_RETURN_DATUM(result);
}

PG_FUNCTION_INFO_V1(passport_transition_0_2);

/*
 * passport_transition_0_2 moves an application after checking the expected
 * status and version, the rule, the caller's role and the guards.
 */
Datum
passport_transition_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *typed = PassportArgText(fcinfo, 0);
	char	   *to = PassportArgText(fcinfo, 1);
	char	   *expected = PassportArgText(fcinfo, 2);
	bool		has_version = !PG_ARGISNULL(3);
	int32		expected_version = has_version ? PG_GETARG_INT32(3) : 0;
	char	   *reason = PassportArgText(fcinfo, 4);
	char	   *channel = PG_ARGISNULL(5) ? pstrdup("counter") : PassportArgText(fcinfo, 5);
	TimestampTz now = PassportNow();
	char	   *digits;
	int64		office_id;
	char	   *roles;
	const char *actor_role;
	AppRow		row;
	Datum		result;

	RequireText(typed, "application_number");
	RequireText(to, "to_status");
	if (reason != NULL && strlen(reason) > 500)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("reason is longer than 500 characters")));
	digits = CanonicalApplicationNumber(typed);
	PassportConnect();
	office_id = ApplicationNumberOffice(digits);
	if (office_id != 0)
		RequireOfficeAccess(office_id);
	if (!FastMove(office_id, digits, expected, has_version, expected_version, to, reason,
				  channel, now, &row))
	{
		/* lock, then check */
		LockApplication(office_id, digits, now, to, &row);
		if (!row.target_known)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown application status \"%s\"", to),
					 errhint("The statuses are listed in passport.application_status.")));

		/* compare-and-set */
		if ((expected != NULL && strcmp(expected, row.status) != 0) ||
			(has_version && expected_version != row.version))
			ereport(ERROR,
					(errcode(ERRCODE_PP_STALE_STATUS),
					 errmsg("application moved meanwhile: it is %s, version %d", row.status, row.version),
					 errdetail("The caller expected %s%s%s.", expected ? expected : "any status",
							   has_version ? ", version " : "",
							   has_version ? psprintf("%d", expected_version) : "")));

		roles = row.rule_roles;
		if (roles[0] == '\0')
			IllegalMove(&row, to, NULL);
		actor_role = MoverRole(roles);
		if (actor_role == NULL)
		{
			if (HasRole(roles, "payment"))
				IllegalMove(&row, to, "Only a confirmed payment (passport.confirm_payment) makes this move.");
			if (HasRole(roles, "system"))
				IllegalMove(&row, to, "Only the sweep makes this move, when its deadline passes.");
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("the move from %s to %s needs role %s", row.status, to,
							HasRole(roles, "admin") ? "passport_admin" : "passport_officer")));
		}
		ApplyMove(&row, to, CallingRoleName(), actor_role, channel, reason, now);
	}
	result = MovedStateDatum(fcinfo, cxt, &row);
	PassportFinish();
	PG_RETURN_DATUM(result);
}

/* Result columns of the billing locked by confirm_payment. */
typedef enum PayColumn
{
	PAY_STATUS = 1,
	PAY_NTPN,
	PAY_AMOUNT,
	PAY_EXPIRES_AT,
	PAY_APPLICATION_NUMBER,
	PAY_ISSUED_AT
} PayColumn;
#define PAY_COLUMNS		PAY_ISSUED_AT

PG_FUNCTION_INFO_V1(passport_confirm_payment_0_2);

/*
 * passport_confirm_payment_0_2 applies a bank callback from the payment role:
 * idempotent on the NTPN, refusing a wrong amount, a billing expired (now
 * or at the time of payment), a second NTPN for the billing and an NTPN
 * already used for another billing.
 */
Datum
passport_confirm_payment_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *typed = PassportArgText(fcinfo, 0);
	bool		has_amount = !PG_ARGISNULL(1);
	int64		amount = has_amount ? PG_GETARG_INT64(1) : 0;
	char	   *ntpn = PassportArgText(fcinfo, 2);
	TimestampTz now = PassportNow();
	TimestampTz paid_at = PG_ARGISNULL(3) ? now : PG_GETARG_TIMESTAMPTZ(3);
	static SPIPlanPtr lock_plan = NULL;
	static SPIPlanPtr pay_plan = NULL;
	static SPIPlanPtr ntpn_plan = NULL;
	static const Oid lock_types[2] = {INT8OID, TEXTOID};
	static const Oid ntpn_types[4] = {TEXTOID, INT8OID, TEXTOID, TIMESTAMPTZOID};
	static const Oid pay_types[4] = {INT8OID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[4];
	bool		isnull;
	char	   *digits;
	char	   *status;
	char	   *paid_ntpn;
	char	   *app_number;
	int64		office_id;
	int64		due;
	TimestampTz expires;
	TimestampTz issued;
	const char *p;
	AppRow		row;
	Datum		result;

	RequireText(typed, "billing_code");
	if (!has_amount)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("amount is required")));
	RequireText(ntpn, "ntpn");
	for (p = ntpn; *p; p++)
		if (!isalnum((unsigned char) *p))
			break;
	if (*p != '\0' || strlen(ntpn) < 8 || strlen(ntpn) > 32)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid NTPN \"%s\"", ntpn),
				 errdetail("An NTPN has 8 to 32 letters and digits (16 in the state revenue system).")));
	if (!CallerHasRole("passport_payment"))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("only the payment role may confirm payments"),
				 errdetail("Payments are confirmed by the bank's callback, which logs in as a member of passport_payment."),
				 errhint("Grant passport_payment to the bank gateway's login role, never to a bot.")));
	if (paid_at > now + PAID_AT_SKEW)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("paid_at %s is in the future", timestamptz_to_str(paid_at)),
				 errdetail("A payment is confirmed after it was made; the bank's clock may be ahead by at most 5 minutes.")));
	digits = CanonicalBillingCode(typed);
	office_id = BillingCodeOffice(digits);
	PassportConnect();
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(digits);
	if (office_id == 0 ||
		PassportExecute(PassportPrepare(&lock_plan,
										"SELECT b.status, b.ntpn, b.amount, b.expires_at, b.application_number, "
										"       b.issued_at "
										"  FROM passport.billing b WHERE b.office_id = $1 AND b.billing_code = $2 "
										"   FOR UPDATE",
										2, lock_types),
						values, NULL, false, 1) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_PP_NOT_FOUND),
				 errmsg("billing not found"),
				 errdetail("No billing has the code %s.", digits)));
	PassportExpectColumns(PAY_COLUMNS);
	status = PassportGetText(0, PAY_STATUS);
	paid_ntpn = PassportGetText(0, PAY_NTPN);
	due = DatumGetInt64(PassportGetDatum(0, PAY_AMOUNT, &isnull));
	expires = DatumGetTimestampTz(PassportGetDatum(0, PAY_EXPIRES_AT, &isnull));
	app_number = PassportGetText(0, PAY_APPLICATION_NUMBER);
	issued = DatumGetTimestampTz(PassportGetDatum(0, PAY_ISSUED_AT, &isnull));

	if (strcmp(status, "paid") == 0)
	{
		if (strcmp(paid_ntpn, ntpn) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_PP_ALREADY_PAID),
					 errmsg("the billing is already paid"),
					 errdetail("Billing %s was paid with another NTPN; a billing is paid once.", digits)));
		/* a repeated callback: the same answer, nothing changes */
		result = StateDatum(fcinfo, cxt, office_id, app_number);
		PassportFinish();
		PG_RETURN_DATUM(result);
	}
	if (strcmp(status, "expired") == 0 || now >= expires || paid_at >= expires)
		ereport(ERROR,
				(errcode(ERRCODE_PP_BILLING_EXPIRED),
				 errmsg("the billing has expired"),
				 errdetail("Billing %s was valid until %s.", digits, timestamptz_to_str(expires))));
	if (paid_at < issued)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("paid_at %s is before the billing was issued", timestamptz_to_str(paid_at)),
				 errdetail("Billing %s was issued at %s.", digits, timestamptz_to_str(issued))));
	if (amount != due)
		ereport(ERROR,
				(errcode(ERRCODE_PP_WRONG_AMOUNT),
				 errmsg("the amount paid does not match the billing"),
				 errdetail("Billing %s is for %lld; %lld was paid.", digits, (long long) due, (long long) amount)));

	/* an NTPN is national: it pays one billing of one office, once */
	values[0] = CStringGetTextDatum(ntpn);
	values[1] = Int64GetDatum(office_id);
	values[2] = CStringGetTextDatum(digits);
	values[3] = TimestampTzGetDatum(paid_at);
	if (PassportExecute(PassportPrepare(&ntpn_plan,
										"INSERT INTO passport.ntpn (ntpn, office_id, billing_code, paid_at) "
										"VALUES ($1, $2, $3, $4) "
										"ON CONFLICT ON CONSTRAINT ntpn_pkey DO NOTHING",
										4, ntpn_types),
						values, NULL, false, 0) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_PP_NTPN_USED),
				 errmsg("NTPN \"%s\" was already used for another billing", ntpn),
				 errdetail("An NTPN is issued by the state revenue system for one payment of one billing.")));

	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(digits);
	values[2] = CStringGetTextDatum(ntpn);
	values[3] = TimestampTzGetDatum(paid_at);
	PassportExecute(PassportPrepare(&pay_plan,
									"UPDATE passport.billing b SET status = 'paid', ntpn = $3, paid_at = $4 "
									" WHERE b.office_id = $1 AND b.billing_code = $2",
									4, pay_types),
					values, NULL, false, 0);

	/* the billing's application is of the billing's office (its foreign key) */
	LockApplication(office_id, app_number, now, "paid", &row);
	if (strcmp(row.status, "awaiting_payment") != 0)
		IllegalMove(&row, "paid", "The payment arrived for an application that no longer awaits it.");
	ApplyMove(&row, "paid", "bank", "payment", "bank", psprintf("NTPN %s", ntpn), now);
	result = MovedStateDatum(fcinfo, cxt, &row);
	PassportFinish();
	PG_RETURN_DATUM(result);
}

/*
 * SweepMove moves one application of office_id whose deadline passed, if
 * it still is in status from and a system rule allows the move (the rules
 * are data), with the sweep as its actor; adds to counts.  The application
 * is locked and its status read again, so a concurrent officer's move wins
 * or waits.
 */
static void
SweepMove(int64 office_id, const char *number, const char *from, const char *to,
		  const char *reason, TimestampTz now, int *moved, SweepCounts *counts)
{
	AppRow		row;

	LockApplication(office_id, number, now, to, &row);
	if (strcmp(row.status, from) != 0 || !HasRole(row.rule_roles, "system"))
		return;
	(*moved)++;
	counts->history_rows++;
	if (ApplyMove(&row, to, "sweep", "system", "system", reason, now))
		counts->messages++;
}

/*
 * SweepApplications moves an office's applications whose deadline passed,
 * through the engine, each with its history row and message: billings
 * expired unpaid (payment_expired), missing documents not completed in
 * time (forfeited), passports not collected in time (uncollected).  The
 * caller holds an SPI connection.
 */
void
SweepApplications(int64 office_id, DateADT today, TimestampTz now, SweepCounts *counts)
{
	static SPIPlanPtr billing_plan = NULL;
	static SPIPlanPtr due_plan = NULL;
	static const Oid billing_types[2] = {INT8OID, TIMESTAMPTZOID};
	static const Oid due_types[3] = {INT8OID, TIMESTAMPTZOID, DATEOID};
	Datum		values[3];
	int			n;
	int			i;
	char	  **numbers;
	char	  **statuses;

	/* billings past their expiry, and the applications waiting on them */
	values[0] = Int64GetDatum(office_id);
	values[1] = TimestampTzGetDatum(now);
	n = PassportExecute(PassportPrepare(&billing_plan,
										"UPDATE passport.billing b SET status = 'expired' "
										" WHERE b.office_id = $1 AND b.status = 'open' AND b.expires_at <= $2 "
										"RETURNING b.application_number",
										2, billing_types),
						values, NULL, false, 0);
	counts->billings_expired += n;
	numbers = palloc(sizeof(char *) * (n + 1));
	for (i = 0; i < n; i++)
		numbers[i] = PassportGetText(i, 1);
	for (i = 0; i < n; i++)
		SweepMove(office_id, numbers[i], "awaiting_payment", "payment_expired", "billing expired unpaid",
				  now, &counts->payment_expired, counts);

	/* documents not completed and passports not collected in time */
	values[2] = DateADTGetDatum(today);
	n = PassportExecute(PassportPrepare(&due_plan,
										"SELECT a.application_number, a.status FROM passport.application a "
										" WHERE a.office_id = $1 "
										"   AND ((a.status = 'incomplete' AND a.incomplete_until <= $2) "
										"        OR (a.status = 'ready' AND a.pickup_until < $3)) "
										" ORDER BY a.application_number",
										3, due_types),
						values, NULL, true, 0);
	/* columns: application number, status */
	if (n > 0)
		PassportExpectColumns(2);
	numbers = palloc(sizeof(char *) * (n + 1));
	statuses = palloc(sizeof(char *) * (n + 1));
	for (i = 0; i < n; i++)
	{
		numbers[i] = PassportGetText(i, 1);
		statuses[i] = PassportGetText(i, 2);
	}
	for (i = 0; i < n; i++)
	{
		if (strcmp(statuses[i], "incomplete") == 0)
			SweepMove(office_id, numbers[i], "incomplete", "forfeited",
					  psprintf("documents not completed within %d days", passport_documents_days),
					  now, &counts->forfeited, counts);
		else
			SweepMove(office_id, numbers[i], "ready", "uncollected",
					  psprintf("not collected within %d days", passport_pickup_days),
					  now, &counts->uncollected, counts);
	}
}
