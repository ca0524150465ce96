/*-------------------------------------------------------------------------
 *
 * util.c
 *	  Memory, growable strings, clocks and constant-time comparison for
 *	  passport's daemons.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "daemon.h"

/* OutOfMemory logs and aborts: a daemon without memory cannot answer. */
static void
OutOfMemory(size_t size)
{
	LogError("out of memory (%zu bytes requested)", size);
	abort();
}

/* PdAlloc allocates size bytes or aborts. */
void *
PdAlloc(size_t size)
{
	void	   *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		OutOfMemory(size);
	return p;
}

/* PdAllocZero allocates size zeroed bytes or aborts. */
void *
PdAllocZero(size_t size)
{
	void	   *p = calloc(1, size == 0 ? 1 : size);

	if (p == NULL)
		OutOfMemory(size);
	return p;
}

/* PdRealloc resizes an allocation or aborts. */
void *
PdRealloc(void *ptr, size_t size)
{
	void	   *p = realloc(ptr, size == 0 ? 1 : size);

	if (p == NULL)
		OutOfMemory(size);
	return p;
}

/* PdStrdup copies a string (NULL stays NULL). */
char *
PdStrdup(const char *s)
{
	if (s == NULL)
		return NULL;
	return PdStrndup(s, strlen(s));
}

/* PdStrndup copies len bytes of s and terminates them. */
char *
PdStrndup(const char *s, size_t len)
{
	char	   *p = PdAlloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* StrBufInit makes an empty buffer. */
void
StrBufInit(StrBuf *buf)
{
	buf->cap = 256;
	buf->len = 0;
	buf->data = PdAlloc(buf->cap);
	buf->data[0] = '\0';
}

/* StrBufReserve makes room for extra more bytes and the terminator. */
static void
StrBufReserve(StrBuf *buf, size_t extra)
{
	size_t		need = buf->len + extra + 1;

	if (buf->data == NULL)
		StrBufInit(buf);
	if (need <= buf->cap)
		return;
	while (buf->cap < need)
		buf->cap *= 2;
	buf->data = PdRealloc(buf->data, buf->cap);
}

/* StrBufAppend appends len bytes. */
void
StrBufAppend(StrBuf *buf, const char *data, size_t len)
{
	StrBufReserve(buf, len);
	memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

/* StrBufAppendStr appends a string. */
void
StrBufAppendStr(StrBuf *buf, const char *s)
{
	StrBufAppend(buf, s, strlen(s));
}

/* StrBufAppendChar appends one byte. */
void
StrBufAppendChar(StrBuf *buf, char c)
{
	StrBufAppend(buf, &c, 1);
}

/* StrBufPrintf appends formatted text. */
void
StrBufPrintf(StrBuf *buf, const char *fmt,...)
{
	va_list		ap;
	int			n;

	StrBufReserve(buf, 64);
	for (;;)
	{
		size_t		room = buf->cap - buf->len;

		va_start(ap, fmt);
		n = vsnprintf(buf->data + buf->len, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t) n < room)
		{
			buf->len += n;
			return;
		}
		StrBufReserve(buf, n);
	}
}

/* StrBufReset empties the buffer and keeps its memory. */
void
StrBufReset(StrBuf *buf)
{
	if (buf->data == NULL)
		StrBufInit(buf);
	buf->len = 0;
	buf->data[0] = '\0';
}

/* StrBufAppendHtml appends text escaped for HTML, SVG and quoted attributes. */
void
StrBufAppendHtml(StrBuf *buf, const char *s)
{
	const char *run = s;

	if (s == NULL)
		return;
	for (; *s != '\0'; s++)
	{
		const char *entity = NULL;
		unsigned char c = (unsigned char) *s;

		switch (c)
		{
			case '&':
				entity = "&amp;";
				break;
			case '<':
				entity = "&lt;";
				break;
			case '>':
				entity = "&gt;";
				break;
			case '"':
				entity = "&quot;";
				break;
			case '\'':
				entity = "&#39;";
				break;
			default:
				if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
					entity = "";
				break;
		}
		if (entity != NULL)
		{
			StrBufAppend(buf, run, s - run);
			StrBufAppendStr(buf, entity);
			run = s + 1;
		}
	}
	StrBufAppend(buf, run, s - run);
}

/* StrBufFree releases the buffer's memory. */
void
StrBufFree(StrBuf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = buf->cap = 0;
}

/* StrBufDetach returns the string and leaves the buffer empty. */
char *
StrBufDetach(StrBuf *buf)
{
	char	   *s;

	if (buf->data == NULL)
		StrBufInit(buf);
	s = buf->data;
	buf->data = NULL;
	buf->len = buf->cap = 0;
	return s;
}

/* NowMs returns a monotonic clock in milliseconds. */
int64_t
NowMs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* NowSeconds returns the wall clock in seconds since the epoch. */
double
NowSeconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* SleepMs sleeps up to ms milliseconds, waking every 50 ms to check *stop. */
void
SleepMs(int ms, volatile bool *stop)
{
	int64_t		until = NowMs() + ms;

	while (!(stop != NULL && *stop))
	{
		int64_t		left = until - NowMs();
		struct timespec ts;

		if (left <= 0)
			break;
		if (left > 50)
			left = 50;
		ts.tv_sec = 0;
		ts.tv_nsec = left * 1000000L;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
}

/* SecretEqual compares two byte strings in time independent of content. */
bool
SecretEqual(const void *a, size_t alen, const void *b, size_t blen)
{
	if (alen != blen || alen == 0)
		return false;
	return CRYPTO_memcmp(a, b, alen) == 0;
}
