/*-------------------------------------------------------------------------
 *
 * main.c
 *	  passport-whatsapp: the WhatsApp Business Cloud API gateway of
 *	  passport.  It translates, nothing more: a signed webhook becomes calls
 *	  of passport.receive_whatsapp_message (the dialogue; its reply comes
 *	  back with a delivery held by this login) and passport.message_undelivered;
 *	  replies and the outbox's WhatsApp messages become Graph API requests
 *	  (sender.c).  Every rule is the database's.
 *
 * Routes:
 *	GET  <webhook_path>   Meta's verification handshake (hub.mode,
 *						  hub.verify_token, hub.challenge); 403 otherwise
 *	POST <webhook_path>   signed webhook: 401 bad or missing signature,
 *						  413 too large, 400 not JSON, 503 database away,
 *						  200 once every message in it is committed
 *	GET  /healthz         200 when the database answers, else 503
 *	GET  /metrics         Prometheus text format
 *
 * Signals: SIGTERM/SIGINT stop accepting, finish the requests in flight,
 * send and acknowledge what the sender holds, and exit; SIGHUP reloads the
 * configuration (secrets included).
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "daemon.h"
#include "graph.h"
#include "rows.h"
#include "sender.h"
#include "webhook.h"

#define PROGNAME "passport-whatsapp"
#define ENV_PREFIX "PASSPORT_WHATSAPP_"
#define NOTIFY_CHANNEL "passport_outbox"

static const ConfigOption options[] = {
	{"listen_address", CONFIG_STRING, "127.0.0.1", false, false, 0, 0,
	"numeric address the HTTP server listens on"},
	{"listen_port", CONFIG_INT, "8080", false, false, 1, 65535, "its port"},
	{"http_threads", CONFIG_INT, "0", false, false, 0, 256,
	"threads answering HTTP requests (0: one per connection)"},
	{"max_body", CONFIG_INT, "262144", false, false, 1024, 16777216,
	"largest webhook body accepted, in bytes"},
	{"webhook_path", CONFIG_STRING, "/webhook", false, false, 0, 0, "path of the webhook"},
	{"conninfo", CONFIG_STRING, "", false, false, 0, 0,
	"libpq connection string (empty: the PG* environment variables)"},
	{"db_pool_size", CONFIG_INT, "16", false, false, 1, 200,
	"database connections of the webhook handlers"},
	{"db_wait_ms", CONFIG_INT, "2000", false, true, 0, 60000,
	"how long a webhook waits for a free connection before 503"},
	{"app_secret_file", CONFIG_SECRET_FILE, NULL, true, true, 0, 0,
	"file holding the Meta app secret (signs webhooks)"},
	{"verify_token_file", CONFIG_SECRET_FILE, NULL, true, true, 0, 0,
	"file holding the webhook verify token"},
	{"access_token_file", CONFIG_SECRET_FILE, NULL, true, true, 0, 0,
	"file holding the Graph API access token"},
	{"phone_number_id", CONFIG_STRING, NULL, true, true, 0, 0,
	"WhatsApp Business phone number id"},
	{"graph_base", CONFIG_STRING, "https://graph.facebook.com", false, true, 0, 0,
	"Graph API base URL"},
	{"graph_version", CONFIG_STRING, "v21.0", false, true, 0, 0, "Graph API version"},
	{"graph_timeout_ms", CONFIG_INT, "10000", false, false, 100, 120000,
	"time limit of one Graph API request"},
	{"outbox_channel", CONFIG_STRING, "whatsapp", false, false, 0, 0,
	"outbox channel this gateway delivers"},
	{"worker_name", CONFIG_STRING, NULL, false, false, 0, 0,
	"name recorded with claims (default: host name and process id)"},
	{"lease_seconds", CONFIG_INT, "120", false, false, 1, 86400,
	"how long a claimed message stays with this gateway"},
	{"claim_batch", CONFIG_INT, "50", false, false, 1, 1000, "messages per claim"},
	{"send_concurrency", CONFIG_INT, "16", false, false, 1, 256,
	"Graph API requests in flight"},
	{"poll_interval_ms", CONFIG_INT, "500", false, false, 100, 3600000,
	"claim due messages at least this often"},
	{"drain_timeout_ms", CONFIG_INT, "10000", false, true, 0, 600000,
	"time given to finish work at shutdown"},
	{"log_level", CONFIG_STRING, "info", false, true, 0, 0, "debug, info, warning or error"},
	{NULL, CONFIG_STRING, NULL, false, false, 0, 0, NULL}
};

/* Statements of the webhook handlers' pool. */
enum
{
	STMT_RECEIVE,
	STMT_UNDELIVERED,
	NUM_STMTS
};

static const DbStatement statements[NUM_STMTS] = {
	{"receive",
		"SELECT duplicate, delivery_id, recipient, reply, array_to_json(choices)::text,"
		" array_to_json(choice_labels)::text, choice_prompt"
		" FROM passport.receive_whatsapp_message($1, $2, $3, $4, $5, $6::interval)", 6, true},
	{"undelivered",
		"SELECT passport.message_undelivered($1, $2, $3)", 3, true},
};

/* Columns of receive. */
enum
{
	RECEIVE_DUPLICATE,
	RECEIVE_DELIVERY_ID,
	RECEIVE_RECIPIENT,
	RECEIVE_REPLY,
	RECEIVE_CHOICES,
	RECEIVE_LABELS,
	RECEIVE_PROMPT,
	RECEIVE_COLUMNS
};

typedef struct Gateway
{
	DbPool	   *pool;
	Sender	   *sender;
	char	   *worker;
	char	   *channel;
	char		lease[32];
} Gateway;

static Gateway gateway;

/* the webhook's answers, built once */
static HttpStatic *answer_ok;
static HttpStatic *answer_unsigned;
static HttpStatic *answer_malformed;
static HttpStatic *answer_unavailable;
static const char *config_path = NULL;

static Metric *m_handle_seconds;

/* The outcomes of a webhook request, and their counters. */
typedef enum Outcome
{
	OUTCOME_OK,
	OUTCOME_IGNORED,
	OUTCOME_MISSING_SIGNATURE,
	OUTCOME_BAD_SIGNATURE,
	OUTCOME_MALFORMED,
	OUTCOME_UNAVAILABLE,
	OUTCOME_VERIFIED,
	OUTCOME_VERIFICATION_REFUSED,
	NUM_OUTCOMES
} Outcome;

static const char *const outcome_labels[NUM_OUTCOMES] = {
	"outcome=\"ok\"", "outcome=\"ignored\"", "outcome=\"missing_signature\"",
	"outcome=\"bad_signature\"", "outcome=\"malformed\"", "outcome=\"unavailable\"",
	"outcome=\"verified\"", "outcome=\"verification_refused\""
};
static Metric *outcome_metrics[NUM_OUTCOMES];

/* WebhookOutcome counts a webhook by outcome. */
static void
WebhookOutcome(Outcome outcome)
{
	MetricInc(MetricsCounterCached(&outcome_metrics[outcome], "passport_whatsapp_webhooks_total",
								   outcome_labels[outcome], "Webhook requests by outcome."));
}

/* Inbound messages by kind (text or other) and result. */
typedef enum InboundResult
{
	INBOUND_ANSWERED,
	INBOUND_DUPLICATE,
	INBOUND_REJECTED,
	INBOUND_UNANSWERED,
	NUM_INBOUND_RESULTS
} InboundResult;

static const char *const inbound_labels[2][NUM_INBOUND_RESULTS] = {
	{"kind=\"text\",result=\"answered\"", "kind=\"text\",result=\"duplicate\"",
	"kind=\"text\",result=\"rejected\"", "kind=\"text\",result=\"unanswered\""},
	{"kind=\"other\",result=\"answered\"", "kind=\"other\",result=\"duplicate\"",
	"kind=\"other\",result=\"rejected\"", "kind=\"other\",result=\"unanswered\""}
};
static Metric *inbound_metrics[2][NUM_INBOUND_RESULTS];

/* InboundMetric counts an inbound message by kind and result. */
static void
InboundMetric(const char *kind, InboundResult result)
{
	int			k = strcmp(kind, "text") == 0 ? 0 : 1;

	MetricInc(MetricsCounterCached(&inbound_metrics[k][result], "passport_whatsapp_inbound_messages_total",
								   inbound_labels[k][result],
								   "Inbound messages by kind (text: typed or chosen) and result (answered, duplicate, rejected, unanswered)."));
}

/* StatusMetric counts a status callback. */
static void
StatusMetric(const char *status)
{
	static const char *const known[] = {"sent", "delivered", "read", "failed", "other"};
	static const char *const labels[] = {"status=\"sent\"", "status=\"delivered\"", "status=\"read\"",
	"status=\"failed\"", "status=\"other\""};
	static Metric *metrics[5];
	int			i;

	for (i = 0; i < 4; i++)
		if (strcmp(status, known[i]) == 0)
			break;
	MetricInc(MetricsCounterCached(&metrics[i], "passport_whatsapp_statuses_total", labels[i],
								   "Status callbacks of sent messages by status."));
}

/*
 * ReceiveMessage hands one inbound message to the database and its reply
 * to the sender.  Returns false when the database is away (answer 503).
 */
static bool
ReceiveMessage(DbConn *conn, const WaInbound *m)
{
	const char *values[6];
	DbError		error;
	PGresult   *res;
	double		start = NowSeconds();
	char		masked[LOG_MASK_LEN];

	values[0] = m->from;
	values[1] = m->id;
	values[2] = m->kind;
	values[3] = m->text;
	values[4] = gateway.worker;
	values[5] = gateway.lease;
	res = DbConnExec(conn, STMT_RECEIVE, values, &error);
	MetricObserve(m_handle_seconds, NowSeconds() - start);
	if (res == NULL)
	{
		if (error.kind == DB_UNAVAILABLE)
			return false;
		/* the database refuses this message: acknowledge it, do not retry */
		InboundMetric(m->kind, INBOUND_REJECTED);
		LogWarning("message from %s refused by the database (SQLSTATE %s)",
				   LogMaskSender(m->from, masked, sizeof(masked)), error.sqlstate);
		return true;
	}
	if (PQntuples(res) != 1 || PQnfields(res) != RECEIVE_COLUMNS)
	{
		LogError("receive_whatsapp_message returned %d rows of %d columns", PQntuples(res),
				 PQnfields(res));
		PQclear(res);
		return true;
	}
	if (strcmp(PQgetvalue(res, 0, RECEIVE_DUPLICATE), "t") == 0)
	{
		InboundMetric(m->kind, INBOUND_DUPLICATE);
		LogDebug("message from %s is a redelivery", LogMaskSender(m->from, masked, sizeof(masked)));
	}
	else if (RowValue(res, 0, RECEIVE_DELIVERY_ID) != NULL)
	{
		SenderReply r;
		int			nlabels;

		memset(&r, 0, sizeof(r));
		r.delivery_id = strtoll(RowValue(res, 0, RECEIVE_DELIVERY_ID), NULL, 10);
		r.recipient = RowValue(res, 0, RECEIVE_RECIPIENT);
		r.reply = RowValue(res, 0, RECEIVE_REPLY);
		r.nchoices = JsonStrings(RowValue(res, 0, RECEIVE_CHOICES), &r.choices);
		nlabels = JsonStrings(RowValue(res, 0, RECEIVE_LABELS), &r.labels);
		if (nlabels != r.nchoices)
		{
			FreeStrings(r.labels, nlabels);
			r.labels = NULL;
			nlabels = 0;
		}
		r.prompt = RowValue(res, 0, RECEIVE_PROMPT);
		SenderSubmitReply(gateway.sender, &r);
		FreeStrings(r.choices, r.nchoices);
		FreeStrings(r.labels, nlabels);
		InboundMetric(m->kind, INBOUND_ANSWERED);
		LogDebug("message from %s answered", LogMaskSender(m->from, masked, sizeof(masked)));
	}
	else
		InboundMetric(m->kind, INBOUND_UNANSWERED);
	PQclear(res);
	return true;
}

/* RecordStatus handles a status callback; false when the database is away. */
static bool
RecordStatus(DbConn *conn, const WaStatus *st)
{
	const char *values[3];
	DbError		error;
	PGresult   *res;

	StatusMetric(st->status);
	if (strcmp(st->status, "failed") != 0)
		return true;
	values[0] = gateway.channel;
	values[1] = st->id;
	values[2] = st->error != NULL ? st->error : "failed";
	res = DbConnExec(conn, STMT_UNDELIVERED, values, &error);
	if (res == NULL)
		return error.kind != DB_UNAVAILABLE;
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0)
	{
		static Metric *undelivered;

		MetricInc(MetricsCounterCached(&undelivered, "passport_whatsapp_messages_undelivered_total", NULL,
									   "Delivery failures reported by status callbacks and recorded against their message."));
	}
	else
		SenderRecordUndelivered(gateway.sender, st->id, values[2]);
	PQclear(res);
	return true;
}

/* PostWebhook handles POST <webhook_path>. */
static void
PostWebhook(HttpRequest *request, HttpResponse *response, void *arg)
{
	Config	   *config = ConfigAcquire();
	size_t		secret_len = 0;
	const char *secret = ConfigGetSecret(config, "app_secret_file", &secret_len);
	const char *signature = HttpRequestHeader(request, "X-Hub-Signature-256");
	WaWebhook	w;
	DbConn	   *conn = NULL;
	int			i;
	bool		ok = true;

	(void) arg;
	if (!WebhookSignatureValid(signature, request->body, request->body_len, secret, secret_len))
	{
		ConfigRelease(config);
		WebhookOutcome(signature == NULL ? OUTCOME_MISSING_SIGNATURE : OUTCOME_BAD_SIGNATURE);
		LogWarning("webhook refused: %s signature", signature == NULL ? "missing" : "invalid");
		HttpRespondStatic(response, answer_unsigned);
		return;
	}
	if (!WebhookParse(request->body, request->body_len, ConfigGetString(config, "phone_number_id"), &w))
	{
		ConfigRelease(config);
		WebhookOutcome(OUTCOME_MALFORMED);
		HttpRespondStatic(response, answer_malformed);
		return;
	}
	if (w.nmessages + w.nstatuses > 0)
	{
		conn = DbPoolAcquire(gateway.pool, ConfigGetInt(config, "db_wait_ms"));
		ok = conn != NULL;
	}
	for (i = 0; ok && i < w.nmessages; i++)
		ok = ReceiveMessage(conn, &w.messages[i]);
	for (i = 0; ok && i < w.nstatuses; i++)
		ok = RecordStatus(conn, &w.statuses[i]);
	DbPoolRelease(gateway.pool, conn);
	ConfigRelease(config);

	if (!ok)
	{
		WebhookOutcome(OUTCOME_UNAVAILABLE);
		HttpRespondStatic(response, answer_unavailable);
	}
	else
	{
		WebhookOutcome(w.nmessages + w.nstatuses > 0 ? OUTCOME_OK : OUTCOME_IGNORED);
		HttpRespondStatic(response, answer_ok);
	}
	WebhookFree(&w);
}

/* ChallengeValid accepts 1 to 128 letters, digits, '-' and '_'. */
static bool
ChallengeValid(const char *s)
{
	size_t		n;

	if (s == NULL)
		return false;
	for (n = 0; s[n] != '\0'; n++)
		if (n >= 128 || !((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'z') ||
						  (s[n] >= 'A' && s[n] <= 'Z') || s[n] == '-' || s[n] == '_'))
			return false;
	return n > 0;
}

/* GetWebhook answers Meta's subscription handshake. */
static void
GetWebhook(HttpRequest *request, HttpResponse *response, void *arg)
{
	Config	   *config = ConfigAcquire();
	size_t		token_len = 0;
	const char *token = ConfigGetSecret(config, "verify_token_file", &token_len);
	const char *mode = HttpRequestQuery(request, "hub.mode");
	const char *given = HttpRequestQuery(request, "hub.verify_token");
	const char *challenge = HttpRequestQuery(request, "hub.challenge");

	(void) arg;
	if (mode != NULL && strcmp(mode, "subscribe") == 0 && given != NULL &&
		SecretEqual(given, strlen(given), token, token_len) && ChallengeValid(challenge))
	{
		WebhookOutcome(OUTCOME_VERIFIED);
		LogInfo("webhook subscription verified");
		HttpRespond(response, 200, "text/plain; charset=utf-8", challenge);
	}
	else
	{
		WebhookOutcome(OUTCOME_VERIFICATION_REFUSED);
		LogWarning("webhook verification refused");
		HttpRespond(response, 403, "text/plain; charset=utf-8", "forbidden\n");
	}
	ConfigRelease(config);
}

/* DatabaseUp reports the pool's last known state, for /metrics. */
static double
DatabaseUp(void *arg)
{
	(void) arg;
	return DbPoolUp(gateway.pool) ? 1 : 0;
}

/* ListenerUp reports the LISTEN connection's state, for /metrics. */
static double
ListenerUp(void *arg)
{
	return DbListenerConnected(arg) ? 1 : 0;
}

/* OnNotify wakes the sender for its channel, and after every reconnection. */
static void
OnNotify(const char *channel, const char *payload, void *arg)
{
	(void) arg;
	if (channel == NULL || payload == NULL || payload[0] == '\0' ||
		strcmp(payload, gateway.channel) == 0)
		SenderWake(gateway.sender);
}

/* Usage prints the options. */
static void
Usage(FILE *out)
{
	fprintf(out,
			"%s: the WhatsApp Business Cloud API gateway of passport\n\n"
			"Usage: %s [-c FILE] [--check]\n"
			"  -c, --config FILE   configuration file (or $%sCONFIG)\n"
			"      --check         check the configuration and the secret files, then exit\n"
			"  -V, --version       print the version and exit\n\n"
			"Options (file: name = value; environment: %sNAME overrides the file):\n",
			PROGNAME, PROGNAME, ENV_PREFIX, ENV_PREFIX);
	ConfigPrintOptions(out, options);
}

/* CheckConfig validates what the option table cannot. */
static bool
CheckConfig(const Config *config)
{
	const char *base = ConfigGetString(config, "graph_base");
	const char *path = ConfigGetString(config, "webhook_path");
	LogLevel	level;

	if (strncmp(base, "https://", 8) != 0 && strncmp(base, "http://", 7) != 0)
	{
		LogError("graph_base must be an http or https URL");
		return false;
	}
	if (path == NULL || path[0] != '/')
	{
		LogError("webhook_path must start with /");
		return false;
	}
	if (!LogParseLevel(ConfigGetString(config, "log_level"), &level))
	{
		LogError("log_level must be debug, info, warning or error");
		return false;
	}
	return true;
}

/* main runs the gateway until SIGTERM or SIGINT. */
int
main(int argc, char **argv)
{
	bool		check_only;
	char		err[512];
	Config	   *config;
	HttpServerOptions http;
	HttpServer *server;
	SenderOptions so;
	DbListener *listener;
	const char *channels[1] = {NOTIFY_CHANNEL};
	char		worker[128];
	int			c;
	int			drain_ms;
	int			max_body;

	DaemonSignalsBlock();
	LogInit(PROGNAME);
	c = DaemonCommandLine(argc, argv, PROGNAME, ENV_PREFIX, Usage, &config_path, &check_only);
	if (c >= 0)
		return c;

	config = ConfigLoad(options, config_path, ENV_PREFIX, err, sizeof(err));
	if (config == NULL)
	{
		LogError("%s", err);
		return 2;
	}
	if (!CheckConfig(config))
		return 2;
	if (check_only)
	{
		ConfigFree(config);
		printf("configuration ok\n");
		return 0;
	}
	ConfigSetCurrent(config);
	ConfigApplyLogLevel();
	curl_global_init(CURL_GLOBAL_DEFAULT);

	config = ConfigAcquire();
	if (ConfigGetString(config, "worker_name") != NULL)
		snprintf(worker, sizeof(worker), "%s", ConfigGetString(config, "worker_name"));
	else
	{
		char		host[64] = "gateway";

		gethostname(host, sizeof(host));
		host[sizeof(host) - 1] = '\0';
		snprintf(worker, sizeof(worker), "%s-%d", host, (int) getpid());
	}
	gateway.worker = PdStrdup(worker);
	gateway.channel = PdStrdup(ConfigGetString(config, "outbox_channel"));
	snprintf(gateway.lease, sizeof(gateway.lease), "%d seconds", ConfigGetInt(config, "lease_seconds"));
	drain_ms = ConfigGetInt(config, "drain_timeout_ms");
	max_body = ConfigGetInt(config, "max_body");

	m_handle_seconds = MetricsHistogram("passport_whatsapp_handle_message_seconds", NULL,
										"Time the database takes to answer one inbound message (receive_whatsapp_message).",
										MetricsLatencyBuckets, MetricsLatencyBucketCount);
	gateway.pool = DbPoolCreate(ConfigGetString(config, "conninfo"), ConfigGetInt(config, "db_pool_size"),
								statements, NUM_STMTS, PROGNAME);
	MetricsGaugeFunc("passport_whatsapp_database_up", NULL,
					 "1 when the last use of a database connection worked.", DatabaseUp, NULL);

	memset(&so, 0, sizeof(so));
	so.conninfo = ConfigGetString(config, "conninfo");
	so.channel = gateway.channel;
	so.worker = gateway.worker;
	so.lease_s = ConfigGetInt(config, "lease_seconds");
	so.batch = ConfigGetInt(config, "claim_batch");
	so.concurrency = ConfigGetInt(config, "send_concurrency");
	so.poll_interval_ms = ConfigGetInt(config, "poll_interval_ms");
	so.graph_timeout_ms = ConfigGetInt(config, "graph_timeout_ms");
	gateway.sender = SenderCreate(&so);
	SenderStart(gateway.sender);
	listener = DbListenerStart(ConfigGetString(config, "conninfo"), channels, 1, OnNotify, NULL,
							   PROGNAME " listener");
	MetricsGaugeFunc("passport_whatsapp_listener_up", NULL,
					 "1 while the LISTEN connection for passport_outbox is up.", ListenerUp, listener);

	answer_ok = HttpStaticCreate(200, "text/plain; charset=utf-8", "ok\n", NULL, NULL);
	answer_unsigned = HttpStaticCreate(401, "text/plain; charset=utf-8", "invalid signature\n", NULL, NULL);
	answer_malformed = HttpStaticCreate(400, "text/plain; charset=utf-8", "malformed JSON\n", NULL, NULL);
	answer_unavailable = HttpStaticCreate(503, "text/plain; charset=utf-8", "database unavailable\n",
										  "Retry-After", "5");
	memset(&http, 0, sizeof(http));
	http.address = ConfigGetString(config, "listen_address");
	http.port = ConfigGetInt(config, "listen_port");
	http.threads = ConfigGetInt(config, "http_threads");
	http.thread_per_connection = http.threads == 0;
	http.connection_timeout_s = 30;
	server = HttpServerCreate(&http);
	HttpServerRoute(server, "POST", ConfigGetString(config, "webhook_path"), PostWebhook, NULL, max_body);
	HttpServerRoute(server, "GET", ConfigGetString(config, "webhook_path"), GetWebhook, NULL, 0);
	HttpServerRoute(server, "GET", "/healthz", DbPoolHealthzHandler, gateway.pool, 0);
	HttpServerRoute(server, "GET", "/metrics", HttpMetricsHandler, NULL, 0);
	if (!HttpServerStart(server, err, sizeof(err)))
	{
		LogError("%s", err);
		ConfigRelease(config);
		return 1;
	}
	LogInfo("listening on %s port %d as worker %s", http.address, HttpServerPort(server), gateway.worker);
	ConfigRelease(config);

	for (;;)
	{
		DaemonSignal sig = DaemonWaitSignal(1000);

		if (sig == DAEMON_SIGNAL_RELOAD)
		{
			if (ConfigReload(options, config_path, ENV_PREFIX))
				ConfigApplyLogLevel();
		}
		else if (sig == DAEMON_SIGNAL_TERMINATE)
			break;
	}

	LogInfo("shutting down: finishing the requests and messages in flight");
	config = ConfigAcquire();
	drain_ms = ConfigGetInt(config, "drain_timeout_ms");
	ConfigRelease(config);
	HttpServerQuiesce(server);
	if (!HttpServerDrain(server, drain_ms))
		LogWarning("requests still running after %d ms; closing them", drain_ms);
	HttpServerStop(server);
	SenderStop(gateway.sender, drain_ms);
	DbListenerStop(listener);
	DbPoolDestroy(gateway.pool);
	ConfigSetCurrent(NULL);
	curl_global_cleanup();
	free(gateway.worker);
	free(gateway.channel);
	LogInfo("stopped");
	return 0;
}
