/*
 * fuzz_ident.c
 *	  libFuzzer harness over every decoder and validator of the pure C
 *	  identifier code, with invariants that abort on violation:
 *	  - a reservation number that parses re-formats and re-parses to the
 *	    same payload;
 *	  - a normalised phone number normalises to itself;
 *	  - a valid NIK keeps its digits and a day within its month;
 *	  - FF1 decrypts what it encrypts, for numerals derived from the input.
 *
 * Built with -fsanitize=fuzzer,address,undefined by test/run.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ff1.h"
#include "ident.h"

static FF1Key key;
static int	key_ready = 0;

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data;
	uint8_t		payload[RESNUM_PAYLOAD];
	int			detail;
	int			badchar;
	char		out[64];
	int			found;
	NikParts	nik;
	char		phone[PHONE_E164_MAX + 1];

	if (!key_ready)
	{
		uint8_t		k[32];
		int			i;

		for (i = 0; i < 32; i++)
			k[i] = (uint8_t) i;
		if (Ff1KeyInit(&key, k, 32) != 0)
			abort();
		key_ready = 1;
	}

	if (ResnumParse(in, size, payload, &detail, &badchar) == RESNUM_OK)
	{
		char		text[RESNUM_TEXT_LEN + 1];
		uint8_t		again[RESNUM_PAYLOAD];

		ResnumFormat(payload, text);
		if (ResnumParse(text, strlen(text), again, &detail, &badchar) != RESNUM_OK ||
			memcmp(again, payload, sizeof(again)) != 0)
			abort();
	}

	(void) NumberParse(in, size, 16, out, &found);
	(void) NumberParse(in, size, 15, out, &found);

	if (NikParse(in, size, 2026, 11, 28, &nik) == NIK_OK)
	{
		if (strlen(nik.digits) != 16 || nik.birth_day < 1 || nik.birth_day > 31 ||
			nik.birth_month < 1 || nik.birth_month > 12 || nik.serial == 0)
			abort();
	}

	if (PhoneNormalise(in, size, phone) == PHONE_OK)
	{
		char		again[PHONE_E164_MAX + 1];

		if (PhoneNormalise(phone, strlen(phone), again) != PHONE_OK ||
			strcmp(again, phone) != 0)
			abort();
	}

	/* FF1 round trip over numerals taken from the input */
	if (size >= 3)
	{
		unsigned	radix = 2 + (data[0] % 64);
		size_t		n = 2 + (data[1] % 30);
		uint16_t	x[32];
		uint16_t	y[32];
		uint16_t	z[32];
		size_t		i;

		for (i = 0; i < n; i++)
			x[i] = (uint16_t) (data[2 + (i % (size - 2))] % radix);
		if (Ff1Encrypt(&key, radix, data, size > 40 ? 40 : size, x, y, n) == 0)
		{
			if (Ff1Decrypt(&key, radix, data, size > 40 ? 40 : size, y, z, n) != 0 ||
				memcmp(x, z, n * sizeof(uint16_t)) != 0)
				abort();
		}
	}
	return 0;
}
