/*-------------------------------------------------------------------------
 *
 * common.c
 *	  Helpers every SQL-callable file uses: required arguments, copies into
 *	  the caller's memory context, office local times, the office lookup,
 *	  and the lists of reference rows that hints name.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "lib/stringinfo.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "passport.h"

/* RequireText raises 22004 when a required argument is missing or blank. */
void
RequireText(const char *value, const char *name)
{
	const char *p;

	if (value != NULL)
		for (p = value; *p; p++)
			if (!isspace((unsigned char) *p))
				return;
	ereport(ERROR,
			(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
			 errmsg("%s is required", name)));
}

/* Upper returns an upper-case ASCII copy of s. */
char *
Upper(const char *s)
{
	char	   *r = pstrdup(s);
	char	   *p;

	for (p = r; *p; p++)
		*p = pg_toupper((unsigned char) *p);
	return r;
}

/* CopyOut duplicates a string into the caller's memory context. */
char *
CopyOut(MemoryContext cxt, const char *s)
{
	return s ? MemoryContextStrdup(cxt, s) : NULL;
}

/* LocalTime returns the wall-clock time of ts in time zone tzname. */
TimeADT
LocalTime(TimestampTz ts, const char *tzname)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	pg_tz	   *tz = pg_tzset(tzname);

	if (tz == NULL || timestamp2tm(ts, &tzoff, &tm, &fsec, NULL, tz) != 0)
		elog(ERROR, "cannot convert timestamp to time zone \"%s\"", tzname);
	return (((((int64) tm.tm_hour * MINS_PER_HOUR) + tm.tm_min) * SECS_PER_MINUTE) + tm.tm_sec)
		* USECS_PER_SEC + fsec;
}

/*
 * LocalDate returns the date of ts in time zone tzname, as
 * (ts AT TIME ZONE tzname)::date computes it.
 */
DateADT
LocalDate(TimestampTz ts, const char *tzname)
{
	Datum		local = DirectFunctionCall2(timestamptz_zone, CStringGetTextDatum(tzname),
											TimestampTzGetDatum(ts));

	return DatumGetDateADT(DirectFunctionCall1(timestamp_date, local));
}

/* IsoDate formats a date as YYYY-MM-DD, whatever the DateStyle. */
char *
IsoDate(DateADT date)
{
	int			year;
	int			month;
	int			day;

	j2date(date + POSTGRES_EPOCH_JDATE, &year, &month, &day);
	return psprintf("%04d-%02d-%02d", year, month, day);
}

/* ClockTime formats a time of day as HH:MM. */
char *
ClockTime(TimeADT time)
{
	int64		minutes = time / USECS_PER_MINUTE;

	return psprintf("%02d:%02d", (int) (minutes / 60), (int) (minutes % 60));
}

/* ShowLocal formats ts as "YYYY-MM-DD HH:MM" in time zone tzname. */
char *
ShowLocal(TimestampTz ts, const char *tzname)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	pg_tz	   *tz = pg_tzset(tzname);

	if (tz == NULL || timestamp2tm(ts, &tzoff, &tm, &fsec, NULL, tz) != 0)
		return pstrdup("?");
	return psprintf("%04d-%02d-%02d %02d:%02d", tm.tm_year, tm.tm_mon,
					tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/* Result columns of LookupOffice's statement. */
typedef enum OfficeColumn
{
	OFFICE_ID = 1,
	OFFICE_CODE,
	OFFICE_NAME,
	OFFICE_TIME_ZONE,
	OFFICE_TODAY,
	OFFICE_DAY_START,
	OFFICE_DAY_END
} OfficeColumn;
#define OFFICE_COLUMNS	OFFICE_DAY_END

/* UnknownOffice raises PP011 for an office code, or else a number. */
static void
UnknownOffice(int64 office_id, const char *office_code)
{
	bool		by_number = office_id > 0 || office_code == NULL;

	ereport(ERROR,
			(errcode(ERRCODE_PP_OFFICE_UNKNOWN),
			 errmsg("unknown office \"%s\"",
					by_number ? psprintf(INT64_FORMAT, office_id) : office_code),
			 errdetail("No active office has this %s.", by_number ? "number" : "code")));
}

/*
 * OfficeDay fills office from a kept office row: its local date at now and
 * that day's bounds, as AT TIME ZONE computes them in the statement.
 */
static void
OfficeDay(const KeptOffice *row, TimestampTz now, OfficeInfo *office)
{
	Datum		zone = CStringGetTextDatum(row->time_zone);
	DateADT		today = LocalDate(now, row->time_zone);

	office->office_id = row->office_id;
	office->code = pstrdup(row->code);
	office->name = pstrdup(row->name);
	office->time_zone = pstrdup(row->time_zone);
	office->today = today;
	office->day_start = DatumGetTimestampTz(DirectFunctionCall2(timestamp_zone, zone,
																DirectFunctionCall1(date_timestamp,
																					DateADTGetDatum(today))));
	office->day_end = DatumGetTimestampTz(DirectFunctionCall2(timestamp_zone, zone,
															  DirectFunctionCall1(date_timestamp,
																				  DateADTGetDatum(today + 1))));
}

/*
 * LookupOffice reads an active office by its code (any case), with its
 * local date at now and that day's bounds; PP011 when there is none.  The
 * caller holds an SPI connection; strings are allocated in its context.
 */
void
LookupOffice(const char *office_code, TimestampTz now, OfficeInfo *office)
{
	RequireText(office_code, "office_code");
	LookupOfficeBy(0, office_code, now, office);
}

/*
 * LookupOfficeBy reads an active office by its number (office_id > 0) or
 * its code, as LookupOffice does.
 */
void
LookupOfficeBy(int64 office_id, const char *office_code, TimestampTz now, OfficeInfo *office)
{
	static SPIPlanPtr code_plan = NULL;
	static SPIPlanPtr id_plan = NULL;
	static const Oid code_types[2] = {TEXTOID, TIMESTAMPTZOID};
	static const Oid id_types[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		values[2];
	bool		isnull;
	int			n;

	/* office numbers start at 1 */
	if (office_id <= 0 && office_code == NULL)
		UnknownOffice(office_id, NULL);
	if (ReferencesCached())
	{
		const KeptOffice *row = KeptOfficeRow(office_id, office_id > 0 ? NULL : Upper(office_code));

		if (row == NULL || !row->active)
			UnknownOffice(office_id, office_code);
		OfficeDay(row, now, office);
		return;
	}
	values[1] = TimestampTzGetDatum(now);
	if (office_id > 0)
	{
		values[0] = Int64GetDatum(office_id);
		n = PassportExecute(PassportPrepare(&id_plan,
											"SELECT o.office_id, o.code, o.name, o.time_zone, d.day, "
											"       d.day::timestamp AT TIME ZONE o.time_zone, "
											"       (d.day + 1)::timestamp AT TIME ZONE o.time_zone "
											"  FROM passport.office o "
											" CROSS JOIN LATERAL (SELECT ($2 AT TIME ZONE o.time_zone)::date AS day) d "
											" WHERE o.office_id = $1 AND o.active",
											2, id_types),
							values, NULL, true, 1);
	}
	else
	{
		values[0] = CStringGetTextDatum(office_code);
		n = PassportExecute(PassportPrepare(&code_plan,
											"SELECT o.office_id, o.code, o.name, o.time_zone, d.day, "
											"       d.day::timestamp AT TIME ZONE o.time_zone, "
											"       (d.day + 1)::timestamp AT TIME ZONE o.time_zone "
											"  FROM passport.office o "
											" CROSS JOIN LATERAL (SELECT ($2 AT TIME ZONE o.time_zone)::date AS day) d "
											" WHERE o.code = upper($1) AND o.active",
											2, code_types),
							values, NULL, true, 1);
	}
	if (n != 1)
		UnknownOffice(office_id, office_code);
	PassportExpectColumns(OFFICE_COLUMNS);
	office->office_id = DatumGetInt64(PassportGetDatum(0, OFFICE_ID, &isnull));
	office->code = PassportGetText(0, OFFICE_CODE);
	office->name = PassportGetText(0, OFFICE_NAME);
	office->time_zone = PassportGetText(0, OFFICE_TIME_ZONE);
	office->today = DatumGetDateADT(PassportGetDatum(0, OFFICE_TODAY, &isnull));
	office->day_start = DatumGetTimestampTz(PassportGetDatum(0, OFFICE_DAY_START, &isnull));
	office->day_end = DatumGetTimestampTz(PassportGetDatum(0, OFFICE_DAY_END, &isnull));
}

/*
 * LookupArgOffice reads the office named by argument n of a function that
 * exists in two forms: passport.f(office_code text, ...) and, for a
 * distributed installation, passport.f_at(office_id bigint, ...) with the
 * office's number in its place.
 */
void
LookupArgOffice(FunctionCallInfo fcinfo, int n, TimestampTz now, OfficeInfo *office)
{
	if (get_fn_expr_argtype(fcinfo->flinfo, n) == INT8OID)
	{
		if (PG_ARGISNULL(n))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("office_id is required")));
		LookupOfficeBy(PG_GETARG_INT64(n), NULL, now, office);
	}
	else
		LookupOffice(PassportArgText(fcinfo, n), now, office);
}

/*
 * Reference rows kept per backend on a single node: the codes of the
 * reference tables (with a value for some kinds: the roles of a move, a
 * lane's working days) and the offices.  Every booking checks its lane,
 * service and channel, every move its rule, and most calls read their
 * office; reading those rows in every call's statements made them larger
 * or more numerous.  A statement on one of the tables fires
 * passport.reference_changed(), which invalidates the table's relation
 * cache entry in every backend at commit (and in its own backend at once);
 * ReferencesAtRelcache drops what is kept of it then.  On a distributed
 * installation (where Citus allows no trigger on a reference table)
 * nothing is kept: every call reads the rows.
 */
static const char *const reference_table[REFERENCE_KINDS] = {
	"lane", "lane", "lane", "service", "channel", "passport_kind",
	"application_status", "transition_base", "lane", "lane"
};
static char **reference_codes[REFERENCE_KINDS];
static char **reference_values[REFERENCE_KINDS];
static int	reference_count[REFERENCE_KINDS];
static Oid	reference_relid[REFERENCE_KINDS];
static uint64 reference_invalidations = 0;

/* The offices, kept likewise (LookupOfficeBy). */
static KeptOffice *kept_offices = NULL;
static int	kept_office_count = 0;
static Oid	kept_office_relid = InvalidOid;

/*
 * The memory of what is kept, per kind of codes and for the offices
 * (KEPT_OFFICES); memory of rows no longer kept is freed when they are
 * read again, never while a caller may still hold them.
 */
#define KEPT_OFFICES	REFERENCE_KINDS
static MemoryContext kept_cxt[REFERENCE_KINDS + 1];
static MemoryContext stale_cxt[REFERENCE_KINDS + 1];
static bool kept_callback = false;

/* ReferencesAtRelcache forgets what it keeps of an invalidated table. */
static void
ReferencesAtRelcache(Datum arg, Oid relid)
{
	int			kind;

	reference_invalidations++;
	for (kind = 0; kind < REFERENCE_KINDS; kind++)
		if (reference_codes[kind] != NULL &&
			(relid == InvalidOid || relid == reference_relid[kind]))
		{
			reference_codes[kind] = NULL;
			reference_values[kind] = NULL;
			reference_count[kind] = 0;
			stale_cxt[kind] = kept_cxt[kind];
			kept_cxt[kind] = NULL;
		}
	if (kept_offices != NULL && (relid == InvalidOid || relid == kept_office_relid))
	{
		kept_offices = NULL;
		kept_office_count = 0;
		stale_cxt[KEPT_OFFICES] = kept_cxt[KEPT_OFFICES];
		kept_cxt[KEPT_OFFICES] = NULL;
	}
}

/* ReferencesCached tells whether this backend keeps offices and codes. */
bool
ReferencesCached(void)
{
	return !PassportDistributed();
}

/*
 * ReadToKeep runs plan (no parameters) for rows a backend keeps when *keep
 * (then it sets *keep to whether they may be kept), or else for this call
 * only.  Rows to keep are read with a snapshot taken after the pending
 * invalidations were applied, and kept only when no invalidation came
 * while they were read: a change committed before the snapshot is in the
 * rows, one committed after it invalidates them, in any isolation level.
 * The caller holds an SPI connection; it copies the rows it keeps into
 * KeptContext().
 */
int
ReadToKeep(SPIPlanPtr plan, bool *keep)
{
	uint64		invalidations;
	int			rc;

	if (!*keep)
		return PassportExecute(plan, NULL, NULL, true, 0);
	if (!kept_callback)
	{
		CacheRegisterRelcacheCallback(ReferencesAtRelcache, (Datum) 0);
		kept_callback = true;
	}
	AcceptInvalidationMessages();
	invalidations = reference_invalidations;
	rc = SPI_execute_snapshot(plan, NULL, NULL, GetLatestSnapshot(), InvalidSnapshot,
							  true, false, 0);
	if (rc < 0)
		elog(ERROR, "SPI_execute_snapshot failed: %s", SPI_result_code_string(rc));
	*keep = invalidations == reference_invalidations;
	return (int) SPI_processed;
}

/*
 * KeptStamp returns the number of relation cache invalidations this
 * backend has seen since the first ReadToKeep: rows kept apart from the
 * references (the installation key) stay valid while it is unchanged.
 */
uint64
KeptStamp(void)
{
	return reference_invalidations;
}

/*
 * KeptContext returns new memory for what is kept in slot (a kind of codes
 * or KEPT_OFFICES), freeing the memory of what was kept there before.
 */
static MemoryContext
KeptContext(int slot)
{
	if (stale_cxt[slot] != NULL)
		MemoryContextDelete(stale_cxt[slot]);
	stale_cxt[slot] = NULL;
	kept_cxt[slot] = AllocSetContextCreate(TopMemoryContext, "passport kept rows",
										   ALLOCSET_SMALL_SIZES);
	return kept_cxt[slot];
}

/*
 * ReferenceCodes returns the codes of kind in their order (and with
 * values their values, or NULL for a kind without), read once and kept
 * (ReferencesCached) or read on every call.  The caller holds an SPI
 * connection.
 */
static char **
ReferenceCodes(ReferenceKind kind, int *count, char ***values)
{
	static SPIPlanPtr plans[REFERENCE_KINDS];
	static const char *const sql[REFERENCE_KINDS] = {
		"SELECT l.lane_code FROM passport.lane l ORDER BY l.call_order",
		"SELECT l.lane_code FROM passport.lane l WHERE l.walk_in ORDER BY l.call_order",
		"SELECT l.lane_code FROM passport.lane l WHERE l.bookable ORDER BY l.call_order",
		"SELECT s.service_code FROM passport.service s ORDER BY s.service_code",
		"SELECT c.channel FROM passport.channel c ORDER BY c.channel",
		"SELECT k.kind_code FROM passport.passport_kind k ORDER BY k.kind_code",
		"SELECT s.status FROM passport.application_status s ORDER BY s.ordinal",
		"SELECT t.from_status || '>' || t.to_status, "
		"       string_agg(t.actor_role, ',' ORDER BY t.actor_role) "
		"  FROM passport.transition t GROUP BY t.from_status, t.to_status ORDER BY 1",
		"SELECT l.lane_code FROM passport.lane l WHERE l.tariff_item = 'percepatan' "
		" ORDER BY l.call_order",
		"SELECT l.lane_code, l.ready_working_days::text FROM passport.lane l ORDER BY l.call_order"
	};
	bool		keep = ReferencesCached();
	MemoryContext oldcontext;
	char	  **codes;
	char	  **vals = NULL;
	Oid			relid = InvalidOid;
	int			n;
	int			i;

	if (keep && reference_codes[kind] != NULL)
	{
		*count = reference_count[kind];
		if (values != NULL)
			*values = reference_values[kind];
		return reference_codes[kind];
	}
	if (keep)
		relid = PassportRelid(reference_table[kind]);
	n = ReadToKeep(PassportPrepare(&plans[kind], sql[kind], 0, NULL), &keep);
	oldcontext = MemoryContextSwitchTo(keep ? KeptContext(kind) : CurrentMemoryContext);
	codes = palloc(sizeof(char *) * (n + 1));
	if (SPI_tuptable->tupdesc->natts > 1)
		vals = palloc(sizeof(char *) * (n + 1));
	/* (the texts are allocated in the memory switched to) */
	for (i = 0; i < n; i++)
	{
		codes[i] = PassportGetText(i, 1);
		if (vals != NULL)
			vals[i] = PassportGetText(i, 2);
	}
	codes[n] = NULL;
	MemoryContextSwitchTo(oldcontext);
	if (keep)
	{
		reference_codes[kind] = codes;
		reference_values[kind] = vals;
		reference_count[kind] = n;
		reference_relid[kind] = relid;
	}
	*count = n;
	if (values != NULL)
		*values = vals;
	return codes;
}

/*
 * KeptOfficeOf returns the kept row of the office a row of passport's
 * tables refers to by number (so it exists).  Only when ReferencesCached().
 */
const KeptOffice *
KeptOfficeOf(int64 office_id)
{
	const KeptOffice *office = KeptOfficeRow(office_id, NULL);

	if (office == NULL)
		elog(ERROR, "office %lld vanished", (long long) office_id);
	return office;
}

/*
 * KeptOfficeRow returns the row of the office with office_id (when
 * positive) or code (upper case), or NULL when there is none; the offices
 * are read once and kept.  Only when ReferencesCached().
 */
const KeptOffice *
KeptOfficeRow(int64 office_id, const char *code)
{
	static SPIPlanPtr plan = NULL;
	const KeptOffice *rows = kept_offices;
	int			n = kept_office_count;
	int			i;

	if (office_id <= 0 && code == NULL)
		return NULL;
	if (rows == NULL)
	{
		bool		keep = true;
		Oid			relid = PassportRelid("office");
		MemoryContext oldcontext;
		KeptOffice *read;
		bool		isnull;

		n = ReadToKeep(PassportPrepare(&plan,
									   "SELECT o.office_id, o.code, o.name, o.time_zone, o.active, "
									   "       o.payment_policy "
									   "  FROM passport.office o",
									   0, NULL),
					   &keep);
		oldcontext = MemoryContextSwitchTo(keep ? KeptContext(KEPT_OFFICES) : CurrentMemoryContext);
		read = palloc0(sizeof(KeptOffice) * (n + 1));
		for (i = 0; i < n; i++)
		{
			read[i].office_id = DatumGetInt64(PassportGetDatum(i, 1, &isnull));
			read[i].code = PassportGetText(i, 2);
			read[i].name = PassportGetText(i, 3);
			read[i].time_zone = PassportGetText(i, 4);
			read[i].active = DatumGetBool(PassportGetDatum(i, 5, &isnull));
			read[i].payment_policy = PassportGetText(i, 6);
		}
		MemoryContextSwitchTo(oldcontext);
		/* (changed while read: this call uses the rows, nobody keeps them) */
		if (keep)
		{
			kept_offices = read;
			kept_office_count = n;
			kept_office_relid = relid;
		}
		rows = read;
	}
	for (i = 0; i < n; i++)
		if (office_id > 0 ? rows[i].office_id == office_id : strcmp(rows[i].code, code) == 0)
			return &rows[i];
	return NULL;
}

/* ReferenceHas tells whether code is one of the codes of kind. */
bool
ReferenceHas(ReferenceKind kind, const char *code)
{
	char	  **codes;
	int			n;
	int			i;

	codes = ReferenceCodes(kind, &n, NULL);
	for (i = 0; i < n; i++)
		if (strcmp(codes[i], code) == 0)
			return true;
	return false;
}

/*
 * ReferenceValue returns the value of code among the codes of kind (a
 * kind with values), or NULL when there is no such code.
 */
const char *
ReferenceValue(ReferenceKind kind, const char *code)
{
	char	  **codes;
	char	  **values;
	int			n;
	int			i;

	codes = ReferenceCodes(kind, &n, &values);
	Assert(values != NULL || n == 0);
	for (i = 0; i < n; i++)
		if (strcmp(codes[i], code) == 0)
			return values ? values[i] : NULL;
	return NULL;
}

/*
 * ReferenceList returns the codes of a reference table as "a, b and c",
 * for hints: the texts that tell a caller what is allowed are derived from
 * the rows that decide it.  The caller holds an SPI connection.
 */
char *
ReferenceList(ReferenceKind kind)
{
	StringInfoData buf;
	char	  **codes;
	int			n;
	int			i;

	codes = ReferenceCodes(kind, &n, NULL);
	initStringInfo(&buf);
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, i == n - 1 ? " and " : ", ");
		appendStringInfoString(&buf, codes[i]);
	}
	return n > 0 ? buf.data : pstrdup("none");
}

PG_FUNCTION_INFO_V1(passport_reference_changed);

/*
 * passport_reference_changed is the statement trigger
 * passport.reference_changed() of the reference tables whose codes
 * backends keep: it invalidates the table's relation cache entry, in this
 * backend at the next command and in every other at commit, and with it
 * the codes kept (ReferencesAtRelcache).
 */
Datum
passport_reference_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("passport.reference_changed() is a trigger function")));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}

/*
 * RequireWalkInLane raises PP002 unless lane takes walk-ins (a row of
 * passport.lane says so).  The caller holds an SPI connection.
 */
void
RequireWalkInLane(const char *lane)
{
	RequireText(lane, "lane");
	if (!ReferenceHas(REFERENCE_WALK_IN_LANES, lane))
		ereport(ERROR,
				(errcode(ERRCODE_PP_NOT_BOOKABLE),
				 errmsg("lane \"%s\" takes no walk-ins", lane),
				 errhint("Walk-ins are served in the %s lanes; the others need a reservation.",
						 ReferenceList(REFERENCE_WALK_IN_LANES))));
}
