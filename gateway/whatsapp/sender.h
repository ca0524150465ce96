/*-------------------------------------------------------------------------
 *
 * sender.h
 *	  The delivery side of passport-whatsapp: one thread that sends what
 *	  the outbox holds for WhatsApp through the Graph API and tells the
 *	  database how it went.
 *
 * Work comes from two places: replies handed over by the webhook handlers
 * (with a delivery the database recorded for this login when the inbound
 * message was committed) and claims of due outbox messages
 * (claim_whatsapp_messages), made when a notification on passport_outbox
 * wakes the sender, after every reconnection, and every poll interval
 * (retries come due that way).  Each message is sent with libcurl's multi
 * interface (many in flight) by the sender thread; a second thread writes
 * the outcomes: 2xx answers in batches (replies_sent, ack_messages with the
 * provider's message ids), failures one by one (reply_failed, fail_message),
 * with Retry-After on 429, after which the sender also pauses.  Outcomes
 * that cannot reach the database wait in memory and are retried; if the
 * process dies, leases run out and the database has the messages sent
 * again.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PASSPORT_SENDER_H
#define PASSPORT_SENDER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct SenderOptions
{
	const char *conninfo;
	const char *channel;		/* outbox channel, "whatsapp" */
	const char *worker;			/* claimed_by */
	int			lease_s;
	int			batch;			/* messages per claim */
	int			concurrency;	/* requests in flight */
	int			poll_interval_ms;
	int			graph_timeout_ms;
} SenderOptions;

typedef struct Sender Sender;

/* A reply to send, as receive_whatsapp_message returned it. */
typedef struct SenderReply
{
	int64_t		delivery_id;
	const char *recipient;
	const char *reply;
	char	  **choices;
	char	  **labels;
	int			nchoices;
	const char *prompt;
} SenderReply;

extern Sender *SenderCreate(const SenderOptions *options);
extern void SenderStart(Sender *sender);

/*
 * SenderSubmitReply queues a reply for sending now (or, when the sender
 * holds too many messages, leaves it to its delivery lease).
 */
extern void SenderSubmitReply(Sender *sender, const SenderReply *reply);

/* SenderWake makes the sender claim due messages now. */
extern void SenderWake(Sender *sender);

/*
 * SenderRecordUndelivered retries message_undelivered for a provider id
 * the database did not know yet (its acknowledgement may still be on its
 * way), for up to half a minute.
 */
extern void SenderRecordUndelivered(Sender *sender, const char *provider_id, const char *error);

/*
 * SenderStop stops claiming, sends what it holds and flushes its
 * acknowledgements for up to timeout_ms, then stops the thread and frees
 * the sender.  What is left stays claimed and is sent again after the
 * lease.
 */
extern void SenderStop(Sender *sender, int timeout_ms);

/* SenderQueueLength counts messages held (queued and in flight). */
extern int	SenderQueueLength(Sender *sender);

#endif							/* PASSPORT_SENDER_H */
