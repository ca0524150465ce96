/*
 * test_ident.c
 *	  Unit tests of the pure C identifier code (ff1.c, ident.c), TAP output.
 *
 * Covers the NIST SP 800-38G FF1 sample vectors, FF1 as a bijection over a
 * complete small domain, the reservation number check symbol against every
 * single substitution and adjacent transposition, the Damm check digit,
 * NIK and phone number validation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ff1.h"
#include "ident.h"

static int	tests_run = 0;
static int	tests_failed = 0;

static void
ok(int cond, const char *name)
{
	tests_run++;
	if (!cond)
		tests_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tests_run, name);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return c - 'A' + 10;
}

static size_t
unhex(const char *hex, uint8_t *out)
{
	size_t		n = strlen(hex) / 2;
	size_t		i;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t) (hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
	return n;
}

/* numerals of a radix-10 or radix-36 sample string */
static size_t
numerals(const char *s, uint16_t *out)
{
	size_t		n = strlen(s);
	size_t		i;

	for (i = 0; i < n; i++)
		out[i] = (uint16_t) (s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
	return n;
}

static void
test_ff1_vectors(void)
{
	static const struct
	{
		const char *key;
		unsigned	radix;
		const char *tweak;
		const char *pt;
		const char *ct;
	}			v[] = {
		{"2B7E151628AED2A6ABF7158809CF4F3C", 10, "", "0123456789", "2433477484"},
		{"2B7E151628AED2A6ABF7158809CF4F3C", 10, "39383736353433323130", "0123456789", "6124200773"},
		{"2B7E151628AED2A6ABF7158809CF4F3C", 36, "3737373770717273373737", "0123456789abcdefghi", "a9tv40mll9kdu509eum"},
		{"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F", 10, "", "0123456789", "2830668132"},
		{"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F", 10, "39383736353433323130", "0123456789", "2496655549"},
		{"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F", 36, "3737373770717273373737", "0123456789abcdefghi", "xbj3kv35jrawxv32ysr"},
		{"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94", 10, "", "0123456789", "6657667009"},
		{"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94", 10, "39383736353433323130", "0123456789", "1001623463"},
		{"2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94", 36, "3737373770717273373737", "0123456789abcdefghi", "xs8a0azh2avyalyzuwd"},
	};
	size_t		s;

	for (s = 0; s < sizeof(v) / sizeof(v[0]); s++)
	{
		FF1Key		key;
		uint8_t		kb[32];
		uint8_t		tw[32];
		uint16_t	pt[32];
		uint16_t	ct[32];
		uint16_t	want[32];
		uint16_t	back[32];
		size_t		klen = unhex(v[s].key, kb);
		size_t		tlen = unhex(v[s].tweak, tw);
		size_t		n = numerals(v[s].pt, pt);
		char		name[128];
		int			enc_ok;

		numerals(v[s].ct, want);
		Ff1KeyInit(&key, kb, klen);
		enc_ok = Ff1Encrypt(&key, v[s].radix, tw, tlen, pt, ct, n) == 0 &&
			memcmp(ct, want, n * sizeof(uint16_t)) == 0;
		snprintf(name, sizeof(name), "FF1 NIST sample %zu encrypts to %s", s + 1, v[s].ct);
		ok(enc_ok, name);
		snprintf(name, sizeof(name), "FF1 NIST sample %zu decrypts back", s + 1);
		ok(Ff1Decrypt(&key, v[s].radix, tw, tlen, want, back, n) == 0 &&
		   memcmp(back, pt, n * sizeof(uint16_t)) == 0, name);
		Ff1KeyFree(&key);
	}
}

static void
test_ff1_bijection(void)
{
	FF1Key		key;
	uint8_t		kb[32];
	uint32_t	domain = 32 * 32 * 32 * 32;
	uint8_t    *seen = calloc(domain, 1);
	uint32_t	x;
	int			distinct = 1;
	int			inverse = 1;
	int			i;

	for (i = 0; i < 32; i++)
		kb[i] = (uint8_t) (i * 7 + 3);
	Ff1KeyInit(&key, kb, 32);
	for (x = 0; x < domain; x++)
	{
		uint16_t	in[4];
		uint16_t	out[4];
		uint16_t	back[4];
		uint32_t	y;

		in[0] = (uint16_t) (x >> 15);
		in[1] = (uint16_t) ((x >> 10) & 31);
		in[2] = (uint16_t) ((x >> 5) & 31);
		in[3] = (uint16_t) (x & 31);
		Ff1Encrypt(&key, 32, (const uint8_t *) "t", 1, in, out, 4);
		y = ((uint32_t) out[0] << 15) | (out[1] << 10) | (out[2] << 5) | out[3];
		if (seen[y])
			distinct = 0;
		seen[y] = 1;
		if ((x & 255) == 0)
		{
			Ff1Decrypt(&key, 32, (const uint8_t *) "t", 1, out, back, 4);
			if (memcmp(in, back, sizeof(in)) != 0)
				inverse = 0;
		}
	}
	ok(distinct, "FF1 radix 32 length 4 is a bijection over all 1048576 values");
	ok(inverse, "FF1 radix 32 length 4 decrypts what it encrypts");
	free(seen);

	{
		uint16_t	a[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
		uint16_t	b[9] = {0, 0, 0, 0, 0, 0, 0, 0, 1};
		uint16_t	ea[9];
		uint16_t	eb[9];
		uint16_t	bad[9] = {0, 0, 0, 0, 0, 0, 0, 0, 32};

		Ff1Encrypt(&key, 32, NULL, 0, a, ea, 9);
		Ff1Encrypt(&key, 32, NULL, 0, b, eb, 9);
		ok(memcmp(ea, eb, sizeof(ea)) != 0, "FF1 consecutive counters give unrelated codes");
		ok(Ff1Encrypt(&key, 32, NULL, 0, bad, ea, 9) == -1, "FF1 rejects a numeral outside the radix");
		ok(Ff1Encrypt(&key, 1, NULL, 0, a, ea, 9) == -1, "FF1 rejects radix 1");
		ok(Ff1Encrypt(&key, 10, NULL, 0, a, ea, 1) == -1, "FF1 rejects length 1");
	}
	{
		FF1Key		k2;

		ok(Ff1KeyInit(&k2, kb, 20) == -1, "FF1 rejects a 20-byte key");
	}
	Ff1KeyFree(&key);
}

static void
random_payload(uint8_t *p, unsigned seed)
{
	int			i;

	srand(seed);
	for (i = 0; i < RESNUM_PAYLOAD; i++)
		p[i] = (uint8_t) (rand() % 32);
}

static void
test_resnum(void)
{
	uint8_t		p[RESNUM_PAYLOAD];
	uint8_t		back[RESNUM_PAYLOAD];
	char		text[RESNUM_TEXT_LEN + 1];
	int			detail;
	int			badchar;
	unsigned	seed;
	int			subst_ok = 1;
	int			transp_ok = 1;
	long		subst_cases = 0;
	long		transp_cases = 0;
	char		name[160];

	random_payload(p, 1);
	ResnumFormat(p, text);
	ok(strlen(text) == 11 && text[5] == '-', "reservation number is shown XXXXX-XXXXX");
	ok(ResnumParse(text, strlen(text), back, &detail, &badchar) == RESNUM_OK &&
	   memcmp(p, back, sizeof(p)) == 0, "reservation number round-trips");

	/* every single substitution and adjacent transposition, 4 backgrounds */
	for (seed = 1; seed <= 4; seed++)
	{
		char		sym[RESNUM_SYMBOLS];
		int			pos;
		int			a;
		int			b;

		random_payload(p, seed);
		ResnumFormat(p, text);
		memcpy(sym, text, 5);
		memcpy(sym + 5, text + 6, 5);
		for (pos = 0; pos < RESNUM_SYMBOLS; pos++)
			for (a = 0; a < 32; a++)
			{
				char		t[RESNUM_SYMBOLS];

				memcpy(t, sym, sizeof(t));
				t[pos] = CROCKFORD_ALPHABET[a];
				if (t[pos] == sym[pos])
					continue;
				subst_cases++;
				if (ResnumParse(t, sizeof(t), back, &detail, &badchar) != RESNUM_ERR_CHECK)
					subst_ok = 0;
			}
		for (pos = 0; pos + 1 < RESNUM_SYMBOLS; pos++)
			for (a = 0; a < 32; a++)
				for (b = 0; b < 32; b++)
				{
					char		t[RESNUM_SYMBOLS];
					int			r;

					if (a == b)
						continue;
					memcpy(t, sym, sizeof(t));
					t[pos] = CROCKFORD_ALPHABET[a];
					t[pos + 1] = CROCKFORD_ALPHABET[b];
					/* only test strings that are themselves valid */
					if (ResnumParse(t, sizeof(t), back, &detail, &badchar) != RESNUM_OK)
						continue;
					t[pos] = CROCKFORD_ALPHABET[b];
					t[pos + 1] = CROCKFORD_ALPHABET[a];
					transp_cases++;
					r = ResnumParse(t, sizeof(t), back, &detail, &badchar);
					if (r != RESNUM_ERR_CHECK)
						transp_ok = 0;
				}
	}
	snprintf(name, sizeof(name), "check symbol catches all %ld single substitutions", subst_cases);
	ok(subst_ok && subst_cases == 4L * 10 * 31, name);
	snprintf(name, sizeof(name), "check symbol catches all %ld adjacent transpositions of valid numbers", transp_cases);
	ok(transp_ok && transp_cases > 0, name);

	/* aliasing and separators */
	{
		uint8_t		zero[RESNUM_PAYLOAD] = {0, 1, 0, 1, 1, 0, 0, 0, 0};
		char		typed[64];

		ResnumFormat(zero, text);
		/* text is "01011-0000c"; type it with O, I, L, spaces, lower case */
		snprintf(typed, sizeof(typed), " o1Oil 0-00o%c ", text[10] | 0x20);
		ok(ResnumParse(typed, strlen(typed), back, &detail, &badchar) == RESNUM_OK &&
		   memcmp(back, zero, sizeof(zero)) == 0,
		   "decoding ignores case, dashes, spaces and maps O to 0, I and L to 1");
	}
	ok(ResnumParse("ABCDE-FGHJ", 10, back, &detail, &badchar) == RESNUM_ERR_LENGTH && detail == 9,
	   "nine symbols: length error with the count");
	ok(ResnumParse("ABCDE-FGHJKM", 12, back, &detail, &badchar) == RESNUM_ERR_LENGTH && detail == 11,
	   "eleven symbols: length error with the count");
	ok(ResnumParse("ABCUE-FGHJK", 11, back, &detail, &badchar) == RESNUM_ERR_CHAR && detail == 4 && badchar == 'U',
	   "U is not in the alphabet: character error with its position");
	ok(ResnumParse("AB*DE-FGHJK", 11, back, &detail, &badchar) == RESNUM_ERR_CHAR && detail == 3,
	   "punctuation is a character error");
	ok(ResnumParse("", 0, back, &detail, &badchar) == RESNUM_ERR_LENGTH && detail == 0,
	   "empty input is a length error");
}

static void
test_damm(void)
{
	char		num[17] = "123456789012345";
	int			single_ok = 1;
	int			transp_ok = 1;
	int			pos;
	int			d;
	char		out[32];
	int			found;

	num[15] = (char) ('0' + DammDigit(num, 15));
	num[16] = '\0';
	ok(DammValid(num, 16), "Damm: a number with its check digit is valid");
	ok(DammDigit("572", 3) == 4, "Damm: the textbook example 572 has check digit 4");
	for (pos = 0; pos < 16; pos++)
		for (d = 0; d < 10; d++)
		{
			char		t[17];

			memcpy(t, num, 17);
			if (t[pos] == '0' + d)
				continue;
			t[pos] = (char) ('0' + d);
			if (DammValid(t, 16))
				single_ok = 0;
		}
	ok(single_ok, "Damm catches every single-digit error in a 16-digit number");
	for (pos = 0; pos < 15; pos++)
	{
		int			a;
		int			b;

		for (a = 0; a < 10; a++)
			for (b = 0; b < 10; b++)
			{
				char		t[17];

				if (a == b)
					continue;
				memcpy(t, num, 17);
				t[pos] = (char) ('0' + a);
				t[pos + 1] = (char) ('0' + b);
				t[15] = '0';
				if (pos + 1 < 15)
					t[15] = (char) ('0' + DammDigit(t, 15));
				else
					continue;
				{
					char		c = t[pos];

					t[pos] = t[pos + 1];
					t[pos + 1] = c;
				}
				if (DammValid(t, 16))
					transp_ok = 0;
			}
	}
	ok(transp_ok, "Damm catches every adjacent transposition");
	ok(NumberParse("1234 5678-9012.3456", 19, 16, out, &found) != NUMBER_ERR_LENGTH,
	   "numbers accept spaces, dashes and dots");
	ok(NumberParse(num, 16, 16, out, &found) == NUMBER_OK && strcmp(out, num) == 0,
	   "a valid application number parses");
	ok(NumberParse(num, 15, 16, out, &found) == NUMBER_ERR_LENGTH && found == 15,
	   "a short number is a length error with the count");
	ok(NumberParse("12345678901234x6", 16, 16, out, &found) == NUMBER_ERR_CHAR && found == 15,
	   "a letter is a character error with its position");
}

static void
test_nik(void)
{
	NikParts	p;

	ok(NikParse("3171014708900001", 16, 2026, 11, 28, &p) == NIK_OK && p.female &&
	   p.birth_day == 7 && p.birth_month == 8 && p.birth_year == 1990 && p.province == 31,
	   "NIK of a woman born 7 Aug 1990 in DKI Jakarta");
	ok(NikParse("3171 0101 0705 0002", 19, 2026, 11, 28, &p) == NIK_OK && !p.female &&
	   p.birth_year == 2005, "NIK with spaces, a man born 1 Jul 2005");
	ok(NikParse("3171012911270001", 16, 2026, 11, 28, &p) == NIK_OK && p.birth_year == 1927,
	   "a two-digit year after today reads as the previous century");
	ok(NikParse("3171012811260001", 16, 2026, 11, 28, &p) == NIK_OK && p.birth_year == 2026,
	   "a birth today is this century");
	ok(NikParse("317101470890001", 15, 2026, 11, 28, &p) == NIK_ERR_LENGTH, "NIK: 15 digits");
	ok(NikParse("31710147089000a1", 16, 2026, 11, 28, &p) == NIK_ERR_CHAR, "NIK: a letter");
	ok(NikParse("9971014708900001", 16, 2026, 11, 28, &p) == NIK_ERR_PROVINCE, "NIK: province 99");
	ok(NikParse("3100014708900001", 16, 2026, 11, 28, &p) == NIK_ERR_REGENCY, "NIK: regency 00");
	ok(NikParse("3171004708900001", 16, 2026, 11, 28, &p) == NIK_ERR_DISTRICT, "NIK: district 00");
	ok(NikParse("3171013508900001", 16, 2026, 11, 28, &p) == NIK_ERR_DAY, "NIK: day 35");
	ok(NikParse("3171017208900001", 16, 2026, 11, 28, &p) == NIK_ERR_DAY, "NIK: day 72");
	ok(NikParse("3171011513900001", 16, 2026, 11, 28, &p) == NIK_ERR_MONTH, "NIK: month 13");
	ok(NikParse("3171013002900001", 16, 2026, 11, 28, &p) == NIK_ERR_DATE, "NIK: 30 February");
	ok(NikParse("3171012902010001", 16, 2026, 11, 28, &p) == NIK_ERR_DATE, "NIK: 29 February 2001");
	ok(NikParse("3171016902000001", 16, 2026, 11, 28, &p) == NIK_OK && p.female,
	   "NIK: 29 February 2000 for a woman (69)");
	ok(NikParse("3171014708900000", 16, 2026, 11, 28, &p) == NIK_ERR_SERIAL, "NIK: serial 0000");
}

static void
test_phone(void)
{
	char		out[PHONE_E164_MAX + 1];

	ok(PhoneNormalise("0812-3456-7890", 14, out) == PHONE_OK && strcmp(out, "+6281234567890") == 0,
	   "phone 0812-3456-7890");
	ok(PhoneNormalise("6281234567890", 13, out) == PHONE_OK && strcmp(out, "+6281234567890") == 0,
	   "phone 6281234567890");
	ok(PhoneNormalise("+62 812 3456 7890", 17, out) == PHONE_OK && strcmp(out, "+6281234567890") == 0,
	   "phone +62 812 3456 7890");
	ok(PhoneNormalise("(0812) 345.678", 14, out) == PHONE_OK && strcmp(out, "+62812345678") == 0,
	   "phone with parentheses and dots");
	ok(PhoneNormalise("+62 0812 3456 789", 17, out) == PHONE_OK && strcmp(out, "+628123456789") == 0,
	   "phone +62 0812… drops the trunk zero");
	ok(PhoneNormalise("+44 20 7946 0958", 16, out) == PHONE_OK && strcmp(out, "+442079460958") == 0,
	   "a foreign number keeps its country code");
	ok(PhoneNormalise("021-555-1234", 12, out) == PHONE_ERR_NOT_MOBILE, "a Jakarta landline is not mobile");
	ok(PhoneNormalise("0812345", 7, out) == PHONE_ERR_SHORT, "too short");
	ok(PhoneNormalise("08123456789012345", 17, out) == PHONE_ERR_LONG, "too long");
	ok(PhoneNormalise("0812-abc", 8, out) == PHONE_ERR_CHAR, "letters");
	ok(PhoneNormalise("62+812345678", 12, out) == PHONE_ERR_PLUS, "a + in the middle");
	ok(PhoneNormalise(" - ", 3, out) == PHONE_ERR_EMPTY, "no digits");
}

int
main(void)
{
	test_ff1_vectors();
	test_ff1_bijection();
	test_resnum();
	test_damm();
	test_nik();
	test_phone();
	printf("1..%d\n", tests_run);
	return tests_failed == 0 ? 0 : 1;
}
