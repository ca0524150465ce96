/*-------------------------------------------------------------------------
 *
 * ids.c
 *	  SQL wrappers of the identifier layer: reservation numbers, application
 *	  numbers, billing codes, NIK and phone validation; the installation key.
 *
 * A reservation number's 45-bit payload is FF1 (radix 32, length 9, AES-256
 * with the installation key) of office_id << 33 | n, where n comes from the
 * office's own counter (passport.office_counter); decrypting a number
 * therefore tells its office, so a lookup by number can be routed to that
 * office, and numbers do not depend on which node of a cluster issues
 * them.  Application numbers (15 digits + Damm) and billing codes (14
 * digits + Damm) encrypt office * 10^11 + n and office * 10^10 + n with FF1
 * radix 10 under their own tweaks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "pgtime.h"
#include "storage/proc.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "passport.h"
#include "ff1.h"
#include "ident.h"

#define RESNUM_SEQ_BITS		33
#define APPNUM_PAYLOAD		15
#define BILLING_PAYLOAD		14

static const uint8_t TWEAK_RESNUM[] = {'R'};
static const uint8_t TWEAK_APPNUM[] = {'A'};
static const uint8_t TWEAK_BILLING[] = {'B'};

/* Shorten user input for messages. */
static char *
Shown(const char *input)
{
	size_t		len = strlen(input);

	if (len <= 40)
		return pstrdup(input);
	return psprintf("%.*s...", pg_mbcliplen(input, (int) len, 40), input);
}

/*
 * KeyBytes copies the installation key into bytes[32].  The oldest key
 * wins: after a restore into a fresh database the restored key is older
 * than the one CREATE EXTENSION made, so numbers issued before the dump
 * stay valid.  With *keep it reads the key to keep it (ReadToKeep) and
 * sets *keep to whether it may be kept.
 */
static void
KeyBytes(uint8 *bytes, bool *keep)
{
	static SPIPlanPtr plan = NULL;
	bytea	   *key;
	bool		isnull;
	bool		no_keep = false;

	PassportConnect();
	if (ReadToKeep(PassportPrepare(&plan,
								   "SELECT key FROM passport.secret "
								   "WHERE purpose = 'ff1' "
								   "ORDER BY created_at, key LIMIT 1",
								   0, NULL),
				   keep ? keep : &no_keep) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the installation key is missing"),
				 errdetail("Table passport.secret has no row for purpose \"ff1\"."),
				 errhint("Restore the key from a backup; numbers issued before cannot be read without it.")));
	key = DatumGetByteaPP(PassportGetDatum(0, 1, &isnull));
	if (isnull || VARSIZE_ANY_EXHDR(key) != 32)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the installation key is malformed"),
				 errdetail("The key in passport.secret must be 32 bytes.")));
	memcpy(bytes, VARDATA_ANY(key), 32);
	PassportFinish();
}

/*
 * GetKey returns the installation key's FF1 cipher, rebuilt only when the
 * key's bytes differ.  On a single node (ReferencesCached) the key is
 * kept until a relation cache invalidation comes (KeptStamp): a statement
 * on passport.secret invalidates its entry (trigger reference_changed), in
 * this backend at once and in every other at commit, and an aborted
 * transaction's invalidations are replayed in its own backend, so a key
 * changed by a transaction that rolled back, or replaced by a restore
 * while this backend was running, is not used past the transaction that
 * saw it.  On a cluster the key is read again in every transaction that
 * uses it.
 */
static const FF1Key *
GetKey(void)
{
	static FF1Key cached_key = {NULL};
	static uint8 cached_bytes[32];
	static LocalTransactionId cached_lxid = InvalidLocalTransactionId;
	static bool kept = false;
	static uint64 kept_stamp = 0;
	uint8		bytes[32];
	bool		keep;

	if (cached_key.cipher != NULL &&
		(cached_lxid == MyProc->lxid || (kept && kept_stamp == KeptStamp())))
		return &cached_key;
	keep = ReferencesCached();
	kept = false;
	KeyBytes(bytes, &keep);
	if (cached_key.cipher == NULL || memcmp(bytes, cached_bytes, sizeof(bytes)) != 0)
	{
		Ff1KeyFree(&cached_key);
		explicit_bzero(cached_bytes, sizeof(cached_bytes));
		if (Ff1KeyInit(&cached_key, bytes, 32) != 0)
			elog(ERROR, "could not initialise the AES key");
		memcpy(cached_bytes, bytes, sizeof(bytes));
	}
	explicit_bzero(bytes, sizeof(bytes));
	cached_lxid = MyProc->lxid;
	kept = keep;
	kept_stamp = KeptStamp();
	return &cached_key;
}

/*
 * DerivedKey derives the key of one purpose from the installation key:
 * HMAC-SHA256(installation key, "passport key: " || purpose), the expand
 * step of HKDF over a key that is already uniformly random.  FF1 uses the
 * installation key itself (the numbers issued since 0.1 depend on it);
 * every other use of a secret goes through a key of its own purpose.
 */
static void
DerivedKey(const char *purpose, uint8 *out)
{
	uint8		master[32];
	char	   *info = psprintf("passport key: %s", purpose);
	unsigned int outlen = 0;

	KeyBytes(master, NULL);
	if (HMAC(EVP_sha256(), master, sizeof(master), (const unsigned char *) info,
			 strlen(info), out, &outlen) == NULL || outlen != 32)
		elog(ERROR, "HMAC-SHA256 failed");
	explicit_bzero(master, sizeof(master));
	pfree(info);
}

/* PassportNextValue draws the next value of sequence passport.<name>. */
int64
PassportNextValue(const char *name)
{
	return DatumGetInt64(DirectFunctionCall1(nextval_oid,
											 ObjectIdGetDatum(PassportRelid(name))));
}

/* Stripes of the reservation counter of an office. */
#define RESERVATION_STRIPES		16

/*
 * Reservation numbers are drawn in blocks: a backend takes NUMBER_BLOCK
 * values of a stripe with one counter-row update and issues them one by one
 * from memory, as a sequence with CACHE does.  A block belongs to the
 * backend that drew it once the drawing transaction commits; a block drawn
 * in a transaction or subtransaction that aborts is forgotten (the row's
 * update is undone, so another backend may draw the same values).  Values
 * of a block that are never issued (the backend exits) are gaps, which the
 * encrypted numbers do not show.  Blocks are forgotten too when the
 * counter table is replaced (the extension dropped and created again, the
 * table truncated).
 */
#define NUMBER_BLOCK			32
#define NUMBER_BLOCK_SLOTS		8

typedef struct NumberBlock
{
	int64		office_id;		/* 0: unused */
	int			stripe;
	int64		next;			/* the next n of the stripe to issue */
	int64		end;			/* the last n of the block */
	bool		pending;		/* drawn by the transaction in progress */
	SubTransactionId subid;		/* the subtransaction that drew it */
	uint64		used;			/* for replacing the least recently used */
} NumberBlock;

static NumberBlock number_blocks[NUMBER_BLOCK_SLOTS];
static uint64 number_block_clock = 0;
static bool number_block_callbacks = false;
static Oid	number_blocks_relid = InvalidOid;	/* passport.office_counter */
static Oid	number_blocks_filenode = InvalidOid;	/* and its storage */
static bool number_blocks_checked = false;	/* the two above are current */

/* NumberBlocksAtXactEnd keeps committed blocks and forgets aborted ones. */
static void
NumberBlocksAtXactEnd(XactEvent event, void *arg)
{
	int			i;

	for (i = 0; i < NUMBER_BLOCK_SLOTS; i++)
	{
		NumberBlock *b = &number_blocks[i];

		if (b->office_id == 0 || !b->pending)
			continue;
		if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
			b->pending = false;
		else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
				 event == XACT_EVENT_PREPARE)
			b->office_id = 0;
	}
}

/*
 * NumberBlocksAtRelcache asks for the counter table to be checked again
 * when its relation cache entry (or every entry) is invalidated: dropping,
 * recreating or truncating the table does that.
 */
static void
NumberBlocksAtRelcache(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == number_blocks_relid)
		number_blocks_checked = false;
}

/*
 * NumberBlocksAtSubXactEnd forgets the blocks drawn in an aborted
 * subtransaction or in any of its children (subtransaction ids grow within
 * a transaction, so those are the pending ones with an id at least its).
 */
static void
NumberBlocksAtSubXactEnd(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	int			i;

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	for (i = 0; i < NUMBER_BLOCK_SLOTS; i++)
		if (number_blocks[i].office_id != 0 && number_blocks[i].pending &&
			number_blocks[i].subid >= mySubid)
			number_blocks[i].office_id = 0;
}

/*
 * DrawOfficeCounter draws count consecutive values of an office's counter
 * of kind and returns the first n (the row's values run n..n + count - 1):
 * with stripes > 1, from the first stripe no other transaction holds,
 * waiting only when every stripe is held; *stripe tells which.  The
 * office's rows are created with its first draw.  The row stays locked
 * until the transaction ends, so a value is never drawn twice and a
 * rolled-back draw is drawn again.
 */
static int64
DrawOfficeCounter(int64 office_id, const char *kind, int stripes, int count, int *stripe)
{
	static SPIPlanPtr skip_plan = NULL;
	static SPIPlanPtr wait_plan = NULL;
	static SPIPlanPtr create_plan = NULL;
	static const Oid types[5] = {INT8OID, TEXTOID, INT4OID, INT4OID, INT8OID};
	static uint32 rotation = 0;
	Datum		values[5];
	bool		isnull;
	int			attempt;
	int			n = 0;
	int64		last;

	if (rotation == 0)
		rotation = (uint32) MyProcPid;
	rotation++;
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(kind);
	values[2] = Int32GetDatum(stripes);
	values[3] = Int32GetDatum((int32) (rotation % stripes));
	values[4] = Int64GetDatum((int64) count);
	PassportConnect();
	for (attempt = 0; attempt < 2 && n == 0; attempt++)
	{
		n = PassportExecute(PassportPrepare(&skip_plan,
											"WITH s AS MATERIALIZED ( "
											"  SELECT c.stripe FROM passport.office_counter c "
											"   WHERE c.office_id = $1 AND c.kind = $2 AND c.stripe < $3 "
											"   ORDER BY (c.stripe + $4) % $3 LIMIT 1 FOR UPDATE SKIP LOCKED) "
											"UPDATE passport.office_counter c SET last_value = c.last_value + $5 "
											"  FROM s WHERE c.office_id = $1 AND c.kind = $2 AND c.stripe = s.stripe "
											"RETURNING c.last_value, c.stripe",
											5, types),
							values, NULL, false, 0);
		if (n == 0)
			n = PassportExecute(PassportPrepare(&wait_plan,
												"UPDATE passport.office_counter c SET last_value = c.last_value + $5 "
												" WHERE c.office_id = $1 AND c.kind = $2 AND c.stripe = $4 "
												"   AND $3 > 0 "
												"RETURNING c.last_value, c.stripe",
												5, types),
								values, NULL, false, 0);
		if (n == 0)
			PassportExecute(PassportPrepare(&create_plan,
											"INSERT INTO passport.office_counter (office_id, kind, stripe, last_value) "
											"SELECT $1, $2, s, 0 FROM pg_catalog.generate_series(0, $3 - 1) s "
											"ON CONFLICT ON CONSTRAINT office_counter_pkey DO NOTHING",
											3, types),
							values, NULL, false, 0);
	}
	if (n != 1)
		elog(ERROR, "counter %s of office %lld could not be drawn", kind, (long long) office_id);
	last = DatumGetInt64(PassportGetDatum(0, 1, &isnull));
	*stripe = DatumGetInt32(PassportGetDatum(0, 2, &isnull));
	PassportFinish();
	return last - count + 1;
}

/*
 * NextReservationSeq returns the next reservation counter value of an
 * office (n * RESERVATION_STRIPES + stripe) from this backend's block of
 * the office, drawing a new block when it has none or it is used up.
 */
static int64
NextReservationSeq(int64 office_id)
{
	NumberBlock *b = NULL;
	int			i;
	int			stripe;
	int64		first;
	Oid			relid;
	Oid			filenode;
	HeapTuple	tuple;

	if (!number_block_callbacks)
	{
		RegisterXactCallback(NumberBlocksAtXactEnd, NULL);
		RegisterSubXactCallback(NumberBlocksAtSubXactEnd, NULL);
		CacheRegisterRelcacheCallback(NumberBlocksAtRelcache, (Datum) 0);
		number_block_callbacks = true;
	}
	/*
	 * Blocks of a counter table dropped, recreated or truncated are void:
	 * checked again after an invalidation of the table's cache entry.
	 */
	if (!number_blocks_checked)
	{
		relid = PassportRelid("office_counter");
		tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "cache lookup failed for relation %u", relid);
		filenode = ((Form_pg_class) GETSTRUCT(tuple))->relfilenode;
		ReleaseSysCache(tuple);
		if (relid != number_blocks_relid || filenode != number_blocks_filenode)
		{
			memset(number_blocks, 0, sizeof(number_blocks));
			number_blocks_relid = relid;
			number_blocks_filenode = filenode;
		}
		number_blocks_checked = true;
	}
	for (i = 0; i < NUMBER_BLOCK_SLOTS; i++)
		if (number_blocks[i].office_id == office_id)
		{
			b = &number_blocks[i];
			break;
		}
	if (b == NULL || b->next > b->end)
	{
		if (b == NULL)
		{
			/* an unused place, or the least recently used one */
			b = &number_blocks[0];
			for (i = 0; i < NUMBER_BLOCK_SLOTS && b->office_id != 0; i++)
				if (number_blocks[i].office_id == 0 || number_blocks[i].used < b->used)
					b = &number_blocks[i];
		}
		b->office_id = 0;		/* until the draw has succeeded */
		first = DrawOfficeCounter(office_id, "reservation", RESERVATION_STRIPES,
								  NUMBER_BLOCK, &stripe);
		b->office_id = office_id;
		b->stripe = stripe;
		b->next = first;
		b->end = first + NUMBER_BLOCK - 1;
		b->pending = true;
		b->subid = GetCurrentSubTransactionId();
	}
	b->used = ++number_block_clock;
	return b->next++ * RESERVATION_STRIPES + b->stripe;
}

/*
 * CounterDrawn tells whether the counter value of kind was drawn already
 * for an office (numbers are only ever issued from drawn values), seeing
 * the draws of the calling statement too.
 */
static bool
CounterDrawn(int64 office_id, const char *kind, int stripes, int64 value)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[4] = {INT8OID, TEXTOID, INT4OID, INT8OID};
	Datum		values[4];
	bool		drawn;

	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(kind);
	values[2] = Int32GetDatum((int32) (value % stripes));
	values[3] = Int64GetDatum(value / stripes);
	PassportConnect();
	drawn = PassportExecute(PassportPrepare(&plan,
											"SELECT 1 FROM passport.office_counter c "
											" WHERE c.office_id = $1 AND c.kind = $2 AND c.stripe = $3 "
											"   AND $4 BETWEEN 1 AND c.last_value",
											4, types),
							values, NULL, false, 1) == 1;
	PassportFinish();
	return drawn;
}

/* CheckOffice rejects office numbers that do not fit an identifier. */
static void
CheckOffice(int64 office_id)
{
	if (office_id < 1 || office_id > PASSPORT_MAX_OFFICE_ID)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("office number %lld is out of range", (long long) office_id),
				 errdetail("Office numbers run from 1 to %d.", PASSPORT_MAX_OFFICE_ID)));
}

/* IssueReservationNumber returns the next reservation number of an office. */
char *
IssueReservationNumber(int64 office_id)
{
	const FF1Key *key;
	int64		seq;
	uint64		plain;
	uint16		in[RESNUM_PAYLOAD];
	uint16		out[RESNUM_PAYLOAD];
	uint8		payload[RESNUM_PAYLOAD];
	char	   *text = palloc(RESNUM_TEXT_LEN + 1);
	int			i;

	CheckOffice(office_id);
	key = GetKey();
	seq = NextReservationSeq(office_id);
	if (seq < 1 || seq >= ((int64) 1 << RESNUM_SEQ_BITS))
		ereport(ERROR,
				(errcode(ERRCODE_SEQUENCE_GENERATOR_LIMIT_EXCEEDED),
				 errmsg("reservation numbers are exhausted")));
	plain = ((uint64) office_id << RESNUM_SEQ_BITS) | (uint64) seq;
	for (i = RESNUM_PAYLOAD - 1; i >= 0; i--)
	{
		in[i] = (uint16) (plain & 31);
		plain >>= 5;
	}
	if (Ff1Encrypt(key, 32, TWEAK_RESNUM, sizeof(TWEAK_RESNUM), in, out, RESNUM_PAYLOAD) != 0)
		elog(ERROR, "FF1 encryption failed");
	for (i = 0; i < RESNUM_PAYLOAD; i++)
		payload[i] = (uint8) out[i];
	ResnumFormat(payload, text);
	return text;
}

/* ParseResnumOrError decodes typed input into payload values or raises. */
static void
ParseResnumOrError(const char *input, uint8 *payload)
{
	int			detail;
	int			badchar;

	switch (ResnumParse(input, strlen(input), payload, &detail, &badchar))
	{
		case RESNUM_OK:
			return;
		case RESNUM_ERR_LENGTH:
			ereport(ERROR,
					(errcode(ERRCODE_PP_INVALID_RESNUM),
					 errmsg("invalid reservation number \"%s\"", Shown(input)),
					 errdetail("A reservation number has 10 symbols, shown as XXXXX-XXXXX; %d were found.", detail)));
			break;
		case RESNUM_ERR_CHAR:
			ereport(ERROR,
					(errcode(ERRCODE_PP_INVALID_RESNUM),
					 errmsg("invalid reservation number \"%s\"", Shown(input)),
					 errdetail("The character at position %d is not used in reservation numbers.", detail),
					 errhint("Reservation numbers use the digits 0-9 and the letters A-Z except I, L, O and U.")));
			break;
		case RESNUM_ERR_CHECK:
			ereport(ERROR,
					(errcode(ERRCODE_PP_INVALID_RESNUM),
					 errmsg("invalid reservation number \"%s\"", Shown(input)),
					 errdetail("The check symbol does not match: a symbol is mistyped or two neighbouring symbols are swapped.")));
			break;
	}
}

/* CanonicalReservationNumber returns "XXXXX-XXXXX" for typed input. */
char *
CanonicalReservationNumber(const char *input)
{
	uint8		payload[RESNUM_PAYLOAD];
	char	   *text = palloc(RESNUM_TEXT_LEN + 1);

	ParseResnumOrError(input, payload);
	ResnumFormat(payload, text);
	return text;
}

/*
 * DecryptReservationNumber decrypts a canonical number into its office and
 * counter value; returns false when it is malformed.
 */
static bool
DecryptReservationNumber(const char *canonical, int64 *office_id, int64 *seq)
{
	uint8		payload[RESNUM_PAYLOAD];
	uint16		in[RESNUM_PAYLOAD];
	uint16		out[RESNUM_PAYLOAD];
	uint64		plain = 0;
	int			i;
	int			detail;
	int			badchar;

	if (ResnumParse(canonical, strlen(canonical), payload, &detail, &badchar) != RESNUM_OK)
		return false;
	for (i = 0; i < RESNUM_PAYLOAD; i++)
		in[i] = payload[i];
	if (Ff1Decrypt(GetKey(), 32, TWEAK_RESNUM, sizeof(TWEAK_RESNUM), in, out, RESNUM_PAYLOAD) != 0)
		elog(ERROR, "FF1 decryption failed");
	for (i = 0; i < RESNUM_PAYLOAD; i++)
		plain = (plain << 5) | out[i];
	*office_id = (int64) (plain >> RESNUM_SEQ_BITS);
	*seq = (int64) (plain & (((uint64) 1 << RESNUM_SEQ_BITS) - 1));
	return true;
}

/*
 * ReservationNumberOffice decrypts a canonical number and returns whether
 * its office and counter are in range; *office_id gets its office.
 */
bool
ReservationNumberOffice(const char *canonical, int64 *office_id)
{
	int64		seq;

	if (!DecryptReservationNumber(canonical, office_id, &seq))
		return false;
	return seq > 0 && *office_id >= 1 && *office_id <= PASSPORT_MAX_OFFICE_ID;
}

/* IssueNumeric returns a numeric identifier: FF1 payload + Damm digit. */
static char *
IssueNumeric(int64 office_id, const char *kind, int payload_len,
			 const uint8_t *tweak, size_t tweak_len)
{
	int64		limit = 1;
	int64		seq;
	uint64		plain;
	uint16		in[APPNUM_PAYLOAD];
	uint16		out[APPNUM_PAYLOAD];
	char	   *text = palloc(payload_len + 2);
	int			i;
	int			stripe;

	CheckOffice(office_id);
	for (i = 0; i < payload_len - 4; i++)
		limit *= 10;
	seq = DrawOfficeCounter(office_id, kind, 1, 1, &stripe);
	if (seq < 1 || seq >= limit)
		ereport(ERROR,
				(errcode(ERRCODE_SEQUENCE_GENERATOR_LIMIT_EXCEEDED),
				 errmsg("the %s numbers of office %lld are exhausted", kind, (long long) office_id)));
	plain = (uint64) office_id * (uint64) limit + (uint64) seq;
	for (i = payload_len - 1; i >= 0; i--)
	{
		in[i] = (uint16) (plain % 10);
		plain /= 10;
	}
	if (Ff1Encrypt(GetKey(), 10, tweak, tweak_len, in, out, payload_len) != 0)
		elog(ERROR, "FF1 encryption failed");
	for (i = 0; i < payload_len; i++)
		text[i] = (char) ('0' + out[i]);
	text[payload_len] = (char) ('0' + DammDigit(text, payload_len));
	text[payload_len + 1] = '\0';
	return text;
}

/* NumericOffice decrypts a numeric identifier's payload to its office. */
static int64
NumericOffice(const char *digits, int payload_len, const uint8_t *tweak,
			  size_t tweak_len)
{
	uint16		in[APPNUM_PAYLOAD];
	uint16		out[APPNUM_PAYLOAD];
	uint64		plain = 0;
	uint64		limit = 1;
	int			i;

	for (i = 0; i < payload_len - 4; i++)
		limit *= 10;
	for (i = 0; i < payload_len; i++)
		in[i] = (uint16) (digits[i] - '0');
	if (Ff1Decrypt(GetKey(), 10, tweak, tweak_len, in, out, payload_len) != 0)
		elog(ERROR, "FF1 decryption failed");
	for (i = 0; i < payload_len; i++)
		plain = plain * 10 + out[i];
	if (plain % limit == 0)
		return 0;
	return (int64) (plain / limit);
}

/*
 * InputRefused raises errcode_value for an input that failed validation.
 * The client sees the value in the detail; the server log gets the detail
 * without it (errdetail_log): a NIK or a phone number with a typo is still
 * a person's, and the log is kept by rules that are not the extension's.
 */
static void
pg_attribute_noreturn()
InputRefused(int errcode_value, const char *what, const char *input,
			 const char *detail, const char *hint)
{
	ereport(ERROR,
			(errcode(errcode_value),
			 errmsg("invalid %s", what),
			 errdetail("%s Given: \"%s\".", detail, Shown(input)),
			 errdetail_log("%s", detail),
			 hint ? errhint("%s", hint) : 0));
}

/* ParseNumericOrError normalises a numeric identifier or raises. */
static char *
ParseNumericOrError(const char *input, int total, int errcode_value,
					const char *what)
{
	char	   *out = palloc(total + 1);
	int			found;

	switch (NumberParse(input, strlen(input), total, out, &found))
	{
		case NUMBER_OK:
			return out;
		case NUMBER_ERR_LENGTH:
			InputRefused(errcode_value, what, input,
						 psprintf("It must have %d digits; %d were found.", total, found), NULL);
			break;
		case NUMBER_ERR_CHAR:
			InputRefused(errcode_value, what, input,
						 psprintf("The character at position %d is not a digit.", found), NULL);
			break;
		case NUMBER_ERR_CHECK:
			InputRefused(errcode_value, what, input,
						 "The check digit does not match: a digit is mistyped or two neighbouring digits are swapped.",
						 NULL);
			break;
	}
	return NULL;
}

/* NormalisePhoneOrError returns the E.164 form of a phone number or raises. */
char *
NormalisePhoneOrError(const char *input, const char *what)
{
	char	   *out = palloc(PHONE_E164_MAX + 1);
	PhoneError	err = PhoneNormalise(input, strlen(input), out);

	if (err != PHONE_OK)
		InputRefused(ERRCODE_PP_INVALID_PHONE, what, input,
					 psprintf("The number cannot be read: %s.", PhoneErrorText(err)),
					 "Write it as 0812-3456-7890, 62812-3456-7890 or +62 812 3456 7890.");
	return out;
}

/* Today returns the current (pinnable) date in UTC as year, month, day. */
static void
Today(int *year, int *month, int *day)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(PassportNow(), NULL, &tm, &fsec, NULL, NULL) != 0)
		elog(ERROR, "timestamp out of range");
	*year = tm.tm_year;
	*month = tm.tm_mon;
	*day = tm.tm_mday;
}

/* ParseNikOrError validates a NIK or raises PP102 with the reason. */
static void
ParseNikOrError(const char *input, NikParts *parts)
{
	int			y;
	int			m;
	int			d;
	NikError	err;

	Today(&y, &m, &d);
	err = NikParse(input, strlen(input), y, m, d, parts);
	if (err != NIK_OK)
		InputRefused(ERRCODE_PP_INVALID_NIK, "NIK", input,
					 psprintf("%c%s.", pg_toupper((unsigned char) NikErrorText(err)[0]),
							  NikErrorText(err) + 1),
					 NULL);
}

/*
 * CheckNikOrError validates a NIK and, unless birth_date is DATEVAL_NOBEGIN,
 * that it encodes that birth date; digits_out (17 bytes) gets the digits.
 */
void
CheckNikOrError(const char *input, DateADT birth_date, char *digits_out)
{
	NikParts	parts;

	ParseNikOrError(input, &parts);
	if (birth_date != DATEVAL_NOBEGIN)
	{
		int			y;
		int			m;
		int			d;

		j2date(birth_date + POSTGRES_EPOCH_JDATE, &y, &m, &d);
		if (m != parts.birth_month || d != parts.birth_day || (y % 100) != (parts.birth_year % 100))
			ereport(ERROR,
					(errcode(ERRCODE_PP_NIK_BIRTH_MISMATCH),
					 errmsg("NIK does not match the birth date"),
					 errdetail("Digits 7-12 of a NIK encode the birth date (day + 40 for women); they say %02d-%02d-%02d, the stated birth date is %04d-%02d-%02d.",
							   parts.birth_day, parts.birth_month, parts.birth_year % 100, y, m, d)));
	}
	memcpy(digits_out, parts.digits, 17);
}

/* IssueApplicationNumber returns the next application number of an office. */
char *
IssueApplicationNumber(int64 office_id)
{
	return IssueNumeric(office_id, "application", APPNUM_PAYLOAD,
						TWEAK_APPNUM, sizeof(TWEAK_APPNUM));
}

/* IssueBillingCode returns the next billing code of an office. */
char *
IssueBillingCode(int64 office_id)
{
	return IssueNumeric(office_id, "billing", BILLING_PAYLOAD,
						TWEAK_BILLING, sizeof(TWEAK_BILLING));
}

/* CanonicalApplicationNumber returns the 16 digits of typed input or raises PP105. */
char *
CanonicalApplicationNumber(const char *input)
{
	return ParseNumericOrError(input, APPNUM_PAYLOAD + 1, ERRCODE_PP_INVALID_APPNUM,
							   "application number");
}

/* CanonicalBillingCode returns the 15 digits of typed input or raises PP106. */
char *
CanonicalBillingCode(const char *input)
{
	return ParseNumericOrError(input, BILLING_PAYLOAD + 1, ERRCODE_PP_INVALID_BILLING,
							   "billing code");
}

/* ApplicationNumberOffice returns the office of canonical digits, or 0. */
int64
ApplicationNumberOffice(const char *digits)
{
	int64		office = NumericOffice(digits, APPNUM_PAYLOAD, TWEAK_APPNUM, sizeof(TWEAK_APPNUM));

	return (office >= 1 && office <= PASSPORT_MAX_OFFICE_ID) ? office : 0;
}

/* BillingCodeOffice returns the office of canonical digits, or 0. */
int64
BillingCodeOffice(const char *digits)
{
	int64		office = NumericOffice(digits, BILLING_PAYLOAD, TWEAK_BILLING, sizeof(TWEAK_BILLING));

	return (office >= 1 && office <= PASSPORT_MAX_OFFICE_ID) ? office : 0;
}

/* ---- SQL-callable -------------------------------------------------------- */

PG_FUNCTION_INFO_V1(passport_normalize_reservation_number);

/* passport_normalize_reservation_number returns "XXXXX-XXXXX" or raises PP101. */
Datum
passport_normalize_reservation_number(PG_FUNCTION_ARGS)
{
	char	   *input = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_TEXT_P(cstring_to_text(CanonicalReservationNumber(input)));
}

PG_FUNCTION_INFO_V1(passport_is_reservation_number);

/* passport_is_reservation_number tells whether text is well formed. */
Datum
passport_is_reservation_number(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	uint8		payload[RESNUM_PAYLOAD];
	int			detail;
	int			badchar;

	PG_RETURN_BOOL(ResnumParse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), payload,
							   &detail, &badchar) == RESNUM_OK);
}

PG_FUNCTION_INFO_V1(passport_issue_reservation_number_0_2);

/* passport_issue_reservation_number_0_2 issues the next number of an office. */
Datum
passport_issue_reservation_number_0_2(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(IssueReservationNumber(PG_GETARG_INT64(0))));
}

PG_FUNCTION_INFO_V1(passport_reservation_number_office_0_2);

/*
 * passport_reservation_number_office_0_2 returns the office a reservation
 * number was issued for, or NULL when this installation cannot have issued
 * it (office out of range, or a counter value not drawn yet).
 */
Datum
passport_reservation_number_office_0_2(PG_FUNCTION_ARGS)
{
	char	   *canonical = CanonicalReservationNumber(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	int64		office_id;
	int64		seq;

	if (!DecryptReservationNumber(canonical, &office_id, &seq) ||
		seq < 1 || office_id < 1 || office_id > PASSPORT_MAX_OFFICE_ID ||
		!CounterDrawn(office_id, "reservation", RESERVATION_STRIPES, seq))
		PG_RETURN_NULL();
	PG_RETURN_INT64(office_id);
}

PG_FUNCTION_INFO_V1(passport_normalize_application_number);

/* passport_normalize_application_number returns the 16 digits or raises PP105. */
Datum
passport_normalize_application_number(PG_FUNCTION_ARGS)
{
	char	   *input = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_TEXT_P(cstring_to_text(CanonicalApplicationNumber(input)));
}

PG_FUNCTION_INFO_V1(passport_normalize_billing_code);

/* passport_normalize_billing_code returns the 15 digits or raises PP106. */
Datum
passport_normalize_billing_code(PG_FUNCTION_ARGS)
{
	char	   *input = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_TEXT_P(cstring_to_text(CanonicalBillingCode(input)));
}

PG_FUNCTION_INFO_V1(passport_issue_application_number_0_2);

/* passport_issue_application_number_0_2 issues the next application number. */
Datum
passport_issue_application_number_0_2(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(IssueApplicationNumber(PG_GETARG_INT64(0))));
}

PG_FUNCTION_INFO_V1(passport_issue_billing_code_0_2);

/* passport_issue_billing_code_0_2 issues the next billing code. */
Datum
passport_issue_billing_code_0_2(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(IssueBillingCode(PG_GETARG_INT64(0))));
}

PG_FUNCTION_INFO_V1(passport_application_number_office);

/* passport_application_number_office returns the office of an application number, or NULL. */
Datum
passport_application_number_office(PG_FUNCTION_ARGS)
{
	char	   *digits = CanonicalApplicationNumber(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	int64		office = ApplicationNumberOffice(digits);

	if (office == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(office);
}

PG_FUNCTION_INFO_V1(passport_billing_code_office);

/* passport_billing_code_office returns the office of a billing code, or NULL. */
Datum
passport_billing_code_office(PG_FUNCTION_ARGS)
{
	char	   *digits = CanonicalBillingCode(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	int64		office = BillingCodeOffice(digits);

	if (office == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(office);
}

PG_FUNCTION_INFO_V1(passport_normalize_phone);

/* passport_normalize_phone returns the E.164 form or raises PP104. */
Datum
passport_normalize_phone(PG_FUNCTION_ARGS)
{
	char	   *input = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_TEXT_P(cstring_to_text(NormalisePhoneOrError(input, "phone number")));
}

PG_FUNCTION_INFO_V1(passport_nik_parts);

/* passport_nik_parts splits a valid NIK into its parts or raises PP102. */
Datum
passport_nik_parts(PG_FUNCTION_ARGS)
{
	char	   *input = text_to_cstring(PG_GETARG_TEXT_PP(0));
	NikParts	parts;
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false, false, false, false, false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	ParseNikOrError(input, &parts);
	values[0] = CStringGetTextDatum(parts.digits);
	values[1] = CStringGetTextDatum(psprintf("%02d", parts.province));
	values[2] = CStringGetTextDatum(psprintf("%02d%02d", parts.province, parts.regency));
	values[3] = CStringGetTextDatum(psprintf("%02d%02d%02d", parts.province, parts.regency, parts.district));
	values[4] = DateADTGetDatum(date2j(parts.birth_year, parts.birth_month, parts.birth_day) - POSTGRES_EPOCH_JDATE);
	values[5] = CStringGetTextDatum(parts.female ? "F" : "M");
	values[6] = CStringGetTextDatum(psprintf("%04d", parts.serial));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

PG_FUNCTION_INFO_V1(passport_nik_problem);

/* passport_nik_problem returns why a NIK is invalid, or NULL when it is valid. */
Datum
passport_nik_problem(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	NikParts	parts;
	int			y;
	int			m;
	int			d;
	NikError	err;

	Today(&y, &m, &d);
	err = NikParse(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), y, m, d, &parts);
	if (err == NIK_OK)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(NikErrorText(err)));
}

PG_FUNCTION_INFO_V1(passport_random_bytes);

/* passport_random_bytes returns n bytes from the strong random source. */
Datum
passport_random_bytes(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	bytea	   *result;

	if (n < 1 || n > 1024)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("byte count %d is out of range", n),
				 errdetail("Between 1 and 1024 bytes can be drawn at once.")));
	result = palloc(VARHDRSZ + n);
	SET_VARSIZE(result, VARHDRSZ + n);
	if (!pg_strong_random(VARDATA(result), n))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random bytes")));
	PG_RETURN_BYTEA_P(result);
}

PG_FUNCTION_INFO_V1(passport_is_time_zone);

/* passport_is_time_zone tells whether a name is an IANA time zone the server knows. */
Datum
passport_is_time_zone(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	const char *p;

	/* Region/City names only: no abbreviations, offsets or POSIX rules */
	if (strcmp(name, "UTC") != 0)
	{
		if (strchr(name, '/') == NULL)
			PG_RETURN_BOOL(false);
		for (p = name; *p; p++)
			if (!(isalnum((unsigned char) *p) || *p == '/' || *p == '_' || *p == '-' || *p == '+'))
				PG_RETURN_BOOL(false);
	}
	PG_RETURN_BOOL(pg_tzset(name) != NULL);
}

PG_FUNCTION_INFO_V1(passport_keyed_hash);

/*
 * passport_keyed_hash returns the hex HMAC-SHA256 of value under the key
 * of purpose: a pseudonym that is stable within one installation and
 * purpose and cannot be recomputed without the installation key.
 */
Datum
passport_keyed_hash(PG_FUNCTION_ARGS)
{
	char	   *purpose = text_to_cstring(PG_GETARG_TEXT_PP(0));
	text	   *value = PG_GETARG_TEXT_PP(1);
	uint8		key[32];
	uint8		mac[32];
	unsigned int maclen = 0;
	char		hex[65];
	const char *p;

	if (purpose[0] == '\0' || strlen(purpose) > 40 || strcmp(purpose, "ff1") == 0)
		goto badpurpose;
	for (p = purpose; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			goto badpurpose;
	DerivedKey(purpose, key);
	if (HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *) VARDATA_ANY(value),
			 VARSIZE_ANY_EXHDR(value), mac, &maclen) == NULL || maclen != 32)
		elog(ERROR, "HMAC-SHA256 failed");
	explicit_bzero(key, sizeof(key));
	hex_encode((const char *) mac, sizeof(mac), hex);
	hex[64] = '\0';
	PG_RETURN_TEXT_P(cstring_to_text(hex));

badpurpose:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid key purpose \"%s\"", purpose),
			 errdetail("A purpose is 1 to 40 lower-case letters or underscores, and not \"ff1\".")));
}
