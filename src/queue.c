/*-------------------------------------------------------------------------
 *
 * queue.c
 *	  The on-site queue: tickets for check-ins, walk-ins and pickups, their
 *	  daily numbering per lane, counters calling the next ticket, recall,
 *	  start and end of service.
 *
 * Numbering takes the lane's counter row for the office's local day
 * (INSERT ... ON CONFLICT DO UPDATE).  A walk-in takes a place of the day
 * from the same slot counters online bookings use (TakeDayPlace), so the
 * two together never exceed the lane's capacity.  Calling the next ticket
 * locks it with
 * FOR UPDATE SKIP LOCKED inside a materialised CTE, so two counters never
 * get the same ticket and neither waits for the other.
 *
 * Every change a waiting-room display shows (a ticket issued, called,
 * recalled or missed, its service started or finished) can notify channel
 * passport_queue with the office number as payload, nothing else, when the
 * transaction commits (passport.queue_notify, off by default).  PostgreSQL
 * commits notifying transactions one at a time, holding a lock of the whole
 * database through the commit's flush, which halves the rate of counters
 * calling at full speed; the displays' daemon reads the boards of open pages
 * every second instead, and LISTENs when this is on.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/timestamp.h"

#include "passport.h"

/* The channel waiting-room displays LISTEN on. */
#define QUEUE_NOTIFY_CHANNEL	"passport_queue"

/*
 * QueueChanged tells the displays of an office, at commit, that what they
 * show may have changed (the payload is the office number only).
 */
static void
QueueChanged(int64 office_id)
{
	char		payload[24];

	if (!passport_queue_notify)
		return;
	snprintf(payload, sizeof(payload), INT64_FORMAT, office_id);
	Async_Notify(QUEUE_NOTIFY_CHANNEL, payload);
}

/*
 * LoadQueueOffice reads the office a queue function's first argument names
 * (its code, or its number in the _at form; PP011 if unknown) and checks
 * that the caller may act on it.
 */
static void
LoadQueueOffice(FunctionCallInfo fcinfo, TimestampTz now, OfficeInfo *qo)
{
	LookupArgOffice(fcinfo, 0, now, qo);
	RequireOfficeAccess(qo->office_id);
}

/*
 * IssueTicket numbers and inserts a ticket in a lane for the office's local
 * day; with has_place, the ticket holds that counter row's place (a
 * walk-in).  Returns the ticket id; *code gets "A-001".
 */
int64
IssueTicket(int64 office_id, const char *lane, const char *source,
			const char *reservation_code, const char *application_number,
			bool has_appointment, TimestampTz appointment_at, TimestampTz now,
			bool has_place, int64 slot_id, int16 shard, char **code)
{
	static SPIPlanPtr lane_plan = NULL;
	static SPIPlanPtr number_plan = NULL;
	static SPIPlanPtr insert_plan = NULL;
	static const Oid number_types[3] = {INT8OID, TEXTOID, TIMESTAMPTZOID};
	static const Oid day_types[3] = {INT8OID, TEXTOID, DATEOID};
	static const Oid insert_types[14] = {INT8OID, INT8OID, DATEOID, TEXTOID, INT4OID, TEXTOID,
	TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT2OID, INT8OID, INT2OID};
	Datum		values[14];
	char		nulls[14];
	bool		isnull;
	int32		number;
	DateADT		day;
	char	   *prefix;
	int16		call_order;
	int64		ticket_id;

	/*
	 * the office's local day and the lane's prefix and order (reference
	 * rows), then the day's number in one plain INSERT ... ON CONFLICT, so
	 * that the statement touches the office's counter only
	 */
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(lane);
	values[2] = TimestampTzGetDatum(now);
	if (PassportExecute(PassportPrepare(&lane_plan,
										"SELECT ($3 AT TIME ZONE o.time_zone)::date, l.prefix, l.call_order "
										"  FROM passport.office o, passport.lane l "
										" WHERE o.office_id = $1 AND l.lane_code = $2",
										3, number_types),
						values, NULL, true, 1) != 1)
		elog(ERROR, "office %lld or lane \"%s\" vanished", (long long) office_id, lane);
	/* columns: local date, lane prefix, calling order */
	PassportExpectColumns(3);
	day = DatumGetDateADT(PassportGetDatum(0, 1, &isnull));
	prefix = PassportGetText(0, 2);
	call_order = DatumGetInt16(PassportGetDatum(0, 3, &isnull));
	values[2] = DateADTGetDatum(day);
	PassportExecute(PassportPrepare(&number_plan,
									"INSERT INTO passport.queue_counter AS q (office_id, local_date, lane, last_number) "
									"VALUES ($1, $3, $2, 1) "
									"ON CONFLICT ON CONSTRAINT queue_counter_pkey "
									"DO UPDATE SET last_number = q.last_number + 1 "
									"RETURNING q.last_number",
									3, day_types),
					values, NULL, false, 0);
	/* columns: number */
	PassportExpectColumns(1);
	number = DatumGetInt32(PassportGetDatum(0, 1, &isnull));

	*code = psprintf("%s-%03d", prefix, number);
	ticket_id = PassportNextValue("ticket_id_seq");
	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(office_id);
	values[1] = Int64GetDatum(ticket_id);
	values[2] = DateADTGetDatum(day);
	values[3] = CStringGetTextDatum(lane);
	values[4] = Int32GetDatum(number);
	values[5] = CStringGetTextDatum(*code);
	values[6] = CStringGetTextDatum(source);
	values[7] = reservation_code ? CStringGetTextDatum(reservation_code) : (Datum) 0;
	nulls[7] = reservation_code ? ' ' : 'n';
	values[8] = application_number ? CStringGetTextDatum(application_number) : (Datum) 0;
	nulls[8] = application_number ? ' ' : 'n';
	values[9] = TimestampTzGetDatum(appointment_at);
	nulls[9] = has_appointment ? ' ' : 'n';
	values[10] = TimestampTzGetDatum(now);
	values[11] = Int16GetDatum(call_order);
	values[12] = Int64GetDatum(slot_id);
	nulls[12] = has_place ? ' ' : 'n';
	values[13] = Int16GetDatum(shard);
	nulls[13] = has_place ? ' ' : 'n';
	PassportExecute(PassportPrepare(&insert_plan,
									"INSERT INTO passport.queue_ticket (office_id, ticket_id, local_date, "
									"  lane, number, code, source, reservation_code, application_number, "
									"  appointment_at, issued_at, call_order, queue_at, slot_id, shard) "
									"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, coalesce($10, $11), "
									"        $13, $14)",
									14, insert_types),
					values, nulls, false, 0);
	QueueChanged(office_id);
	return ticket_id;
}

/*
 * The statement of TicketDatum; the office's code comes from the office
 * table, or as $3 when the backend keeps the offices.  Only a waiting
 * ticket has tickets waiting ahead of it: a called, serving or finished
 * one answers 0 without counting (a count over the day's queue, for every
 * call of a counter).
 */
#define TICKET_SQL(code, office_join) \
	"SELECT t.code, " code ", t.lane, t.status, t.calls, t.counter, " \
	"       t.appointment_at, t.issued_at, " \
	"       CASE WHEN t.status = 'waiting' THEN " \
	"       (SELECT count(*) FROM passport.queue_ticket w " \
	"         WHERE w.office_id = t.office_id AND w.local_date = t.local_date " \
	"           AND w.call_order = t.call_order AND w.lane = t.lane AND w.status = 'waiting' " \
	"           AND (w.queue_at, w.ticket_id) < (t.queue_at, t.ticket_id))::integer " \
	"       ELSE 0 END " \
	"  FROM passport.queue_ticket t" office_join \
	" WHERE t.office_id = $1 AND t.ticket_id = $2"

/* TicketDatum forms the passport.ticket answer of a ticket. */
static Datum
TicketDatum(FunctionCallInfo fcinfo, MemoryContext cxt, int64 office_id, int64 ticket_id)
{
	static SPIPlanPtr plans[2];
	static const char *const sql[2] = {
		TICKET_SQL("o.code", " JOIN passport.office o ON o.office_id = t.office_id "),
		TICKET_SQL("$3::text", "")
	};
	static const Oid types[3] = {INT8OID, INT8OID, TEXTOID};
	int			kept = ReferencesCached() ? 1 : 0;
	Datum		args[3];

	args[0] = Int64GetDatum(office_id);
	args[1] = Int64GetDatum(ticket_id);
	if (kept)
		args[2] = CStringGetTextDatum(KeptOfficeOf(office_id)->code);
	if (PassportExecute(PassportPrepare(&plans[kept], sql[kept], kept ? 3 : 2, types),
						args, NULL, false, 1) != 1)
		elog(ERROR, "ticket %lld vanished", (long long) ticket_id);
	return PassportRowDatum(fcinfo, cxt);
}

/* CanonicalTicket turns typed "a17", "A-017", "a 17" into "A-017", or raises 22023. */
static char *
CanonicalTicket(const char *typed)
{
	const char *p = typed;
	char		letter;
	long		number = 0;
	int			digits = 0;

	while (*p == ' ')
		p++;
	letter = pg_toupper((unsigned char) *p);
	if (letter < 'A' || letter > 'Z')
		goto bad;
	p++;
	while (*p == ' ' || *p == '-')
		p++;
	for (; *p >= '0' && *p <= '9'; p++)
	{
		number = number * 10 + (*p - '0');
		if (++digits > 6)
			goto bad;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0' || digits == 0 || number == 0)
		goto bad;
	return psprintf("%c-%03ld", letter, number);
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid ticket \"%s\"", typed),
			 errdetail("A ticket is a lane letter and a number, such as A-017.")));
	return NULL;
}

/* LockTicket finds today's ticket by code and locks it; PP006 if none. */
static void
LockTicket(const OfficeInfo *qo, const char *typed, int64 *ticket_id, char **status,
		   int32 *calls)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[3] = {INT8OID, DATEOID, TEXTOID};
	Datum		values[3];
	bool		isnull;
	char	   *code = CanonicalTicket(typed);

	values[0] = Int64GetDatum(qo->office_id);
	values[1] = DateADTGetDatum(qo->today);
	values[2] = CStringGetTextDatum(code);
	if (PassportExecute(PassportPrepare(&plan,
										"SELECT t.ticket_id, t.status, t.calls FROM passport.queue_ticket t "
										" WHERE t.office_id = $1 AND t.local_date = $2 AND t.code = $3 FOR UPDATE",
										3, types),
						values, NULL, false, 1) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_PP_NOT_FOUND),
				 errmsg("ticket %s not found", code),
				 errdetail("Office \"%s\" has issued no ticket %s today.", qo->code, code)));
	/* columns: ticket id, status, calls */
	PassportExpectColumns(3);
	*ticket_id = DatumGetInt64(PassportGetDatum(0, 1, &isnull));
	*status = PassportGetText(0, 2);
	*calls = DatumGetInt32(PassportGetDatum(0, 3, &isnull));
}

/* TicketState raises PP019 for a ticket in the wrong state. */
static void
TicketState(const char *code, const char *status, const char *needed)
{
	ereport(ERROR,
			(errcode(ERRCODE_PP_TICKET_STATE),
			 errmsg("the ticket is %s", status),
			 errdetail("Ticket %s must be %s for this.", code, needed)));
}

/* SetTicket updates a ticket's status with the time column of that step. */
static void
SetTicket(int64 office_id, int64 ticket_id, const char *status, TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[4] = {INT8OID, INT8OID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[4];

	values[0] = Int64GetDatum(office_id);
	values[1] = Int64GetDatum(ticket_id);
	values[2] = CStringGetTextDatum(status);
	values[3] = TimestampTzGetDatum(now);
	PassportExecute(PassportPrepare(&plan,
									"UPDATE passport.queue_ticket t SET status = $3, "
									"       calls = t.calls + CASE WHEN $3 = 'called' THEN 1 ELSE 0 END, "
									"       called_at = CASE WHEN $3 = 'called' THEN $4 ELSE t.called_at END, "
									"       served_at = CASE WHEN $3 = 'serving' THEN $4 ELSE t.served_at END, "
									"       done_at = CASE WHEN $3 IN ('done', 'missed') THEN $4 ELSE t.done_at END "
									" WHERE t.office_id = $1 AND t.ticket_id = $2",
									4, types),
					values, NULL, false, 0);
}

PG_FUNCTION_INFO_V1(passport_walk_in_ticket_0_2);

/*
 * passport_walk_in_ticket_0_2 issues a walk-in ticket holding one of the
 * day's places in the lane (PP018 when none is left).
 */
Datum
passport_walk_in_ticket_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *lane = PassportArgText(fcinfo, 1);
	TimestampTz now = PassportNow();
	OfficeInfo	qo;
	int64		slot_id;
	int16		shard;
	int64		ticket_id;
	char	   *code;
	Datum		result;

	PassportConnect();
	RequireWalkInLane(lane);
	LoadQueueOffice(fcinfo, now, &qo);
	if (!TakeDayPlace(qo.office_id, lane, qo.day_start, qo.day_end, now, &slot_id, &shard))
		ereport(ERROR,
				(errcode(ERRCODE_PP_CONTINGENT_USED),
				 errmsg("no walk-in place left today in lane \"%s\"", lane),
				 errdetail("Every place of the lane today is taken by bookings and walk-ins."),
				 errhint("Book online for another day.")));
	ticket_id = IssueTicket(qo.office_id, lane, "walk_in", NULL, NULL, false, 0, now,
							true, slot_id, shard, &code);
	result = TicketDatum(fcinfo, cxt, qo.office_id, ticket_id);
	PassportFinish();
	PG_RETURN_DATUM(result);
}

PG_FUNCTION_INFO_V1(passport_pickup_ticket_0_2);

/* passport_pickup_ticket_0_2 issues (once a day) a pickup ticket for a ready passport. */
Datum
passport_pickup_ticket_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *typed = PassportArgText(fcinfo, 0);
	TimestampTz now = PassportNow();
	static SPIPlanPtr app_plan = NULL;
	static SPIPlanPtr old_plan = NULL;
	static const Oid types[3] = {INT8OID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[3];
	bool		isnull;
	char	   *digits;
	int64		office_id;
	int64		ticket_id;
	char	   *status;
	char	   *code;
	Datum		result;

	RequireText(typed, "application_number");
	digits = CanonicalApplicationNumber(typed);
	office_id = ApplicationNumberOffice(digits);
	PassportConnect();
	if (office_id != 0)
		RequireOfficeAccess(office_id);
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(digits);
	values[2] = TimestampTzGetDatum(now);
	if (office_id == 0 ||
		PassportExecute(PassportPrepare(&app_plan,
										"SELECT a.status FROM passport.application a "
										" WHERE a.office_id = $1 AND a.application_number = $2 FOR UPDATE",
										3, types),
						values, NULL, false, 1) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_PP_NOT_FOUND),
				 errmsg("application not found"),
				 errdetail("No application has the number %s.", digits)));
	status = PassportGetText(0, 1);
	if (strcmp(status, "ready") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_PP_NOT_ACTIVE),
				 errmsg("the application is %s", status),
				 errdetail("A pickup ticket is issued for a passport that is ready.")));
	if (PassportExecute(PassportPrepare(&old_plan,
										"SELECT t.ticket_id FROM passport.queue_ticket t "
										"  JOIN passport.office o ON o.office_id = t.office_id "
										" WHERE t.office_id = $1 AND t.application_number = $2 AND t.source = 'pickup' "
										"   AND t.local_date = ($3 AT TIME ZONE o.time_zone)::date",
										3, types),
						values, NULL, false, 1) == 1)
		ticket_id = DatumGetInt64(PassportGetDatum(0, 1, &isnull));
	else
		ticket_id = IssueTicket(office_id, "pickup", "pickup", NULL, digits, false, 0, now,
								false, 0, 0, &code);
	result = TicketDatum(fcinfo, cxt, office_id, ticket_id);
	PassportFinish();
	PG_RETURN_DATUM(result);
}

PG_FUNCTION_INFO_V1(passport_call_next_0_2);

/* passport_call_next_0_2 gives a counter the next waiting ticket, or NULL. */
Datum
passport_call_next_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *counter = PassportArgText(fcinfo, 1);
	TimestampTz now = PassportNow();
	static SPIPlanPtr plan = NULL;
	static const Oid types[5] = {INT8OID, DATEOID, TEXTARRAYOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	bool		isnull;
	OfficeInfo	qo;
	int64		ticket_id;
	Datum		result;

	if (counter == NULL || counter[0] == '\0' || strlen(counter) > 20)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a counter is named by 1 to 20 characters")));
	PassportConnect();
	LoadQueueOffice(fcinfo, now, &qo);
	values[0] = Int64GetDatum(qo.office_id);
	values[1] = DateADTGetDatum(qo.today);
	if (PG_ARGISNULL(2))
	{
		values[2] = (Datum) 0;
		nulls[2] = 'n';
	}
	else
		values[2] = PG_GETARG_DATUM(2);
	values[3] = CStringGetTextDatum(counter);
	values[4] = TimestampTzGetDatum(now);
	if (PassportExecute(PassportPrepare(&plan,
										"WITH n AS MATERIALIZED ( "
										"  SELECT t.ticket_id FROM passport.queue_ticket t "
										"   WHERE t.office_id = $1 AND t.local_date = $2 AND t.status = 'waiting' "
										"     AND ($3 IS NULL OR t.lane = ANY ($3)) "
										"   ORDER BY t.call_order, t.queue_at, t.ticket_id "
										"   LIMIT 1 FOR UPDATE SKIP LOCKED) "
										"UPDATE passport.queue_ticket t "
										"   SET status = 'called', calls = t.calls + 1, counter = $4, called_at = $5 "
										"  FROM n WHERE t.office_id = $1 AND t.ticket_id = n.ticket_id "
										"RETURNING t.ticket_id",
										5, types),
						values, nulls, false, 0) != 1)
	{
		PassportFinish();
		PG_RETURN_NULL();
	}
	ticket_id = DatumGetInt64(PassportGetDatum(0, 1, &isnull));
	QueueChanged(qo.office_id);
	result = TicketDatum(fcinfo, cxt, qo.office_id, ticket_id);
	PassportFinish();
	PG_RETURN_DATUM(result);
}

/* TicketStep runs recall, start_service or finish_service on a ticket. */
static Datum
TicketStep(FunctionCallInfo fcinfo, const char *step)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *typed = PassportArgText(fcinfo, 1);
	TimestampTz now = PassportNow();
	OfficeInfo	qo;
	int64		ticket_id;
	char	   *status;
	int32		calls;
	Datum		result;

	RequireText(typed, "ticket");
	PassportConnect();
	LoadQueueOffice(fcinfo, now, &qo);
	LockTicket(&qo, typed, &ticket_id, &status, &calls);
	if (strcmp(step, "recall") == 0)
	{
		if (strcmp(status, "called") != 0)
			TicketState(CanonicalTicket(typed), status, "called");
		SetTicket(qo.office_id, ticket_id,
				  calls >= passport_max_calls ? "missed" : "called", now);
	}
	else if (strcmp(step, "start") == 0)
	{
		if (strcmp(status, "called") != 0)
			TicketState(CanonicalTicket(typed), status, "called");
		SetTicket(qo.office_id, ticket_id, "serving", now);
	}
	else
	{
		if (strcmp(status, "serving") != 0)
			TicketState(CanonicalTicket(typed), status, "being served");
		SetTicket(qo.office_id, ticket_id, "done", now);
	}
	QueueChanged(qo.office_id);
	result = TicketDatum(fcinfo, cxt, qo.office_id, ticket_id);
	PassportFinish();
	PG_RETURN_DATUM(result);
}

PG_FUNCTION_INFO_V1(passport_recall_0_2);

/* passport_recall_0_2 calls a ticket again, or marks it missed after max_calls. */
Datum
passport_recall_0_2(PG_FUNCTION_ARGS)
{
	return TicketStep(fcinfo, "recall");
}

PG_FUNCTION_INFO_V1(passport_start_service_0_2);

/* passport_start_service_0_2 records that service of a called ticket started. */
Datum
passport_start_service_0_2(PG_FUNCTION_ARGS)
{
	return TicketStep(fcinfo, "start");
}

PG_FUNCTION_INFO_V1(passport_finish_service_0_2);

/* passport_finish_service_0_2 records that service of a ticket ended. */
Datum
passport_finish_service_0_2(PG_FUNCTION_ARGS)
{
	return TicketStep(fcinfo, "finish");
}
