/*-------------------------------------------------------------------------
 *
 * reserve.c
 *	  Atomic slot allocation: reserve, cancel, reschedule, check-in, and the
 *	  no-shows the sweep marks; the procedures reserve_at, cancel_at and
 *	  reschedule_at, which a distributed installation runs as steps of one
 *	  shard each.
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

#include "access/xact.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
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
 * The probe's statement.  The office is read and the lane, service and
 * channel are checked in it, or, when the backend keeps the office and the
 * codes (see ReferenceCodes), the office comes as parameters $11 to $14,
 * the four columns of the codes are null, and the statement reads four
 * tables fewer.
 */
#define PROBE_SQL(refs, office, joins) \
	"SELECT o.code, o.name, o.time_zone, o.active, " \
	refs "       d.day, d.lo, d.hi, d.pref, " \
	"       ($4 AT TIME ZONE o.time_zone)::date, " \
	"       r.code, r.local_date, r.starts_at, r.ends_at, r.lane, " \
	"       r.service, r.status, r.nik, r.full_name, r.birth_date, " \
	"       EXISTS (SELECT 1 FROM passport.slot c " \
	"                WHERE c.office_id = $1 AND c.lane = $2 AND NOT c.is_full " \
	"                  AND c.starts_at >= GREATEST(d.lo, $4) AND c.starts_at < d.hi " \
	"                  AND c.opens_at <= $4), " \
	"       EXISTS (SELECT 1 FROM passport.slot c " \
	"                WHERE c.office_id = $1 AND c.lane = $2 " \
	"                  AND c.starts_at >= GREATEST(d.lo, $4) AND c.starts_at < d.hi " \
	"                  AND c.opens_at <= $4) " \
	"  FROM " office " " \
	" CROSS JOIN LATERAL ( " \
	"   SELECT x.day, (x.day::timestamp AT TIME ZONE o.time_zone) AS lo, " \
	"          CASE WHEN $7 THEN 'infinity'::timestamptz " \
	"               ELSE ((x.day + 1)::timestamp AT TIME ZONE o.time_zone) END AS hi, " \
	"          ((x.day + $6) AT TIME ZONE o.time_zone) AS pref " \
	"     FROM (SELECT coalesce($5, ($4 AT TIME ZONE o.time_zone)::date) AS day) x) d " \
	joins "  LEFT JOIN LATERAL (SELECT * FROM passport.reservation x " \
	"                      WHERE x.office_id = $1 AND x.channel = $8 " \
	"                        AND coalesce(x.sender, '') = coalesce($10, '') " \
	"                        AND x.idempotency_key = $9 LIMIT 1) r ON true " \
	" WHERE o.office_id = $1"
#define PROBE_REFERENCES_READ \
	"       l.lane_code IS NOT NULL, coalesce(l.bookable, false), " \
	"       v.service_code IS NOT NULL, ch.channel IS NOT NULL, "
#define PROBE_REFERENCES_JOINED \
	"  LEFT JOIN passport.lane l ON l.lane_code = $2 " \
	"  LEFT JOIN passport.service v ON v.service_code = $3 " \
	"  LEFT JOIN passport.channel ch ON ch.channel = $8 "
#define PROBE_REFERENCES_KEPT \
	"       NULL::boolean, NULL::boolean, NULL::boolean, NULL::boolean, "
#define PROBE_OFFICE_READ "passport.office o"
#define PROBE_OFFICE_KEPT \
	"(SELECT $1::bigint AS office_id, $11::text AS code, $12::text AS name, " \
	"        $13::text AS time_zone, $14::boolean AS active) o"

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
 * it writes: the office (with the local day's bounds; the office, lane,
 * service and channel from the rows the backend keeps, when it does), an
 * earlier reservation of the same client (channel and sender) with the
 * same idempotency key (none when key is NULL), and whether any place is
 * free in the range.  Every table of the office is read by its
 * office number, so the statement is one office's work.  It takes a fresh
 * snapshot, so it sees what concurrent bookings have committed.
 * Reschedule reads the office through it too.  With office_code, the
 * office is found by code (among the offices the backend keeps, or
 * through ResolveOffice's cache, checked here).
 */
static void
ProbeBooking(int64 office_id, const char *office_code, const char *lane, const char *service,
			 bool has_day, DateADT day, bool has_pref, TimeADT pref,
			 TimestampTz now, bool earliest, const char *channel,
			 const char *sender, const char *key, MemoryContext cxt,
			 OfficeCall *oc, BookingProbe *probe)
{
	static SPIPlanPtr plans[2];
	static const char *const sql[2] = {
		PROBE_SQL(PROBE_REFERENCES_READ, PROBE_OFFICE_READ, PROBE_REFERENCES_JOINED),
		PROBE_SQL(PROBE_REFERENCES_KEPT, PROBE_OFFICE_KEPT, "")
	};
	static const Oid types[14] = {INT8OID, TEXTOID, TEXTOID, TIMESTAMPTZOID, DATEOID,
		TIMEOID, BOOLOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID};
	int			kept = ReferencesCached() ? 1 : 0;
	const KeptOffice *ko = NULL;
	Datum		values[14];
	char		nulls[14];
	bool		isnull;
	char	   *code = office_code ? Upper(office_code) : NULL;
	int			attempt;
	int			n = 0;

	if (kept)
	{
		oc->lane_known = ReferenceHas(REFERENCE_LANES, lane);
		oc->lane_bookable = ReferenceHas(REFERENCE_BOOKABLE_LANES, lane);
		oc->service_known = ReferenceHas(REFERENCE_SERVICES, service);
		oc->channel_known = ReferenceHas(REFERENCE_CHANNELS, channel);
	}
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
	memset(values + 10, 0, sizeof(Datum) * 4);
	memset(nulls + 10, 'n', 4);

	if (kept)
	{
		ko = KeptOfficeRow(code != NULL ? 0 : office_id, code);
		if (ko != NULL)
		{
			office_id = ko->office_id;
			values[0] = Int64GetDatum(office_id);
			values[10] = CStringGetTextDatum(ko->code);
			values[11] = CStringGetTextDatum(ko->name);
			values[12] = CStringGetTextDatum(ko->time_zone);
			values[13] = BoolGetDatum(ko->active);
			memset(nulls + 10, ' ', 4);
			n = PassportExecute(PassportPrepare(&plans[1], sql[1], 14, types),
								values, nulls, false, 1);
		}
	}
	else
		for (attempt = 0; attempt < 2; attempt++)
		{
			if (code != NULL)
				office_id = ResolveOffice(code, attempt > 0);
			values[0] = Int64GetDatum(office_id);
			n = PassportExecute(PassportPrepare(&plans[0], sql[0], 14, types),
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
	if (!kept)
	{
		oc->lane_known = DatumGetBool(PassportGetDatum(0, PROBE_LANE_KNOWN, &isnull));
		oc->lane_bookable = DatumGetBool(PassportGetDatum(0, PROBE_LANE_BOOKABLE, &isnull));
		oc->service_known = DatumGetBool(PassportGetDatum(0, PROBE_SERVICE_KNOWN, &isnull));
		oc->channel_known = DatumGetBool(PassportGetDatum(0, PROBE_CHANNEL_KNOWN, &isnull));
	}
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
 * On a distributed installation the booking takes the place with
 * ALLOC_RETURN and inserts the reservation with a plain INSERT ... VALUES
 * (InsertReservation): Citus would run an INSERT fed by a modifying CTE
 * through intermediate results on every node, in a two-phase commit.
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
	"    birth_date, phone, channel, sender, idempotency_key, created_at, status_at, " \
	"    claim_token) " \
	"  SELECT $1, $8, u.slot_id, u.shard, $2, $9, u.local_date, u.starts_at, u.ends_at, " \
	"         'booked', $10, $11, $12, $13, $14, $15, $16, $5, $5, $17 FROM u " \
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
	int64		token;			/* the claim token it holds */
} NewReservation;

#define ALLOC_NARGS		7
#define INSERT_NARGS	17

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
		TEXTOID, TEXTOID, TEXTOID, TEXTOID, DATEOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID};
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
		values[16] = Int64GetDatum(ins->token);
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
 * InsertReservation inserts the reservation of a place just taken, with a
 * plain INSERT ... VALUES (see ALLOC_INSERT).
 */
static void
InsertReservation(const OfficeCall *oc, const char *lane, TimestampTz now,
				  const NewReservation *ins, const Allocation *alloc)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[19] = {INT8OID, TEXTOID, INT8OID, INT2OID, TEXTOID, TEXTOID,
		DATEOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, DATEOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID, TIMESTAMPTZOID, INT8OID, TEXTOID};
	Datum		values[19];
	char		nulls[19];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(oc->office_id);
	values[1] = CStringGetTextDatum(ins->code);
	values[2] = Int64GetDatum(alloc->slot_id);
	values[3] = Int16GetDatum(alloc->shard);
	values[4] = CStringGetTextDatum(lane);
	values[5] = CStringGetTextDatum(ins->service);
	values[6] = DateADTGetDatum(alloc->local_date);
	values[7] = TimestampTzGetDatum(alloc->starts_at);
	values[8] = TimestampTzGetDatum(alloc->ends_at);
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
	values[16] = TimestampTzGetDatum(now);
	values[17] = Int64GetDatum(ins->token);
	values[18] = CStringGetTextDatum("booked");
	PassportExecute(PassportPrepare(&plan,
									"INSERT INTO passport.reservation (office_id, code, slot_id, shard, lane, "
									"  service, local_date, starts_at, ends_at, status, nik, full_name, "
									"  birth_date, phone, channel, sender, idempotency_key, created_at, status_at, "
									"  claim_token) "
									"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $19, $10, $11, $12, $13, $14, "
									"        $15, $16, $17, $17, $18)",
									19, types),
					values, nulls, false, 0);
}

/*
 * TakePlace allocates for a request (and with ins inserts the reservation):
 * first at or after the preferred time, then anywhere in the range.  When
 * nothing is free it raises PP001 (a released slot exists but is full) or
 * PP002 (nothing released), having locked and written nothing.
 */
static void
TakePlace(const OfficeCall *oc, const char *lane, TimestampTz lo, TimestampTz hi,
		  TimestampTz now, int64 exclude_slot, const NewReservation *ins,
		  Allocation *alloc)
{
	bool		split = ins != NULL && PassportDistributed();
	const NewReservation *with = split ? NULL : ins;

	if (!(!TIMESTAMP_IS_NOBEGIN(oc->preferred) && oc->preferred > lo && oc->preferred < hi &&
		  AllocateSlot(oc->office_id, lane, oc->preferred, hi, now, exclude_slot, with, alloc)) &&
		!AllocateSlot(oc->office_id, lane, lo, hi, now, exclude_slot, with, alloc))
		RefuseRange(oc, lane, lo, hi, now, -1);
	if (split)
		InsertReservation(oc, lane, now, ins, alloc);
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

/* NikRefusal raises the reason a NIK cannot book now (PP005 or PP003). */
static void
NikRefusal(const char *nik, int64 office_id, const char *tzname)
{
	bool		held;
	bool		pending_here;
	TimestampTz until;

	if (NikHolder(nik, office_id, &held, &pending_here, &until) && !held)
		ereport(ERROR,
				(errcode(ERRCODE_PP_COOLDOWN),
				 errmsg("this NIK cannot book again before %s",
						TIMESTAMP_IS_NOBEGIN(until) ? "?" : ShowLocal(until, tzname)),
				 errdetail("After a cancellation or a missed visit a NIK waits before booking again.")));
	ereport(ERROR,
			(errcode(ERRCODE_PP_NIK_ACTIVE),
			 errmsg("this NIK already has an active reservation"),
			 errdetail("One NIK holds at most one active reservation across all offices."),
			 errhint("Cancel or reschedule the existing reservation.")));
}

/* CooldownEnd is when a NIK whose reservation ends now may book again. */
static TimestampTz
CooldownEnd(TimestampTz now)
{
	if (passport_cooldown_minutes <= 0)
		return DT_NOBEGIN;
	return now + (int64) passport_cooldown_minutes * USECS_PER_MINUTE;
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
	bool		has_token;
	int64		token;			/* the claim token it holds while booked */
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
	LOCKED_TODAY,
	LOCKED_CLAIM_TOKEN
} LockedColumn;
#define LOCKED_COLUMNS	LOCKED_CLAIM_TOKEN

/*
 * LockReservation finds a reservation by its typed number and locks it;
 * returns false for an unknown number, or one of another office than
 * expect_office (when not 0).  With check_factor, the sender or the birth
 * date must match too, and a wrong factor also returns false (an unknown
 * number and a wrong factor are alike to the caller).
 */
static bool
LockReservation(const char *typed, int64 expect_office, bool check_factor, const char *sender,
				bool has_birth, DateADT birth, TimestampTz now, ReservationRow *row)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[3] = {INT8OID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[3];
	bool		isnull;
	char	   *code = CanonicalReservationNumber(typed);
	int64		office_id;
	bool		match = false;

	if (!ReservationNumberOffice(code, &office_id) ||
		(expect_office != 0 && office_id != expect_office))
		goto notfound;
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(code);
	values[2] = TimestampTzGetDatum(now);
	if (PassportExecute(PassportPrepare(&plan,
										"SELECT r.slot_id, r.shard, r.lane, r.service, r.local_date, "
										"       r.starts_at, r.ends_at, r.status, r.nik, r.sender, "
										"       r.birth_date, r.reschedules, o.code, o.time_zone, "
										"       ($3 AT TIME ZONE o.time_zone)::date, r.claim_token "
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
	row->token = DatumGetInt64(PassportGetDatum(0, LOCKED_CLAIM_TOKEN, &isnull));
	row->has_token = !isnull;

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

/* What LockWithFactor counts against the lookup limits. */
typedef enum LookupCount
{
	COUNT_SENDER = 1,			/* the sender's lookups */
	COUNT_NUMBER = 2,			/* the number's birth-date guesses */
	COUNT_BOTH = 3
} LookupCount;

/*
 * CountLookup counts one lookup of a reservation number with a second
 * factor against the sender and, with a birth date, against the number
 * (PP017 past the limits, passport.count_lookup); count says which.
 */
static void
CountLookup(const char *code, const char *sender, bool has_birth, TimestampTz now,
			LookupCount count)
{
	static SPIPlanPtr count_plan = NULL;
	static const Oid count_types[5] = {TEXTOID, INT8OID, TEXTOID, BOOLOID, TIMESTAMPTZOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	int64		office_id = 0;
	bool		decoded = ReservationNumberOffice(code, &office_id);
	bool		by_sender = sender != NULL && (count & COUNT_SENDER) != 0;

	values[0] = by_sender ? CStringGetTextDatum(sender) : (Datum) 0;
	nulls[0] = by_sender ? ' ' : 'n';
	values[1] = Int64GetDatum(office_id);
	nulls[1] = decoded ? ' ' : 'n';
	values[2] = CStringGetTextDatum(code);
	values[3] = BoolGetDatum(has_birth && (count & COUNT_NUMBER) != 0);
	values[4] = TimestampTzGetDatum(now);
	PassportExecute(PassportPrepare(&count_plan,
									"SELECT passport.count_lookup($1, $2, $3, $4, $5)",
									5, count_types),
					values, nulls, false, 0);
}

/*
 * LockWithFactor is LockReservation for the applicant's own calls (cancel,
 * reschedule): every attempt counts against the lookup limits (the sender,
 * and with a birth date the number, as count says: CountLookup), and a
 * birth date that matched gives its count back.  Returns false for an
 * unknown number or a wrong factor, which the caller answers as an answer
 * rather than an error, so that the attempt stays counted.
 */
static bool
LockWithFactor(const char *typed, int64 expect_office, const char *sender_in, bool has_birth,
			   DateADT birth, TimestampTz now, LookupCount count, ReservationRow *row)
{
	static SPIPlanPtr found_plan = NULL;
	static const Oid found_types[2] = {INT8OID, TEXTOID};
	char	   *code = CanonicalReservationNumber(typed);
	char	   *sender = SenderKey(sender_in, NULL);
	Datum		values[2];

	CountLookup(code, sender, has_birth, now, count);
	if (!LockReservation(code, expect_office, true, sender, has_birth, birth, now, row))
		return false;
	if (has_birth && birth == row->birth_date)
	{
		values[0] = Int64GetDatum(row->office_id);
		values[1] = CStringGetTextDatum(row->code);
		PassportExecute(PassportPrepare(&found_plan,
										"SELECT passport.lookup_found($1, $2)",
										2, found_types),
						values, NULL, false, 0);
	}
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

/* ---- bookings ------------------------------------------------------------ */

/* A booking request as the caller gave it, checked (strings in its context). */
typedef struct BookingRequest
{
	int64		office_id;		/* 0 when office_code names the office */
	char	   *office_code;
	char	   *service;
	char	   *lane;
	bool		has_day;
	DateADT		day;
	char		nik[17];
	char	   *full_name;
	DateADT		birth;
	char	   *phone;
	char	   *channel;
	char	   *sender;
	char	   *key;
	bool		has_pref;
	TimeADT		pref;
	bool		earliest;
} BookingRequest;

/*
 * ReadBookingRequest reads and checks the arguments of reserve (office by
 * code) or reserve_at (office by number, by_id): the same positions.
 */
static void
ReadBookingRequest(FunctionCallInfo fcinfo, bool by_id, BookingRequest *req)
{
	char	   *nik_in = PassportArgText(fcinfo, 4);
	char	   *phone_in = PassportArgText(fcinfo, 7);
	char	   *sender_in = PassportArgText(fcinfo, 9);

	memset(req, 0, sizeof(*req));
	if (by_id)
	{
		if (PG_ARGISNULL(0))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("office_id is required")));
		req->office_id = PG_GETARG_INT64(0);
	}
	else
	{
		req->office_code = PassportArgText(fcinfo, 0);
		RequireText(req->office_code, "office_code");
	}
	req->service = PassportArgText(fcinfo, 1);
	req->lane = PassportArgText(fcinfo, 2);
	req->has_day = !PG_ARGISNULL(3);
	req->day = req->has_day ? PG_GETARG_DATEADT(3) : 0;
	req->full_name = PassportArgText(fcinfo, 5);
	req->birth = PG_ARGISNULL(6) ? 0 : PG_GETARG_DATEADT(6);
	req->channel = PG_ARGISNULL(8) ? pstrdup("api") : PassportArgText(fcinfo, 8);
	req->key = PassportArgText(fcinfo, 10);
	req->has_pref = !PG_ARGISNULL(11);
	req->pref = req->has_pref ? PG_GETARG_TIMEADT(11) : 0;
	req->earliest = !PG_ARGISNULL(12) && PG_GETARG_BOOL(12);

	RequireText(req->service, "service");
	RequireText(req->lane, "lane");
	RequireText(nik_in, "nik");
	RequireText(req->full_name, "full_name");
	if (PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("birth_date is required")));
	if (strlen(req->full_name) > 200)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("full_name is longer than 200 characters")));
	if (req->key != NULL && strlen(req->key) > 200)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("idempotency_key is longer than 200 characters")));
	CheckNikOrError(nik_in, req->birth, req->nik);
	if (phone_in != NULL)
		req->phone = NormalisePhoneOrError(phone_in, "phone number");
	req->sender = SenderKey(sender_in, req->channel);
}

/*
 * ProbeRequest runs the booking's read-only probe (ProbeBooking) and
 * refuses what the reference rows do not allow: the office (found again by
 * its number when known), the channel, the lane and the service.
 */
static void
ProbeRequest(const BookingRequest *req, int64 office_id, TimestampTz now, MemoryContext cxt,
			 OfficeCall *oc, BookingProbe *probe)
{
	ProbeBooking(office_id, office_id != 0 ? NULL : req->office_code, req->lane, req->service,
				 req->has_day, req->day, req->has_pref, req->pref, now,
				 req->earliest || !req->has_day, req->channel, req->sender, req->key, cxt, oc, probe);
	if (!oc->channel_known)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown channel \"%s\"", req->channel),
				 errhint("Channels are %s.", ReferenceList(REFERENCE_CHANNELS))));
	if (!oc->lane_known)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown lane \"%s\"", req->lane),
				 errhint("Lanes are %s.", ReferenceList(REFERENCE_LANES))));
	if (!oc->service_known)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown service \"%s\"", req->service),
				 errhint("Services are %s.", ReferenceList(REFERENCE_SERVICES))));
	if (!oc->lane_bookable)
		ereport(ERROR,
				(errcode(ERRCODE_PP_NOT_BOOKABLE),
				 errmsg("lane \"%s\" takes no reservations", req->lane),
				 errdetail("Only the %s lanes take reservations; the others serve people on arrival.",
						   ReferenceList(REFERENCE_BOOKABLE_LANES))));
}

/* IsDuplicate tells whether the probe answers the request as a retry. */
static bool
IsDuplicate(const BookingRequest *req, const BookingProbe *probe)
{
	return DuplicateOf(probe, req->nik, req->full_name, req->birth, req->service, req->lane,
					   req->key);
}

/*
 * BookPlace takes the place and inserts the reservation with its number
 * and claim token, queues the sender's confirmation, and fills the answer.
 */
static void
BookPlace(const OfficeCall *oc, const BookingRequest *req, const char *code, int64 token,
		  TimestampTz lo, TimestampTz hi, TimestampTz now, MemoryContext cxt, BookingOut *out)
{
	NewReservation ins;
	Allocation	alloc;

	ins.code = code;
	ins.service = req->service;
	ins.nik = req->nik;
	ins.full_name = req->full_name;
	ins.birth_date = req->birth;
	ins.phone = req->phone;
	ins.channel = req->channel;
	ins.sender = req->sender;
	ins.key = req->key;
	ins.token = token;
	TakePlace(oc, req->lane, lo, hi, now, 0, &ins, &alloc);
	if (req->sender != NULL)
		QueueConfirmation(oc, code, req->channel, req->sender, &alloc, now);

	out->code = CopyOut(cxt, code);
	out->office_code = CopyOut(cxt, oc->code);
	out->local_date = alloc.local_date;
	out->starts_at = alloc.starts_at;
	out->ends_at = alloc.ends_at;
	out->time_zone = CopyOut(cxt, oc->time_zone);
	out->lane = CopyOut(cxt, req->lane);
	out->service = CopyOut(cxt, req->service);
	out->status = CopyOut(cxt, "booked");
	out->duplicate = false;
	out->ticket = NULL;
}

/*
 * BookInOneTransaction books in the caller's transaction: validate, answer
 * a retry, refuse when nothing is free (read-only), issue the number, claim
 * the NIK (active at once) and count the sender, then take the place and
 * insert the reservation.  What a single node does, and what a cluster
 * does for reserve() or a call inside a transaction block (a two-phase
 * commit when the NIK, the sender and the office live on different
 * workers).  The caller holds an SPI connection.
 */
static void
BookInOneTransaction(const BookingRequest *req, TimestampTz now, MemoryContext cxt,
					 BookingOut *out)
{
	OfficeCall	oc;
	BookingProbe probe;
	TimestampTz lo;
	TimestampTz hi;
	char	   *code;
	int64		token;

	ProbeRequest(req, req->office_id, now, cxt, &oc, &probe);
	/* a retried request is answered before any counter is touched */
	if (IsDuplicate(req, &probe))
	{
		*out = probe.dup;
		return;
	}
	RangeFor(&oc, req->earliest || !req->has_day, now, &lo, &hi);
	/* the sold-out answer: read only, no lock, no WAL */
	if (!probe.free_exists)
		RefuseRange(&oc, req->lane, lo, hi, now, probe.released ? 1 : 0);

	code = IssueReservationNumber(oc.office_id);
	token = NewGuardToken();
	if (ClaimNik(req->nik, oc.office_id, token, code, NULL, now) != NIK_CLAIMED)
	{
		/* perhaps the same request, committed while we waited on the NIK */
		ProbeRequest(req, oc.office_id, now, cxt, &oc, &probe);
		if (IsDuplicate(req, &probe))
		{
			*out = probe.dup;
			return;
		}
		NikRefusal(req->nik, oc.office_id, oc.time_zone);
	}
	if (!HoldSender(req->sender, token, oc.office_id, now))
		SenderLimitReached();
	/* last: take the place and insert the reservation */
	BookPlace(&oc, req, code, token, lo, hi, now, cxt, out);
}

PG_FUNCTION_INFO_V1(passport_reserve_0_2);

/*
 * passport_reserve_0_2 is passport.reserve(): a booking in the caller's
 * transaction (BookInOneTransaction).
 */
Datum
passport_reserve_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	BookingRequest req;
	BookingOut	out;
	TimestampTz now = PassportNow();

	ReadBookingRequest(fcinfo, false, &req);
	PassportConnect();
	BookInOneTransaction(&req, now, cxt, &out);
	PassportFinish();
	PG_RETURN_DATUM(BuildBooking(fcinfo, &out));
}

/* ---- the procedures: bookings and their ends in steps --------------------- */

/*
 * A procedure (reserve_at, cancel_at, reschedule_at) runs as its caller
 * (a procedure that commits cannot be SECURITY DEFINER) and makes each of
 * its steps as the extension's owner, as the SECURITY DEFINER functions
 * do; the caller's identity is restored before every COMMIT, so that a
 * transaction never starts (and an error never leaves the session) as the
 * owner.  Called in a transaction block, from a function, or on a single
 * node, a procedure makes its steps in one transaction, as the functions
 * do; otherwise on a distributed installation it commits after each step,
 * so that no transaction writes to more than one worker.
 */
typedef struct StepRole
{
	Oid			owner;			/* the procedure's owner */
	Oid			saved_user;
	int			saved_sec;
	bool		commits;		/* a step per transaction */
} StepRole;

/*
 * StepStart reads how a procedure call runs: whether it may commit (a CALL
 * outside a transaction block and outside functions) on a distributed
 * installation, and its owner.
 */
static void
StepStart(FunctionCallInfo fcinfo, StepRole *role)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fcinfo->flinfo->fn_oid));

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for function %u", fcinfo->flinfo->fn_oid);
	role->owner = ((Form_pg_proc) GETSTRUCT(tuple))->proowner;
	ReleaseSysCache(tuple);
	role->commits = fcinfo->context != NULL && IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic && PassportDistributed();
	if (role->commits)
	{
		int			rc = SPI_connect_ext(SPI_OPT_NONATOMIC);

		if (rc != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
	}
	else
		PassportConnect();
}

/* AsOwner makes the next step's statements run as the procedure's owner. */
static void
AsOwner(StepRole *role)
{
	GetUserIdAndSecContext(&role->saved_user, &role->saved_sec);
	SetUserIdAndSecContext(role->owner, role->saved_sec | SECURITY_LOCAL_USERID_CHANGE);
}

/* AsCaller ends a step: the caller's identity again. */
static void
AsCaller(StepRole *role)
{
	SetUserIdAndSecContext(role->saved_user, role->saved_sec);
}

/* StepCommit commits the step just made, when the call commits per step. */
static void
StepCommit(StepRole *role)
{
	if (role->commits)
		SPI_commit();
}

/*
 * TestPause sleeps after step ("claim", "book" or "end") when the setting
 * passport.test_pause names it ("claim=10" sleeps 10 seconds after the
 * claim), so that a test can stop a worker between two steps.  Superusers
 * only; empty (no pause) by default.
 */
static void
TestPause(const char *step)
{
	size_t		len = strlen(step);
	int			seconds;
	int			i;

	if (passport_test_pause == NULL || strncmp(passport_test_pause, step, len) != 0 ||
		passport_test_pause[len] != '=')
		return;
	seconds = atoi(passport_test_pause + len + 1);
	for (i = 0; i < seconds * 10; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pg_usleep(100000L);
	}
}

/* Result columns a procedure may have (INOUT parameters), by name. */
static Datum
ProcedureResult(FunctionCallInfo fcinfo, const BookingOut *out, bool found)
{
	TupleDesc	tupdesc;
	Datum	   *values;
	bool	   *nulls;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "procedure must have INOUT parameters");
	values = palloc0(sizeof(Datum) * tupdesc->natts);
	nulls = palloc(sizeof(bool) * tupdesc->natts);
	for (i = 0; i < tupdesc->natts; i++)
	{
		const char *name = NameStr(TupleDescAttr(tupdesc, i)->attname);

		nulls[i] = !found;
		if (strcmp(name, "status") == 0)
		{
			values[i] = CStringGetTextDatum(found ? out->status : "not_found");
			nulls[i] = false;
		}
		else if (!found)
			continue;
		else if (strcmp(name, "reservation_number") == 0)
			values[i] = CStringGetTextDatum(out->code);
		else if (strcmp(name, "office_code") == 0)
			values[i] = CStringGetTextDatum(out->office_code);
		else if (strcmp(name, "local_date") == 0)
			values[i] = DateADTGetDatum(out->local_date);
		else if (strcmp(name, "start_time") == 0)
			values[i] = TimeADTGetDatum(LocalTime(out->starts_at, out->time_zone));
		else if (strcmp(name, "end_time") == 0)
			values[i] = TimeADTGetDatum(LocalTime(out->ends_at, out->time_zone));
		else if (strcmp(name, "lane") == 0)
			values[i] = CStringGetTextDatum(out->lane);
		else if (strcmp(name, "service") == 0)
			values[i] = CStringGetTextDatum(out->service);
		else if (strcmp(name, "duplicate") == 0)
			values[i] = BoolGetDatum(out->duplicate);
		else
			nulls[i] = true;
	}
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls));
}

/* How long a claim stays good for its booking (a settled one is older). */
#define CLAIM_TRUST_USECS	(INT64CONST(3600) * USECS_PER_SEC)

/*
 * BookInSteps books as the protocol of single-shard transactions that a
 * distributed installation needs for the NIK rule without two-phase
 * commits (see sql-src 80_scale_out.sql):
 *	1. the probe and the NIK's claim, pending, with a new token; COMMIT
 *	2. the sender's hold with the token; COMMIT
 *	3. the number, the token's booked fence row, the place and the
 *	   reservation at the office; COMMIT
 *	4. the claim becomes active with the number; COMMIT
 * A refusal before 3 releases what 1 and 2 took; a failure in 3 (its
 * transaction rolled back here, so the booking can never commit) releases
 * them too and raises the failure.  When 4 fails (the NIK's worker is
 * down) the booking stands and settle_guards() finishes the claim.  A crash
 * anywhere leaves a pending claim, settled likewise.
 */
static void
BookInSteps(const BookingRequest *req, StepRole *role, TimestampTz now, MemoryContext cxt,
			BookingOut *out)
{
	OfficeCall	oc;
	BookingProbe probe;
	TimestampTz lo;
	TimestampTz hi;
	int64		token = NewGuardToken();
	MemoryContext oldcontext;
	ResourceOwner oldowner;
	ErrorData  *failure = NULL;
	int			wait;

	/* 1: the probe (no claim for a retry or a full day) and the claim */
	AsOwner(role);
	ProbeRequest(req, req->office_id, now, cxt, &oc, &probe);
	if (IsDuplicate(req, &probe))
	{
		AsCaller(role);
		*out = probe.dup;
		return;
	}
	RangeFor(&oc, req->earliest || !req->has_day, now, &lo, &hi);
	if (!probe.free_exists)
		RefuseRange(&oc, req->lane, lo, hi, now, probe.released ? 1 : 0);
	if (ClaimNik(req->nik, oc.office_id, token, NULL, req->sender, now) != NIK_CLAIMED)
	{
		/*
		 * A claim pending at this office may be the same request, sent
		 * twice at once: wait a little for it to book, then answer as a
		 * retry
		 */
		for (wait = 0; wait < 40; wait++)
		{
			bool		held;
			bool		pending_here;
			TimestampTz until;

			ProbeRequest(req, oc.office_id, now, cxt, &oc, &probe);
			if (IsDuplicate(req, &probe))
			{
				AsCaller(role);
				*out = probe.dup;
				return;
			}
			if (!NikHolder(req->nik, oc.office_id, &held, &pending_here, &until) || !pending_here)
				break;
			CHECK_FOR_INTERRUPTS();
			pg_usleep(50000L);
		}
		NikRefusal(req->nik, oc.office_id, oc.time_zone);
	}
	AsCaller(role);
	StepCommit(role);
	TestPause("claim");

	/* 2: the sender's hold */
	AsOwner(role);
	if (!HoldSender(req->sender, token, oc.office_id, now))
	{
		DropNikClaim(req->nik, token);
		AsCaller(role);
		StepCommit(role);
		SenderLimitReached();
	}
	AsCaller(role);
	StepCommit(role);

	/* 3: the booking, in a subtransaction so that its failure is caught */
	oldcontext = CurrentMemoryContext;
	oldowner = CurrentResourceOwner;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		char	   *code;

		AsOwner(role);
		if (GetCurrentTimestamp() - GuardTokenTime(token) > CLAIM_TRUST_USECS)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("the booking took too long and was given up"),
					 errhint("Try again.")));
		code = IssueReservationNumber(oc.office_id);
		if (!FenceBooked(oc.office_id, token, code, now))
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("the booking took too long and was given up"),
					 errdetail("Its claim on the NIK was settled as abandoned meanwhile."),
					 errhint("Try again.")));
		BookPlace(&oc, req, code, token, lo, hi, now, cxt, out);
		AsCaller(role);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		failure = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		AsCaller(role);
	}
	PG_END_TRY();
	if (failure != NULL)
	{
		/* the booking rolled back here and can never commit: give back */
		AsOwner(role);
		ReleaseSender(req->sender, token);
		AsCaller(role);
		StepCommit(role);
		AsOwner(role);
		DropNikClaim(req->nik, token);
		AsCaller(role);
		StepCommit(role);
		ThrowErrorData(failure);
	}
	StepCommit(role);
	TestPause("book");

	/* 4: the claim becomes active; settle_guards() does it if this fails */
	oldcontext = CurrentMemoryContext;
	oldowner = CurrentResourceOwner;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		AsOwner(role);
		FinishNik(req->nik, token, out->code);
		AsCaller(role);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		AsCaller(role);
		ereport(WARNING,
				(errmsg("reservation %s is booked; its NIK claim is left for passport.settle_guards()",
						out->code),
				 errdetail("Activating the claim failed: %s", edata->message)));
	}
	PG_END_TRY();
	StepCommit(role);
}

PG_FUNCTION_INFO_V1(passport_reserve_at);

/*
 * passport_reserve_at is the procedure passport.reserve_at(office_id, ...):
 * reserve() for an office given by number, which Citus delegates to the
 * office's worker; on a distributed installation it books in steps
 * (BookInSteps), else in one transaction.
 */
Datum
passport_reserve_at(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	BookingRequest req;
	BookingOut	out;
	StepRole	role;
	TimestampTz now = PassportNow();

	ReadBookingRequest(fcinfo, true, &req);
	StepStart(fcinfo, &role);
	if (role.commits)
		BookInSteps(&req, &role, now, cxt, &out);
	else
	{
		AsOwner(&role);
		BookInOneTransaction(&req, now, cxt, &out);
		AsCaller(&role);
	}
	PassportFinish();
	PG_RETURN_DATUM(ProcedureResult(fcinfo, &out, true));
}

/* ---- ends of reservations ------------------------------------------------- */

/*
 * CancelBooked cancels a locked booked reservation: its status, its place,
 * and the release of its NIK (with a cooldown) and its sender.
 */
static void
CancelBooked(ReservationRow *row, TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[3] = {INT8OID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[3];

	values[0] = Int64GetDatum(row->office_id);
	values[1] = CStringGetTextDatum(row->code);
	values[2] = TimestampTzGetDatum(now);
	PassportExecute(PassportPrepare(&plan,
									"UPDATE passport.reservation r SET status = 'cancelled', status_at = $3 "
									" WHERE r.office_id = $1 AND r.code = $2",
									3, types),
					values, NULL, false, 0);
	ReleasePlace(row->office_id, row->slot_id, row->shard);
	EndReservationGuards(row->office_id, row->code, row->nik, row->token, row->has_token,
						 row->sender, CooldownEnd(now), now);
	row->status = "cancelled";
}

/*
 * CancelCall cancels the reservation a caller names with its second
 * factor, counting the lookup as count says; answers false for an unknown
 * number or a wrong factor.  A cancelled reservation answers the same.
 */
static bool
CancelCall(const char *typed, int64 expect_office, const char *sender_in, bool has_birth,
		   DateADT birth, TimestampTz now, LookupCount count, MemoryContext cxt,
		   BookingOut *out, ReservationRow *row)
{
	if (!LockWithFactor(typed, expect_office, sender_in, has_birth, birth, now, count, row))
		return false;
	if (strcmp(row->status, "booked") == 0)
		CancelBooked(row, now);
	else if (strcmp(row->status, "cancelled") != 0)
		NotActive(row);
	RowToBooking(row, cxt, out);
	return true;
}

/* RequireSecondFactor raises 22004 unless a sender or a birth date is given. */
static void
RequireSecondFactor(const char *sender, bool has_birth)
{
	if (sender == NULL && !has_birth)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a second factor is required"),
				 errdetail("Give the sender that booked or the applicant's birth date.")));
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
	bool		found;

	RequireText(typed, "reservation_number");
	RequireSecondFactor(sender_in, has_birth);
	PassportConnect();
	found = CancelCall(typed, 0, sender_in, has_birth, birth, now, COUNT_BOTH, cxt, &out, &row);
	PassportFinish();
	if (!found)
		PG_RETURN_DATUM(NotFoundDatum(fcinfo));
	PG_RETURN_DATUM(BuildBooking(fcinfo, &out));
}

/*
 * SenderLookupStep counts a lookup against its sender in a step of its own
 * (the sender's shard), when the call commits per step.
 */
static void
SenderLookupStep(StepRole *role, const char *typed, const char *sender_in, TimestampTz now)
{
	if (!role->commits || sender_in == NULL)
		return;
	AsOwner(role);
	CountLookup(CanonicalReservationNumber(typed), SenderKey(sender_in, NULL), false, now,
				COUNT_SENDER);
	AsCaller(role);
	StepCommit(role);
}

/*
 * ReleaseOwed carries out the release a reservation that ended owes, in
 * steps: the NIK's claim, the sender's hold, then the record of the debt
 * (what passport.settle_guards() does for a call that did not get there).
 */
static void
ReleaseOwed(StepRole *role, int64 office_id, const char *code)
{
	GuardRelease rel;
	bool		owed;

	AsOwner(role);
	owed = ReadOwedRelease(office_id, code, &rel);
	AsCaller(role);
	if (!owed)
		return;
	AsOwner(role);
	EndNik(rel.nik, rel.token, rel.cooldown_until);
	AsCaller(role);
	StepCommit(role);
	AsOwner(role);
	ReleaseSender(rel.sender, rel.token);
	AsCaller(role);
	StepCommit(role);
	AsOwner(role);
	ForgetRelease(office_id, code);
	AsCaller(role);
	StepCommit(role);
}

PG_FUNCTION_INFO_V1(passport_cancel_at);

/*
 * passport_cancel_at is the procedure passport.cancel_at(office_id,
 * reservation_number, sender, birth_date): cancel() for a number of that
 * office, delegated to its worker.  On a distributed installation in
 * steps: the sender's lookup count; the cancellation at the office, which
 * records the releases it owes; the NIK's release; the sender's.
 */
Datum
passport_cancel_at(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *typed = PassportArgText(fcinfo, 1);
	char	   *sender_in = PassportArgText(fcinfo, 2);
	bool		has_birth = !PG_ARGISNULL(3);
	DateADT		birth = has_birth ? PG_GETARG_DATEADT(3) : 0;
	TimestampTz now = PassportNow();
	ReservationRow row;
	BookingOut	out;
	StepRole	role;
	bool		found;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("office_id is required")));
	RequireText(typed, "reservation_number");
	RequireSecondFactor(sender_in, has_birth);
	StepStart(fcinfo, &role);
	SenderLookupStep(&role, typed, sender_in, now);
	AsOwner(&role);
	found = CancelCall(typed, PG_GETARG_INT64(0), sender_in, has_birth, birth, now,
					   role.commits ? COUNT_NUMBER : COUNT_BOTH, cxt, &out, &row);
	AsCaller(&role);
	StepCommit(&role);
	if (found && role.commits)
		ReleaseOwed(&role, row.office_id, row.code);
	PassportFinish();
	PG_RETURN_DATUM(ProcedureResult(fcinfo, &out, found));
}

/*
 * RescheduleCall moves a booked reservation to another slot: the new place
 * is taken before the old one is given back, so a full date raises PP001
 * and the transaction leaves the original booking as it was.  Answers
 * false for an unknown number or a wrong factor.
 */
static bool
RescheduleCall(const char *typed, int64 expect_office, DateADT day, bool has_pref, TimeADT pref,
			   const char *sender_in, bool has_birth, DateADT birth, bool earliest,
			   TimestampTz now, LookupCount count, MemoryContext cxt, BookingOut *out)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[8] = {INT8OID, TEXTOID, INT8OID, INT2OID, DATEOID,
	TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[8];
	TimestampTz lo;
	TimestampTz hi;
	ReservationRow row;
	OfficeCall	oc;
	BookingProbe probe;
	Allocation	alloc;

	if (!LockWithFactor(typed, expect_office, sender_in, has_birth, birth, now, count, &row))
		return false;
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
	row.slot_id = alloc.slot_id;
	row.shard = alloc.shard;
	row.local_date = alloc.local_date;
	row.starts_at = alloc.starts_at;
	row.ends_at = alloc.ends_at;
	RowToBooking(&row, cxt, out);
	return true;
}

PG_FUNCTION_INFO_V1(passport_reschedule_0_2);

/* passport_reschedule_0_2 is passport.reschedule(): RescheduleCall. */
Datum
passport_reschedule_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *typed = PassportArgText(fcinfo, 0);
	bool		has_day = !PG_ARGISNULL(1);
	bool		has_pref = !PG_ARGISNULL(2);
	char	   *sender_in = PassportArgText(fcinfo, 3);
	bool		has_birth = !PG_ARGISNULL(4);
	TimestampTz now = PassportNow();
	BookingOut	out;
	bool		found;

	RequireText(typed, "reservation_number");
	if (!has_day)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("visit_date is required")));
	RequireSecondFactor(sender_in, has_birth);
	PassportConnect();
	found = RescheduleCall(typed, 0, PG_GETARG_DATEADT(1), has_pref,
						   has_pref ? PG_GETARG_TIMEADT(2) : 0, sender_in, has_birth,
						   has_birth ? PG_GETARG_DATEADT(4) : 0,
						   !PG_ARGISNULL(5) && PG_GETARG_BOOL(5), now, COUNT_BOTH, cxt, &out);
	PassportFinish();
	if (!found)
		PG_RETURN_DATUM(NotFoundDatum(fcinfo));
	PG_RETURN_DATUM(BuildBooking(fcinfo, &out));
}

PG_FUNCTION_INFO_V1(passport_reschedule_at);

/*
 * passport_reschedule_at is the procedure passport.reschedule_at(office_id,
 * reservation_number, visit_date, preferred_time, sender, birth_date,
 * earliest): reschedule() for a number of that office, delegated to its
 * worker; on a distributed installation the sender's lookup count is a
 * step of its own.
 */
Datum
passport_reschedule_at(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *typed = PassportArgText(fcinfo, 1);
	bool		has_day = !PG_ARGISNULL(2);
	bool		has_pref = !PG_ARGISNULL(3);
	char	   *sender_in = PassportArgText(fcinfo, 4);
	bool		has_birth = !PG_ARGISNULL(5);
	TimestampTz now = PassportNow();
	BookingOut	out;
	StepRole	role;
	bool		found;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("office_id is required")));
	RequireText(typed, "reservation_number");
	if (!has_day)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("visit_date is required")));
	RequireSecondFactor(sender_in, has_birth);
	StepStart(fcinfo, &role);
	SenderLookupStep(&role, typed, sender_in, now);
	AsOwner(&role);
	found = RescheduleCall(typed, PG_GETARG_INT64(0), PG_GETARG_DATEADT(2), has_pref,
						   has_pref ? PG_GETARG_TIMEADT(3) : 0, sender_in, has_birth,
						   has_birth ? PG_GETARG_DATEADT(5) : 0,
						   !PG_ARGISNULL(6) && PG_GETARG_BOOL(6), now,
						   role.commits ? COUNT_NUMBER : COUNT_BOTH, cxt, &out);
	AsCaller(&role);
	StepCommit(&role);
	PassportFinish();
	PG_RETURN_DATUM(ProcedureResult(fcinfo, &out, found));
}

PG_FUNCTION_INFO_V1(passport_check_in_0_2);

/*
 * passport_check_in_0_2 checks a reservation in within its window: it is
 * passport.check_in(reservation_number, office_code) and, with the office's
 * number first, passport.check_in_at(office_id, reservation_number).
 */
Datum
passport_check_in_0_2(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	bool		by_id = get_fn_expr_argtype(fcinfo->flinfo, 0) == INT8OID;
	char	   *typed = PassportArgText(fcinfo, by_id ? 1 : 0);
	char	   *office_code = by_id ? NULL : PassportArgText(fcinfo, 1);
	int64		expect_office = 0;
	TimestampTz now = PassportNow();
	TimestampTz opens;
	TimestampTz closes;
	ReservationRow row;
	BookingOut	out;
	char	   *ticket;
	int64		office_id;

	if (by_id)
	{
		if (PG_ARGISNULL(0))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("office_id is required")));
		expect_office = PG_GETARG_INT64(0);
	}
	RequireText(typed, "reservation_number");
	PassportConnect();
	if (ReservationNumberOffice(CanonicalReservationNumber(typed), &office_id))
		RequireOfficeAccess(office_id);
	if (!LockReservation(typed, expect_office, false, NULL, false, 0, now, &row))
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
	EndReservationGuards(row.office_id, row.code, row.nik, row.token, row.has_token, row.sender,
						 DT_NOBEGIN, now);
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
 * each sender is counted one reservation less (on a distributed
 * installation through passport.guard_release).  Returns how many it
 * marked.  A check-in racing with it meets it on the reservation row: the
 * status is checked again after the lock wait, so nothing is counted
 * twice.  The caller holds an SPI connection.
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
	int64	   *tokens;
	bool	   *has_token;

	values[0] = Int64GetDatum(office_id);
	values[1] = DateADTGetDatum(today);
	values[2] = TimestampTzGetDatum(now);
	n = PassportExecute(PassportPrepare(&plan,
										"UPDATE passport.reservation r SET status = 'no_show', status_at = $3 "
										" WHERE r.office_id = $1 AND r.status = 'booked' AND r.local_date < $2 "
										"RETURNING r.nik, r.code, r.sender, r.claim_token",
										3, types),
						values, NULL, false, 0);
	/* columns: NIK, reservation number, sender, claim token */
	if (n > 0)
		PassportExpectColumns(4);
	niks = palloc(sizeof(char *) * (n + 1));
	codes = palloc(sizeof(char *) * (n + 1));
	senders = palloc(sizeof(char *) * (n + 1));
	tokens = palloc(sizeof(int64) * (n + 1));
	has_token = palloc(sizeof(bool) * (n + 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		niks[i] = PassportGetText(i, 1);
		codes[i] = PassportGetText(i, 2);
		senders[i] = PassportGetText(i, 3);
		tokens[i] = DatumGetInt64(PassportGetDatum(i, 4, &isnull));
		has_token[i] = !isnull;
	}
	for (i = 0; i < n; i++)
		EndReservationGuards(office_id, codes[i], niks[i], tokens[i], has_token[i], senders[i],
							 CooldownEnd(now), now);
	return n;
}
