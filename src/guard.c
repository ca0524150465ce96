/*-------------------------------------------------------------------------
 *
 * guard.c
 *	  The cross-office guards as claims with tokens: one active reservation
 *	  per NIK (passport.nik_guard), a limit of active reservations per
 *	  sender (passport.sender_guard; on a distributed installation with one
 *	  passport.sender_hold row per reservation counted), the fence of a
 *	  booking made in steps
 *	  (passport.booking_fence), and the releases a reservation owes when it
 *	  ends (passport.guard_release on a distributed installation).
 *
 * Every statement here touches one table by its own key, so on a Citus
 * cluster each is single-shard: the NIK's, the sender's or the office's.
 * The functions run in their caller's SPI connection; the strings they
 * return are copies in its memory, which outlive a procedure's COMMIT.
 * On one node a booking makes its claim and its hold in its own
 * transaction; on a cluster passport.reserve_at makes them in transactions
 * of their own (reserve.c) and passport.settle_guards() settles what a
 * crash between them left.  Every release names the token it releases, so
 * doing it twice, or after the NIK was claimed again, changes nothing.
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

/*
 * NewGuardToken returns a fresh claim token: the real time in microseconds
 * since 2000 shifted left by 10 bits, plus 10 random bits.
 */
int64
NewGuardToken(void)
{
	uint16		noise = 0;
	TimestampTz wall = GetCurrentTimestamp();

	if (!pg_strong_random(&noise, sizeof(noise)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes")));
	if (wall < 0)
		wall = 0;
	return (int64) ((uint64) wall << 10) | (int64) (noise & 1023);
}

/* GuardTokenTime returns the time a token was made. */
TimestampTz
GuardTokenTime(int64 token)
{
	return (TimestampTz) ((uint64) token >> 10);
}

/*
 * ClaimNik makes token the NIK's claim at office_id: active with code, or
 * pending when code is NULL, with the sender whose place the booking may
 * hold (what settling gives back if the booking never happens).  Succeeds
 * unless the NIK holds a claim or is cooling down at now; returns what it
 * found.  claimed_at is the real time, which settling compares.
 */
NikClaimResult
ClaimNik(const char *nik, int64 office_id, int64 token, const char *code,
		 const char *sender, TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	static SPIPlanPtr why_plan = NULL;
	static const Oid types[7] = {TEXTOID, INT8OID, TEXTOID, INT8OID, TIMESTAMPTZOID,
	TIMESTAMPTZOID, TEXTOID};
	Datum		values[7];
	char		nulls[7];
	bool		isnull;
	NikClaimResult result;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(nik);
	values[1] = Int64GetDatum(office_id);
	values[2] = code ? CStringGetTextDatum(code) : (Datum) 0;
	nulls[2] = code ? ' ' : 'n';
	values[3] = Int64GetDatum(token);
	values[4] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[5] = TimestampTzGetDatum(now);
	values[6] = (code == NULL && sender != NULL) ? CStringGetTextDatum(sender) : (Datum) 0;
	nulls[6] = (code == NULL && sender != NULL) ? ' ' : 'n';
	if (PassportExecute(PassportPrepare(&plan,
										"INSERT INTO passport.nik_guard AS g (nik, office_id, code, token, claimed_at, sender) "
										"VALUES ($1, $2, $3, $4, $5, $7) "
										"ON CONFLICT ON CONSTRAINT nik_guard_pkey DO UPDATE "
										"   SET office_id = excluded.office_id, code = excluded.code, "
										"       token = excluded.token, claimed_at = excluded.claimed_at, "
										"       sender = excluded.sender, cooldown_until = NULL "
										" WHERE g.token IS NULL "
										"   AND (g.cooldown_until IS NULL OR g.cooldown_until <= $6)",
										7, types),
						values, nulls, false, 0) == 1)
		result = NIK_CLAIMED;
	else if (PassportExecute(PassportPrepare(&why_plan,
											 "SELECT g.token IS NULL FROM passport.nik_guard g WHERE g.nik = $1",
											 1, types),
							 values, NULL, false, 1) == 1 &&
			 DatumGetBool(PassportGetDatum(0, 1, &isnull)))
		result = NIK_COOLING;
	else
		result = NIK_HELD;
	return result;
}

/*
 * NikHolder reads the NIK's guard: whether a claim holds it, whether that
 * claim is pending at office_id, and the end of its cooldown (DT_NOBEGIN
 * when none).  Returns false when the NIK has no guard row.
 */
bool
NikHolder(const char *nik, int64 office_id, bool *held, bool *pending_here,
		  TimestampTz *cooldown_until)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[2] = {TEXTOID, INT8OID};
	Datum		values[2];
	bool		isnull;
	bool		found;

	values[0] = CStringGetTextDatum(nik);
	values[1] = Int64GetDatum(office_id);
	found = PassportExecute(PassportPrepare(&plan,
											"SELECT g.token IS NOT NULL, "
											"       g.token IS NOT NULL AND g.code IS NULL AND g.office_id = $2, "
											"       g.cooldown_until "
											"  FROM passport.nik_guard g WHERE g.nik = $1",
											2, types),
							values, NULL, false, 1) == 1;
	*held = false;
	*pending_here = false;
	*cooldown_until = DT_NOBEGIN;
	if (found)
	{
		/* columns: held by a claim, pending at this office, cooldown end */
		PassportExpectColumns(3);
		*held = DatumGetBool(PassportGetDatum(0, 1, &isnull));
		*pending_here = DatumGetBool(PassportGetDatum(0, 2, &isnull));
		*cooldown_until = DatumGetTimestampTz(PassportGetDatum(0, 3, &isnull));
		if (isnull)
			*cooldown_until = DT_NOBEGIN;
	}
	return found;
}

/* FinishNik makes a pending claim active with its reservation number. */
void
FinishNik(const char *nik, int64 token, const char *code)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[3] = {TEXTOID, INT8OID, TEXTOID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(nik);
	values[1] = Int64GetDatum(token);
	values[2] = CStringGetTextDatum(code);
	PassportExecute(PassportPrepare(&plan,
									"UPDATE passport.nik_guard g SET code = $3, sender = NULL "
									" WHERE g.nik = $1 AND g.token = $2 AND g.code IS NULL",
									3, types),
					values, NULL, false, 0);
}

/*
 * DropNikClaim removes a claim whose booking did not happen (it was made
 * when the NIK was free, so nothing else is lost).
 */
void
DropNikClaim(const char *nik, int64 token)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[2] = {TEXTOID, INT8OID};
	Datum		values[2];

	values[0] = CStringGetTextDatum(nik);
	values[1] = Int64GetDatum(token);
	PassportExecute(PassportPrepare(&plan,
									"DELETE FROM passport.nik_guard g WHERE g.nik = $1 AND g.token = $2",
									2, types),
					values, NULL, false, 0);
}

/*
 * EndNik ends the claim of token: the NIK cools down until cooldown_until,
 * or is free at once when cooldown_until is DT_NOBEGIN.
 */
void
EndNik(const char *nik, int64 token, TimestampTz cooldown_until)
{
	static SPIPlanPtr cool_plan = NULL;
	static const Oid types[3] = {TEXTOID, INT8OID, TIMESTAMPTZOID};
	Datum		values[3];

	if (TIMESTAMP_IS_NOBEGIN(cooldown_until))
	{
		/* free at once: the claim's row goes */
		DropNikClaim(nik, token);
		return;
	}
	values[0] = CStringGetTextDatum(nik);
	values[1] = Int64GetDatum(token);
	values[2] = TimestampTzGetDatum(cooldown_until);
	PassportExecute(PassportPrepare(&cool_plan,
									"UPDATE passport.nik_guard g "
									"   SET office_id = NULL, code = NULL, token = NULL, claimed_at = NULL, "
									"       sender = NULL, cooldown_until = $3 "
									" WHERE g.nik = $1 AND g.token = $2",
									3, types),
					values, NULL, false, 0);
}

/*
 * HoldSender counts one more active reservation for sender, held by token
 * at office_id, unless the sender holds passport.max_active_per_sender
 * already (returns false; nothing written).  Every booking with a sender
 * is counted, with a limit or without (0), so that the count is right
 * whenever the limit is set.  On a distributed installation the place is
 * also held by a passport.sender_hold row of the token, by which a release
 * (which may be carried out more than once there) happens once; on one
 * node the reservation's own end, which happens once, releases it.
 */
bool
HoldSender(const char *sender, int64 token, int64 office_id, TimestampTz now)
{
	static SPIPlanPtr count_plan = NULL;
	static SPIPlanPtr hold_plan = NULL;
	static const Oid count_types[2] = {TEXTOID, INT4OID};
	static const Oid hold_types[4] = {TEXTOID, INT8OID, INT8OID, TIMESTAMPTZOID};
	Datum		values[4];
	bool		counted;

	if (sender == NULL)
		return true;
	values[0] = CStringGetTextDatum(sender);
	values[1] = Int32GetDatum(passport_max_active_per_sender > 0 ? passport_max_active_per_sender : PG_INT32_MAX);
	counted = PassportExecute(PassportPrepare(&count_plan,
											  "INSERT INTO passport.sender_guard AS g (sender, active) VALUES ($1, 1) "
											  "ON CONFLICT ON CONSTRAINT sender_guard_pkey DO UPDATE "
											  "   SET active = g.active + 1 WHERE g.active < $2",
											  2, count_types),
							  values, NULL, false, 0) == 1;
	if (counted && PassportDistributed())
	{
		values[1] = Int64GetDatum(token);
		values[2] = Int64GetDatum(office_id);
		values[3] = TimestampTzGetDatum(now);
		PassportExecute(PassportPrepare(&hold_plan,
										"INSERT INTO passport.sender_hold (sender, token, office_id, held_at) "
										"VALUES ($1, $2, $3, $4)",
										4, hold_types),
						values, NULL, false, 0);
	}
	return counted;
}

/* SenderLimitReached raises PP004. */
void
SenderLimitReached(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PP_SENDER_LIMIT),
			 errmsg("this sender already holds %d active reservations", passport_max_active_per_sender),
			 errdetail("One sender may hold at most %d active reservations at once.",
					   passport_max_active_per_sender)));
}

/*
 * ReleaseSender gives back the sender's place held by token: on a
 * distributed installation once, by deleting its hold; on one node the
 * caller ends the reservation, which happens once.
 */
void
ReleaseSender(const char *sender, int64 token)
{
	static SPIPlanPtr hold_plan = NULL;
	static SPIPlanPtr count_plan = NULL;
	static const Oid types[2] = {TEXTOID, INT8OID};
	Datum		values[2];

	if (sender == NULL)
		return;
	values[0] = CStringGetTextDatum(sender);
	values[1] = Int64GetDatum(token);
	if (!PassportDistributed() ||
		PassportExecute(PassportPrepare(&hold_plan,
										"DELETE FROM passport.sender_hold h WHERE h.sender = $1 AND h.token = $2",
										2, types),
						values, NULL, false, 0) == 1)
		PassportExecute(PassportPrepare(&count_plan,
										"UPDATE passport.sender_guard g SET active = g.active - 1 "
										" WHERE g.sender = $1 AND g.active > 0",
										1, types),
						values, NULL, false, 0);
}

/*
 * FenceBooked writes the booked fence row of token with the reservation
 * number; returns false when the token was settled as void meanwhile (the
 * caller must not book).
 */
bool
FenceBooked(int64 office_id, int64 token, const char *code, TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[4] = {INT8OID, INT8OID, TEXTOID, TIMESTAMPTZOID};
	Datum		values[4];
	bool		fenced;

	values[0] = Int64GetDatum(office_id);
	values[1] = Int64GetDatum(token);
	values[2] = CStringGetTextDatum(code);
	values[3] = TimestampTzGetDatum(now);
	fenced = PassportExecute(PassportPrepare(&plan,
											 "INSERT INTO passport.booking_fence (office_id, token, outcome, code, at) "
											 "VALUES ($1, $2, 'booked', $3, $4) "
											 "ON CONFLICT ON CONSTRAINT booking_fence_pkey DO NOTHING",
											 4, types),
							 values, NULL, false, 0) == 1;
	return fenced;
}

/*
 * FenceVoid settles the booking of token at office_id: writes its void
 * fence row unless the booking committed, and returns the reservation
 * number it booked, or NULL when it never did (and now never can).  A
 * booking still running is waited for (the fence row's key).
 */
static char *
FenceVoid(int64 office_id, int64 token, TimestampTz now)
{
	static SPIPlanPtr void_plan = NULL;
	static SPIPlanPtr read_plan = NULL;
	static const Oid types[3] = {INT8OID, INT8OID, TIMESTAMPTZOID};
	Datum		values[3];
	char	   *code = NULL;

	values[0] = Int64GetDatum(office_id);
	values[1] = Int64GetDatum(token);
	values[2] = TimestampTzGetDatum(now);
	if (PassportExecute(PassportPrepare(&void_plan,
										"INSERT INTO passport.booking_fence (office_id, token, outcome, at) "
										"VALUES ($1, $2, 'void', $3) "
										"ON CONFLICT ON CONSTRAINT booking_fence_pkey DO NOTHING",
										3, types),
						values, NULL, false, 0) != 1 &&
		PassportExecute(PassportPrepare(&read_plan,
										"SELECT f.code FROM passport.booking_fence f "
										" WHERE f.office_id = $1 AND f.token = $2",
										2, types),
						values, NULL, false, 1) == 1)
		code = PassportGetText(0, 1);
	return code;
}

/*
 * EndReservationGuards releases what a reservation that ended holds: its
 * NIK claim (cooling down until cooldown_until, DT_NOBEGIN for none) and
 * its sender's hold.  On one node at once; on a distributed installation
 * the office's transaction records the release in passport.guard_release
 * instead (the NIK and the sender live on other shards), and the caller
 * (ReadOwedRelease, EndNik, ReleaseSender, ForgetRelease) or
 * passport.settle_guards() carries it out.  A
 * reservation without a token (0.1, never booked) holds nothing.
 */
void
EndReservationGuards(int64 office_id, const char *code, const char *nik, int64 token,
					 bool has_token, const char *sender, TimestampTz cooldown_until,
					 TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[7] = {INT8OID, TEXTOID, TEXTOID, INT8OID, TEXTOID,
	TIMESTAMPTZOID, TIMESTAMPTZOID};
	Datum		values[7];
	char		nulls[7];

	if (!has_token)
		return;
	if (!PassportDistributed())
	{
		EndNik(nik, token, cooldown_until);
		ReleaseSender(sender, token);
		return;
	}
	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(code);
	values[2] = CStringGetTextDatum(nik);
	values[3] = Int64GetDatum(token);
	values[4] = sender ? CStringGetTextDatum(sender) : (Datum) 0;
	nulls[4] = sender ? ' ' : 'n';
	values[5] = TimestampTzGetDatum(cooldown_until);
	nulls[5] = TIMESTAMP_IS_NOBEGIN(cooldown_until) ? 'n' : ' ';
	values[6] = TimestampTzGetDatum(now);
	PassportExecute(PassportPrepare(&plan,
									"INSERT INTO passport.guard_release (office_id, code, nik, token, sender, "
									"  cooldown_until, at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
									"ON CONFLICT ON CONSTRAINT guard_release_pkey DO NOTHING",
									7, types),
					values, nulls, false, 0);
}

/* Result columns of the releases ReadReleases reads. */
typedef enum ReleaseColumn
{
	RELEASE_OFFICE_ID = 1,
	RELEASE_CODE,
	RELEASE_NIK,
	RELEASE_TOKEN,
	RELEASE_SENDER,
	RELEASE_COOLDOWN_UNTIL
} ReleaseColumn;
#define RELEASE_COLUMNS		RELEASE_COOLDOWN_UNTIL

/*
 * ReadReleases reads the release owed by reservation code of office_id, or
 * (code NULL) every release owed, into *out; returns how many.
 */
static int
ReadReleases(int64 office_id, const char *code, GuardRelease **out)
{
	static SPIPlanPtr one_plan = NULL;
	static SPIPlanPtr all_plan = NULL;
	static const Oid types[2] = {INT8OID, TEXTOID};
	Datum		values[2];
	int			n;
	int			i;
	GuardRelease *rel;

	values[0] = Int64GetDatum(office_id);
	values[1] = code ? CStringGetTextDatum(code) : (Datum) 0;
	if (code != NULL)
		n = PassportExecute(PassportPrepare(&one_plan,
											"SELECT r.office_id, r.code, r.nik, r.token, r.sender, r.cooldown_until "
											"  FROM passport.guard_release r WHERE r.office_id = $1 AND r.code = $2",
											2, types),
							values, NULL, false, 0);
	else
		n = PassportExecute(PassportPrepare(&all_plan,
											"SELECT r.office_id, r.code, r.nik, r.token, r.sender, r.cooldown_until "
											"  FROM passport.guard_release r ORDER BY r.at",
											0, NULL),
							NULL, NULL, false, 0);
	if (n > 0)
		PassportExpectColumns(RELEASE_COLUMNS);
	rel = palloc0(sizeof(GuardRelease) * (n + 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		rel[i].office_id = DatumGetInt64(PassportGetDatum(i, RELEASE_OFFICE_ID, &isnull));
		rel[i].code = PassportGetText(i, RELEASE_CODE);
		rel[i].nik = PassportGetText(i, RELEASE_NIK);
		rel[i].token = DatumGetInt64(PassportGetDatum(i, RELEASE_TOKEN, &isnull));
		rel[i].sender = PassportGetText(i, RELEASE_SENDER);
		rel[i].cooldown_until = DatumGetTimestampTz(PassportGetDatum(i, RELEASE_COOLDOWN_UNTIL, &isnull));
		if (isnull)
			rel[i].cooldown_until = DT_NOBEGIN;
	}
	*out = rel;
	return n;
}

/* ReadOwedRelease reads the release a reservation owes; false when none. */
bool
ReadOwedRelease(int64 office_id, const char *code, GuardRelease *rel)
{
	GuardRelease *found;

	if (ReadReleases(office_id, code, &found) == 0)
		return false;
	*rel = found[0];
	return true;
}

/* ForgetRelease deletes a release that was carried out. */
void
ForgetRelease(int64 office_id, const char *code)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[2] = {INT8OID, TEXTOID};
	Datum		values[2];

	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(code);
	PassportExecute(PassportPrepare(&plan,
									"DELETE FROM passport.guard_release r WHERE r.office_id = $1 AND r.code = $2",
									2, types),
					values, NULL, false, 0);
}

/* What settling did (settle_guards' answer). */
typedef struct SettleCounts
{
	int			voided;
	int			finished;
	int			released;
	int			fences_dropped;
} SettleCounts;

/*
 * SettleGuards settles what bookings made in steps left: claims pending
 * since before wall - grace (their booking crashed or lost its answer) get
 * their fence (void: the claim and the sender's hold are released; booked:
 * the claim becomes active), the releases owed by ended reservations are
 * carried out, and fence rows older than a day are deleted (a booking
 * refuses a claim older than an hour, so none can still need them).  In
 * the caller's transaction.
 */
static void
SettleGuards(TimestampTz wall, int64 grace_usecs, TimestampTz now, SettleCounts *counts)
{
	static SPIPlanPtr pending_plan = NULL;
	static SPIPlanPtr fence_plan = NULL;
	static const Oid types[1] = {TIMESTAMPTZOID};
	Datum		values[1];
	int			n;
	int			i;
	char	  **niks;
	int64	   *offices;
	int64	   *tokens;
	char	  **senders;
	GuardRelease *rel;

	values[0] = TimestampTzGetDatum(wall - grace_usecs);
	n = PassportExecute(PassportPrepare(&pending_plan,
										"SELECT g.nik, g.office_id, g.token, g.sender FROM passport.nik_guard g "
										" WHERE g.token IS NOT NULL AND g.code IS NULL AND g.claimed_at < $1 "
										" ORDER BY g.claimed_at",
										1, types),
						values, NULL, false, 0);
	/* columns: NIK, office, token, sender */
	if (n > 0)
		PassportExpectColumns(4);
	niks = palloc(sizeof(char *) * (n + 1));
	offices = palloc(sizeof(int64) * (n + 1));
	tokens = palloc(sizeof(int64) * (n + 1));
	senders = palloc(sizeof(char *) * (n + 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull;

		niks[i] = PassportGetText(i, 1);
		offices[i] = DatumGetInt64(PassportGetDatum(i, 2, &isnull));
		tokens[i] = DatumGetInt64(PassportGetDatum(i, 3, &isnull));
		senders[i] = PassportGetText(i, 4);
	}
	for (i = 0; i < n; i++)
	{
		char	   *code = FenceVoid(offices[i], tokens[i], now);

		if (code != NULL)
		{
			FinishNik(niks[i], tokens[i], code);
			counts->finished++;
		}
		else
		{
			DropNikClaim(niks[i], tokens[i]);
			ReleaseSender(senders[i], tokens[i]);
			counts->voided++;
		}
	}

	n = ReadReleases(0, NULL, &rel);
	for (i = 0; i < n; i++)
	{
		EndNik(rel[i].nik, rel[i].token, rel[i].cooldown_until);
		ReleaseSender(rel[i].sender, rel[i].token);
		ForgetRelease(rel[i].office_id, rel[i].code);
		counts->released++;
	}

	values[0] = TimestampTzGetDatum(wall - USECS_PER_DAY);
	counts->fences_dropped = PassportExecute(PassportPrepare(&fence_plan,
															 "DELETE FROM passport.booking_fence f WHERE f.at < $1",
															 1, types),
											 values, NULL, false, 0);
}

/*
 * SettleForSweep settles with the default grace period (two minutes);
 * returns how many claims and releases it settled.
 */
int
SettleForSweep(TimestampTz now)
{
	SettleCounts counts;

	memset(&counts, 0, sizeof(counts));
	SettleGuards(GetCurrentTimestamp(), 2 * USECS_PER_MINUTE, now, &counts);
	return counts.voided + counts.finished + counts.released;
}

PG_FUNCTION_INFO_V1(passport_settle_guards);

/*
 * passport_settle_guards is passport.settle_guards(grace): settles the
 * claims pending for longer than grace and carries out the releases owed;
 * answers (claims_voided, claims_finished, releases, fences_dropped).
 */
Datum
passport_settle_guards(PG_FUNCTION_ARGS)
{
	Interval   *grace = PG_ARGISNULL(0) ? NULL : PG_GETARG_INTERVAL_P(0);
	int64		grace_usecs = 2 * USECS_PER_MINUTE;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	SettleCounts counts;

	if (grace != NULL)
	{
		grace_usecs = grace->time + (int64) grace->day * USECS_PER_DAY +
			(int64) grace->month * 30 * USECS_PER_DAY;
		if (grace_usecs < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("grace must not be negative")));
	}
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	memset(&counts, 0, sizeof(counts));
	PassportConnect();
	SettleGuards(GetCurrentTimestamp(), grace_usecs, PassportNow(), &counts);
	PassportFinish();
	values[0] = Int32GetDatum(counts.voided);
	values[1] = Int32GetDatum(counts.finished);
	values[2] = Int32GetDatum(counts.released);
	values[3] = Int32GetDatum(counts.fences_dropped);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
