/*-------------------------------------------------------------------------
 *
 * passport.h
 *	  Declarations shared by the server-side C files of the extension:
 *	  SQLSTATEs, settings, the time source, SPI helpers, identifiers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PASSPORT_H
#define PASSPORT_H

#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "fmgr.h"
#include "utils/date.h"
#include "utils/timestamp.h"

/*
 * SQLSTATEs of class PP: the conditions an adapter branches on.  The README
 * lists them; the tests assert every one.
 */
#define ERRCODE_PP_SLOT_FULL			MAKE_SQLSTATE('P','P','0','0','1')
#define ERRCODE_PP_NOT_BOOKABLE			MAKE_SQLSTATE('P','P','0','0','2')
#define ERRCODE_PP_NIK_ACTIVE			MAKE_SQLSTATE('P','P','0','0','3')
#define ERRCODE_PP_SENDER_LIMIT			MAKE_SQLSTATE('P','P','0','0','4')
#define ERRCODE_PP_COOLDOWN				MAKE_SQLSTATE('P','P','0','0','5')
#define ERRCODE_PP_NOT_FOUND			MAKE_SQLSTATE('P','P','0','0','6')
#define ERRCODE_PP_NOT_ACTIVE			MAKE_SQLSTATE('P','P','0','0','7')
#define ERRCODE_PP_RESCHEDULE_REFUSED	MAKE_SQLSTATE('P','P','0','0','8')
#define ERRCODE_PP_CHECKIN_WINDOW		MAKE_SQLSTATE('P','P','0','0','9')
#define ERRCODE_PP_IDEMPOTENCY_CONFLICT	MAKE_SQLSTATE('P','P','0','1','0')
#define ERRCODE_PP_OFFICE_UNKNOWN		MAKE_SQLSTATE('P','P','0','1','1')
#define ERRCODE_PP_ILLEGAL_TRANSITION	MAKE_SQLSTATE('P','P','0','1','2')
#define ERRCODE_PP_STALE_STATUS			MAKE_SQLSTATE('P','P','0','1','3')
#define ERRCODE_PP_WRONG_AMOUNT			MAKE_SQLSTATE('P','P','0','1','4')
#define ERRCODE_PP_BILLING_EXPIRED		MAKE_SQLSTATE('P','P','0','1','5')
#define ERRCODE_PP_ALREADY_PAID			MAKE_SQLSTATE('P','P','0','1','6')
#define ERRCODE_PP_RATE_LIMITED			MAKE_SQLSTATE('P','P','0','1','7')
#define ERRCODE_PP_CONTINGENT_USED		MAKE_SQLSTATE('P','P','0','1','8')
#define ERRCODE_PP_TICKET_STATE			MAKE_SQLSTATE('P','P','0','1','9')
#define ERRCODE_PP_NTPN_USED			MAKE_SQLSTATE('P','P','0','2','0')

#define ERRCODE_PP_INVALID_RESNUM		MAKE_SQLSTATE('P','P','1','0','1')
#define ERRCODE_PP_INVALID_NIK			MAKE_SQLSTATE('P','P','1','0','2')
#define ERRCODE_PP_NIK_BIRTH_MISMATCH	MAKE_SQLSTATE('P','P','1','0','3')
#define ERRCODE_PP_INVALID_PHONE		MAKE_SQLSTATE('P','P','1','0','4')
#define ERRCODE_PP_INVALID_APPNUM		MAKE_SQLSTATE('P','P','1','0','5')
#define ERRCODE_PP_INVALID_BILLING		MAKE_SQLSTATE('P','P','1','0','6')

/* Highest office number: 12 bits of a reservation number carry it. */
#define PASSPORT_MAX_OFFICE_ID		4095

/* settings (passport.c) */
extern int	passport_max_active_per_sender;
extern int	passport_cooldown_minutes;
extern int	passport_reschedule_limit;
extern int	passport_reschedule_min_days;
extern int	passport_checkin_early_minutes;
extern int	passport_checkin_late_minutes;
extern int	passport_max_calls;
extern int	passport_outbox_max_attempts;
extern bool passport_outbox_notify;
extern bool passport_queue_notify;
extern int	passport_documents_days;
extern int	passport_pickup_days;
extern int	passport_billing_minutes_after_interview;
extern int	passport_billing_minutes_at_booking;
extern char *passport_test_pause;

/* An office as LookupOffice reads it (common.c). */
typedef struct OfficeInfo
{
	int64		office_id;
	char	   *code;
	char	   *name;
	char	   *time_zone;
	DateADT		today;			/* local date at the office now */
	TimestampTz day_start;		/* local midnight of today */
	TimestampTz day_end;		/* local midnight of tomorrow */
} OfficeInfo;

/* common.c: required arguments, copies, office local times, the office lookup */
extern void RequireText(const char *value, const char *name);
extern char *Upper(const char *s);
extern char *CopyOut(MemoryContext cxt, const char *s);
extern DateADT LocalDate(TimestampTz ts, const char *tzname);
extern TimeADT LocalTime(TimestampTz ts, const char *tzname);
extern char *ShowLocal(TimestampTz ts, const char *tzname);
extern char *IsoDate(DateADT date);
extern char *ClockTime(TimeADT time);
extern void LookupOffice(const char *office_code, TimestampTz now, OfficeInfo *office);
extern void LookupOfficeBy(int64 office_id, const char *office_code, TimestampTz now,
						   OfficeInfo *office);
extern void LookupArgOffice(FunctionCallInfo fcinfo, int n, TimestampTz now, OfficeInfo *office);
extern void RequireWalkInLane(const char *lane);

/*
 * Reference rows that requests name or moves check (lanes, services,
 * channels, passport kinds, statuses, moves, lanes' terms): whether one
 * exists (ReferenceHas), its value (ReferenceValue), and the list that
 * hints give (ReferenceList).
 */
typedef enum ReferenceKind
{
	REFERENCE_LANES,
	REFERENCE_WALK_IN_LANES,
	REFERENCE_BOOKABLE_LANES,
	REFERENCE_SERVICES,
	REFERENCE_CHANNELS,
	REFERENCE_PASSPORT_KINDS,
	REFERENCE_STATUSES,			/* application statuses */
	REFERENCE_MOVES,			/* "from>to", with the roles that may move */
	REFERENCE_SURCHARGE_LANES,	/* lanes whose service costs a surcharge */
	REFERENCE_LANE_READY_DAYS,	/* lanes, with their working days to ready */
	REFERENCE_KINDS
} ReferenceKind;
extern char *ReferenceList(ReferenceKind kind);
extern bool ReferenceHas(ReferenceKind kind, const char *code);
extern const char *ReferenceValue(ReferenceKind kind, const char *code);
extern bool ReferencesCached(void);
extern int	ReadToKeep(SPIPlanPtr plan, bool *keep);
extern uint64 KeptStamp(void);

/* An office as a backend keeps it (when ReferencesCached()). */
typedef struct KeptOffice
{
	int64		office_id;
	char	   *code;
	char	   *name;
	char	   *time_zone;
	char	   *payment_policy;
	bool		active;
} KeptOffice;
extern const KeptOffice *KeptOfficeRow(int64 office_id, const char *code);
extern const KeptOffice *KeptOfficeOf(int64 office_id);

/* PassportNow returns the time every rule reads (pinnable for tests). */
extern TimestampTz PassportNow(void);

/* access.c: the calling role, officers' offices, the office scope */
extern Oid	CallingRole(void);
extern char *CallingRoleName(void);
extern bool CallerHasRole(const char *rolname);
extern void RequireOfficeAccess(int64 office_id);
extern void DefineOfficeScope(void);

/* compat.c: an entry point an older SQL declaration names (see there) */
extern void PassportRetired(const char *symbol, const char *version) pg_attribute_noreturn();

/* SPI helpers (spi.c) */
extern bool PassportDistributed(void);
extern Oid	PassportRelid(const char *name);
extern SPIPlanPtr PassportPrepare(SPIPlanPtr *cache, const char *sql,
								  int nargs, const Oid *argtypes);
extern int	PassportExecute(SPIPlanPtr plan, const Datum *values,
							const char *nulls, bool read_only, long count);
extern void PassportExpectColumns(int ncolumns);
extern Datum PassportGetDatum(int row, int col, bool *isnull);
extern char *PassportGetText(int row, int col);
extern void PassportConnect(void);
extern char *PassportArgText(FunctionCallInfo fcinfo, int n);
extern Datum PassportRowDatum(FunctionCallInfo fcinfo, MemoryContext cxt);
extern void PassportFinish(void);

/* What one office's sweep did (sweep.c, status.c, reserve.c). */
typedef struct SweepCounts
{
	int			no_shows;
	int			billings_expired;
	int			payment_expired;
	int			forfeited;
	int			uncollected;
	int			history_rows;
	int			messages;
} SweepCounts;

/* applications (status.c) */
extern void SweepApplications(int64 office_id, DateADT today, TimestampTz now,
							  SweepCounts *counts);

/* guards (guard.c): claims with tokens; the caller holds an SPI connection */
typedef enum NikClaimResult
{
	NIK_CLAIMED,				/* the claim is ours */
	NIK_HELD,					/* another claim holds the NIK */
	NIK_COOLING					/* the NIK cools down */
} NikClaimResult;
extern int64 NewGuardToken(void);
extern TimestampTz GuardTokenTime(int64 token);
extern NikClaimResult ClaimNik(const char *nik, int64 office_id, int64 token,
							   const char *code, const char *sender, TimestampTz now);
extern bool NikHolder(const char *nik, int64 office_id, bool *held, bool *pending_here,
					  TimestampTz *cooldown_until);
extern void FinishNik(const char *nik, int64 token, const char *code);
extern void DropNikClaim(const char *nik, int64 token);
extern void EndNik(const char *nik, int64 token, TimestampTz cooldown_until);
extern bool HoldSender(const char *sender, int64 token, int64 office_id, TimestampTz now);
extern void SenderLimitReached(void) pg_attribute_noreturn();
extern void ReleaseSender(const char *sender, int64 token);
extern bool FenceBooked(int64 office_id, int64 token, const char *code, TimestampTz now);
extern void EndReservationGuards(int64 office_id, const char *code, const char *nik,
								 int64 token, bool has_token, const char *sender,
								 TimestampTz cooldown_until, TimestampTz now);
/* A release owed by a reservation that ended (passport.guard_release). */
typedef struct GuardRelease
{
	int64		office_id;
	char	   *code;
	char	   *nik;
	int64		token;
	char	   *sender;
	TimestampTz cooldown_until; /* DT_NOBEGIN: free at once */
} GuardRelease;
extern bool ReadOwedRelease(int64 office_id, const char *code, GuardRelease *rel);
extern void ForgetRelease(int64 office_id, const char *code);
extern int	SettleForSweep(TimestampTz now);

/* reservations (reserve.c) */
extern int	SweepNoShows(int64 office_id, DateADT today, TimestampTz now);
extern bool TakeDayPlace(int64 office_id, const char *lane, TimestampTz day_start,
						 TimestampTz day_end, TimestampTz now, int64 *slot_id, int16 *shard);

/* outbox (outbox.c): a message's JSON payload, and the one enqueue */
typedef struct Payload
{
	StringInfoData buf;
	int			fields;
} Payload;
extern void PayloadInit(Payload *payload);
extern void PayloadAdd(Payload *payload, const char *key, const char *value);
extern char *PayloadEnd(Payload *payload);
extern bool EnqueueMessage(int64 office_id, const char *channel, const char *recipient,
						   const char *template, const char *language, const char *payload,
						   const char *dedupe_key, TimestampTz now);

/* queue (queue.c) */
extern int64 IssueTicket(int64 office_id, const char *lane, const char *source,
						 const char *reservation_code, const char *application_number,
						 bool has_appointment, TimestampTz appointment_at, TimestampTz now,
						 bool has_place, int64 slot_id, int16 shard, char **code);

/* identifiers (ids.c) */
extern int64 PassportNextValue(const char *name);
extern char *IssueReservationNumber(int64 office_id);
extern bool ReservationNumberOffice(const char *canonical, int64 *office_id);
extern char *CanonicalReservationNumber(const char *input);
extern char *NormalisePhoneOrError(const char *input, const char *what);
extern char *IssueApplicationNumber(int64 office_id);
extern char *IssueBillingCode(int64 office_id);
extern char *CanonicalApplicationNumber(const char *input);
extern char *CanonicalBillingCode(const char *input);
extern int64 ApplicationNumberOffice(const char *digits);
extern int64 BillingCodeOffice(const char *digits);
extern void CheckNikOrError(const char *input, DateADT birth_date, char *digits_out);

#endif							/* PASSPORT_H */
