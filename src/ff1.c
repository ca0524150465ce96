/*-------------------------------------------------------------------------
 *
 * ff1.c
 *	  NIST SP 800-38G FF1 format-preserving encryption over AES.
 *
 * The block cipher comes from OpenSSL's libcrypto; the FF1 Feistel
 * construction, its PRF (CBC-MAC) and the big-number arithmetic it needs
 * are written here.  Numbers are big-endian byte strings, numeral strings
 * are arrays of uint16_t.  The arithmetic modulo radix^m is done numeral
 * by numeral, so no general big-number division is needed.
 *
 * Pure C: no PostgreSQL headers.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include <openssl/evp.h>

#include "ff1.h"

#define BLOCK		16
#define BIG_BYTES	160			/* radix^v - 1 for v <= 64, radix <= 2^16 */

/* Ff1KeyInit prepares an AES-128/192/256 key for FF1. */
int
Ff1KeyInit(FF1Key *key, const uint8_t *bytes, size_t len)
{
	const EVP_CIPHER *alg;
	EVP_CIPHER_CTX *ctx;

	key->cipher = NULL;
	switch (len)
	{
		case 16:
			alg = EVP_aes_128_ecb();
			break;
		case 24:
			alg = EVP_aes_192_ecb();
			break;
		case 32:
			alg = EVP_aes_256_ecb();
			break;
		default:
			return -1;
	}
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL)
		return -1;
	if (EVP_EncryptInit_ex(ctx, alg, NULL, bytes, NULL) != 1 ||
		EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
	{
		EVP_CIPHER_CTX_free(ctx);
		return -1;
	}
	key->cipher = ctx;
	return 0;
}

/* Ff1KeyFree releases the cipher context of a key. */
void
Ff1KeyFree(FF1Key *key)
{
	if (key->cipher != NULL)
		EVP_CIPHER_CTX_free((EVP_CIPHER_CTX *) key->cipher);
	key->cipher = NULL;
}

/* AesBlock encrypts one 16-byte block. */
static int
AesBlock(const FF1Key *key, const uint8_t *in, uint8_t *out)
{
	int			outl = 0;

	if (EVP_EncryptUpdate((EVP_CIPHER_CTX *) key->cipher, out, &outl, in, BLOCK) != 1 ||
		outl != BLOCK)
		return -1;
	return 0;
}

/*
 * ByteLength returns the number of bytes needed to hold radix^v - 1, which
 * is b = ceil(ceil(v * log2(radix)) / 8) of the standard, computed exactly.
 */
static size_t
ByteLength(unsigned radix, size_t v)
{
	uint8_t		big[BIG_BYTES];
	size_t		i;
	size_t		j;

	memset(big, 0, sizeof(big));
	big[BIG_BYTES - 1] = 1;
	for (i = 0; i < v; i++)
	{
		uint32_t	carry = 0;

		for (j = BIG_BYTES; j-- > 0;)
		{
			uint32_t	t = (uint32_t) big[j] * radix + carry;

			big[j] = (uint8_t) (t & 0xff);
			carry = t >> 8;
		}
	}
	/* subtract one */
	for (j = BIG_BYTES; j-- > 0;)
	{
		if (big[j] != 0)
		{
			big[j]--;
			break;
		}
		big[j] = 0xff;
	}
	for (j = 0; j < BIG_BYTES && big[j] == 0; j++)
		;
	return BIG_BYTES - j;
}

/* NumToBytes writes NUM_radix(x) as a big-endian integer of exactly b bytes. */
static void
NumToBytes(const uint16_t *x, size_t len, unsigned radix, uint8_t *out, size_t b)
{
	size_t		i;
	size_t		j;

	memset(out, 0, b);
	for (i = 0; i < len; i++)
	{
		uint32_t	carry = x[i];

		for (j = b; j-- > 0;)
		{
			uint32_t	t = (uint32_t) out[j] * radix + carry;

			out[j] = (uint8_t) (t & 0xff);
			carry = t >> 8;
		}
	}
}

/*
 * BytesToNumerals writes the m least significant base-radix numerals of the
 * big-endian integer y[0..d-1], that is STR^m_radix(y mod radix^m).
 */
static void
BytesToNumerals(const uint8_t *y, size_t d, unsigned radix, uint16_t *out, size_t m)
{
	uint8_t		tmp[BIG_BYTES];
	size_t		k;
	size_t		j;

	memcpy(tmp, y, d);
	for (k = m; k-- > 0;)
	{
		uint32_t	rem = 0;

		for (j = 0; j < d; j++)
		{
			uint32_t	cur = (rem << 8) | tmp[j];

			tmp[j] = (uint8_t) (cur / radix);
			rem = cur % radix;
		}
		out[k] = (uint16_t) rem;
	}
}

/* Domain holds what one FF1 call derives from its parameters. */
typedef struct Domain
{
	unsigned	radix;
	size_t		n;
	size_t		u;
	size_t		v;
	size_t		b;
	size_t		d;
	uint8_t		mac0[BLOCK];	/* CBC-MAC state after the P block */
	const uint8_t *tweak;
	size_t		tweak_len;
} Domain;

/* DomainInit validates the parameters and precomputes the P block. */
static int
DomainInit(Domain *dom, const FF1Key *key, unsigned radix,
		   const uint8_t *tweak, size_t tweak_len, const uint16_t *in, size_t n)
{
	uint8_t		p[BLOCK];
	uint8_t		zero[BLOCK];
	size_t		i;
	double		size = 1.0;

	if (key == NULL || key->cipher == NULL)
		return -1;
	if (radix < 2 || radix > FF1_MAX_RADIX || n < 2 || n > FF1_MAX_LEN ||
		tweak_len > FF1_MAX_TWEAK || (tweak_len > 0 && tweak == NULL))
		return -1;
	for (i = 0; i < n && size < 100.0; i++)
		size *= radix;
	if (size < 100.0)
		return -1;
	for (i = 0; i < n; i++)
		if (in[i] >= radix)
			return -1;

	dom->radix = radix;
	dom->n = n;
	dom->u = n / 2;
	dom->v = n - dom->u;
	dom->b = ByteLength(radix, dom->v);
	dom->d = 4 * ((dom->b + 3) / 4) + 4;
	dom->tweak = tweak;
	dom->tweak_len = tweak_len;

	p[0] = 1;
	p[1] = 2;
	p[2] = 1;
	p[3] = (uint8_t) ((radix >> 16) & 0xff);
	p[4] = (uint8_t) ((radix >> 8) & 0xff);
	p[5] = (uint8_t) (radix & 0xff);
	p[6] = 10;
	p[7] = (uint8_t) (dom->u & 0xff);
	p[8] = (uint8_t) ((n >> 24) & 0xff);
	p[9] = (uint8_t) ((n >> 16) & 0xff);
	p[10] = (uint8_t) ((n >> 8) & 0xff);
	p[11] = (uint8_t) (n & 0xff);
	p[12] = (uint8_t) ((tweak_len >> 24) & 0xff);
	p[13] = (uint8_t) ((tweak_len >> 16) & 0xff);
	p[14] = (uint8_t) ((tweak_len >> 8) & 0xff);
	p[15] = (uint8_t) (tweak_len & 0xff);
	memset(zero, 0, sizeof(zero));
	for (i = 0; i < BLOCK; i++)
		zero[i] ^= p[i];
	return AesBlock(key, zero, dom->mac0);
}

/*
 * RoundValue computes the numerals of y mod radix^m for round i, where the
 * round input is the numeral string x (B when encrypting, A when
 * decrypting): Q, R = PRF(P || Q), S, y = NUM(S).
 */
static int
RoundValue(const Domain *dom, const FF1Key *key, int round,
		   const uint16_t *x, size_t xlen, uint16_t *ydigits, size_t m)
{
	uint8_t		q[FF1_MAX_TWEAK + BLOCK + BIG_BYTES];
	uint8_t		s[BIG_BYTES + BLOCK];
	uint8_t		mac[BLOCK];
	uint8_t		blk[BLOCK];
	size_t		pad;
	size_t		qlen;
	size_t		off;
	size_t		i;
	size_t		j;

	pad = (size_t) ((16 - (int) ((dom->tweak_len + dom->b + 1) % 16)) % 16);
	qlen = dom->tweak_len + pad + 1 + dom->b;
	if (dom->tweak_len > 0)
		memcpy(q, dom->tweak, dom->tweak_len);
	memset(q + dom->tweak_len, 0, pad);
	q[dom->tweak_len + pad] = (uint8_t) round;
	NumToBytes(x, xlen, dom->radix, q + dom->tweak_len + pad + 1, dom->b);

	/* CBC-MAC over Q, continuing from the state after P */
	memcpy(mac, dom->mac0, BLOCK);
	for (off = 0; off < qlen; off += BLOCK)
	{
		for (i = 0; i < BLOCK; i++)
			blk[i] = mac[i] ^ q[off + i];
		if (AesBlock(key, blk, mac) != 0)
			return -1;
	}

	/* S = R || CIPH(R xor [1]) || CIPH(R xor [2]) ..., first d bytes */
	memcpy(s, mac, BLOCK);
	for (j = 1; j * BLOCK < dom->d; j++)
	{
		memcpy(blk, mac, BLOCK);
		blk[BLOCK - 1] ^= (uint8_t) (j & 0xff);
		blk[BLOCK - 2] ^= (uint8_t) ((j >> 8) & 0xff);
		if (AesBlock(key, blk, s + j * BLOCK) != 0)
			return -1;
	}
	BytesToNumerals(s, dom->d, dom->radix, ydigits, m);
	return 0;
}

/* Ff1Encrypt enciphers a numeral string with FF1. */
int
Ff1Encrypt(const FF1Key *key, unsigned radix, const uint8_t *tweak,
		   size_t tweak_len, const uint16_t *in, uint16_t *out, size_t n)
{
	Domain		dom;
	uint16_t	a[FF1_MAX_LEN];
	uint16_t	b[FF1_MAX_LEN];
	uint16_t	c[FF1_MAX_LEN];
	uint16_t	y[FF1_MAX_LEN];
	size_t		alen;
	size_t		blen;
	int			i;

	if (in == NULL || out == NULL ||
		DomainInit(&dom, key, radix, tweak, tweak_len, in, n) != 0)
		return -1;
	alen = dom.u;
	blen = dom.v;
	memcpy(a, in, alen * sizeof(uint16_t));
	memcpy(b, in + alen, blen * sizeof(uint16_t));

	for (i = 0; i < 10; i++)
	{
		size_t		m = (i % 2 == 0) ? dom.u : dom.v;
		uint32_t	carry = 0;
		size_t		k;

		if (RoundValue(&dom, key, i, b, blen, y, m) != 0)
			return -1;
		/* c = (NUM(A) + y) mod radix^m; A has exactly m numerals */
		for (k = m; k-- > 0;)
		{
			uint32_t	t = (uint32_t) a[k] + y[k] + carry;

			c[k] = (uint16_t) (t % radix);
			carry = t / radix;
		}
		memcpy(a, b, blen * sizeof(uint16_t));
		alen = blen;
		memcpy(b, c, m * sizeof(uint16_t));
		blen = m;
	}
	memcpy(out, a, alen * sizeof(uint16_t));
	memcpy(out + alen, b, blen * sizeof(uint16_t));
	return 0;
}

/* Ff1Decrypt deciphers a numeral string produced by Ff1Encrypt. */
int
Ff1Decrypt(const FF1Key *key, unsigned radix, const uint8_t *tweak,
		   size_t tweak_len, const uint16_t *in, uint16_t *out, size_t n)
{
	Domain		dom;
	uint16_t	a[FF1_MAX_LEN];
	uint16_t	b[FF1_MAX_LEN];
	uint16_t	c[FF1_MAX_LEN];
	uint16_t	y[FF1_MAX_LEN];
	size_t		alen;
	size_t		blen;
	int			i;

	if (in == NULL || out == NULL ||
		DomainInit(&dom, key, radix, tweak, tweak_len, in, n) != 0)
		return -1;
	alen = dom.u;
	blen = dom.v;
	memcpy(a, in, alen * sizeof(uint16_t));
	memcpy(b, in + alen, blen * sizeof(uint16_t));

	for (i = 9; i >= 0; i--)
	{
		size_t		m = (i % 2 == 0) ? dom.u : dom.v;
		int32_t		borrow = 0;
		size_t		k;

		if (RoundValue(&dom, key, i, a, alen, y, m) != 0)
			return -1;
		/* c = (NUM(B) - y) mod radix^m; B has exactly m numerals */
		for (k = m; k-- > 0;)
		{
			int32_t		t = (int32_t) b[k] - (int32_t) y[k] - borrow;

			if (t < 0)
			{
				t += (int32_t) radix;
				borrow = 1;
			}
			else
				borrow = 0;
			c[k] = (uint16_t) t;
		}
		memcpy(b, a, alen * sizeof(uint16_t));
		blen = alen;
		memcpy(a, c, m * sizeof(uint16_t));
		alen = m;
	}
	memcpy(out, a, alen * sizeof(uint16_t));
	memcpy(out + alen, b, blen * sizeof(uint16_t));
	return 0;
}
