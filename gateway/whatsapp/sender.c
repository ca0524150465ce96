/*-------------------------------------------------------------------------
 *
 * sender.c
 *	  The delivery thread of passport-whatsapp (see sender.h): claims due
 *	  messages, sends them through the Graph API with libcurl's multi
 *	  interface, acknowledges the sent ones in batches and reports the
 *	  failures.  What to send, when to retry and when to give up are the
 *	  database's decisions; this file carries them out.
 *
 * Everything below SenderMain runs on the sender's thread, which alone
 * uses the curl multi handle and the sender's database connection; other
 * threads only append to the incoming list (under the lock) and wake the
 * thread with curl_multi_wakeup().
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "daemon.h"
#include "graph.h"
#include "rows.h"
#include "sender.h"

#define RESPONSE_MAX 65536
#define UNDELIVERED_RETRY_MS 2000
#define UNDELIVERED_GIVE_UP_MS 30000
#define DB_RETRY_MS 1000
#define SENDER_HELD_MAX 10000

/* Statements of the sender's connection. */
enum
{
	STMT_CLAIM,
	STMT_ACK_BATCH,
	STMT_ACK_ONE,
	STMT_FAIL,
	STMT_UNDELIVERED,
	STMT_REPLIES_SENT,
	STMT_REPLY_FAILED,
	NUM_STMTS
};

static const DbStatement sender_statements[NUM_STMTS] = {
	{"claim",
		"SELECT office_id, message_id, attempt, recipient, reply, array_to_json(choices)::text,"
		" array_to_json(choice_labels)::text, choice_prompt, template, template_name,"
		" template_language, array_to_json(parameters)::text"
		" FROM passport.claim_whatsapp_messages($1::integer, $2, $3::interval, $4)", 4, false},
	{"ack_batch",
		"SELECT passport.ack_messages($1::bigint[], $2::bigint[], $3::integer[], $4::text[])", 4, true},
	{"ack_one",
		"SELECT passport.ack_message($1::bigint, $2::bigint, $3::integer, $4)", 4, true},
	{"fail",
		"SELECT passport.fail_message($1::bigint, $2::bigint, $3::integer, $4, $5::interval)", 5, false},
	{"undelivered",
		"SELECT passport.message_undelivered($1, $2, $3)", 3, true},
	{"replies_sent",
		"SELECT passport.replies_sent($1::bigint[])", 1, true},
	{"reply_failed",
		"SELECT passport.reply_failed($1::bigint, $2, $3::interval)", 3, false},
};

/* Columns of the claim. */
enum
{
	CLAIM_OFFICE_ID,
	CLAIM_MESSAGE_ID,
	CLAIM_ATTEMPT,
	CLAIM_RECIPIENT,
	CLAIM_REPLY,
	CLAIM_CHOICES,
	CLAIM_LABELS,
	CLAIM_PROMPT,
	CLAIM_TEMPLATE,
	CLAIM_TEMPLATE_NAME,
	CLAIM_TEMPLATE_LANGUAGE,
	CLAIM_PARAMETERS,
	CLAIM_COLUMNS
};

/* One message to deliver. */
typedef struct Delivery
{
	int64_t		delivery_id;	/* a reply on its way; 0 for outbox messages */
	int64_t		office_id;
	int64_t		message_id;
	int			attempt;
	bool		is_reply;
	GraphMessage msg;
	int			part;			/* next part to send */
	char	   *error;			/* set: fail without sending */
	char		provider_id[256];
	struct Delivery *next;
} Delivery;

/* One request in flight. */
typedef struct Transfer
{
	CURL	   *easy;
	Delivery   *delivery;
	StrBuf		response;
	int			retry_after;	/* seconds, -1 when absent */
	int64_t		started_ms;
	struct Transfer *next;		/* in the sender's list of transfers */
} Transfer;

/* A delivery failure waiting for its message's acknowledgement. */
typedef struct Undelivered
{
	char	   *provider_id;
	char	   *error;
	int64_t		next_ms;
	int64_t		give_up_ms;
	struct Undelivered *next;
} Undelivered;

/* An outcome to write to the database. */
typedef struct Outcome
{
	int64_t		delivery_id;	/* a reply on its way; 0 for outbox messages */
	int64_t		office_id;
	int64_t		message_id;
	int			attempt;
	char	   *provider_id;	/* acknowledgement */
	char	   *error;			/* failure */
	int			retry_after;	/* failure: seconds, -1 when none */
	struct Outcome *next;
} Outcome;

struct Sender
{
	SenderOptions options;
	char	   *conninfo;
	char	   *channel;
	char	   *worker;
	pthread_t	thread;
	CURLM	   *multi;
	DbConn	   *db;

	pthread_t	acker;
	DbConn	   *acker_db;

	pthread_mutex_t lock;		/* protects the lists below and sender_done */
	pthread_cond_t outcome;		/* signalled when an outcome arrives */
	Delivery   *incoming;
	Delivery   *incoming_tail;
	Outcome    *acks_in;
	Outcome    *fails_in;
	Undelivered *undelivered_in;
	bool		sender_done;
	bool		sender_sleeping;	/* waiting in curl_multi_poll */
	volatile bool stopping;
	volatile bool claim_now;
	int64_t		stop_deadline_ms;

	/* the sender thread's own state */
	Delivery   *queue;
	Delivery   *queue_tail;
	Transfer   *transfers;
	CURL	  **idle_easy;		/* handles kept for reuse */
	int			nidle_easy;
	Config	   *request_config; /* what url and headers were built from (held) */
	char		url[1024];
	struct curl_slist *headers;
	struct curl_slist **old_headers;	/* freed at the end: transfers may
										 * still use them */
	int			nold_headers;
	int			queued;
	int			inflight;
	int64_t		next_claim_ms;
	int64_t		scheduled_claim_ms;	/* a claim due then (after a pause), or 0 */
	int64_t		db_retry_ms;
	int64_t		throttle_until_ms;
	int			held;			/* queued + in flight + incoming (atomic) */

	/* the acker thread's own state */
	Outcome    *acks;
	Outcome    *fails;
	Undelivered *undelivered;
	int64_t		acker_retry_ms;
};

static Metric *m_sent_reply;
static Metric *m_sent_template;
static Metric *m_dead;
static Metric *m_taken_over;
static Metric *m_claimed;
static Metric *m_graph_seconds;
static Metric *m_undelivered;
static Metric *m_acks;

/* FailedMetric counts a failed send by reason. */
static void
FailedMetric(const char *reason)
{
	static const char *const reasons[] = {"timeout", "network", "rate_limited", "http_4xx", "http_5xx",
	"no_template"};
	static Metric *metrics[6];
	char		labels[64];
	int			i;

	for (i = 0; i < 6; i++)
		if (strcmp(reason, reasons[i]) == 0)
			break;
	if (i == 6)
		return;
	snprintf(labels, sizeof(labels), "reason=\"%s\"", reason);
	MetricInc(MetricsCounterCached(&metrics[i], "passport_whatsapp_messages_failed_total", labels,
								   "Sends that failed, by reason (the message is retried or dead)."));
}

/* ResponseMetric counts Graph API answers by status class. */
static void
ResponseMetric(long code)
{
	static const char *const labels[] = {"code=\"error\"", "code=\"1xx\"", "code=\"2xx\"", "code=\"3xx\"",
	"code=\"4xx\"", "code=\"5xx\"", "code=\"429\""};
	static Metric *metrics[7];
	int			i;

	if (code == 429)
		i = 6;
	else if (code >= 100 && code < 600)
		i = (int) (code / 100);
	else
		i = 0;
	MetricInc(MetricsCounterCached(&metrics[i], "passport_whatsapp_graph_responses_total", labels[i],
								   "Graph API answers by status class (error: no answer)."));
}

/* QueueLength reports what the sender holds, for /metrics. */
static double
QueueLength(void *arg)
{
	return SenderQueueLength(arg);
}

/* Throttled reports whether the sender pauses after a 429, for /metrics. */
static double
Throttled(void *arg)
{
	Sender	   *s = arg;

	return NowMs() < __atomic_load_n(&s->throttle_until_ms, __ATOMIC_RELAXED) ? 1 : 0;
}

/* SenderCreate makes a sender; SenderStart starts its thread. */
Sender *
SenderCreate(const SenderOptions *options)
{
	Sender	   *s = PdAllocZero(sizeof(Sender));

	s->options = *options;
	s->conninfo = PdStrdup(options->conninfo != NULL ? options->conninfo : "");
	s->channel = PdStrdup(options->channel);
	s->worker = PdStrdup(options->worker);
	s->options.conninfo = s->conninfo;
	s->options.channel = s->channel;
	s->options.worker = s->worker;
	if (s->options.concurrency < 1)
		s->options.concurrency = 1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->outcome, NULL);
	s->multi = curl_multi_init();
	curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) s->options.concurrency);
	curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long) s->options.concurrency);
	s->idle_easy = PdAlloc(sizeof(CURL *) * s->options.concurrency);
	s->db = DbConnCreate(s->conninfo, sender_statements, NUM_STMTS, "passport-whatsapp sender");
	s->acker_db = DbConnCreate(s->conninfo, sender_statements, NUM_STMTS, "passport-whatsapp acknowledgements");

	m_sent_reply = MetricsCounter("passport_whatsapp_messages_sent_total", "kind=\"reply\"",
								  "Messages the Graph API accepted, by kind.");
	m_sent_template = MetricsCounter("passport_whatsapp_messages_sent_total", "kind=\"template\"",
									 "Messages the Graph API accepted, by kind.");
	m_dead = MetricsCounter("passport_whatsapp_messages_dead_total", NULL,
							"Messages the database gave up on after their last attempt.");
	m_taken_over = MetricsCounter("passport_whatsapp_claims_taken_over_total", NULL,
								  "Acknowledgements or failures refused because the claim ran out and was taken over (PP030).");
	m_claimed = MetricsCounter("passport_whatsapp_outbox_claimed_total", NULL,
							   "Due messages claimed from the outbox (notifications and retries).");
	m_graph_seconds = MetricsHistogram("passport_whatsapp_graph_request_seconds", NULL,
									   "Time of Graph API requests.",
									   MetricsLatencyBuckets, MetricsLatencyBucketCount);
	m_undelivered = MetricsCounter("passport_whatsapp_messages_undelivered_total", NULL,
								   "Delivery failures reported by status callbacks and recorded against their message.");
	m_acks = MetricsCounter("passport_whatsapp_ack_statements_total", NULL,
							"Batch acknowledgements sent to the database.");
	MetricsGaugeFunc("passport_whatsapp_send_queue", NULL,
					 "Messages the sender holds (queued and in flight).", QueueLength, s);
	MetricsGaugeFunc("passport_whatsapp_throttled", NULL,
					 "1 while sending pauses after a 429 with Retry-After.", Throttled, s);
	return s;
}

/* DeliveryFree releases a delivery. */
static void
DeliveryFree(Delivery *d)
{
	GraphMessageFree(&d->msg);
	free(d->error);
	free(d);
}

/* Push hands a delivery to the sender thread. */
static void
Push(Sender *s, Delivery *d)
{
	bool		wake;

	d->next = NULL;
	pthread_mutex_lock(&s->lock);
	if (s->incoming_tail != NULL)
		s->incoming_tail->next = d;
	else
		s->incoming = d;
	s->incoming_tail = d;
	wake = s->sender_sleeping;
	s->sender_sleeping = false;
	pthread_mutex_unlock(&s->lock);
	__atomic_fetch_add(&s->held, 1, __ATOMIC_RELAXED);
	/* a busy sender takes it at its next turn without being woken */
	if (wake)
		curl_multi_wakeup(s->multi);
}

/*
 * SenderSubmitReply builds a reply's requests here and queues them.  When
 * the sender already holds SENDER_HELD_MAX messages (the Graph API is slow
 * or down), the reply is left to the database: its delivery lease runs out
 * and a claim sends it, so memory stays bounded and nothing is lost.
 */
void
SenderSubmitReply(Sender *s, const SenderReply *r)
{
	Delivery   *d;
	char		to[40];
	static Metric *deferred;

	if (SenderQueueLength(s) >= SENDER_HELD_MAX)
	{
		MetricInc(MetricsCounterCached(&deferred, "passport_whatsapp_replies_deferred_total", NULL,
									   "Replies left to their delivery lease because the sender held too many messages."));
		return;
	}
	d = PdAllocZero(sizeof(Delivery));

	d->delivery_id = r->delivery_id;
	d->is_reply = true;
	GraphRecipient(r->recipient, to, sizeof(to));
	GraphBuildReply(&d->msg, to, r->reply, r->choices, r->labels, r->nchoices, r->prompt);
	Push(s, d);
}

/* SenderWake asks for a claim at the next turn of the loop. */
void
SenderWake(Sender *s)
{
	s->claim_now = true;
	curl_multi_wakeup(s->multi);
}

/* SenderRecordUndelivered queues a delivery failure for the database. */
void
SenderRecordUndelivered(Sender *s, const char *provider_id, const char *error)
{
	Undelivered *u = PdAllocZero(sizeof(Undelivered));

	u->provider_id = PdStrdup(provider_id);
	u->error = PdStrdup(error);
	u->next_ms = NowMs() + UNDELIVERED_RETRY_MS;
	u->give_up_ms = NowMs() + UNDELIVERED_GIVE_UP_MS;
	pthread_mutex_lock(&s->lock);
	u->next = s->undelivered_in;
	s->undelivered_in = u;
	pthread_cond_signal(&s->outcome);
	pthread_mutex_unlock(&s->lock);
}

/* SenderQueueLength counts the messages the sender holds. */
int
SenderQueueLength(Sender *s)
{
	return __atomic_load_n(&s->held, __ATOMIC_RELAXED);
}

/* Enqueue appends a delivery to the thread's queue. */
static void
Enqueue(Sender *s, Delivery *d, bool front)
{
	if (front)
	{
		d->next = s->queue;
		s->queue = d;
		if (s->queue_tail == NULL)
			s->queue_tail = d;
	}
	else
	{
		d->next = NULL;
		if (s->queue_tail != NULL)
			s->queue_tail->next = d;
		else
			s->queue = d;
		s->queue_tail = d;
	}
	s->queued++;
}

/* Dequeue takes the first delivery of the thread's queue. */
static Delivery *
Dequeue(Sender *s)
{
	Delivery   *d = s->queue;

	if (d == NULL)
		return NULL;
	s->queue = d->next;
	if (s->queue == NULL)
		s->queue_tail = NULL;
	s->queued--;
	d->next = NULL;
	return d;
}

/* AddOutcome hands an acknowledgement or a failure to the acker thread. */
static void
AddOutcome(Sender *s, Delivery *d, const char *error, int retry_after)
{
	Outcome    *o = PdAllocZero(sizeof(Outcome));

	o->delivery_id = d->delivery_id;
	o->office_id = d->office_id;
	o->message_id = d->message_id;
	o->attempt = d->attempt;
	o->retry_after = retry_after;
	if (error == NULL)
	{
		o->provider_id = PdStrdup(d->provider_id[0] != '\0' ? d->provider_id : NULL);
		MetricInc(d->is_reply ? m_sent_reply : m_sent_template);
	}
	else
		o->error = PdStrdup(error);
	pthread_mutex_lock(&s->lock);
	if (error == NULL)
	{
		o->next = s->acks_in;
		s->acks_in = o;
	}
	else
	{
		o->next = s->fails_in;
		s->fails_in = o;
	}
	pthread_cond_signal(&s->outcome);
	pthread_mutex_unlock(&s->lock);
	DeliveryFree(d);
	__atomic_fetch_sub(&s->held, 1, __ATOMIC_RELAXED);
}

/* OutcomeFree releases an outcome. */
static void
OutcomeFree(Outcome *o)
{
	free(o->provider_id);
	free(o->error);
	free(o);
}

/* WriteBody collects an answer's body, up to a limit. */
static size_t
WriteBody(char *data, size_t size, size_t nmemb, void *arg)
{
	Transfer   *t = arg;
	size_t		n = size * nmemb;

	if (t->response.len + n <= RESPONSE_MAX)
		StrBufAppend(&t->response, data, n);
	return n;
}

/* ReadHeader notes Retry-After. */
static size_t
ReadHeader(char *data, size_t size, size_t nmemb, void *arg)
{
	Transfer   *t = arg;
	size_t		n = size * nmemb;

	if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0)
	{
		char		value[80];
		size_t		len = n - 12 < sizeof(value) - 1 ? n - 12 : sizeof(value) - 1;

		memcpy(value, data + 12, len);
		value[len] = '\0';
		value[strcspn(value, "\r\n")] = '\0';
		t->retry_after = GraphParseRetryAfter(value, time(NULL));
	}
	return n;
}

/*
 * RequestSetup builds the URL and the headers of Graph API requests from
 * the current configuration, once per configuration (a reload may change
 * the token).  The sender holds the configuration they were built from.
 */
static void
RequestSetup(Sender *s)
{
	StrBuf		auth;
	size_t		token_len = 0;
	Config	   *config = ConfigAcquire();
	const char *token;

	if (s->request_config == config)
	{
		ConfigRelease(config);
		return;
	}
	ConfigRelease(s->request_config);
	token = ConfigGetSecret(config, "access_token_file", &token_len);
	if (s->headers != NULL)
	{
		s->old_headers = PdRealloc(s->old_headers, sizeof(struct curl_slist *) * (s->nold_headers + 1));
		s->old_headers[s->nold_headers++] = s->headers;
	}
	snprintf(s->url, sizeof(s->url), "%s/%s/%s/messages", ConfigGetString(config, "graph_base"),
			 ConfigGetString(config, "graph_version"), ConfigGetString(config, "phone_number_id"));
	StrBufInit(&auth);
	StrBufAppendStr(&auth, "Authorization: Bearer ");
	StrBufAppend(&auth, token != NULL ? token : "", token_len);
	s->headers = curl_slist_append(NULL, auth.data);
	memset(auth.data, 0, auth.len);
	StrBufFree(&auth);
	s->headers = curl_slist_append(s->headers, "Content-Type: application/json");
	s->headers = curl_slist_append(s->headers, "Expect:");
	s->request_config = config;
}

/* StartTransfer sends the next part of a delivery. */
static void
StartTransfer(Sender *s, Delivery *d)
{
	Transfer   *t = PdAllocZero(sizeof(Transfer));

	t->delivery = d;
	t->retry_after = -1;
	t->started_ms = NowMs();
	StrBufInit(&t->response);
	if (s->nidle_easy > 0)
		t->easy = s->idle_easy[--s->nidle_easy];
	else
	{
		/* options that never change are set once per handle */
		t->easy = curl_easy_init();
		curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, WriteBody);
		curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, ReadHeader);
		curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, (long) s->options.graph_timeout_ms);
		curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS,
						 (long) (s->options.graph_timeout_ms < 5000 ? s->options.graph_timeout_ms : 5000));
		curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "passport-whatsapp/0.2");
	}
	curl_easy_setopt(t->easy, CURLOPT_URL, s->url);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(t->easy, CURLOPT_COPYPOSTFIELDS, d->msg.parts[d->part]);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	curl_multi_add_handle(s->multi, t->easy);
	t->next = s->transfers;
	s->transfers = t;
	s->inflight++;
}

/* TransferFree releases a finished request. */
static void
TransferFree(Sender *s, Transfer *t)
{
	Transfer  **p;

	for (p = &s->transfers; *p != NULL; p = &(*p)->next)
	{
		if (*p == t)
		{
			*p = t->next;
			break;
		}
	}
	curl_multi_remove_handle(s->multi, t->easy);
	if (s->nidle_easy < s->options.concurrency)
		s->idle_easy[s->nidle_easy++] = t->easy;
	else
		curl_easy_cleanup(t->easy);
	StrBufFree(&t->response);
	free(t);
	s->inflight--;
}

/* Finish handles a finished request: next part, acknowledgement or failure. */
static void
Finish(Sender *s, Transfer *t, CURLcode result)
{
	Delivery   *d = t->delivery;
	long		code = 0;
	char		error[300];

	MetricObserve(m_graph_seconds, (NowMs() - t->started_ms) / 1000.0);
	if (result == CURLE_OK)
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	ResponseMetric(result == CURLE_OK ? code : 0);

	if (result != CURLE_OK)
	{
		snprintf(error, sizeof(error), "%s", result == CURLE_OPERATION_TIMEDOUT ? "timeout" :
				 curl_easy_strerror(result));
		FailedMetric(result == CURLE_OPERATION_TIMEDOUT ? "timeout" : "network");
		AddOutcome(s, d, error, -1);
	}
	else if (code >= 200 && code < 300)
	{
		if (!GraphParseMessageId(t->response.data, t->response.len, d->provider_id,
								 sizeof(d->provider_id)))
			d->provider_id[0] = '\0';
		if (++d->part < d->msg.nparts)
			Enqueue(s, d, true);
		else
			AddOutcome(s, d, NULL, -1);
	}
	else
	{
		char		detail[200] = "";
		int			n;

		GraphParseError(t->response.data, t->response.len, detail, sizeof(detail));
		n = snprintf(error, sizeof(error), "HTTP %ld", code);
		if (detail[0] != '\0' && n > 0)
			snprintf(error + n, sizeof(error) - n, " %s", detail);
		if (code == 429)
		{
			int64_t		until = NowMs() + (t->retry_after >= 0 ? t->retry_after : 1) * 1000LL;

			if (until > s->throttle_until_ms)
				__atomic_store_n(&s->throttle_until_ms, until, __ATOMIC_RELAXED);
			/*
			 * When the pause ends, look for what came due meanwhile (the
			 * database counts the wait from its own clock, a little later).
			 */
			if (s->scheduled_claim_ms == 0 || s->scheduled_claim_ms > until + 500)
				s->scheduled_claim_ms = until + 500;
			LogWarning("the Graph API asks to slow down; pausing %d s", t->retry_after >= 0 ? t->retry_after : 1);
			FailedMetric("rate_limited");
		}
		else
			FailedMetric(code >= 500 ? "http_5xx" : "http_4xx");
		AddOutcome(s, d, error, code == 429 ? t->retry_after : -1);
	}
	TransferFree(s, t);
}

/* ArrayText writes a PostgreSQL array literal of quoted elements. */
static void
ArrayAppend(StrBuf *buf, const char *value, bool quote)
{
	if (buf->len > 1)
		StrBufAppendChar(buf, ',');
	if (value == NULL)
	{
		StrBufAppendStr(buf, "NULL");
		return;
	}
	if (!quote)
	{
		StrBufAppendStr(buf, value);
		return;
	}
	StrBufAppendChar(buf, '"');
	for (; *value != '\0'; value++)
	{
		if (*value == '"' || *value == '\\')
			StrBufAppendChar(buf, '\\');
		StrBufAppendChar(buf, *value);
	}
	StrBufAppendChar(buf, '"');
}

/* Append moves a list of outcomes to the end of another. */
static void
Append(Outcome **to, Outcome *list)
{
	while (*to != NULL)
		to = &(*to)->next;
	*to = list;
}

/* OutcomeRefused logs an outcome the database would not take. */
static void
OutcomeRefused(const Outcome *o, const DbError *error, const char *what)
{
	if (strcmp(error->sqlstate, "PP030") == 0)
		MetricInc(m_taken_over);
	if (o->delivery_id != 0)
		LogWarning("%s of reply %lld refused (SQLSTATE %s): %s", what, (long long) o->delivery_id,
				   error->sqlstate, error->message);
	else
		LogWarning("%s of outbox message %lld refused (SQLSTATE %s): %s", what,
				   (long long) o->message_id, error->sqlstate, error->message);
}

/*
 * FlushAckList acknowledges the outcomes of one kind (replies on their way,
 * or outbox messages) in one statement; when the database refuses the
 * batch, one by one.  Returns false when the database is away.
 */
static bool
FlushAckList(Sender *s, Outcome **list, bool replies)
{
	StrBuf		arrays[4];
	const char *values[4];
	DbError		error;
	PGresult   *res;
	Outcome    *o;
	char		num[32];
	int			i;

	if (*list == NULL)
		return true;
	for (i = 0; i < 4; i++)
	{
		StrBufInit(&arrays[i]);
		StrBufAppendChar(&arrays[i], '{');
	}
	for (o = *list; o != NULL; o = o->next)
	{
		if (replies)
		{
			snprintf(num, sizeof(num), "%lld", (long long) o->delivery_id);
			ArrayAppend(&arrays[0], num, false);
			continue;
		}
		snprintf(num, sizeof(num), "%lld", (long long) o->office_id);
		ArrayAppend(&arrays[0], num, false);
		snprintf(num, sizeof(num), "%lld", (long long) o->message_id);
		ArrayAppend(&arrays[1], num, false);
		snprintf(num, sizeof(num), "%d", o->attempt);
		ArrayAppend(&arrays[2], num, false);
		ArrayAppend(&arrays[3], o->provider_id, true);
	}
	for (i = 0; i < 4; i++)
	{
		StrBufAppendChar(&arrays[i], '}');
		values[i] = arrays[i].data;
	}
	res = DbConnExec(s->acker_db, replies ? STMT_REPLIES_SENT : STMT_ACK_BATCH, values, &error);
	MetricInc(m_acks);
	for (i = 0; i < 4; i++)
		StrBufFree(&arrays[i]);
	if (res != NULL)
	{
		PQclear(res);
		while ((o = *list) != NULL)
		{
			*list = o->next;
			OutcomeFree(o);
		}
		return true;
	}
	if (error.kind == DB_UNAVAILABLE)
		return false;

	/* one of them is no longer ours (PP030): one by one */
	while ((o = *list) != NULL)
	{
		char		office[32],
					message[32],
					attempt[32],
					ids[40];

		if (replies)
		{
			snprintf(ids, sizeof(ids), "{%lld}", (long long) o->delivery_id);
			values[0] = ids;
			res = DbConnExec(s->acker_db, STMT_REPLIES_SENT, values, &error);
		}
		else
		{
			snprintf(office, sizeof(office), "%lld", (long long) o->office_id);
			snprintf(message, sizeof(message), "%lld", (long long) o->message_id);
			snprintf(attempt, sizeof(attempt), "%d", o->attempt);
			values[0] = office;
			values[1] = message;
			values[2] = attempt;
			values[3] = o->provider_id;
			res = DbConnExec(s->acker_db, STMT_ACK_ONE, values, &error);
		}
		if (res == NULL && error.kind == DB_UNAVAILABLE)
			return false;
		if (res == NULL)
			OutcomeRefused(o, &error, "acknowledgement");
		PQclear(res);
		*list = o->next;
		OutcomeFree(o);
	}
	return true;
}

/* FlushAcks acknowledges every sent reply and message, a statement each kind. */
static void
FlushAcks(Sender *s)
{
	Outcome    *replies = NULL;
	Outcome    *messages = NULL;
	Outcome    *o;
	bool		ok;

	if (s->acks == NULL || NowMs() < s->acker_retry_ms)
		return;
	while ((o = s->acks) != NULL)
	{
		s->acks = o->next;
		if (o->delivery_id != 0)
		{
			o->next = replies;
			replies = o;
		}
		else
		{
			o->next = messages;
			messages = o;
		}
	}
	ok = FlushAckList(s, &replies, true);
	ok = FlushAckList(s, &messages, false) && ok;
	if (!ok)
		s->acker_retry_ms = NowMs() + DB_RETRY_MS;
	/* what could not be written waits for the next turn */
	Append(&s->acks, replies);
	Append(&s->acks, messages);
}

/* FlushFails reports every failed send. */
static void
FlushFails(Sender *s)
{
	Outcome    *o;

	while ((o = s->fails) != NULL && NowMs() >= s->acker_retry_ms)
	{
		char		office[32],
					message[32],
					attempt[32],
					wait[32];
		const char *values[5];
		DbError		error;
		PGresult   *res;

		snprintf(wait, sizeof(wait), "%d seconds", o->retry_after);
		if (o->delivery_id != 0)
		{
			snprintf(message, sizeof(message), "%lld", (long long) o->delivery_id);
			values[0] = message;
			values[1] = o->error;
			values[2] = o->retry_after >= 0 ? wait : NULL;
			res = DbConnExec(s->acker_db, STMT_REPLY_FAILED, values, &error);
		}
		else
		{
			snprintf(office, sizeof(office), "%lld", (long long) o->office_id);
			snprintf(message, sizeof(message), "%lld", (long long) o->message_id);
			snprintf(attempt, sizeof(attempt), "%d", o->attempt);
			values[0] = office;
			values[1] = message;
			values[2] = attempt;
			values[3] = o->error;
			values[4] = o->retry_after >= 0 ? wait : NULL;
			res = DbConnExec(s->acker_db, STMT_FAIL, values, &error);
		}
		if (res == NULL && error.kind == DB_UNAVAILABLE)
		{
			s->acker_retry_ms = NowMs() + DB_RETRY_MS;
			return;
		}
		if (res == NULL)
			OutcomeRefused(o, &error, "failure");
		else
		{
			const char *status = PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "";

			if (strcmp(status, "dead") == 0)
			{
				MetricInc(m_dead);
				LogWarning("a message is dead after its last attempt: %s", o->error);
			}
			else if (o->delivery_id != 0)
				LogInfo("reply %lld not sent (%s); the outbox retries it", (long long) o->delivery_id, o->error);
			else
				LogInfo("outbox message %lld of office %lld not sent (%s); the database retries it",
						(long long) o->message_id, (long long) o->office_id, o->error);
			PQclear(res);
		}
		s->fails = o->next;
		OutcomeFree(o);
	}
}

/* FlushUndelivered retries recording delivery failures. */
static void
FlushUndelivered(Sender *s)
{
	Undelivered **p;
	int64_t		now = NowMs();

	p = &s->undelivered;
	while (*p != NULL)
	{
		Undelivered *u = *p;
		bool		done = false;

		if (now >= u->next_ms && now >= s->acker_retry_ms)
		{
			const char *values[3];
			DbError		error;
			PGresult   *res;

			values[0] = s->channel;
			values[1] = u->provider_id;
			values[2] = u->error;
			res = DbConnExec(s->acker_db, STMT_UNDELIVERED, values, &error);
			if (res != NULL && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0)
			{
				MetricInc(m_undelivered);
				done = true;
			}
			else if (res == NULL && error.kind == DB_UNAVAILABLE)
				s->acker_retry_ms = now + DB_RETRY_MS;
			PQclear(res);
			u->next_ms = now + UNDELIVERED_RETRY_MS;
			if (!done && now >= u->give_up_ms)
			{
				LogInfo("a delivery failure names a message this gateway does not know; ignored");
				done = true;
			}
		}
		if (done)
		{
			*p = u->next;
			free(u->provider_id);
			free(u->error);
			free(u);
		}
		else
			p = &u->next;
	}
}

/* Claim takes due messages from the outbox. */
static void
Claim(Sender *s, int room)
{
	char		batch[16],
				lease[32];
	const char *values[4];
	DbError		error;
	PGresult   *res;
	int			i,
				n;

	snprintf(batch, sizeof(batch), "%d", room < s->options.batch ? room : s->options.batch);
	snprintf(lease, sizeof(lease), "%d seconds", s->options.lease_s);
	values[0] = batch;
	values[1] = s->worker;
	values[2] = lease;
	values[3] = s->channel;
	res = DbConnExec(s->db, STMT_CLAIM, values, &error);
	if (res == NULL)
	{
		if (error.kind == DB_UNAVAILABLE)
			s->db_retry_ms = NowMs() + DB_RETRY_MS;
		else
			LogError("claiming messages failed (SQLSTATE %s): %s", error.sqlstate, error.message);
		s->next_claim_ms = NowMs() + s->options.poll_interval_ms;
		return;
	}
	if (PQnfields(res) != CLAIM_COLUMNS)
	{
		LogError("claim_whatsapp_messages returned %d columns, expected %d", PQnfields(res), CLAIM_COLUMNS);
		PQclear(res);
		s->next_claim_ms = NowMs() + s->options.poll_interval_ms;
		return;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++)
	{
		Delivery   *d = PdAllocZero(sizeof(Delivery));
		char		to[40];

		d->office_id = strtoll(PQgetvalue(res, i, CLAIM_OFFICE_ID), NULL, 10);
		d->message_id = strtoll(PQgetvalue(res, i, CLAIM_MESSAGE_ID), NULL, 10);
		d->attempt = atoi(PQgetvalue(res, i, CLAIM_ATTEMPT));
		GraphRecipient(RowValue(res, i, CLAIM_RECIPIENT), to, sizeof(to));
		if (RowValue(res, i, CLAIM_REPLY) != NULL)
		{
			char	  **choices,
					  **labels;
			int			nchoices = JsonStrings(RowValue(res, i, CLAIM_CHOICES), &choices);
			int			nlabels = JsonStrings(RowValue(res, i, CLAIM_LABELS), &labels);

			d->is_reply = true;
			GraphBuildReply(&d->msg, to, RowValue(res, i, CLAIM_REPLY), choices,
							nlabels == nchoices ? labels : NULL, nchoices, RowValue(res, i, CLAIM_PROMPT));
			FreeStrings(choices, nchoices);
			FreeStrings(labels, nlabels);
		}
		else if (RowValue(res, i, CLAIM_TEMPLATE_NAME) != NULL)
		{
			char	  **params;
			int			nparams = JsonStrings(RowValue(res, i, CLAIM_PARAMETERS), &params);

			GraphBuildTemplate(&d->msg, to, RowValue(res, i, CLAIM_TEMPLATE_NAME),
							   RowValue(res, i, CLAIM_TEMPLATE_LANGUAGE), params, nparams);
			FreeStrings(params, nparams);
		}
		else
		{
			StrBuf		e;

			StrBufInit(&e);
			StrBufPrintf(&e, "no WhatsApp template for \"%.100s\"",
						 RowValue(res, i, CLAIM_TEMPLATE) != NULL ? RowValue(res, i, CLAIM_TEMPLATE) : "");
			d->error = StrBufDetach(&e);
		}
		__atomic_fetch_add(&s->held, 1, __ATOMIC_RELAXED);
		Enqueue(s, d, false);
	}
	PQclear(res);
	MetricAdd(m_claimed, n);
	/* a full batch means more may be due: claim again at once */
	s->next_claim_ms = NowMs() + (n >= atoi(batch) ? 0 : s->options.poll_interval_ms);
}

/*
 * AckerMain writes outcomes to the database on a thread of its own, so
 * that sending never waits for a commit: whatever completes while one
 * acknowledgement commits goes into the next one.
 */
static void *
AckerMain(void *arg)
{
	Sender	   *s = arg;

	for (;;)
	{
		bool		done;
		int64_t		now = NowMs();

		pthread_mutex_lock(&s->lock);
		if (s->acks_in == NULL && s->fails_in == NULL && s->undelivered_in == NULL &&
			!s->sender_done)
		{
			struct timespec ts;
			int64_t		wait = 500;

			if ((s->acks != NULL || s->fails != NULL) && s->acker_retry_ms > now)
				wait = s->acker_retry_ms - now < 500 ? s->acker_retry_ms - now : 500;
			else if (s->acks != NULL || s->fails != NULL)
				wait = 0;
			if (wait > 0)
			{
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_nsec += wait * 1000000L;
				ts.tv_sec += ts.tv_nsec / 1000000000L;
				ts.tv_nsec %= 1000000000L;
				pthread_cond_timedwait(&s->outcome, &s->lock, &ts);
			}
		}
		Append(&s->acks, s->acks_in);
		s->acks_in = NULL;
		Append(&s->fails, s->fails_in);
		s->fails_in = NULL;
		while (s->undelivered_in != NULL)
		{
			Undelivered *u = s->undelivered_in;

			s->undelivered_in = u->next;
			u->next = s->undelivered;
			s->undelivered = u;
		}
		done = s->sender_done;
		pthread_mutex_unlock(&s->lock);

		if (done && ((s->acks == NULL && s->fails == NULL) || NowMs() >= s->stop_deadline_ms))
			break;
		if (done && NowMs() < s->acker_retry_ms)
			SleepMs((int) (s->acker_retry_ms - NowMs()), NULL);
		FlushAcks(s);
		FlushFails(s);
		FlushUndelivered(s);
	}
	return NULL;
}

/* SenderMain is the sender thread's loop. */
static void *
SenderMain(void *arg)
{
	Sender	   *s = arg;

	s->next_claim_ms = NowMs();
	for (;;)
	{
		int64_t		now = NowMs();
		int			running = 0;
		int			timeout;
		CURLMsg    *msg;
		int			left;
		bool		stopping = s->stopping;

		/* take what other threads handed over */
		pthread_mutex_lock(&s->lock);
		while (s->incoming != NULL)
		{
			Delivery   *d = s->incoming;

			s->incoming = d->next;
			Enqueue(s, d, false);
		}
		s->incoming_tail = NULL;
		pthread_mutex_unlock(&s->lock);

		if (stopping && (now >= s->stop_deadline_ms || (s->queue == NULL && s->inflight == 0)))
			break;

		/* send, unless the Graph API asked to wait: then give the claims back */
		if (s->queue != NULL && s->inflight < s->options.concurrency)
			RequestSetup(s);
		while (s->queue != NULL && s->inflight < s->options.concurrency)
		{
			Delivery   *d = Dequeue(s);

			if (d->error != NULL)
			{
				char	   *e = PdStrdup(d->error);

				FailedMetric("no_template");
				AddOutcome(s, d, e, -1);
				free(e);
			}
			else if (now < s->throttle_until_ms)
			{
				int			wait = (int) ((s->throttle_until_ms - now + 999) / 1000);

				AddOutcome(s, d, "not sent: the Graph API asked to wait (429)", wait);
			}
			else
				StartTransfer(s, d);
		}

		curl_multi_perform(s->multi, &running);
		while ((msg = curl_multi_info_read(s->multi, &left)) != NULL)
		{
			Transfer   *t = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &t);
			Finish(s, t, msg->data.result);
		}

		/* claim due messages when woken, and every poll interval */
		now = NowMs();
		if (s->claim_now || (s->scheduled_claim_ms != 0 && now >= s->scheduled_claim_ms))
		{
			s->claim_now = false;
			if (s->scheduled_claim_ms != 0 && now >= s->scheduled_claim_ms)
				s->scheduled_claim_ms = 0;
			if (s->next_claim_ms > now)
				s->next_claim_ms = now;
		}
		if (!stopping && now >= s->next_claim_ms && now >= s->throttle_until_ms &&
			now >= s->db_retry_ms)
		{
			int			room = 2 * s->options.concurrency - s->queued - s->inflight;

			if (room > 0)
				Claim(s, room);
		}

		/* sleep until something happens or a timer runs out */
		timeout = 1000;
		if (s->queue != NULL && s->inflight < s->options.concurrency)
			timeout = 0;
		if (!stopping && s->next_claim_ms - now < timeout)
			timeout = (int) (s->next_claim_ms - now);
		if (!stopping && s->scheduled_claim_ms != 0 && s->scheduled_claim_ms - now < timeout)
			timeout = (int) (s->scheduled_claim_ms - now);
		if (s->throttle_until_ms > now && s->throttle_until_ms - now < timeout)
			timeout = (int) (s->throttle_until_ms - now);
		if (timeout > 0)
		{
			bool		idle;

			pthread_mutex_lock(&s->lock);
			idle = s->incoming == NULL;
			s->sender_sleeping = idle;
			pthread_mutex_unlock(&s->lock);
			if (idle)
				curl_multi_poll(s->multi, NULL, 0, timeout, NULL);
			pthread_mutex_lock(&s->lock);
			s->sender_sleeping = false;
			pthread_mutex_unlock(&s->lock);
		}
	}
	return NULL;
}

/* SenderStart starts the sender's thread. */
void
SenderStart(Sender *s)
{
	if (pthread_create(&s->thread, NULL, SenderMain, s) != 0 ||
		pthread_create(&s->acker, NULL, AckerMain, s) != 0)
	{
		LogError("could not start the sender threads");
		abort();
	}
}

/* SenderStop drains the sender for up to timeout_ms and frees it. */
void
SenderStop(Sender *s, int timeout_ms)
{
	Delivery   *d;
	Outcome    *o;
	Undelivered *u;
	int			left;

	s->stop_deadline_ms = NowMs() + timeout_ms;
	s->stopping = true;
	curl_multi_wakeup(s->multi);
	pthread_join(s->thread, NULL);
	pthread_mutex_lock(&s->lock);
	s->sender_done = true;
	pthread_cond_signal(&s->outcome);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->acker, NULL);

	left = s->queued + s->inflight;
	{
		int			unacked = 0;

		for (o = s->acks; o != NULL; o = o->next)
			unacked++;
		if (left > 0 || unacked > 0)
			LogWarning("stopped with %d messages unsent and %d unacknowledged; they are sent again after their lease",
					   left, unacked);
	}
	while ((d = Dequeue(s)) != NULL)
		DeliveryFree(d);
	while ((o = s->acks) != NULL)
	{
		s->acks = o->next;
		OutcomeFree(o);
	}
	while ((o = s->fails) != NULL)
	{
		s->fails = o->next;
		OutcomeFree(o);
	}
	while ((u = s->undelivered) != NULL)
	{
		s->undelivered = u->next;
		free(u->provider_id);
		free(u->error);
		free(u);
	}
	while (s->transfers != NULL)
	{
		Transfer   *t = s->transfers;

		DeliveryFree(t->delivery);
		TransferFree(s, t);
	}
	while (s->nidle_easy > 0)
		curl_easy_cleanup(s->idle_easy[--s->nidle_easy]);
	free(s->idle_easy);
	curl_slist_free_all(s->headers);
	while (s->nold_headers > 0)
		curl_slist_free_all(s->old_headers[--s->nold_headers]);
	free(s->old_headers);
	ConfigRelease(s->request_config);
	curl_multi_cleanup(s->multi);
	DbConnDestroy(s->db);
	DbConnDestroy(s->acker_db);
	pthread_cond_destroy(&s->outcome);
	free(s->conninfo);
	free(s->channel);
	free(s->worker);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
