/*-------------------------------------------------------------------------
 *
 * ident.h
 *	  Identifier encoders and validators: reservation numbers (Crockford
 *	  base32 with a GF(32) check symbol), Damm check digits, NIK and
 *	  Indonesian phone numbers.
 *
 * Pure C (no PostgreSQL headers) so that the unit tests and the fuzzer
 * link it directly.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PASSPORT_IDENT_H
#define PASSPORT_IDENT_H

#include <stddef.h>
#include <stdint.h>

/* ---- reservation numbers ------------------------------------------------ */

#define RESNUM_PAYLOAD		9	/* payload symbols: 45 bits */
#define RESNUM_SYMBOLS		10	/* payload + check symbol */
#define RESNUM_TEXT_LEN		11	/* XXXXX-XXXXX */

typedef enum ResnumError
{
	RESNUM_OK = 0,
	RESNUM_ERR_LENGTH,			/* not 10 symbols once dashes and spaces go */
	RESNUM_ERR_CHAR,			/* a character outside the alphabet */
	RESNUM_ERR_CHECK			/* the check symbol does not match */
} ResnumError;

/* The 32 symbols in value order. */
extern const char CROCKFORD_ALPHABET[33];

/* CrockfordValue maps an input character to its value, or -1. */
extern int	CrockfordValue(int ch);

/* ResnumCheckSymbol returns the check value for 9 payload values. */
extern int	ResnumCheckSymbol(const uint8_t *payload);

/*
 * ResnumFormat writes "XXXXX-XXXXX" plus a terminating NUL (12 bytes) for
 * 9 payload values, appending the check symbol.
 */
extern void ResnumFormat(const uint8_t *payload, char *out);

/*
 * ResnumParse decodes a typed reservation number into 9 payload values.
 * On RESNUM_ERR_LENGTH *detail is the number of symbols found; on
 * RESNUM_ERR_CHAR it is the 1-based position of the offending character
 * in the input (and *badchar the character); otherwise 0.
 */
extern ResnumError ResnumParse(const char *in, size_t len, uint8_t *payload,
							   int *detail, int *badchar);

/* ---- Damm check digit ---------------------------------------------------- */

/* DammDigit returns the check digit for a string of decimal digits. */
extern int	DammDigit(const char *digits, size_t len);

/* DammValid tells whether digits (check digit last) are consistent. */
extern int	DammValid(const char *digits, size_t len);

typedef enum NumberError
{
	NUMBER_OK = 0,
	NUMBER_ERR_LENGTH,
	NUMBER_ERR_CHAR,
	NUMBER_ERR_CHECK
} NumberError;

/*
 * NumberParse strips spaces, dashes and dots from in and checks that what
 * remains is exactly want digits with a valid Damm check digit.  out gets
 * the digits and a NUL (want + 1 bytes).  *found is the digit count on a
 * length error, the 1-based position of a bad character on a character
 * error.
 */
extern NumberError NumberParse(const char *in, size_t len, size_t want,
							   char *out, int *found);

/* ---- NIK ----------------------------------------------------------------- */

typedef enum NikError
{
	NIK_OK = 0,
	NIK_ERR_LENGTH,
	NIK_ERR_CHAR,
	NIK_ERR_PROVINCE,
	NIK_ERR_REGENCY,
	NIK_ERR_DISTRICT,
	NIK_ERR_DAY,
	NIK_ERR_MONTH,
	NIK_ERR_DATE,
	NIK_ERR_SERIAL
} NikError;

typedef struct NikParts
{
	char		digits[17];		/* the 16 digits, NUL-terminated */
	int			province;
	int			regency;
	int			district;
	int			birth_year;
	int			birth_month;
	int			birth_day;		/* the real day, 40 removed for women */
	int			female;
	int			serial;
} NikParts;

/*
 * NikParse validates a NIK.  Spaces and dots are ignored.  The two-digit
 * birth year is read as the latest year not after today (today_year,
 * today_month, today_day); a birth date after today is impossible.
 */
extern NikError NikParse(const char *in, size_t len, int today_year,
						 int today_month, int today_day, NikParts *out);

/* NikErrorText returns a sentence fragment describing a NIK error. */
extern const char *NikErrorText(NikError err);

/* ---- phone numbers ------------------------------------------------------- */

#define PHONE_E164_MAX		16	/* '+', up to 15 digits */

typedef enum PhoneError
{
	PHONE_OK = 0,
	PHONE_ERR_EMPTY,
	PHONE_ERR_CHAR,
	PHONE_ERR_PLUS,
	PHONE_ERR_NOT_MOBILE,
	PHONE_ERR_SHORT,
	PHONE_ERR_LONG
} PhoneError;

/*
 * PhoneNormalise turns "08…", "628…", "+62 8…" (spaces, dashes, dots and
 * parentheses allowed) into E.164 "+628…".  Indonesian numbers must be
 * mobile numbers (8 after the country code) with 9 to 12 national digits;
 * numbers with another country code after "+" or "00" are kept if they
 * have 8 to 15 digits.  out needs PHONE_E164_MAX + 1 bytes.
 */
extern PhoneError PhoneNormalise(const char *in, size_t len, char *out);

/* PhoneErrorText returns a sentence fragment describing a phone error. */
extern const char *PhoneErrorText(PhoneError err);

#endif							/* PASSPORT_IDENT_H */
