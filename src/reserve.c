/*-------------------------------------------------------------------------
 *
 * reserve.c
 *	  Atomic slot allocation: reserve, cancel, reschedule, check-in, and the
 *	  no-shows the sweep marks.
 *
 * Concurrency design:
 *	- A slot is split over several counter rows (shards).  A booker locks
 *	  the earliest free counter row that nobody else holds (FOR UPDATE SKIP
 *	  LOCKED, LIMIT 1) and increments it in the same statement; it blocks
 *	  only when every candidate row is held by another booker.
 *	- Check and increment happen on the locked, latest row version, and
 *	  CHECK (booked <= capacity) stands behind it: no interleaving
 *	  overbooks.
 *	- Full rows leave the partial index slot_free, so the sold-out answer
 *	  is an index probe that finds nothing: no row lock, no WAL.
 *	- A duplicate request (same idempotency key) is answered before any
 *	  counter is touched; two identical requests racing meet on the NIK
 *	  guard's primary key, and the loser answers from the winner's row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "passport.h"
#include "ident.h"

/* Office data one call needs. */
typedef struct OfficeCall
{
	int64		office_id;
	char	   *code;
	char	   *name;
	char	   *time_zone;
	bool		active;
	bool		lane_known;
	bool		lane_bookable;
	bool		service_known;
	bool		channel_known;
	DateADT		day;			/* the requested local date */
	TimestampTz day_start;		/* local midnight of day */
	TimestampTz day_end;		/* local midnight of the next day */
	TimestampTz preferred;		/* day + preferred time, or DT_NOBEGIN */
	DateADT		today;			/* local date now */
} OfficeCall;

/* A counter row a booking took. */
typedef struct Allocation
{
	int64		slot_id;
	int16		shard;
	DateADT		local_date;
	TimestampTz starts_at;
	TimestampTz ends_at;
} Allocation;

/* Attributes of the answer type passport.booking (0-based, as in a tuple). */
typedef enum BookingAttribute
{
	BOOKING_RESERVATION_NUMBER,
	BOOKING_OFFICE_CODE,
	BOOKING_LOCAL_DATE,
	BOOKING_START_TIME,
	BOOKING_END_TIME,
	BOOKING_LANE,
	BOOKING_SERVICE,
	BOOKING_STATUS,
	BOOKING_DUPLICATE,
	BOOKING_TICKET,
	BOOKING_ATTRIBUTES
} BookingAttribute;

/* What a booking answer carries (strings in the caller's context). */
typedef struct BookingOut
{
	char	   *code;
	char	   *office_code;
	DateADT		local_date;
	TimestampTz starts_at;
	TimestampTz ends_at;
	char	   *time_zone;
	char	   *lane;
	char	   *service;
	char	   *status;
	bool		duplicate;
	char	   *ticket;			/* queue ticket of a check-in, or NULL */
} BookingOut;

/* ---- small helpers ------------------------------------------------------- */

/* SenderKey returns the E.164 form of a phone-like sender, else the text. */
static char *
SenderKey(const char *sender, const char *channel)
{
	char		e164[PHONE_E164_MAX + 1];

	if (sender == NULL)
		return NULL;
	if (channel != NULL && strcmp(channel, "whatsapp") == 0)
		return NormalisePhoneOrError(sender, "sender");
	if (PhoneNormalise(sender, strlen(sender), e164) == PHONE_OK)
		return pstrdup(e164);
	if (strlen(sender) > 200)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("sender is longer than 200 characters")));
	return pstrdup(sender);
}

/* BuildBooking forms a passport.booking datum from out. */
static Datum
BuildBooking(FunctionCallInfo fcinfo, const BookingOut *out)
{
	TupleDesc	tupdesc;
	Datum		values[BOOKING_ATTRIBUTES];
	bool		nulls[BOOKING_ATTRIBUTES];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != BOOKING_ATTRIBUTES)
		elog(ERROR, "passport.booking has %d attributes where %d are named",
			 tupdesc->natts, BOOKING_ATTRIBUTES);
	memset(nulls, false, sizeof(nulls));
	values[BOOKING_RESERVATION_NUMBER] = CStringGetTextDatum(out->code);
	values[BOOKING_OFFICE_CODE] = CStringGetTextDatum(out->office_code);
	values[BOOKING_LOCAL_DATE] = DateADTGetDatum(out->local_date);
	values[BOOKING_START_TIME] = TimeADTGetDatum(LocalTime(out->starts_at, out->time_zone));
	values[BOOKING_END_TIME] = TimeADTGetDatum(LocalTime(out->ends_at, out->time_zone));
	values[BOOKING_LANE] = CStringGetTextDatum(out->lane);
	values[BOOKING_SERVICE] = CStringGetTextDatum(out->service);
	values[BOOKING_STATUS] = CStringGetTextDatum(out->status);
	values[BOOKING_DUPLICATE] = BoolGetDatum(out->duplicate);
	values[BOOKING_TICKET] = out->ticket ? CStringGetTextDatum(out->ticket) : (Datum) 0;
	nulls[BOOKING_TICKET] = out->ticket == NULL;
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls));
}

/* ---- office lookup ------------------------------------------------------- */

/* What the first, read-only statement of a booking learns. */
typedef struct BookingProbe
{
	bool		duplicate;		/* the client's idempotency key is already booked */
	char	   *dup_nik;		/* what that booking was for */
	char	   *dup_full_name;
	DateADT		dup_birth_date;
	BookingOut	dup;			/* its answer (strings in the caller's context) */
	bool		free_exists;	/* a released counter row with room exists */
	bool		released;		/* a released slot (full or not) exists */
} BookingProbe;

/* Result columns of ProbeBooking's statement. */
typedef enum ProbeColumn
{
	PROBE_OFFICE_CODE = 1,
	PROBE_OFFICE_NAME,
	PROBE_TIME_ZONE,
	PROBE_ACTIVE,
	PROBE_LANE_KNOWN,
	PROBE_LANE_BOOKABLE,
	PROBE_SERVICE_KNOWN,
	PROBE_CHANNEL_KNOWN,
	PROBE_DAY,
	PROBE_DAY_START,
	PROBE_DAY_END,
	PROBE_PREFERRED,
	PROBE_TODAY,
	PROBE_DUP_CODE,
	PROBE_DUP_LOCAL_DATE,
	PROBE_DUP_STARTS_AT,
	PROBE_DUP_ENDS_AT,
	PROBE_DUP_LANE,
	PROBE_DUP_SERVICE,
	PROBE_DUP_STATUS,
	PROBE_DUP_NIK,
	PROBE_DUP_FULL_NAME,
	PROBE_DUP_BIRTH_DATE,
	PROBE_FREE_EXISTS,
	PROBE_RELEASED
} ProbeColumn;
#define PROBE_COLUMNS	PROBE_RELEASED

/*
 * ResolveOffice returns the number of the office with code (any case), from
 * a per-backend cache that ProbeBooking checks on every call (an office
 * keeps its number and code); PP011 when there is no such office.
 */
static int64
ResolveOffice(const char *code, bool refresh)
{
	static HTAB *cache = NULL;
	static SPIPlanPtr plan = NULL;
	static const Oid types[1] = {TEXTOID};
	typedef struct OfficeEntry
	{
		char		code[NAMEDATALEN];
		int64		office_id;
	} OfficeEntry;
	OfficeEntry *entry;
	Datum		values[1];
	bool		found;
	bool		isnull;

	if (strlen(code) >= NAMEDATALEN)
		goto unknown;
	if (cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = NAMEDATALEN;
		ctl.entrysize = sizeof(OfficeEntry);
		cache = hash_create("passport office codes", 128, &ctl, HASH_ELEM | HASH_STRINGS);
	}
	entry = hash_search(cache, code, HASH_FIND, NULL);
	if (entry != NULL && !refresh)
		return entry->office_id;
	values[0] = CStringGetTextDatum(code);
	if (PassportExecute(PassportPrepare(&plan,
										"SELECT o.office_id FROM passport.office o WHERE o.code = $1",
										1, types),
						values, NULL, true, 1) != 1)
	{
		if (entry != NULL)
			hash_search(cache, code, HASH_REMOVE, NULL);
		goto unknown;
	}
	entry = hash_search(cache, code, HASH_ENTER, &found);
	entry->office_id = DatumGetInt64(PassportGetDatum(0, 1, &isnull));
	return entry->office_id;

unknown:
	ereport(ERROR,
			(errcode(ERRCODE_PP_OFFICE_UNKNOWN),
			 errmsg("unknown office \"%s\"", code),
			 errdetail("No office has this code.")));
	return 0;
}

/*
 * ProbeBooking reads, in one statement, everything a booking checks before
 * it writes: the office (with lane, service, channel and the local day's
 * bounds), an earlier reservation of the same client (channel and sender)
 * with the same idempotency key (none when key is NULL), and whether any
 * place is free in the range.  Every table of the office is read by its
 * office number, so the statement is one office's work.  It takes a fresh
 * snapshot, so it sees what concurrent bookings have committed.
 * Reschedule reads the office through it too.  With office_code, the
 * office is found by code (through ResolveOffice's cache, checked here).
 */
static void
ProbeBooking(int64 office_id, const char *office_code, const char *lane, const char *service,
			 bool has_day, DateADT day, bool has_pref, TimeADT pref,
			 TimestampTz now, bool earliest, const char *channel,
			 const char *sender, const char *key, MemoryContext cxt,
			 OfficeCall *oc, BookingProbe *probe)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[10] = {INT8OID, TEXTOID, TEXTOID, TIMESTAMPTZOID, DATEOID,
	TIMEOID, BOOLOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[10];
	char		nulls[10];
	bool		isnull;
	char	   *code = office_code ? Upper(office_code) : NULL;
	int			attempt;
	int			n = 0;

	memset(nulls, ' ', sizeof(nulls));
	values[1] = CStringGetTextDatum(lane);
	values[2] = CStringGetTextDatum(service);
	values[3] = TimestampTzGetDatum(now);
	values[4] = DateADTGetDatum(day);
	nulls[4] = has_day ? ' ' : 'n';
	values[5] = TimeADTGetDatum(pref);
	nulls[5] = has_pref ? ' ' : 'n';
	values[6] = BoolGetDatum(earliest);
	values[7] = CStringGetTextDatum(channel);
	values[8] = key ? CStringGetTextDatum(key) : (Datum) 0;
	nulls[8] = key ? ' ' : 'n';
	values[9] = sender ? CStringGetTextDatum(sender) : (Datum) 0;
	nulls[9] = sender ? ' ' : 'n';

	for (attempt = 0; attempt < 2; attempt++)
	{
		if (code != NULL)
			office_id = ResolveOffice(code, attempt > 0);
		values[0] = Int64GetDatum(office_id);
		n = PassportExecute(PassportPrepare(&plan,
											"SELECT o.code, o.name, o.time_zone, o.active, "
											"       l.lane_code IS NOT NULL, coalesce(l.bookable, false), "
											"       v.service_code IS NOT NULL, ch.channel IS NOT NULL, "
											"       d.day, d.lo, d.hi, d.pref, "
											"       ($4 AT TIME ZONE o.time_zone)::date, "
											"       r.code, r.local_date, r.starts_at, r.ends_at, r.lane, "
											"       r.service, r.status, r.nik, r.full_name, r.birth_date, "
											"       EXISTS (SELECT 1 FROM passport.slot c "
											"                WHERE c.office_id = $1 AND c.lane = $2 AND NOT c.is_full "
											"                  AND c.starts_at >= GREATEST(d.lo, $4) AND c.starts_at < d.hi "
											"                  AND c.opens_at <= $4), "
											"       EXISTS (SELECT 1 FROM passport.slot c "
											"                WHERE c.office_id = $1 AND c.lane = $2 "
											"                  AND c.starts_at >= GREATEST(d.lo, $4) AND c.starts_at < d.hi "
											"                  AND c.opens_at <= $4) "
											"  FROM passport.office o "
											" CROSS JOIN LATERAL ( "
											"   SELECT x.day, (x.day::timestamp AT TIME ZONE o.time_zone) AS lo, "
											"          CASE WHEN $7 THEN 'infinity'::timestamptz "
											"               ELSE ((x.day + 1)::timestamp AT TIME ZONE o.time_zone) END AS hi, "
											"          ((x.day + $6) AT TIME ZONE o.time_zone) AS pref "
											"     FROM (SELECT coalesce($5, ($4 AT TIME ZONE o.time_zone)::date) AS day) x) d "
											"  LEFT JOIN passport.lane l ON l.lane_code = $2 "
											"  LEFT JOIN passport.service v ON v.service_code = $3 "
											"  LEFT JOIN passport.channel ch ON ch.channel = $8 "
											"  LEFT JOIN LATERAL (SELECT * FROM passport.reservation x "
											"                      WHERE x.office_id = $1 AND x.channel = $8 "
											"                        AND coalesce(x.sender, '') = coalesce($10, '') "
											"                        AND x.idempotency_key = $9 LIMIT 1) r ON true "
											" WHERE o.office_id = $1",
											10, types),
							values, nulls, false, 1);
		if (n == 1 && (code == NULL || strcmp(PassportGetText(0, PROBE_OFFICE_CODE), code) == 0))
			break;
		n = 0;
		if (code == NULL)
			break;
	}
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_PP_OFFICE_UNKNOWN),
				 errmsg("unknown office \"%s\"", office_code ? office_code : psprintf("%lld", (long long) office_id)),
				 errdetail("No office has this code.")));
	PassportExpectColumns(PROBE_COLUMNS);

	oc->office_id = office_id;
	oc->code = PassportGetText(0, PROBE_OFFICE_CODE);
	oc->name = PassportGetText(0, PROBE_OFFICE_NAME);
	oc->time_zone = PassportGetText(0, PROBE_TIME_ZONE);
	oc->active = DatumGetBool(PassportGetDatum(0, PROBE_ACTIVE, &isnull));
	oc->lane_known = DatumGetBool(PassportGetDatum(0, PROBE_LANE_KNOWN, &isnull));
	oc->lane_bookable = DatumGetBool(PassportGetDatum(0, PROBE_LANE_BOOKABLE, &isnull));
	oc->service_known = DatumGetBool(PassportGetDatum(0, PROBE_SERVICE_KNOWN, &isnull));
	oc->channel_known = DatumGetBool(PassportGetDatum(0, PROBE_CHANNEL_KNOWN, &isnull));
	oc->day = DatumGetDateADT(PassportGetDatum(0, PROBE_DAY, &isnull));
	oc->day_start = DatumGetTimestampTz(PassportGetDatum(0, PROBE_DAY_START, &isnull));
	oc->day_end = DatumGetTimestampTz(PassportGetDatum(0, PROBE_DAY_END, &isnull));
	oc->preferred = DatumGetTimestampTz(PassportGetDatum(0, PROBE_PREFERRED, &isnull));
	if (isnull)
		oc->preferred = DT_NOBEGIN;
	oc->today = DatumGetDateADT(PassportGetDatum(0, PROBE_TODAY, &isnull));

	(void) PassportGetDatum(0, PROBE_DUP_CODE, &isnull);
	probe->duplicate = !isnull;
	if (probe->duplicate)
	{
		probe->dup_nik = PassportGetText(0, PROBE_DUP_NIK);
		probe->dup_full_name = PassportGetText(0, PROBE_DUP_FULL_NAME);
		probe->dup_birth_date = DatumGetDateADT(PassportGetDatum(0, PROBE_DUP_BIRTH_DATE, &isnull));
		probe->dup.code = CopyOut(cxt, PassportGetText(0, PROBE_DUP_CODE));
		probe->dup.office_code = CopyOut(cxt, oc->code);
		probe->dup.local_date = DatumGetDateADT(PassportGetDatum(0, PROBE_DUP_LOCAL_DATE, &isnull));
		probe->dup.starts_at = DatumGetTimestampTz(PassportGetDatum(0, PROBE_DUP_STARTS_AT, &isnull));
		probe->dup.ends_at = DatumGetTimestampTz(PassportGetDatum(0, PROBE_DUP_ENDS_AT, &isnull));
		probe->dup.time_zone = CopyOut(cxt, oc->time_zone);
		probe->dup.lane = CopyOut(cxt, PassportGetText(0, PROBE_DUP_LANE));
		probe->dup.service = CopyOut(cxt, PassportGetText(0, PROBE_DUP_SERVICE));
		probe->dup.status = CopyOut(cxt, PassportGetText(0, PROBE_DUP_STATUS));
		probe->dup.duplicate = true;
		probe->dup.ticket = NULL;
	}
	probe->free_exists = DatumGetBool(PassportGetDatum(0, PROBE_FREE_EXISTS, &isnull));
	probe->released = DatumGetBool(PassportGetDatum(0, PROBE_RELEASED, &isnull));

	if (!oc->active)
		ereport(ERROR,
				(errcode(ERRCODE_PP_OFFICE_UNKNOWN),
				 errmsg("office \"%s\" does not take reservations", oc->code),
				 errdetail("The office is not active.")));
}

/* IdempotencyConflict raises PP010 for a key reused by another request. */
static void
IdempotencyConflict(const char *key)
{
	ereport(ERROR,
			(errcode(ERRCODE_PP_IDEMPOTENCY_CONFLICT),
			 errmsg("idempotency key \"%s\" was already used for another request", key),
			 errdetail("A retried request must repeat the original one; a new request needs a new key.")));
}

/*
 * DuplicateOf tells whether the probe found an earlier booking of this
 * client with the request's idempotency key.  It answers only a retry of
 * the same request: the same NIK, name, birth date, service and lane;
 * anything else under that key raises PP010, so nobody learns somebody
 * else's booking by reusing a key.
 */
static bool
DuplicateOf(const BookingProbe *probe, const char *nik, const char *full_name,
			DateADT birth, const char *service, const char *lane, const char *key)
{
	if (!probe->duplicate)
		return false;
	if (strcmp(probe->dup_nik, nik) != 0 || strcmp(probe->dup_full_name, full_name) != 0 ||
		probe->dup_birth_date != birth || strcmp(probe->dup.service, service) != 0 ||
		strcmp(probe->dup.lane, lane) != 0)
		IdempotencyConflict(key);
	return true;
}

/* ---- slot allocation ----------------------------------------------------- */

/*
 * FreeSlotExists tells, without locking anything, whether a released
 * counter row with room starts in [lo, hi).
 */
static bool
FreeSlotExists(int64 office_id, const char *lane, TimestampTz lo,
			   TimestampTz hi, TimestampTz now, int64 exclude_slot)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[6] = {INT8OID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT8OID};
	Datum		values[6];

	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(lane);
	values[2] = TimestampTzGetDatum(lo);
	values[3] = TimestampTzGetDatum(hi);
	values[4] = TimestampTzGetDatum(now);
	values[5] = Int64GetDatum(exclude_slot);
	return PassportExecute(PassportPrepare(&plan,
										   "SELECT 1 FROM passport.slot c "
										   " WHERE c.office_id = $1 AND c.lane = $2 AND NOT c.is_full "
										   "   AND c.starts_at >= $3 AND c.starts_at < $4 "
										   "   AND c.opens_at <= $5 AND c.slot_id <> $6 "
										   " ORDER BY c.starts_at, c.shard LIMIT 1",
										   6, types),
						   values, NULL, false, 1) > 0;
}

/*
 * ReleasedSlotExists tells whether any released slot (full or not) starts
 * in [lo, hi): it tells "sold out" from "nothing to book".
 */
static bool
ReleasedSlotExists(int64 office_id, const char *lane, TimestampTz lo,
				   TimestampTz hi, TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[5] = {INT8OID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[5];

	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(lane);
	values[2] = TimestampTzGetDatum(lo);
	values[3] = TimestampTzGetDatum(hi);
	values[4] = TimestampTzGetDatum(now);
	return PassportExecute(PassportPrepare(&plan,
										   "SELECT 1 FROM passport.slot c "
										   " WHERE c.office_id = $1 AND c.lane = $2 "
										   "   AND c.starts_at >= $3 AND c.starts_at < $4 "
										   "   AND c.opens_at <= $5 LIMIT 1",
										   5, types),
						   values, NULL, true, 1) > 0;
}

/*
 * Slot allocation statements.  The candidate is chosen in a MATERIALIZED
 * CTE, which runs exactly once: as a plain subquery joined to the UPDATE it
 * could be rescanned per outer row and lock (and count) a second row.
 *
 * ALLOC_FAST goes straight to the earliest slot with room and tries its
 * counter rows from a per-backend offset ($7), so that concurrent bookers
 * start on different rows instead of all skipping the same ones.
 * ALLOC_SCAN walks every candidate row in time order, skipping rows held by
 * others (SKIP LOCKED) or, as a last resort, waiting for the first one.
 *
 * Each comes with two tails: ALLOC_RETURN only takes the place (reschedule);
 * ALLOC_INSERT takes the place and inserts the reservation in the same
 * statement, so that a counter row is held only from there to the commit.
 */
#define ALLOC_FAST \
	"WITH s AS ( " \
	"  SELECT c.slot_id FROM passport.slot c " \
	"   WHERE c.office_id = $1 AND c.lane = $2 AND NOT c.is_full " \
	"     AND c.starts_at >= $3 AND c.starts_at < $4 " \
	"     AND c.opens_at <= $5 AND c.slot_id <> $6 " \
	"   ORDER BY c.starts_at, c.shard LIMIT 1), " \
	"f AS MATERIALIZED ( " \
	"  SELECT c.slot_id, c.shard FROM passport.slot c JOIN s ON c.slot_id = s.slot_id " \
	"   WHERE c.office_id = $1 AND NOT c.is_full " \
	"   ORDER BY (c.shard + $7) % 64 LIMIT 1 FOR UPDATE OF c SKIP LOCKED) "

#define ALLOC_SCAN(lockclause) \
	"WITH f AS MATERIALIZED ( " \
	"  SELECT c.slot_id, c.shard FROM passport.slot c " \
	"   WHERE c.office_id = $1 AND c.lane = $2 AND NOT c.is_full " \
	"     AND c.starts_at >= $3 AND c.starts_at < $4 " \
	"     AND c.opens_at <= $5 AND c.slot_id <> $6 AND $7 >= 0 " \
	"   ORDER BY c.starts_at, c.shard LIMIT 1 " lockclause ") "

#define ALLOC_UPDATE \
	"UPDATE passport.slot s " \
	"   SET booked = s.booked + 1, is_full = (s.booked + 1 >= s.capacity) " \
	"  FROM f " \
	" WHERE s.office_id = $1 AND s.slot_id = f.slot_id AND s.shard = f.shard " \
	"   AND s.booked < s.capacity " \
	"RETURNING s.slot_id, s.shard, s.local_date, s.starts_at, s.ends_at"

#define ALLOC_RETURN ALLOC_UPDATE

#define ALLOC_INSERT \
	", u AS (" ALLOC_UPDATE "), " \
	"r AS ( " \
	"  INSERT INTO passport.reservation (office_id, code, slot_id, shard, lane, " \
	"    service, local_date, starts_at, ends_at, status, nik, full_name, " \
	"    birth_date, phone, channel, sender, idempotency_key, created_at, status_at) " \
	"  SELECT $1, $8, u.slot_id, u.shard, $2, $9, u.local_date, u.starts_at, u.ends_at, " \
	"         'booked', $10, $11, $12, $13, $14, $15, $16, $5, $5 FROM u " \
	"  RETURNING slot_id, shard, local_date, starts_at, ends_at) " \
	"SELECT slot_id, shard, local_date, starts_at, ends_at FROM r"

/* Result columns of the allocation statements: the counter row taken. */
typedef enum AllocColumn
{
	ALLOC_SLOT_ID = 1,
	ALLOC_SHARD,
	ALLOC_LOCAL_DATE,
	ALLOC_STARTS_AT,
	ALLOC_ENDS_AT
} AllocColumn;
#define ALLOC_COLUMNS	ALLOC_ENDS_AT

/* The reservation a booking inserts together with its place. */
typedef struct NewReservation
{
	const char *code;
	const char *service;
	const char *nik;
	const char *full_name;
	DateADT		birth_date;
	const char *phone;
	const char *channel;
	const char *sender;
	const char *key;
} NewReservation;

#define ALLOC_NARGS		7
#define INSERT_NARGS	16

/*
 * AllocateSlot takes one place in the earliest free counter row starting in
 * [lo, hi), skipping rows other bookers hold; only when every candidate is
 * held does it wait, on the first one.  With ins it also inserts the
 * reservation in the same statement.  Returns false when nothing is free;
 * then no row was locked and nothing was written.
 */
static bool
AllocateSlot(int64 office_id, const char *lane, TimestampTz lo, TimestampTz hi,
			 TimestampTz now, int64 exclude_slot, const NewReservation *ins,
			 Allocation *out)
{
	static SPIPlanPtr plans[2][3];
	static const Oid types[INSERT_NARGS] = {INT8OID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID,
		TIMESTAMPTZOID, INT8OID, INT4OID,
		TEXTOID, TEXTOID, TEXTOID, TEXTOID, DATEOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	static const char *const sql[2][3] = {
		{ALLOC_FAST ALLOC_RETURN,
			ALLOC_SCAN("FOR UPDATE SKIP LOCKED") ALLOC_RETURN,
		ALLOC_SCAN("FOR UPDATE") ALLOC_RETURN},
		{ALLOC_FAST ALLOC_INSERT,
			ALLOC_SCAN("FOR UPDATE SKIP LOCKED") ALLOC_INSERT,
		ALLOC_SCAN("FOR UPDATE") ALLOC_INSERT}
	};
	static uint32 rotation = 0;
	Datum		values[INSERT_NARGS];
	char		nulls[INSERT_NARGS];
	int			mode = ins ? 1 : 0;
	int			nargs = ins ? INSERT_NARGS : ALLOC_NARGS;
	bool		isnull;
	int			n;

	if (rotation == 0)
		rotation = (uint32) MyProcPid;
	rotation++;
	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(lane);
	values[2] = TimestampTzGetDatum(lo);
	values[3] = TimestampTzGetDatum(hi);
	values[4] = TimestampTzGetDatum(now);
	values[5] = Int64GetDatum(exclude_slot);
	values[6] = Int32GetDatum((int32) (rotation % 64));
	if (ins)
	{
		values[7] = CStringGetTextDatum(ins->code);
		values[8] = CStringGetTextDatum(ins->service);
		values[9] = CStringGetTextDatum(ins->nik);
		values[10] = CStringGetTextDatum(ins->full_name);
		values[11] = DateADTGetDatum(ins->birth_date);
		values[12] = ins->phone ? CStringGetTextDatum(ins->phone) : (Datum) 0;
		nulls[12] = ins->phone ? ' ' : 'n';
		values[13] = CStringGetTextDatum(ins->channel);
		values[14] = ins->sender ? CStringGetTextDatum(ins->sender) : (Datum) 0;
		nulls[14] = ins->sender ? ' ' : 'n';
		values[15] = ins->key ? CStringGetTextDatum(ins->key) : (Datum) 0;
		nulls[15] = ins->key ? ' ' : 'n';
	}

	n = PassportExecute(PassportPrepare(&plans[mode][0], sql[mode][0], nargs, types),
						values, nulls, false, 0);
	if (n == 0)
		n = PassportExecute(PassportPrepare(&plans[mode][1], sql[mode][1], nargs, types),
							values, nulls, false, 0);
	if (n == 0)
	{
		/* nothing unlocked with room: sold out, or every candidate is busy */
		if (!FreeSlotExists(office_id, lane, lo, hi, now, exclude_slot))
			return false;
		n = PassportExecute(PassportPrepare(&plans[mode][2], sql[mode][2], nargs, types),
							values, nulls, false, 0);
		if (n == 0)
			return false;
	}
	if (n != 1)
		elog(ERROR, "slot allocation updated %d counter rows", n);
	PassportExpectColumns(ALLOC_COLUMNS);
	out->slot_id = DatumGetInt64(PassportGetDatum(0, ALLOC_SLOT_ID, &isnull));
	out->shard = DatumGetInt16(PassportGetDatum(0, ALLOC_SHARD, &isnull));
	out->local_date = DatumGetDateADT(PassportGetDatum(0, ALLOC_LOCAL_DATE, &isnull));
	out->starts_at = DatumGetTimestampTz(PassportGetDatum(0, ALLOC_STARTS_AT, &isnull));
	out->ends_at = DatumGetTimestampTz(PassportGetDatum(0, ALLOC_ENDS_AT, &isnull));
	return true;
}

/*
 * TakeDayPlace takes one place for a walk-in: the earliest counter row of
 * the office's local day [day_start, day_end) in lane with room, skipping
 * rows that bookers hold, exactly as a booking takes one; online bookings
 * and walk-ins draw on the same counters, so together they never exceed the
 * day's capacity.  Returns false, having locked and written nothing, when
 * every place of the day is taken.
 */
bool
TakeDayPlace(int64 office_id, const char *lane, TimestampTz day_start,
			 TimestampTz day_end, TimestampTz now, int64 *slot_id, int16 *shard)
{
	Allocation	alloc;

	if (!AllocateSlot(office_id, lane, day_start, day_end, now, 0, NULL, &alloc))
		return false;
	*slot_id = alloc.slot_id;
	*shard = alloc.shard;
	return true;
}

/* ReleasePlace gives one place of a counter row back. */
static void
ReleasePlace(int64 office_id, int64 slot_id, int16 shard)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[3] = {INT8OID, INT8OID, INT2OID};
	Datum		values[3];

	values[0] = Int64GetDatum(office_id);
	values[1] = Int64GetDatum(slot_id);
	values[2] = Int16GetDatum(shard);
	if (PassportExecute(PassportPrepare(&plan,
										"UPDATE passport.slot s SET booked = s.booked - 1, is_full = false "
										" WHERE s.office_id = $1 AND s.slot_id = $2 AND s.shard = $3 "
										"   AND s.booked > 0",
										3, types),
						values, NULL, false, 0) != 1)
		elog(ERROR, "counter row %lld/%d of office %lld has no booking to release",
			 (long long) slot_id, shard, (long long) office_id);
}

/*
 * RangeFor computes the search range of a request: the requested day, or
 * with earliest everything from that day on; never a slot already started.
 */
static void
RangeFor(const OfficeCall *oc, bool earliest, TimestampTz now,
		 TimestampTz *lo, TimestampTz *hi)
{
	*lo = oc->day_start > now ? oc->day_start : now;
	if (earliest)
		TIMESTAMP_NOEND(*hi);
	else
		*hi = oc->day_end;
}

/*
 * RefuseRange raises PP001 when released slots exist in [lo, hi) but all
 * are full, PP002 when none is released there.  released is 1 or 0 when
 * the caller knows, -1 to look it up (reading only).
 */
static void
RefuseRange(const OfficeCall *oc, const char *lane, TimestampTz lo,
			TimestampTz hi, TimestampTz now, int released)
{
	if (released < 0)
		released = ReleasedSlotExists(oc->office_id, lane, lo, hi, now) ? 1 : 0;
	if (released)
		ereport(ERROR,
				(errcode(ERRCODE_PP_SLOT_FULL),
				 errmsg("no free place at office \"%s\" in lane \"%s\"", oc->code, lane),
				 errdetail("Every released slot from %s (local time) is booked.",
						   ShowLocal(lo, oc->time_zone)),
				 errhint("Ask passport.availability() for other dates.")));
	ereport(ERROR,
			(errcode(ERRCODE_PP_NOT_BOOKABLE),
			 errmsg("office \"%s\" has no bookable slot in lane \"%s\" from %s",
					oc->code, lane, ShowLocal(lo, oc->time_zone)),
			 errdetail("The date is not released yet, outside the booking window, closed, or already past."),
			 errhint("Ask passport.availability() for bookable dates.")));
}

/*
 * TakePlace allocates for a request (and with ins inserts the reservation):
 * first at or after the preferred time, then anywhere in the range.  When nothing is free it raises PP001 (a
 * released slot exists but is full) or PP002 (nothing released), having
 * locked and written nothing.
 */
static void
TakePlace(const OfficeCall *oc, const char *lane, TimestampTz lo, TimestampTz hi,
		  TimestampTz now, int64 exclude_slot, const NewReservation *ins,
		  Allocation *alloc)
{
	if (!TIMESTAMP_IS_NOBEGIN(oc->preferred) && oc->preferred > lo && oc->preferred < hi &&
		AllocateSlot(oc->office_id, lane, oc->preferred, hi, now, exclude_slot, ins, alloc))
		return;
	if (AllocateSlot(oc->office_id, lane, lo, hi, now, exclude_slot, ins, alloc))
		return;
	RefuseRange(oc, lane, lo, hi, now, -1);
}

/*
 * QueueConfirmation queues the message that confirms a booking to the
 * sender who made it.
 */
static void
QueueConfirmation(const OfficeCall *oc, const char *code, const char *channel,
				  const char *sender, const Allocation *alloc, TimestampTz now)
{
	Payload		payload;

	PayloadInit(&payload);
	PayloadAdd(&payload, "reservation_number", code);
	PayloadAdd(&payload, "office", oc->name);
	PayloadAdd(&payload, "date", IsoDate(alloc->local_date));
	PayloadAdd(&payload, "time", ClockTime(LocalTime(alloc->starts_at, oc->time_zone)));
	EnqueueMessage(oc->office_id, channel, sender, "reservation_confirmed", NULL,
				   PayloadEnd(&payload), NULL, now);
}

/* ---- guards -------------------------------------------------------------- */

/* NikRefusal raises the reason a NIK cannot book now. */
static void
NikRefusal(const char *nik, const char *tzname)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[1] = {TEXTOID};
	Datum		values[1];
	bool		isnull;
	TimestampTz until;

	values[0] = CStringGetTextDatum(nik);
	if (PassportExecute(PassportPrepare(&plan,
										"SELECT code IS NOT NULL, cooldown_until FROM passport.nik_guard WHERE nik = $1",
										1, types),
						values, NULL, false, 1) == 1 &&
		!DatumGetBool(PassportGetDatum(0, 1, &isnull)))
	{
		/* columns: whether the NIK holds a reservation, its cooldown end */
		PassportExpectColumns(2);
		until = DatumGetTimestampTz(PassportGetDatum(0, 2, &isnull));
		ereport(ERROR,
				(errcode(ERRCODE_PP_COOLDOWN),
				 errmsg("this NIK cannot book again before %s", isnull ? "?" : ShowLocal(until, tzname)),
				 errdetail("After a cancellation or a missed visit a NIK waits before booking again.")));
	}
	ereport(ERROR,
			(errcode(ERRCODE_PP_NIK_ACTIVE),
			 errmsg("this NIK already has an active reservation"),
			 errdetail("One NIK holds at most one active reservation across all offices."),
			 errhint("Cancel or reschedule the existing reservation.")));
}

/*
 * ClaimGuards makes this booking the NIK's active reservation and counts
 * it for the sender, in one statement.  Returns whether the NIK claim took
 * (a concurrent booking of the same NIK is waited for); *sender_counted
 * tells whether the sender was counted.  A sender over its limit raises
 * PP004.
 */
static bool
ClaimGuards(const char *nik, int64 office_id, const char *code,
			TimestampTz now, const char *sender, bool *sender_counted)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[6] = {TEXTOID, INT8OID, TEXTOID, TIMESTAMPTZOID, TEXTOID, INT4OID};
	Datum		values[6];
	char		nulls[6];
	bool		isnull;
	bool		count_sender = sender != NULL && passport_max_active_per_sender > 0;
	bool		nik_ok;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(nik);
	values[1] = Int64GetDatum(office_id);
	values[2] = CStringGetTextDatum(code);
	values[3] = TimestampTzGetDatum(now);
	values[4] = count_sender ? CStringGetTextDatum(sender) : (Datum) 0;
	nulls[4] = count_sender ? ' ' : 'n';
	values[5] = Int32GetDatum(passport_max_active_per_sender);
	PassportExecute(PassportPrepare(&plan,
									"WITH n AS ( "
									"  INSERT INTO passport.nik_guard AS g (nik, office_id, code) "
									"  VALUES ($1, $2, $3) "
									"  ON CONFLICT ON CONSTRAINT nik_guard_pkey DO UPDATE "
									"     SET office_id = excluded.office_id, code = excluded.code, "
									"         cooldown_until = NULL "
									"   WHERE g.code IS NULL "
									"     AND (g.cooldown_until IS NULL OR g.cooldown_until <= $4) "
									"  RETURNING 1), "
									"s AS ( "
									"  INSERT INTO passport.sender_guard AS g (sender, active) "
									"  SELECT $5, 1 WHERE $5 IS NOT NULL "
									"  ON CONFLICT ON CONSTRAINT sender_guard_pkey DO UPDATE "
									"     SET active = g.active + 1 WHERE g.active < $6 "
									"  RETURNING 1) "
									"SELECT (SELECT count(*) FROM n) > 0, (SELECT count(*) FROM s) > 0",
									6, types),
					values, nulls, false, 0);
	/* columns: whether the NIK claim took, whether the sender was counted */
	PassportExpectColumns(2);
	nik_ok = DatumGetBool(PassportGetDatum(0, 1, &isnull));
	*sender_counted = DatumGetBool(PassportGetDatum(0, 2, &isnull));
	if (nik_ok && count_sender && !*sender_counted)
		ereport(ERROR,
				(errcode(ERRCODE_PP_SENDER_LIMIT),
				 errmsg("this sender already holds %d active reservations", passport_max_active_per_sender),
				 errdetail("One sender may hold at most %d active reservations at once.",
						   passport_max_active_per_sender)));
	return nik_ok;
}

/* ReleaseSender counts one active reservation less for a sender. */
static void
ReleaseSender(const char *sender)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[1] = {TEXTOID};
	Datum		values[1];

	if (sender == NULL)
		return;
	values[0] = CStringGetTextDatum(sender);
	PassportExecute(PassportPrepare(&plan,
									"UPDATE passport.sender_guard g SET active = g.active - 1 "
									" WHERE g.sender = $1 AND g.active > 0",
									1, types),
					values, NULL, false, 0);
}

/* EndNik ends the NIK's active reservation code, with or without cooldown. */
static void
EndNik(const char *nik, const char *code, bool cooldown, TimestampTz now)
{
	static SPIPlanPtr cool_plan = NULL;
	static SPIPlanPtr free_plan = NULL;
	static const Oid types[3] = {TEXTOID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(nik);
	values[1] = CStringGetTextDatum(code);
	values[2] = TimestampTzGetDatum(now + (int64) passport_cooldown_minutes * USECS_PER_MINUTE);
	if (cooldown && passport_cooldown_minutes > 0)
		PassportExecute(PassportPrepare(&cool_plan,
										"UPDATE passport.nik_guard g SET office_id = NULL, code = NULL, cooldown_until = $3 "
										" WHERE g.nik = $1 AND g.code = $2",
										3, types),
						values, NULL, false, 0);
	else
		PassportExecute(PassportPrepare(&free_plan,
										"DELETE FROM passport.nik_guard g WHERE g.nik = $1 AND g.code = $2",
										2, types),
						values, NULL, false, 0);
}

/* ---- reading reservations ------------------------------------------------ */

/* A reservation row as the number-based functions read it. */
typedef struct ReservationRow
{
	int64		office_id;
	char	   *code;
	char	   *office_code;
	char	   *time_zone;
	int64		slot_id;
	int16		shard;
	char	   *lane;
	char	   *service;
	DateADT		local_date;
	TimestampTz starts_at;
	TimestampTz ends_at;
	char	   *status;
	char	   *nik;
	char	   *sender;
	DateADT		birth_date;
	int			reschedules;
	DateADT		today;			/* local date now at the office */
} ReservationRow;

/* Result columns of LockReservation's statement. */
typedef enum LockedColumn
{
	LOCKED_SLOT_ID = 1,
	LOCKED_SHARD,
	LOCKED_LANE,
	LOCKED_SERVICE,
	LOCKED_LOCAL_DATE,
	LOCKED_STARTS_AT,
	LOCKED_ENDS_AT,
	LOCKED_STATUS,
	LOCKED_NIK,
	LOCKED_SENDER,
	LOCKED_BIRTH_DATE,
	LOCKED_RESCHEDULES,
	LOCKED_OFFICE_CODE,
	LOCKED_TIME_ZONE,
	LOCKED_TODAY
} LockedColumn;
#define LOCKED_COLUMNS	LOCKED_TODAY

/*
 * LockReservation finds a reservation by its typed number and locks it;
 * returns false for an unknown number.  With check_factor, the sender or
 * the birth date must match too, and a wrong factor also returns false
 * (an unknown number and a wrong factor are alike to the caller).
 */
static bool
LockReservation(const char *typed, bool check_factor, const char *sender,
				bool has_birth, DateADT birth, TimestampTz now, ReservationRow *row)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[3] = {INT8OID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[3];
	bool		isnull;
	char	   *code = CanonicalReservationNumber(typed);
	int64		office_id;
	bool		match = false;

	if (!ReservationNumberOffice(code, &office_id))
		goto notfound;
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(code);
	values[2] = TimestampTzGetDatum(now);
	if (PassportExecute(PassportPrepare(&plan,
										"SELECT r.slot_id, r.shard, r.lane, r.service, r.local_date, "
										"       r.starts_at, r.ends_at, r.status, r.nik, r.sender, "
										"       r.birth_date, r.reschedules, o.code, o.time_zone, "
										"       ($3 AT TIME ZONE o.time_zone)::date "
										"  FROM passport.reservation r "
										"  JOIN passport.office o ON o.office_id = r.office_id "
										" WHERE r.office_id = $1 AND r.code = $2 "
										"   FOR UPDATE OF r",
										3, types),
						values, NULL, false, 1) != 1)
		goto notfound;

	PassportExpectColumns(LOCKED_COLUMNS);
	row->office_id = office_id;
	row->code = code;
	row->slot_id = DatumGetInt64(PassportGetDatum(0, LOCKED_SLOT_ID, &isnull));
	row->shard = DatumGetInt16(PassportGetDatum(0, LOCKED_SHARD, &isnull));
	row->lane = PassportGetText(0, LOCKED_LANE);
	row->service = PassportGetText(0, LOCKED_SERVICE);
	row->local_date = DatumGetDateADT(PassportGetDatum(0, LOCKED_LOCAL_DATE, &isnull));
	row->starts_at = DatumGetTimestampTz(PassportGetDatum(0, LOCKED_STARTS_AT, &isnull));
	row->ends_at = DatumGetTimestampTz(PassportGetDatum(0, LOCKED_ENDS_AT, &isnull));
	row->status = PassportGetText(0, LOCKED_STATUS);
	row->nik = PassportGetText(0, LOCKED_NIK);
	row->sender = PassportGetText(0, LOCKED_SENDER);
	row->birth_date = DatumGetDateADT(PassportGetDatum(0, LOCKED_BIRTH_DATE, &isnull));
	row->reschedules = DatumGetInt16(PassportGetDatum(0, LOCKED_RESCHEDULES, &isnull));
	row->office_code = PassportGetText(0, LOCKED_OFFICE_CODE);
	row->time_zone = PassportGetText(0, LOCKED_TIME_ZONE);
	row->today = DatumGetDateADT(PassportGetDatum(0, LOCKED_TODAY, &isnull));

	if (!check_factor)
		return true;
	if (sender != NULL && row->sender != NULL && strcmp(sender, row->sender) == 0)
		match = true;
	if (has_birth && birth == row->birth_date)
		match = true;
	if (match)
		return true;

notfound:
	row->code = code;
	return false;
}

/* NotFound raises PP006 for a reservation number nobody may act on. */
static void
NotFound(const char *code)
{
	ereport(ERROR,
			(errcode(ERRCODE_PP_NOT_FOUND),
			 errmsg("reservation not found"),
			 errdetail("No reservation has the number %s.", code)));
}

/*
 * LockWithFactor is LockReservation for the applicant's own calls (cancel,
 * reschedule): every attempt counts against the lookup limits of the sender
 * and, with a birth date, of the number (PP017 past them, passport.count_lookup),
 * and a birth date that matched gives its count back.  Returns false for an
 * unknown number or a wrong factor, which the caller answers as an answer
 * rather than an error, so that the attempt stays counted.
 */
static bool
LockWithFactor(const char *typed, const char *sender_in, bool has_birth, DateADT birth,
			   TimestampTz now, ReservationRow *row)
{
	static SPIPlanPtr count_plan = NULL;
	static SPIPlanPtr found_plan = NULL;
	static const Oid count_types[5] = {TEXTOID, INT8OID, TEXTOID, BOOLOID, TIMESTAMPTZOID};
	char	   *code = CanonicalReservationNumber(typed);
	char	   *sender = SenderKey(sender_in, NULL);
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	int64		office_id = 0;
	bool		decoded = ReservationNumberOffice(code, &office_id);

	values[0] = sender ? CStringGetTextDatum(sender) : (Datum) 0;
	nulls[0] = sender ? ' ' : 'n';
	values[1] = Int64GetDatum(office_id);
	nulls[1] = decoded ? ' ' : 'n';
	values[2] = CStringGetTextDatum(code);
	values[3] = BoolGetDatum(has_birth);
	values[4] = TimestampTzGetDatum(now);
	PassportExecute(PassportPrepare(&count_plan,
									"SELECT passport.count_lookup($1, $2, $3, $4, $5)",
									5, count_types),
					values, nulls, false, 0);
	if (!LockReservation(code, true, sender, has_birth, birth, now, row))
		return false;
	if (has_birth && birth == row->birth_date)
		PassportExecute(PassportPrepare(&found_plan,
										"SELECT passport.lookup_found($2, $3)",
										5, count_types),
						values, nulls, false, 0);
	return true;
}

/* NotFoundDatum is the answer for a number not found with its factor. */
static Datum
NotFoundDatum(FunctionCallInfo fcinfo)
{
	TupleDesc	tupdesc;
	Datum		values[BOOKING_ATTRIBUTES];
	bool		nulls[BOOKING_ATTRIBUTES];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memset(nulls, true, sizeof(nulls));
	values[BOOKING_STATUS] = CStringGetTextDatum("not_found");
	nulls[BOOKING_STATUS] = false;
	values[BOOKING_DUPLICATE] = BoolGetDatum(false);
	nulls[BOOKING_DUPLICATE] = false;
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls));
}

/* RowToBooking copies a reservation row into an answer. */
static void
RowToBooking(const ReservationRow *row, MemoryContext cxt, BookingOut *out)
{
	out->code = CopyOut(cxt, row->code);
	out->office_code = CopyOut(cxt, row->office_code);
	out->local_date = row->local_date;
	out->starts_at = row->starts_at;
	out->ends_at = row->ends_at;
	out->time_zone = CopyOut(cxt, row->time_zone);
	out->lane = CopyOut(cxt, row->lane);
	out->service = CopyOut(cxt, row->service);
	out->status = CopyOut(cxt, row->status);
	out->duplicate = false;
	out->ticket = NULL;
}

/* NotActive raises PP007 for a reservation that is no longer booked. */
static void
NotActive(const ReservationRow *row)
{
	ereport(ERROR,
			(errcode(ERRCODE_PP_NOT_ACTIVE),
			 errmsg("the reservation is %s", row->status),
			 errdetail("Reservation %s is %s; only a booked reservation can be changed.", row->code, row->status)));
}

/* ---- SQL-callable -------------------------------------------------------- */

PG_FUNCTION_INFO_V1(passport_reserve_0_2);

/*
 * passport_reserve_0_2 books a place: validate, answer duplicates, check that
 * something is free (read-only), claim the NIK and the sender, allocate a
 * counter row, issue the number, insert the reservation.
 */
Datum
passport_reserve_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *office_code = PassportArgText(fcinfo, 0);
	char	   *service = PassportArgText(fcinfo, 1);
	char	   *lane = PassportArgText(fcinfo, 2);
	bool		has_day = !PG_ARGISNULL(3);
	DateADT		day = has_day ? PG_GETARG_DATEADT(3) : 0;
	char	   *nik_in = PassportArgText(fcinfo, 4);
	char	   *full_name = PassportArgText(fcinfo, 5);
	bool		has_birth = !PG_ARGISNULL(6);
	DateADT		birth = has_birth ? PG_GETARG_DATEADT(6) : 0;
	char	   *phone_in = PassportArgText(fcinfo, 7);
	char	   *channel = PG_ARGISNULL(8) ? pstrdup("api") : PassportArgText(fcinfo, 8);
	char	   *sender_in = PassportArgText(fcinfo, 9);
	char	   *key = PassportArgText(fcinfo, 10);
	bool		has_pref = !PG_ARGISNULL(11);
	TimeADT		pref = has_pref ? PG_GETARG_TIMEADT(11) : 0;
	bool		earliest = !PG_ARGISNULL(12) && PG_GETARG_BOOL(12);
	char		nik[17];
	char	   *phone = NULL;
	char	   *sender;
	char	   *code;
	TimestampTz now = PassportNow();
	TimestampTz lo;
	TimestampTz hi;
	OfficeCall	oc;
	Allocation	alloc;
	NewReservation ins;
	BookingProbe probe;
	bool		sender_counted = false;
	BookingOut	out;

	RequireText(office_code, "office_code");
	RequireText(service, "service");
	RequireText(lane, "lane");
	RequireText(nik_in, "nik");
	RequireText(full_name, "full_name");
	if (!has_birth)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("birth_date is required")));
	if (strlen(full_name) > 200)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("full_name is longer than 200 characters")));
	if (key != NULL && strlen(key) > 200)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("idempotency_key is longer than 200 characters")));
	CheckNikOrError(nik_in, birth, nik);
	if (phone_in != NULL)
		phone = NormalisePhoneOrError(phone_in, "phone number");
	sender = SenderKey(sender_in, channel);

	PassportConnect();
	ProbeBooking(0, office_code, lane, service, has_day, day, has_pref, pref, now,
				 earliest || !has_day, channel, sender, key, cxt, &oc, &probe);
	if (!oc.channel_known)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown channel \"%s\"", channel),
				 errhint("Channels are %s.", ReferenceList(REFERENCE_CHANNELS))));
	if (!oc.lane_known)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown lane \"%s\"", lane),
				 errhint("Lanes are %s.", ReferenceList(REFERENCE_LANES))));
	if (!oc.service_known)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown service \"%s\"", service),
				 errhint("Services are %s.", ReferenceList(REFERENCE_SERVICES))));
	if (!oc.lane_bookable)
		ereport(ERROR,
				(errcode(ERRCODE_PP_NOT_BOOKABLE),
				 errmsg("lane \"%s\" takes no reservations", lane),
				 errdetail("Only the %s lanes take reservations; the others serve people on arrival.",
						   ReferenceList(REFERENCE_BOOKABLE_LANES))));

	/* a retried request is answered before any counter is touched */
	if (DuplicateOf(&probe, nik, full_name, birth, service, lane, key))
	{
		PassportFinish();
		PG_RETURN_DATUM(BuildBooking(fcinfo, &probe.dup));
	}
	RangeFor(&oc, earliest || !has_day, now, &lo, &hi);
	/* the sold-out answer: read only, no lock, no WAL */
	if (!probe.free_exists)
		RefuseRange(&oc, lane, lo, hi, now, probe.released ? 1 : 0);

	code = IssueReservationNumber(oc.office_id);
	if (!ClaimGuards(nik, oc.office_id, code, now, sender, &sender_counted))
	{
		/* perhaps the same request, committed while we waited on the NIK */
		ProbeBooking(oc.office_id, NULL, lane, service, has_day, day, has_pref, pref, now,
					 earliest || !has_day, channel, sender, key, cxt, &oc, &probe);
		if (DuplicateOf(&probe, nik, full_name, birth, service, lane, key))
		{
			if (sender_counted)
				ReleaseSender(sender);
			PassportFinish();
			PG_RETURN_DATUM(BuildBooking(fcinfo, &probe.dup));
		}
		NikRefusal(nik, oc.time_zone);
	}

	/* last: take the place and insert the reservation in one statement */
	ins.code = code;
	ins.service = service;
	ins.nik = nik;
	ins.full_name = full_name;
	ins.birth_date = birth;
	ins.phone = phone;
	ins.channel = channel;
	ins.sender = sender;
	ins.key = key;
	TakePlace(&oc, lane, lo, hi, now, 0, &ins, &alloc);
	if (sender != NULL)
		QueueConfirmation(&oc, code, channel, sender, &alloc, now);

	out.code = CopyOut(cxt, code);
	out.office_code = CopyOut(cxt, oc.code);
	out.local_date = alloc.local_date;
	out.starts_at = alloc.starts_at;
	out.ends_at = alloc.ends_at;
	out.time_zone = CopyOut(cxt, oc.time_zone);
	out.lane = CopyOut(cxt, lane);
	out.service = CopyOut(cxt, service);
	out.status = CopyOut(cxt, "booked");
	out.duplicate = false;
	out.ticket = NULL;
	PassportFinish();
	PG_RETURN_DATUM(BuildBooking(fcinfo, &out));
}

PG_FUNCTION_INFO_V1(passport_cancel_0_2);

/* passport_cancel_0_2 cancels a booked reservation and returns its place. */
Datum
passport_cancel_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *typed = PassportArgText(fcinfo, 0);
	char	   *sender_in = PassportArgText(fcinfo, 1);
	bool		has_birth = !PG_ARGISNULL(2);
	DateADT		birth = has_birth ? PG_GETARG_DATEADT(2) : 0;
	TimestampTz now = PassportNow();
	ReservationRow row;
	BookingOut	out;

	RequireText(typed, "reservation_number");
	if (sender_in == NULL && !has_birth)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a second factor is required"),
				 errdetail("Give the sender that booked or the applicant's birth date.")));
	PassportConnect();
	if (!LockWithFactor(typed, sender_in, has_birth, birth, now, &row))
	{
		PassportFinish();
		PG_RETURN_DATUM(NotFoundDatum(fcinfo));
	}
	if (strcmp(row.status, "cancelled") == 0)
	{
		/* a retried cancellation answers the same */
		RowToBooking(&row, cxt, &out);
		PassportFinish();
		PG_RETURN_DATUM(BuildBooking(fcinfo, &out));
	}
	if (strcmp(row.status, "booked") != 0)
		NotActive(&row);

	{
		static SPIPlanPtr plan = NULL;
		static const Oid types[3] = {INT8OID, TEXTOID, TIMESTAMPTZOID};
		Datum		values[3];

		values[0] = Int64GetDatum(row.office_id);
		values[1] = CStringGetTextDatum(row.code);
		values[2] = TimestampTzGetDatum(now);
		PassportExecute(PassportPrepare(&plan,
										"UPDATE passport.reservation r SET status = 'cancelled', status_at = $3 "
										" WHERE r.office_id = $1 AND r.code = $2",
										3, types),
						values, NULL, false, 0);
	}
	ReleasePlace(row.office_id, row.slot_id, row.shard);
	EndNik(row.nik, row.code, true, now);
	ReleaseSender(row.sender);

	row.status = "cancelled";
	RowToBooking(&row, cxt, &out);
	PassportFinish();
	PG_RETURN_DATUM(BuildBooking(fcinfo, &out));
}

PG_FUNCTION_INFO_V1(passport_reschedule_0_2);

/*
 * passport_reschedule_0_2 moves a booked reservation to another slot: the new
 * place is taken before the old one is given back, so a full date raises
 * PP001 and the transaction leaves the original booking as it was.
 */
Datum
passport_reschedule_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *typed = PassportArgText(fcinfo, 0);
	bool		has_day = !PG_ARGISNULL(1);
	DateADT		day = has_day ? PG_GETARG_DATEADT(1) : 0;
	bool		has_pref = !PG_ARGISNULL(2);
	TimeADT		pref = has_pref ? PG_GETARG_TIMEADT(2) : 0;
	char	   *sender_in = PassportArgText(fcinfo, 3);
	bool		has_birth = !PG_ARGISNULL(4);
	DateADT		birth = has_birth ? PG_GETARG_DATEADT(4) : 0;
	bool		earliest = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);
	TimestampTz now = PassportNow();
	TimestampTz lo;
	TimestampTz hi;
	ReservationRow row;
	OfficeCall	oc;
	BookingProbe probe;
	Allocation	alloc;
	BookingOut	out;

	RequireText(typed, "reservation_number");
	if (!has_day)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("visit_date is required")));
	if (sender_in == NULL && !has_birth)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a second factor is required"),
				 errdetail("Give the sender that booked or the applicant's birth date.")));
	PassportConnect();
	if (!LockWithFactor(typed, sender_in, has_birth, birth, now, &row))
	{
		PassportFinish();
		PG_RETURN_DATUM(NotFoundDatum(fcinfo));
	}
	if (strcmp(row.status, "booked") != 0)
		NotActive(&row);
	if (row.reschedules >= passport_reschedule_limit)
		ereport(ERROR,
				(errcode(ERRCODE_PP_RESCHEDULE_REFUSED),
				 errmsg("the reservation cannot be rescheduled again"),
				 errdetail("A reservation can be rescheduled %d time(s); %s has been rescheduled %d time(s).",
						   passport_reschedule_limit, row.code, row.reschedules),
				 errhint("Cancel it and book again.")));
	if (row.today > row.local_date - passport_reschedule_min_days)
		ereport(ERROR,
				(errcode(ERRCODE_PP_RESCHEDULE_REFUSED),
				 errmsg("the reservation can no longer be rescheduled"),
				 errdetail("Rescheduling closes %d day(s) before the visit; %s is on %s.",
						   passport_reschedule_min_days, row.code, ShowLocal(row.starts_at, row.time_zone))));

	ProbeBooking(row.office_id, NULL, row.lane, row.service, true, day, has_pref, pref, now,
				 earliest, "", NULL, NULL, cxt, &oc, &probe);
	RangeFor(&oc, earliest, now, &lo, &hi);
	TakePlace(&oc, row.lane, lo, hi, now, row.slot_id, NULL, &alloc);
	ReleasePlace(row.office_id, row.slot_id, row.shard);

	{
		static SPIPlanPtr plan = NULL;
		static const Oid types[8] = {INT8OID, TEXTOID, INT8OID, INT2OID, DATEOID,
		TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
		Datum		values[8];

		values[0] = Int64GetDatum(row.office_id);
		values[1] = CStringGetTextDatum(row.code);
		values[2] = Int64GetDatum(alloc.slot_id);
		values[3] = Int16GetDatum(alloc.shard);
		values[4] = DateADTGetDatum(alloc.local_date);
		values[5] = TimestampTzGetDatum(alloc.starts_at);
		values[6] = TimestampTzGetDatum(alloc.ends_at);
		values[7] = TimestampTzGetDatum(now);
		PassportExecute(PassportPrepare(&plan,
										"UPDATE passport.reservation r "
										"   SET slot_id = $3, shard = $4, local_date = $5, starts_at = $6, "
										"       ends_at = $7, reschedules = r.reschedules + 1, status_at = $8 "
										" WHERE r.office_id = $1 AND r.code = $2",
										8, types),
						values, NULL, false, 0);
	}
	row.slot_id = alloc.slot_id;
	row.shard = alloc.shard;
	row.local_date = alloc.local_date;
	row.starts_at = alloc.starts_at;
	row.ends_at = alloc.ends_at;
	RowToBooking(&row, cxt, &out);
	PassportFinish();
	PG_RETURN_DATUM(BuildBooking(fcinfo, &out));
}

PG_FUNCTION_INFO_V1(passport_check_in_0_2);

/* passport_check_in_0_2 checks a reservation in within its window. */
Datum
passport_check_in_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *typed = PassportArgText(fcinfo, 0);
	char	   *office_code = PassportArgText(fcinfo, 1);
	TimestampTz now = PassportNow();
	TimestampTz opens;
	TimestampTz closes;
	ReservationRow row;
	BookingOut	out;
	char	   *ticket;
	int64		office_id;

	RequireText(typed, "reservation_number");
	PassportConnect();
	if (ReservationNumberOffice(CanonicalReservationNumber(typed), &office_id))
		RequireOfficeAccess(office_id);
	if (!LockReservation(typed, false, NULL, false, 0, now, &row))
		NotFound(row.code);
	if (office_code != NULL && pg_strcasecmp(office_code, row.office_code) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_PP_NOT_FOUND),
				 errmsg("reservation not found at office \"%s\"", office_code),
				 errdetail("Reservation %s is for another office.", row.code)));
	if (strcmp(row.status, "checked_in") == 0)
	{
		static SPIPlanPtr ticket_plan = NULL;
		static const Oid ticket_types[2] = {INT8OID, TEXTOID};
		Datum		tvalues[2];

		RowToBooking(&row, cxt, &out);
		tvalues[0] = Int64GetDatum(row.office_id);
		tvalues[1] = CStringGetTextDatum(row.code);
		if (PassportExecute(PassportPrepare(&ticket_plan,
											"SELECT t.code FROM passport.queue_ticket t "
											" WHERE t.office_id = $1 AND t.reservation_code = $2",
											2, ticket_types),
							tvalues, NULL, false, 1) == 1)
			out.ticket = CopyOut(cxt, PassportGetText(0, 1));
		PassportFinish();
		PG_RETURN_DATUM(BuildBooking(fcinfo, &out));
	}
	if (strcmp(row.status, "booked") != 0)
		NotActive(&row);
	opens = row.starts_at - (int64) passport_checkin_early_minutes * USECS_PER_MINUTE;
	closes = row.starts_at + (int64) passport_checkin_late_minutes * USECS_PER_MINUTE;
	if (now < opens || now > closes)
		ereport(ERROR,
				(errcode(ERRCODE_PP_CHECKIN_WINDOW),
				 errmsg("check-in is open from %s to %s (local time)",
						ShowLocal(opens, row.time_zone), ShowLocal(closes, row.time_zone)),
				 errdetail("It is now %s at the office; reservation %s starts at %s.",
						   ShowLocal(now, row.time_zone), row.code, ShowLocal(row.starts_at, row.time_zone))));

	{
		static SPIPlanPtr plan = NULL;
		static const Oid types[3] = {INT8OID, TEXTOID, TIMESTAMPTZOID};
		Datum		values[3];

		values[0] = Int64GetDatum(row.office_id);
		values[1] = CStringGetTextDatum(row.code);
		values[2] = TimestampTzGetDatum(now);
		PassportExecute(PassportPrepare(&plan,
										"UPDATE passport.reservation r SET status = 'checked_in', status_at = $3 "
										" WHERE r.office_id = $1 AND r.code = $2",
										3, types),
						values, NULL, false, 0);
	}
	EndNik(row.nik, row.code, false, now);
	ReleaseSender(row.sender);
	IssueTicket(row.office_id, row.lane, "check_in", row.code, NULL, true, row.starts_at,
				now, false, 0, 0, &ticket);

	row.status = "checked_in";
	RowToBooking(&row, cxt, &out);
	out.ticket = CopyOut(cxt, ticket);
	PassportFinish();
	PG_RETURN_DATUM(BuildBooking(fcinfo, &out));
}

/*
 * SweepNoShows marks the booked reservations of an office's days that have
 * ended (before today, local) as no-shows: each NIK starts its cooldown and
 * each sender is counted one reservation less.  Returns how many it marked.
 * A check-in racing with it meets it on the reservation row: the status is
 * checked again after the lock wait, so nothing is counted twice.  The
 * caller holds an SPI connection.
 */
int
SweepNoShows(int64 office_id, DateADT today, TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[3] = {INT8OID, DATEOID, TIMESTAMPTZOID};
	Datum		values[3];
	int			n;
	int			i;
	char	  **niks;
	char	  **codes;
	char	  **senders;

	values[0] = Int64GetDatum(office_id);
	values[1] = DateADTGetDatum(today);
	values[2] = TimestampTzGetDatum(now);
	n = PassportExecute(PassportPrepare(&plan,
										"UPDATE passport.reservation r SET status = 'no_show', status_at = $3 "
										" WHERE r.office_id = $1 AND r.status = 'booked' AND r.local_date < $2 "
										"RETURNING r.nik, r.code, r.sender",
										3, types),
						values, NULL, false, 0);
	/* columns: NIK, reservation number, sender */
	if (n > 0)
		PassportExpectColumns(3);
	niks = palloc(sizeof(char *) * (n + 1));
	codes = palloc(sizeof(char *) * (n + 1));
	senders = palloc(sizeof(char *) * (n + 1));
	for (i = 0; i < n; i++)
	{
		niks[i] = PassportGetText(i, 1);
		codes[i] = PassportGetText(i, 2);
		senders[i] = PassportGetText(i, 3);
	}
	for (i = 0; i < n; i++)
	{
		EndNik(niks[i], codes[i], true, now);
		ReleaseSender(senders[i]);
	}
	return n;
}
