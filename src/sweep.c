/*-------------------------------------------------------------------------
 *
 * sweep.c
 *	  The sweep: what happens because time passed.
 *
 * Per office, in the caller's transaction: booked reservations of days
 * that have ended become no-shows (reserve.c: their NIK cools down, their
 * sender is counted one less); applications whose deadline passed move
 * through the status engine (status.c: billing expired unpaid, documents
 * not completed, passport not collected), each with its history row and
 * message; reminders are queued once each (the visit tomorrow, a billing
 * about to expire, a pickup deadline near).  Expired cooldowns are
 * cleared.  On a distributed installation it also settles what bookings
 * made in steps left behind (settle_guards).  Every statement names its
 * office and none inserts inside a WITH, so an office's sweep is one
 * office's work wherever it runs.  Safe
 * to run concurrently and repeatedly: the moves lock their rows and check
 * them again, the reminders are deduplicated by key.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "passport.h"

/* Result columns of the reminders' statement. */
typedef enum ReminderColumn
{
	REMINDER_CHANNEL = 1,
	REMINDER_RECIPIENT,
	REMINDER_TEMPLATE,
	REMINDER_PAYLOAD,
	REMINDER_DEDUPE_KEY
} ReminderColumn;
#define REMINDER_COLUMNS	REMINDER_DEDUPE_KEY

/*
 * QueueReminders queues an office's reminders that are due and not queued
 * before (each has its dedupe key): the visits of tomorrow, billings that
 * expire within 30 minutes (a billing valid no longer than the at-booking
 * validity) or a day, pickup deadlines within 3 days.  Returns how many it
 * queued.  The caller holds an SPI connection.
 */
static int
QueueReminders(int64 office_id, DateADT today, TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[4] = {INT8OID, DATEOID, TIMESTAMPTZOID, INT4OID};
	Datum		values[4];
	int			n;
	int			i;
	int			queued = 0;
	char	  **rows[REMINDER_COLUMNS];

	values[0] = Int64GetDatum(office_id);
	values[1] = DateADTGetDatum(today);
	values[2] = TimestampTzGetDatum(now);
	values[3] = Int32GetDatum(passport_billing_minutes_at_booking);
	n = PassportExecute(PassportPrepare(&plan,
										"SELECT r.channel, r.sender, 'visit_reminder', "
										"       jsonb_build_object('reservation_number', r.code, 'office', o.name, "
										"         'date', r.local_date, "
										"         'time', to_char(r.starts_at AT TIME ZONE o.time_zone, 'HH24:MI'))::text, "
										"       'reminder:' || r.code || ':' || r.local_date "
										"  FROM passport.reservation r JOIN passport.office o ON o.office_id = r.office_id "
										" WHERE r.office_id = $1 AND r.status = 'booked' AND r.local_date = $2 + 1 "
										"   AND r.sender IS NOT NULL "
										"UNION ALL "
										"SELECT passport.contact_channel(coalesce(a.sender, a.phone)), "
										"       coalesce(a.sender, a.phone), 'billing_expiring', "
										"       jsonb_build_object('billing_code', b.billing_code, "
										"         'amount', to_char(b.amount, 'FM999G999G999'), "
										"         'expires_at', to_char(b.expires_at AT TIME ZONE o.time_zone, 'YYYY-MM-DD HH24:MI'))::text, "
										"       'billing_expiring:' || b.billing_code "
										"  FROM passport.billing b "
										"  JOIN passport.application a ON a.office_id = b.office_id "
										"       AND a.application_number = b.application_number "
										"  JOIN passport.office o ON o.office_id = b.office_id "
										" WHERE b.office_id = $1 AND b.status = 'open' AND b.expires_at > $3 "
										"   AND b.expires_at <= $3 + CASE WHEN b.expires_at - b.issued_at <= make_interval(mins => $4) "
										"                                 THEN interval '30 minutes' ELSE interval '1 day' END "
										"   AND coalesce(a.sender, a.phone) IS NOT NULL "
										"UNION ALL "
										"SELECT passport.contact_channel(coalesce(a.sender, a.phone)), "
										"       coalesce(a.sender, a.phone), 'pickup_deadline', "
										"       jsonb_build_object('application_number', a.application_number, 'office', o.name, "
										"         'pickup_until', a.pickup_until)::text, "
										"       'pickup_deadline:' || a.application_number "
										"  FROM passport.application a JOIN passport.office o ON o.office_id = a.office_id "
										" WHERE a.office_id = $1 AND a.status = 'ready' AND a.pickup_until <= $2 + 3 "
										"   AND coalesce(a.sender, a.phone) IS NOT NULL",
										4, types),
						values, NULL, true, 0);
	if (n > 0)
		PassportExpectColumns(REMINDER_COLUMNS);
	for (i = 0; i < REMINDER_COLUMNS; i++)
		rows[i] = palloc(sizeof(char *) * (n + 1));
	for (i = 0; i < n; i++)
	{
		int			c;

		for (c = 0; c < REMINDER_COLUMNS; c++)
			rows[c][i] = PassportGetText(i, c + 1);
	}
	for (i = 0; i < n; i++)
		if (EnqueueMessage(office_id, rows[REMINDER_CHANNEL - 1][i], rows[REMINDER_RECIPIENT - 1][i],
						   rows[REMINDER_TEMPLATE - 1][i], NULL, rows[REMINDER_PAYLOAD - 1][i],
						   rows[REMINDER_DEDUPE_KEY - 1][i], now))
			queued++;
	return queued;
}

/* Result columns of the sweep's answer (0-based, as in a tuple). */
typedef enum SweepAttribute
{
	SWEEP_OFFICE_CODE,
	SWEEP_NO_SHOWS,
	SWEEP_BILLINGS_EXPIRED,
	SWEEP_FORFEITED,
	SWEEP_UNCOLLECTED,
	SWEEP_MESSAGES,
	SWEEP_COOLDOWNS_CLEARED,
	SWEEP_ATTRIBUTES
} SweepAttribute;

PG_FUNCTION_INFO_V1(passport_sweep_0_2);

/*
 * passport_sweep_0_2 is passport.sweep(office_code): sweeps one office, or
 * every office when office_code is NULL, and answers one row per office.
 */
Datum
passport_sweep_0_2(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *office_code = PassportArgText(fcinfo, 0);
	TimestampTz now = PassportNow();
	static SPIPlanPtr offices_plan = NULL;
	static SPIPlanPtr clear_plan = NULL;
	static const Oid office_types[2] = {TEXTOID, TIMESTAMPTZOID};
	static const Oid clear_types[1] = {TIMESTAMPTZOID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};
	int			n;
	int			i;
	int64	   *ids;
	DateADT    *todays;
	char	  **codes;
	int			cleared;

	InitMaterializedSRF(fcinfo, 0);
	if (rsinfo->setDesc->natts != SWEEP_ATTRIBUTES)
		elog(ERROR, "passport.sweep returns %d columns where %d are named",
			 rsinfo->setDesc->natts, SWEEP_ATTRIBUTES);
	PassportConnect();

	values[0] = office_code ? CStringGetTextDatum(Upper(office_code)) : (Datum) 0;
	nulls[0] = office_code ? ' ' : 'n';
	values[1] = TimestampTzGetDatum(now);
	n = PassportExecute(PassportPrepare(&offices_plan,
										"SELECT o.office_id, o.code, ($2 AT TIME ZONE o.time_zone)::date "
										"  FROM passport.office o WHERE $1 IS NULL OR o.code = $1 "
										" ORDER BY o.office_id",
										2, office_types),
						values, nulls, true, 0);
	if (n == 0 && office_code != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PP_OFFICE_UNKNOWN),
				 errmsg("unknown office \"%s\"", office_code),
				 errdetail("No office has this code.")));
	/* columns: office number, code, local date now */
	if (n > 0)
		PassportExpectColumns(3);
	ids = palloc(sizeof(int64) * (n + 1));
	todays = palloc(sizeof(DateADT) * (n + 1));
	codes = palloc(sizeof(char *) * (n + 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		ids[i] = DatumGetInt64(PassportGetDatum(i, 1, &isnull));
		codes[i] = PassportGetText(i, 2);
		todays[i] = DatumGetDateADT(PassportGetDatum(i, 3, &isnull));
	}

	values[0] = TimestampTzGetDatum(now);
	cleared = PassportExecute(PassportPrepare(&clear_plan,
											  "DELETE FROM passport.nik_guard g "
											  " WHERE g.code IS NULL AND g.cooldown_until <= $1",
											  1, clear_types),
							  values, NULL, false, 0);

	for (i = 0; i < n; i++)
	{
		Datum		out[SWEEP_ATTRIBUTES];
		bool		outnull[SWEEP_ATTRIBUTES];
		SweepCounts counts;

		memset(&counts, 0, sizeof(counts));
		counts.no_shows = SweepNoShows(ids[i], todays[i], now);
		SweepApplications(ids[i], todays[i], now, &counts);
		counts.messages += QueueReminders(ids[i], todays[i], now);

		memset(outnull, false, sizeof(outnull));
		out[SWEEP_OFFICE_CODE] = CStringGetTextDatum(codes[i]);
		out[SWEEP_NO_SHOWS] = Int32GetDatum(counts.no_shows);
		out[SWEEP_BILLINGS_EXPIRED] = Int32GetDatum(counts.billings_expired);
		out[SWEEP_FORFEITED] = Int32GetDatum(counts.forfeited);
		out[SWEEP_UNCOLLECTED] = Int32GetDatum(counts.uncollected);
		out[SWEEP_MESSAGES] = Int32GetDatum(counts.messages);
		out[SWEEP_COOLDOWNS_CLEARED] = Int32GetDatum(i == 0 ? cleared : 0);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, out, outnull);
	}
	/* what bookings made in steps left behind (a distributed installation) */
	if (PassportDistributed())
		SettleForSweep(now);
	PassportFinish();
	return (Datum) 0;
}
