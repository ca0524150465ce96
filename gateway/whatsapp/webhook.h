/*-------------------------------------------------------------------------
 *
 * webhook.h
 *	  What a WhatsApp Business Cloud API webhook carries, as the gateway
 *	  needs it: the signature check and the parser of its JSON body.  Pure
 *	  code (jansson, OpenSSL), unit-tested and fuzzed outside the daemon.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PASSPORT_WEBHOOK_H
#define PASSPORT_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

/* One inbound message: from, id, and what the bot reads. */
typedef struct WaInbound
{
	char	   *from;			/* the sender's WhatsApp id (digits) */
	char	   *id;				/* WhatsApp's message id (wamid) */
	char	   *kind;			/* "text" when the bot can read it, else the
								 * message type: image, audio, location... */
	char	   *text;			/* text typed, or the id of the chosen button
								 * or list row; NULL for other kinds */
} WaInbound;

/* One status callback of a message the business sent. */
typedef struct WaStatus
{
	char	   *id;				/* the wamid the Graph API returned */
	char	   *status;			/* sent, delivered, read, failed, ... */
	char	   *error;			/* "code title" of the first error, or NULL */
} WaStatus;

typedef struct WaWebhook
{
	WaInbound  *messages;
	int			nmessages;
	WaStatus   *statuses;
	int			nstatuses;
	int			ignored;		/* entries, changes or items of a shape the
								 * gateway does not handle, or for another
								 * phone number */
} WaWebhook;

#define WEBHOOK_MAX_ITEMS 1000

/*
 * WebhookParse reads a webhook body.  Returns false for malformed JSON
 * (not JSON, not UTF-8, not an object: HTTP 400); any JSON object is
 * accepted, and what is not a message or status of the expected shape is
 * counted in ignored.  phone_number_id, when given, keeps only the changes
 * addressed to that number.  The result is freed with WebhookFree.
 */
extern bool WebhookParse(const char *body, size_t len, const char *phone_number_id,
						 WaWebhook *out);
extern void WebhookFree(WaWebhook *webhook);

/*
 * WebhookSignatureValid checks X-Hub-Signature-256 ("sha256=<64 hex
 * digits>") against the HMAC-SHA256 of the raw body under the app secret,
 * comparing in constant time.  A missing or malformed header is invalid.
 */
extern bool WebhookSignatureValid(const char *header, const void *body, size_t len,
								  const void *secret, size_t secret_len);

/* WebhookSign writes "sha256=<hex>" for a body (tests, load generator). */
extern void WebhookSign(const void *body, size_t len, const void *secret, size_t secret_len,
						char out[72]);

#endif							/* PASSPORT_WEBHOOK_H */
