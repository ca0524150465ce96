/*-------------------------------------------------------------------------
 *
 * ff1.h
 *	  NIST SP 800-38G FF1 format-preserving encryption over AES.
 *
 * Pure C (OpenSSL libcrypto for the block cipher, no PostgreSQL headers),
 * so that it can be unit-tested and fuzzed outside the server.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PASSPORT_FF1_H
#define PASSPORT_FF1_H

#include <stddef.h>
#include <stdint.h>

/* Limits of this implementation (far above what the extension needs). */
#define FF1_MAX_RADIX		65536
#define FF1_MAX_LEN			128
#define FF1_MAX_TWEAK		256

typedef struct FF1Key
{
	void	   *cipher;			/* EVP_CIPHER_CTX, AES in ECB mode */
} FF1Key;

/*
 * Ff1KeyInit prepares an AES key of 16, 24 or 32 bytes.  Returns 0 on
 * success, -1 on a bad key length or a libcrypto failure.
 */
extern int	Ff1KeyInit(FF1Key *key, const uint8_t *bytes, size_t len);
extern void Ff1KeyFree(FF1Key *key);

/*
 * Ff1Encrypt and Ff1Decrypt map the numeral string in[0..n-1] (each
 * numeral below radix) to out[0..n-1].  in and out may be the same array.
 * Return 0 on success, -1 on invalid parameters (radix outside 2..65536,
 * n outside 2..128, radix^n below 100, a numeral out of range, a tweak
 * longer than 256 bytes) or a libcrypto failure.
 */
extern int	Ff1Encrypt(const FF1Key *key, unsigned radix,
					   const uint8_t *tweak, size_t tweak_len,
					   const uint16_t *in, uint16_t *out, size_t n);
extern int	Ff1Decrypt(const FF1Key *key, unsigned radix,
					   const uint8_t *tweak, size_t tweak_len,
					   const uint16_t *in, uint16_t *out, size_t n);

#endif							/* PASSPORT_FF1_H */
