/*-------------------------------------------------------------------------
 *
 * ident.c
 *	  Identifier encoders and validators: reservation numbers (Crockford
 *	  base32 with a GF(32) check symbol), Damm check digits, NIK and
 *	  Indonesian phone numbers.
 *
 * The reservation number check symbol makes the weighted sum
 * sum(w_i * s_i) over all ten symbols zero in GF(32), with w_i = a^(i+1)
 * for a generator a of the field (polynomial x^5 + x^2 + 1).  Because
 * every weight is non-zero, a single substitution changes the sum by
 * w_i * (s - s') != 0; because neighbouring weights differ, swapping two
 * different neighbours changes it by (w_i + w_j) * (s_i + s_j) != 0.
 *
 * Pure C: no PostgreSQL headers.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "ident.h"

const char	CROCKFORD_ALPHABET[33] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* GfMul multiplies in GF(32) modulo x^5 + x^2 + 1. */
static int
GfMul(int a, int b)
{
	int			r = 0;

	while (b)
	{
		if (b & 1)
			r ^= a;
		b >>= 1;
		a <<= 1;
		if (a & 0x20)
			a ^= 0x25;
	}
	return r;
}

/* GfWeight returns a^(pos+1), the weight of symbol position pos. */
static int
GfWeight(int pos)
{
	int			w = 1;
	int			i;

	for (i = 0; i <= pos; i++)
		w = GfMul(w, 2);
	return w;
}

/* GfInverse returns the multiplicative inverse of a non-zero element. */
static int
GfInverse(int a)
{
	int			x;

	for (x = 1; x < 32; x++)
		if (GfMul(a, x) == 1)
			return x;
	return 0;
}

/* CrockfordValue maps an input character to its value, or -1. */
int
CrockfordValue(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'z')
		ch -= 'a' - 'A';
	switch (ch)
	{
		case 'O':
			return 0;
		case 'I':
		case 'L':
			return 1;
		case 'U':
			return -1;
		default:
			break;
	}
	if (ch >= 'A' && ch <= 'Z')
	{
		const char *p = strchr(CROCKFORD_ALPHABET, ch);

		return p ? (int) (p - CROCKFORD_ALPHABET) : -1;
	}
	return -1;
}

/* WeightedSum returns the GF(32) weighted sum of count symbol values. */
static int
WeightedSum(const uint8_t *values, int count)
{
	int			sum = 0;
	int			i;

	for (i = 0; i < count; i++)
		sum ^= GfMul(GfWeight(i), values[i] & 31);
	return sum;
}

/* ResnumCheckSymbol returns the check value for 9 payload values. */
int
ResnumCheckSymbol(const uint8_t *payload)
{
	int			sum = WeightedSum(payload, RESNUM_PAYLOAD);

	return GfMul(sum, GfInverse(GfWeight(RESNUM_PAYLOAD)));
}

/* ResnumFormat writes "XXXXX-XXXXX" for 9 payload values. */
void
ResnumFormat(const uint8_t *payload, char *out)
{
	int			i;
	int			o = 0;

	for (i = 0; i < RESNUM_PAYLOAD; i++)
	{
		if (i == 5)
			out[o++] = '-';
		out[o++] = CROCKFORD_ALPHABET[payload[i] & 31];
	}
	out[o++] = CROCKFORD_ALPHABET[ResnumCheckSymbol(payload)];
	out[o] = '\0';
}

/* ResnumParse decodes a typed reservation number into payload values. */
ResnumError
ResnumParse(const char *in, size_t len, uint8_t *payload, int *detail,
			int *badchar)
{
	uint8_t		values[RESNUM_SYMBOLS];
	int			count = 0;
	size_t		i;

	*detail = 0;
	*badchar = 0;
	for (i = 0; i < len; i++)
	{
		int			ch = (unsigned char) in[i];
		int			v;

		if (ch == '-' || ch == ' ')
			continue;
		v = CrockfordValue(ch);
		if (v < 0)
		{
			*detail = (int) i + 1;
			*badchar = ch;
			return RESNUM_ERR_CHAR;
		}
		if (count < RESNUM_SYMBOLS)
			values[count] = (uint8_t) v;
		count++;
	}
	if (count != RESNUM_SYMBOLS)
	{
		*detail = count;
		return RESNUM_ERR_LENGTH;
	}
	if (WeightedSum(values, RESNUM_SYMBOLS) != 0)
		return RESNUM_ERR_CHECK;
	memcpy(payload, values, RESNUM_PAYLOAD);
	return RESNUM_OK;
}

/* ---- Damm ---------------------------------------------------------------- */

static const uint8_t DAMM[10][10] = {
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0}
};

/* DammDigit returns the Damm check digit of a digit string. */
int
DammDigit(const char *digits, size_t len)
{
	int			interim = 0;
	size_t		i;

	for (i = 0; i < len; i++)
		interim = DAMM[interim][(digits[i] - '0') % 10];
	return interim;
}

/* DammValid tells whether a digit string ends in its Damm check digit. */
int
DammValid(const char *digits, size_t len)
{
	return DammDigit(digits, len) == 0;
}

/* NumberParse normalises and checks a numeric identifier. */
NumberError
NumberParse(const char *in, size_t len, size_t want, char *out, int *found)
{
	size_t		count = 0;
	size_t		i;

	*found = 0;
	for (i = 0; i < len; i++)
	{
		int			ch = (unsigned char) in[i];

		if (ch == ' ' || ch == '-' || ch == '.')
			continue;
		if (ch < '0' || ch > '9')
		{
			*found = (int) i + 1;
			return NUMBER_ERR_CHAR;
		}
		if (count < want)
			out[count] = (char) ch;
		count++;
	}
	if (count != want)
	{
		*found = (int) (count > 1000000 ? 1000000 : count);
		return NUMBER_ERR_LENGTH;
	}
	out[want] = '\0';
	if (!DammValid(out, want))
		return NUMBER_ERR_CHECK;
	return NUMBER_OK;
}

/* ---- NIK ----------------------------------------------------------------- */

/* Province codes of the Dukcapil region scheme. */
static const int NIK_PROVINCES[] = {
	11, 12, 13, 14, 15, 16, 17, 18, 19, 21,
	31, 32, 33, 34, 35, 36,
	51, 52, 53,
	61, 62, 63, 64, 65,
	71, 72, 73, 74, 75, 76,
	81, 82,
	91, 92, 93, 94, 95, 96
};

/* DaysInMonth returns the length of a month of the Gregorian calendar. */
static int
DaysInMonth(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return days[month - 1];
}

/* Two decimal digits at s as a number. */
static int
Two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* NikParse validates a NIK and splits it into its parts. */
NikError
NikParse(const char *in, size_t len, int today_year, int today_month,
		 int today_day, NikParts *out)
{
	char	   *d = out->digits;
	size_t		count = 0;
	size_t		i;
	int			found = 0;
	int			day;
	int			yy;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < len; i++)
	{
		int			ch = (unsigned char) in[i];

		if (ch == ' ' || ch == '.')
			continue;
		if (ch < '0' || ch > '9')
			return NIK_ERR_CHAR;
		if (count < 16)
			d[count] = (char) ch;
		count++;
	}
	if (count != 16)
		return NIK_ERR_LENGTH;
	d[16] = '\0';

	out->province = Two(d);
	out->regency = Two(d + 2);
	out->district = Two(d + 4);
	day = Two(d + 6);
	out->birth_month = Two(d + 8);
	yy = Two(d + 10);
	out->serial = (d[12] - '0') * 1000 + (d[13] - '0') * 100 + Two(d + 14);

	for (i = 0; i < sizeof(NIK_PROVINCES) / sizeof(NIK_PROVINCES[0]); i++)
		if (NIK_PROVINCES[i] == out->province)
			found = 1;
	if (!found)
		return NIK_ERR_PROVINCE;
	if (out->regency == 0)
		return NIK_ERR_REGENCY;
	if (out->district == 0)
		return NIK_ERR_DISTRICT;
	if (day >= 41 && day <= 71)
	{
		out->female = 1;
		day -= 40;
	}
	else if (day < 1 || day > 31)
		return NIK_ERR_DAY;
	out->birth_day = day;
	if (out->birth_month < 1 || out->birth_month > 12)
		return NIK_ERR_MONTH;

	/* the latest year ending in yy that is not after today */
	out->birth_year = today_year - ((today_year % 100 - yy + 100) % 100);
	if (out->birth_year == today_year &&
		(out->birth_month > today_month ||
		 (out->birth_month == today_month && day > today_day)))
		out->birth_year -= 100;
	if (day > DaysInMonth(out->birth_year, out->birth_month))
		return NIK_ERR_DATE;
	if (out->serial == 0)
		return NIK_ERR_SERIAL;
	return NIK_OK;
}

/* NikErrorText returns a sentence fragment describing a NIK error. */
const char *
NikErrorText(NikError err)
{
	switch (err)
	{
		case NIK_OK:
			return "valid";
		case NIK_ERR_LENGTH:
			return "a NIK has exactly 16 digits";
		case NIK_ERR_CHAR:
			return "a NIK contains only digits";
		case NIK_ERR_PROVINCE:
			return "the first two digits are not a province code";
		case NIK_ERR_REGENCY:
			return "the regency code (digits 3-4) cannot be 00";
		case NIK_ERR_DISTRICT:
			return "the district code (digits 5-6) cannot be 00";
		case NIK_ERR_DAY:
			return "the birth day (digits 7-8) must be 01-31, or 41-71 for women";
		case NIK_ERR_MONTH:
			return "the birth month (digits 9-10) must be 01-12";
		case NIK_ERR_DATE:
			return "the birth date (digits 7-12) does not exist";
		case NIK_ERR_SERIAL:
			return "the serial number (digits 13-16) cannot be 0000";
	}
	return "invalid";
}

/* ---- phone numbers ------------------------------------------------------- */

/* PhoneNormalise turns an Indonesian or international number into E.164. */
PhoneError
PhoneNormalise(const char *in, size_t len, char *out)
{
	char		digits[32];
	size_t		count = 0;
	int			plus = 0;
	size_t		i;
	const char *national;
	size_t		nlen;

	for (i = 0; i < len; i++)
	{
		int			ch = (unsigned char) in[i];

		if (ch == ' ' || ch == '-' || ch == '.' || ch == '(' || ch == ')' ||
			ch == '\t')
			continue;
		if (ch == '+')
		{
			if (count > 0 || plus)
				return PHONE_ERR_PLUS;
			plus = 1;
			continue;
		}
		if (ch < '0' || ch > '9')
			return PHONE_ERR_CHAR;
		if (count >= sizeof(digits) - 1)
			return PHONE_ERR_LONG;
		digits[count++] = (char) ch;
	}
	if (count == 0)
		return PHONE_ERR_EMPTY;
	digits[count] = '\0';

	if (!plus && count >= 2 && digits[0] == '0' && digits[1] == '0')
	{
		/* 00 international prefix */
		memmove(digits, digits + 2, count - 1);
		count -= 2;
		plus = 1;
		if (count == 0)
			return PHONE_ERR_SHORT;
	}

	if (plus || (count >= 2 && digits[0] == '6' && digits[1] == '2'))
	{
		if (count >= 2 && digits[0] == '6' && digits[1] == '2')
		{
			national = digits + 2;
			nlen = count - 2;
		}
		else
		{
			/* another country: keep it if E.164 allows its length */
			if (digits[0] == '0')
				return PHONE_ERR_CHAR;
			if (count < 8)
				return PHONE_ERR_SHORT;
			if (count > 15)
				return PHONE_ERR_LONG;
			out[0] = '+';
			memcpy(out + 1, digits, count + 1);
			return PHONE_OK;
		}
	}
	else if (digits[0] == '0')
	{
		national = digits + 1;
		nlen = count - 1;
	}
	else
	{
		national = digits;
		nlen = count;
	}

	if (nlen > 0 && national[0] == '0')
	{
		/* "+62 0812…" is a common slip: drop the trunk zero */
		national++;
		nlen--;
	}
	if (nlen == 0)
		return PHONE_ERR_SHORT;
	if (national[0] != '8')
		return PHONE_ERR_NOT_MOBILE;
	if (nlen < 9)
		return PHONE_ERR_SHORT;
	if (nlen > 12)
		return PHONE_ERR_LONG;
	out[0] = '+';
	out[1] = '6';
	out[2] = '2';
	memcpy(out + 3, national, nlen);
	out[3 + nlen] = '\0';
	return PHONE_OK;
}

/* PhoneErrorText returns a sentence fragment describing a phone error. */
const char *
PhoneErrorText(PhoneError err)
{
	switch (err)
	{
		case PHONE_OK:
			return "valid";
		case PHONE_ERR_EMPTY:
			return "the number has no digits";
		case PHONE_ERR_CHAR:
			return "a phone number contains only digits, spaces, dashes, dots, parentheses and a leading +";
		case PHONE_ERR_PLUS:
			return "a + may only stand at the start of the number";
		case PHONE_ERR_NOT_MOBILE:
			return "an Indonesian mobile number starts with 08, 628 or +628";
		case PHONE_ERR_SHORT:
			return "the number is too short";
		case PHONE_ERR_LONG:
			return "the number is too long";
	}
	return "invalid";
}
