/*
 * test_gateway.c
 *	  Unit tests of passport's daemon infrastructure (gateway/common) and of
 *	  the WhatsApp gateway's pure code (webhook.c, graph.c), TAP output.
 *
 * Covers webhook signatures (valid, forged, missing, malformed), the
 * webhook parser on every shape it handles and on shapes it must ignore,
 * the choice of text, buttons or list within WhatsApp's limits, splitting
 * past 4096 characters on character boundaries, templates, the Graph API's
 * answers and Retry-After, sender masking, configuration precedence and
 * secret files, the Prometheus rendering, and the HTTP server (routes, 404,
 * 405, 413 declared and streamed, query arguments, draining, a streamed
 * response) through a real libcurl client on 127.0.0.1, escaping for
 * HTML and SVG, and HTTP Basic credentials.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "daemon.h"
#include "graph.h"
#include "webhook.h"

static int	tests_run = 0;
static int	tests_failed = 0;

/* ok reports one test. */
static void
ok(int cond, const char *name)
{
	tests_run++;
	if (!cond)
		tests_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tests_run, name);
}

/* Wrap puts one webhook value ("messages" or "statuses" items) in its envelope. */
static char *
Wrap(const char *phone, const char *items)
{
	StrBuf		b;

	StrBufInit(&b);
	StrBufPrintf(&b, "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":"
				 "[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\","
				 "\"metadata\":{\"phone_number_id\":\"%s\"},%s}}]}]}", phone, items);
	return StrBufDetach(&b);
}

/* Parse runs the parser over a string. */
static bool
Parse(const char *body, WaWebhook *w)
{
	return WebhookParse(body, strlen(body), "1234", w);
}

/* test_signature checks X-Hub-Signature-256. */
static void
test_signature(void)
{
	const char *body = "{\"object\":\"whatsapp_business_account\"}";
	char		sig[72];
	char		upper[72];
	size_t		i;

	WebhookSign(body, strlen(body), "s3cret", 6, sig);
	ok(strncmp(sig, "sha256=", 7) == 0 && strlen(sig) == 71, "signature: sha256= and 64 hex digits");
	ok(WebhookSignatureValid(sig, body, strlen(body), "s3cret", 6), "signature: valid");
	for (i = 0; i < sizeof(upper); i++)
		upper[i] = (i >= 7 && sig[i] >= 'a' && sig[i] <= 'f') ? sig[i] - 32 : sig[i];
	ok(WebhookSignatureValid(upper, body, strlen(body), "s3cret", 6), "signature: upper-case hex accepted");
	ok(!WebhookSignatureValid(sig, body, strlen(body), "s3creT", 6), "signature: other secret refused");
	ok(!WebhookSignatureValid(sig, "{}", 2, "s3cret", 6), "signature: other body refused");
	ok(!WebhookSignatureValid(NULL, body, strlen(body), "s3cret", 6), "signature: missing refused");
	ok(!WebhookSignatureValid("sha1=abc", body, strlen(body), "s3cret", 6), "signature: sha1 refused");
	sig[70] = 'g';
	ok(!WebhookSignatureValid(sig, body, strlen(body), "s3cret", 6), "signature: non-hex refused");
	sig[70] = '\0';
	ok(!WebhookSignatureValid(sig, body, strlen(body), "s3cret", 6), "signature: short refused");
	ok(!WebhookSignatureValid("sha256=", body, strlen(body), "", 0), "signature: empty secret never matches");
}

/* test_parse checks the webhook parser. */
static void
test_parse(void)
{
	WaWebhook	w;
	char	   *b;

	b = Wrap("1234", "\"messages\":[{\"from\":\"6281234567890\",\"id\":\"wamid.1\",\"timestamp\":\"1\","
			 "\"type\":\"text\",\"text\":{\"body\":\"halo \\u00e9\"}}]");
	ok(Parse(b, &w) && w.nmessages == 1 && strcmp(w.messages[0].from, "6281234567890") == 0 &&
	   strcmp(w.messages[0].id, "wamid.1") == 0 && strcmp(w.messages[0].kind, "text") == 0 &&
	   strcmp(w.messages[0].text, "halo \xc3\xa9") == 0, "parse: a text message");
	WebhookFree(&w);
	free(b);

	b = Wrap("1234", "\"messages\":[{\"from\":\"62811\",\"id\":\"w2\",\"type\":\"interactive\","
			 "\"interactive\":{\"type\":\"button_reply\",\"button_reply\":{\"id\":\"2\",\"title\":\"Batal\"}}},"
			 "{\"from\":\"62811\",\"id\":\"w3\",\"type\":\"interactive\","
			 "\"interactive\":{\"type\":\"list_reply\",\"list_reply\":{\"id\":\"5\",\"title\":\"x\"}}},"
			 "{\"from\":\"62811\",\"id\":\"w4\",\"type\":\"button\",\"button\":{\"payload\":\"STOP\",\"text\":\"Stop\"}}]");
	ok(Parse(b, &w) && w.nmessages == 3 && strcmp(w.messages[0].text, "2") == 0 &&
	   strcmp(w.messages[1].text, "5") == 0 && strcmp(w.messages[2].text, "STOP") == 0 &&
	   strcmp(w.messages[2].kind, "text") == 0, "parse: button and list replies carry the chosen id");
	WebhookFree(&w);
	free(b);

	b = Wrap("1234", "\"messages\":[{\"from\":\"62811\",\"id\":\"w5\",\"type\":\"image\",\"image\":{\"id\":\"m\"}},"
			 "{\"from\":\"62811\",\"id\":\"w6\",\"type\":\"location\"},{\"from\":\"62811\",\"id\":\"w7\",\"type\":\"Weird!\"}]");
	ok(Parse(b, &w) && w.nmessages == 3 && strcmp(w.messages[0].kind, "image") == 0 &&
	   w.messages[0].text == NULL && strcmp(w.messages[1].kind, "location") == 0 &&
	   strcmp(w.messages[2].kind, "unknown") == 0, "parse: other kinds keep their type, no text");
	WebhookFree(&w);
	free(b);

	b = Wrap("1234", "\"statuses\":[{\"id\":\"wamid.9\",\"status\":\"failed\",\"recipient_id\":\"62811\","
			 "\"errors\":[{\"code\":131026,\"title\":\"Message undeliverable\"}]},"
			 "{\"id\":\"wamid.8\",\"status\":\"read\"}]");
	ok(Parse(b, &w) && w.nstatuses == 2 && strcmp(w.statuses[0].status, "failed") == 0 &&
	   strcmp(w.statuses[0].error, "131026 Message undeliverable") == 0 && w.statuses[1].error == NULL,
	   "parse: status callbacks with their error");
	WebhookFree(&w);
	free(b);

	b = Wrap("9999", "\"messages\":[{\"from\":\"62811\",\"id\":\"w\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}]");
	ok(Parse(b, &w) && w.nmessages == 0 && w.ignored == 1, "parse: another phone number's change is ignored");
	WebhookFree(&w);
	free(b);

	b = Wrap("1234", "\"messages\":[{\"from\":\"+62 811\",\"id\":\"w\",\"type\":\"text\",\"text\":{\"body\":\"x\"}},"
			 "{\"from\":\"62811\",\"type\":\"text\",\"text\":{\"body\":\"x\"}},"
			 "{\"from\":\"62811\",\"id\":\"a b\",\"type\":\"text\"},42]");
	ok(Parse(b, &w) && w.nmessages == 0 && w.ignored == 4, "parse: a malformed sender, id or item is ignored");
	WebhookFree(&w);
	free(b);

	ok(Parse("{\"object\":\"page\",\"entry\":[]}", &w) && w.nmessages == 0 && w.ignored == 1,
	   "parse: another object is acknowledged and ignored");
	WebhookFree(&w);
	ok(Parse("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":\"account_update\",\"value\":{}}]}]}", &w)
	   && w.ignored == 1, "parse: another field is ignored");
	WebhookFree(&w);
	ok(Parse("{}", &w) && w.ignored == 1, "parse: an empty object is ignored");
	WebhookFree(&w);
	ok(!Parse("{\"object\":", &w), "parse: truncated JSON is malformed");
	ok(!Parse("[1,2]", &w), "parse: an array is malformed");
	ok(!Parse("\"x\"", &w), "parse: a string is malformed");
	ok(!WebhookParse("{\"a\":\"\xff\"}", 8, NULL, &w), "parse: invalid UTF-8 is malformed");
	ok(!Parse("{\"a\":\"\\u0000\"}", &w), "parse: NUL characters are malformed");
	ok(!WebhookParse("", 0, NULL, &w), "parse: an empty body is malformed");
}

/* Part returns part i of a message, parsed. */
static json_t *
Part(const GraphMessage *m, int i)
{
	return json_loads(m->parts[i], 0, NULL);
}

/* test_graph checks the request bodies of replies and templates. */
static void
test_graph(void)
{
	GraphMessage m;
	json_t	   *v;
	char	   *choices[12] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"};
	char	   *labels[6] = {"Reservasi antrean paspor", "Cek status permohonan", "Tata cara pembayaran",
	"Persyaratan", "Tata cara antrean pengambilan paspor", "Apresiasi dan aspirasi"};
	char	   *long_labels[2] = {"Konfirmasi reservasi sekarang", "Batalkan"};
	char	   *params[3] = {"JKS", "", "08:30"};
	char	   *big;
	size_t		i;
	int			k;
	bool		all_fit;
	size_t		total;

	GraphBuildReply(&m, "6281", "Halo", NULL, NULL, 0, NULL);
	v = Part(&m, 0);
	ok(m.form == GRAPH_FORM_TEXT && m.nparts == 1 &&
	   strcmp(json_string_value(json_object_get(json_object_get(v, "text"), "body")), "Halo") == 0 &&
	   strcmp(json_string_value(json_object_get(v, "to")), "6281") == 0,
	   "graph: a reply without choices is text");
	json_decref(v);
	GraphMessageFree(&m);

	GraphBuildReply(&m, "6281", "Balas 1 untuk konfirmasi, 2 untuk batal.", choices, long_labels, 2, "Pilih");
	v = Part(&m, 0);
	{
		json_t	   *buttons = json_object_get(json_object_get(json_object_get(v, "interactive"), "action"), "buttons");
		const char *t0 = json_string_value(json_object_get(json_object_get(json_array_get(buttons, 0), "reply"), "title"));
		const char *id1 = json_string_value(json_object_get(json_object_get(json_array_get(buttons, 1), "reply"), "id"));

		ok(m.form == GRAPH_FORM_BUTTONS && json_array_size(buttons) == 2 && t0 != NULL &&
		   Utf8Length(t0, strlen(t0)) == 20 && strcmp(t0 + strlen(t0) - 3, "\xe2\x80\xa6") == 0 &&
		   strcmp(id1, "2") == 0, "graph: two choices are reply buttons, titles cut to 20 characters");
	}
	json_decref(v);
	GraphMessageFree(&m);

	GraphBuildReply(&m, "6281", "Menu", choices, labels, 6, "Pilih");
	v = Part(&m, 0);
	{
		json_t	   *action = json_object_get(json_object_get(v, "interactive"), "action");
		json_t	   *rows = json_object_get(json_array_get(json_object_get(action, "sections"), 0), "rows");
		json_t	   *r4 = json_array_get(rows, 4);
		const char *t4 = json_string_value(json_object_get(r4, "title"));

		ok(m.form == GRAPH_FORM_LIST && json_array_size(rows) == 6 &&
		   strcmp(json_string_value(json_object_get(action, "button")), "Pilih") == 0 &&
		   Utf8Length(t4, strlen(t4)) == 24 &&
		   strcmp(json_string_value(json_object_get(r4, "description")), labels[4]) == 0 &&
		   json_object_get(json_array_get(rows, 0), "description") == NULL,
		   "graph: six choices are a list, long titles cut to 24 with the whole label below");
	}
	json_decref(v);
	GraphMessageFree(&m);

	GraphBuildReply(&m, "6281", "Menu", choices, NULL, 10, "Pilih");
	ok(m.form == GRAPH_FORM_LIST, "graph: ten choices still fit a list");
	GraphMessageFree(&m);
	GraphBuildReply(&m, "6281", "Menu", choices, NULL, 11, "Pilih");
	ok(m.form == GRAPH_FORM_TEXT, "graph: eleven choices fall back to text");
	GraphMessageFree(&m);
	GraphBuildReply(&m, "6281", "Menu", choices, NULL, 6, NULL);
	ok(m.form == GRAPH_FORM_TEXT, "graph: a list without its button label falls back to text");
	GraphMessageFree(&m);
	{
		char	   *same[2] = {"Kantor Imigrasi Jakarta Selatan", "Kantor Imigrasi Jakarta Utara"};

		GraphBuildReply(&m, "6281", "Pilih", choices, same, 2, "Pilih");
		ok(m.form == GRAPH_FORM_TEXT, "graph: buttons whose cut titles collide fall back to text");
		GraphMessageFree(&m);
	}

	big = malloc(12100);
	memset(big, 'a', 1100);
	big[1100] = '\0';
	GraphBuildReply(&m, "6281", big, choices, NULL, 3, "Pilih");
	ok(m.form == GRAPH_FORM_TEXT && m.nparts == 1, "graph: a reply over 1024 characters is text, not buttons");
	GraphMessageFree(&m);

	/* 2999 two-byte characters, a newline, 3000 more: two parts, cut at the newline */
	for (i = 0; i < 6000; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	big[5998] = '\n';
	big[5999] = 'x';
	big[12000] = '\0';
	GraphBuildReply(&m, "6281", big, NULL, NULL, 0, NULL);
	all_fit = m.nparts == 2;
	total = 0;
	for (k = 0; k < m.nparts; k++)
	{
		const char *t;

		v = Part(&m, k);
		t = json_string_value(json_object_get(json_object_get(v, "text"), "body"));
		all_fit = all_fit && t != NULL && Utf8Length(t, strlen(t)) <= GRAPH_TEXT_MAX;
		total += t != NULL ? strlen(t) : 0;
		json_decref(v);
	}
	ok(all_fit && total == 12000, "graph: 6000 characters split in two parts of at most 4096, nothing lost");
	GraphMessageFree(&m);

	/* emoji outside the BMP count twice and are never cut in two */
	for (i = 0; i < 2500; i++)
		memcpy(big + 4 * i, "\xf0\x9f\x98\x80", 4);
	big[10000] = '\0';
	GraphBuildReply(&m, "6281", big, NULL, NULL, 0, NULL);
	all_fit = m.nparts == 2;
	for (k = 0; k < m.nparts; k++)
	{
		const char *t;

		v = Part(&m, k);
		t = json_string_value(json_object_get(json_object_get(v, "text"), "body"));
		all_fit = all_fit && t != NULL && Utf8Length(t, strlen(t)) <= GRAPH_TEXT_MAX && strlen(t) % 4 == 0;
		json_decref(v);
	}
	ok(all_fit, "graph: 2500 emoji split on character boundaries within 4096 UTF-16 units");
	GraphMessageFree(&m);
	free(big);

	GraphBuildTemplate(&m, "6281", "passport_reservation_confirmed", "id", params, 3);
	v = Part(&m, 0);
	{
		json_t	   *t = json_object_get(v, "template");
		json_t	   *ps = json_object_get(json_array_get(json_object_get(t, "components"), 0), "parameters");

		ok(strcmp(json_string_value(json_object_get(v, "type")), "template") == 0 &&
		   strcmp(json_string_value(json_object_get(t, "name")), "passport_reservation_confirmed") == 0 &&
		   strcmp(json_string_value(json_object_get(json_object_get(t, "language"), "code")), "id") == 0 &&
		   json_array_size(ps) == 3 &&
		   strcmp(json_string_value(json_object_get(json_array_get(ps, 1), "text")), "-") == 0,
		   "graph: a template with its body parameters in order (empty ones as -)");
	}
	json_decref(v);
	GraphMessageFree(&m);

	{
		char		id[64];
		char		err[200];
		char		to[40];
		const char *answer = "{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.HBg=\"}]}";
		const char *error = "{\"error\":{\"message\":\"(#131030) Recipient not in allowed list\",\"code\":131030}}";

		ok(GraphParseMessageId(answer, strlen(answer), id, sizeof(id)) && strcmp(id, "wamid.HBg=") == 0,
		   "graph: the message id of an answer");
		ok(!GraphParseMessageId("{}", 2, id, sizeof(id)), "graph: no message id in {}");
		ok(GraphParseError(error, strlen(error), err, sizeof(err)) &&
		   strcmp(err, "131030 (#131030) Recipient not in allowed list") == 0, "graph: an error answer");
		ok(GraphParseRetryAfter("2", 1000) == 2 && GraphParseRetryAfter(" 30 ", 1000) == 30 &&
		   GraphParseRetryAfter("Thu, 01 Jan 1970 00:00:40 GMT", 10) == 30 &&
		   GraphParseRetryAfter("soon", 0) == -1 && GraphParseRetryAfter(NULL, 0) == -1 &&
		   GraphParseRetryAfter("-1", 0) == -1 && GraphParseRetryAfter("999999", 0) == 86400,
		   "graph: Retry-After as seconds or HTTP date, bounded to a day");
		GraphRecipient("+62 812-3456", to, sizeof(to));
		ok(strcmp(to, "628123456") == 0, "graph: a recipient as digits");
	}
}

/* test_log checks sender masking. */
static void
test_log(void)
{
	char		buf[LOG_MASK_LEN];

	ok(strcmp(LogMaskSender("6281234567890", buf, sizeof(buf)), "628********90") == 0,
	   "log: a sender keeps 3 leading and 2 trailing digits");
	ok(strcmp(LogMaskSender("62811", buf, sizeof(buf)), "*****") == 0, "log: a short sender is masked whole");
	ok(strcmp(LogMaskSender("62\n812345678", buf, sizeof(buf)), "62?*******78") == 0,
	   "log: control characters never reach a log line");
	ok(strcmp(LogMaskSender(NULL, buf, sizeof(buf)), "") == 0, "log: no sender");
}

/* WriteFile writes a file for the configuration tests. */
static void
WriteFile(const char *path, const char *text)
{
	FILE	   *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

/* test_config checks defaults, the file, the environment and secrets. */
static void
test_config(const char *dir)
{
	static const ConfigOption opts[] = {
		{"port", CONFIG_INT, "8080", false, false, 1, 65535, "port"},
		{"name", CONFIG_STRING, "gw", false, true, 0, 0, "name"},
		{"flag", CONFIG_BOOL, "off", false, true, 0, 0, "flag"},
		{"secret_file", CONFIG_SECRET_FILE, NULL, true, true, 0, 0, "secret"},
		{NULL, CONFIG_STRING, NULL, false, false, 0, 0, NULL}
	};
	char		conf[512],
				secret[512],
				err[512];
	Config	   *c;
	size_t		len;

	snprintf(conf, sizeof(conf), "%s/test.conf", dir);
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	WriteFile(secret, "top secret\n");
	{
		char		text[1024];

		snprintf(text, sizeof(text), "# comment\nport = 9000\nname = \"from file\"\nflag = on\nsecret_file = %s\n", secret);
		WriteFile(conf, text);
	}
	unsetenv("TESTGW_PORT");
	c = ConfigLoad(opts, conf, "TESTGW_", err, sizeof(err));
	ok(c != NULL && ConfigGetInt(c, "port") == 9000 && strcmp(ConfigGetString(c, "name"), "from file") == 0 &&
	   ConfigGetBool(c, "flag"), "config: the file overrides defaults");
	ok(c != NULL && strcmp(ConfigGetSecret(c, "secret_file", &len), "top secret") == 0 && len == 10,
	   "config: a secret is read from its file without the newline");
	ConfigFree(c);
	setenv("TESTGW_PORT", "9100", 1);
	c = ConfigLoad(opts, conf, "TESTGW_", err, sizeof(err));
	ok(c != NULL && ConfigGetInt(c, "port") == 9100, "config: the environment overrides the file");
	ConfigFree(c);
	setenv("TESTGW_PORT", "70000", 1);
	c = ConfigLoad(opts, conf, "TESTGW_", err, sizeof(err));
	ok(c == NULL && strstr(err, "port") != NULL, "config: an integer out of range is refused");
	unsetenv("TESTGW_PORT");
	WriteFile(conf, "bogus = 1\n");
	c = ConfigLoad(opts, conf, "TESTGW_", err, sizeof(err));
	ok(c == NULL && strstr(err, "unknown option") != NULL, "config: an unknown option is refused");
	WriteFile(conf, "port = 1\n");
	c = ConfigLoad(opts, conf, "TESTGW_", err, sizeof(err));
	ok(c == NULL && strstr(err, "secret_file is required") != NULL, "config: a required option is missing");
	setenv("TESTGW_SECRET_FILE", "/nonexistent/secret", 1);
	c = ConfigLoad(opts, conf, "TESTGW_", err, sizeof(err));
	ok(c == NULL && strstr(err, "could not open secret file") != NULL, "config: an unreadable secret file is refused");
	WriteFile(secret, "\n");
	setenv("TESTGW_SECRET_FILE", secret, 1);
	c = ConfigLoad(opts, conf, "TESTGW_", err, sizeof(err));
	ok(c == NULL && strstr(err, "is empty") != NULL, "config: an empty secret is refused");
	WriteFile(secret, "s2");
	c = ConfigLoad(opts, conf, "TESTGW_", err, sizeof(err));
	ConfigSetCurrent(c);
	WriteFile(conf, "port = 2\nname = reloaded\n");
	ok(ConfigReload(opts, conf, "TESTGW_"), "config: reload");
	c = ConfigAcquire();
	ok(c != NULL && ConfigGetInt(c, "port") == 1 && strcmp(ConfigGetString(c, "name"), "reloaded") == 0,
	   "config: a reload applies reloadable options and keeps the others");
	ConfigRelease(c);
	WriteFile(conf, "port = x\n");
	ok(!ConfigReload(opts, conf, "TESTGW_"), "config: a bad reload is refused");
	c = ConfigAcquire();
	ok(c != NULL && strcmp(ConfigGetString(c, "name"), "reloaded") == 0, "config: and the current one stays");
	ConfigRelease(c);
	ConfigSetCurrent(NULL);
	unsetenv("TESTGW_SECRET_FILE");
}

/* test_metrics checks the Prometheus rendering. */
static void
test_metrics(void)
{
	static const double bounds[] = {0.1, 1};
	Metric	   *a = MetricsCounter("test_requests_total", "code=\"200\"", "Requests.");
	Metric	   *b = MetricsCounter("test_requests_total", "code=\"500\"", "Requests.");
	Metric	   *h = MetricsHistogram("test_latency_seconds", NULL, "Latency.", bounds, 2);
	Metric	   *g = MetricsGauge("test_up", NULL, "Up.");
	StrBuf		out;

	MetricInc(a);
	MetricAdd(a, 2);
	MetricInc(b);
	ok(MetricsCounter("test_requests_total", "code=\"200\"", "Requests.") == a,
	   "metrics: the same name and labels give the same counter");
	MetricObserve(h, 0.05);
	MetricObserve(h, 0.5);
	MetricObserve(h, 5);
	MetricSet(g, 1);
	StrBufInit(&out);
	MetricsRender(&out);
	ok(strstr(out.data, "# HELP test_requests_total Requests.\n# TYPE test_requests_total counter\n"
			  "test_requests_total{code=\"200\"} 3\ntest_requests_total{code=\"500\"} 1\n") != NULL,
	   "metrics: a counter family with HELP and TYPE once");
	ok(strstr(out.data, "test_latency_seconds_bucket{le=\"0.1\"} 1\ntest_latency_seconds_bucket{le=\"1\"} 2\n"
			  "test_latency_seconds_bucket{le=\"+Inf\"} 3\ntest_latency_seconds_sum 5.55\n"
			  "test_latency_seconds_count 3\n") != NULL, "metrics: a histogram with cumulative buckets");
	ok(strstr(out.data, "# TYPE test_up gauge\ntest_up 1\n") != NULL, "metrics: a gauge");
	StrBufFree(&out);
}

/* Handler answers the test routes. */
static void
Echo(HttpRequest *request, HttpResponse *response, void *arg)
{
	const char *q = HttpRequestQuery(request, "q");

	HttpRespondf(response, 200, "text/plain", "%s %s %zu %s %s", (const char *) arg, request->method,
				 request->body_len, q != NULL ? q : "-", request->path);
}

static int	stream_count = 0;

/* StreamRead sends three events, then ends. */
static long
StreamRead(void *arg, uint64_t pos, char *buf, size_t max)
{
	(void) arg;
	(void) pos;
	if (stream_count == 3)
		return -1;
	stream_count++;
	return snprintf(buf, max, "data: %d\n\n", stream_count);
}

/* Stream answers with a stream. */
static void
Stream(HttpRequest *request, HttpResponse *response, void *arg)
{
	(void) request;
	(void) arg;
	HttpRespondStream(response, 200, "text/event-stream", StreamRead, NULL, NULL);
}

/* Collect gathers a response body. */
static size_t
Collect(char *data, size_t size, size_t nmemb, void *arg)
{
	StrBufAppend(arg, data, size * nmemb);
	return size * nmemb;
}

/* Request sends one request; returns the status, body in out. */
static long
Request(int port, const char *method, const char *path, const char *body, bool chunked, StrBuf *out)
{
	CURL	   *c = curl_easy_init();
	char		url[256];
	long		code = 0;
	struct curl_slist *h = NULL;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	StrBufReset(out);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (chunked)
	{
		h = curl_slist_append(h, "Transfer-Encoding: chunked");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	}
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return code;
}

/* test_http checks the HTTP server through a real client. */
static void
test_http(void)
{
	HttpServerOptions o;
	HttpServer *s;
	char		err[256];
	StrBuf		out;
	char	   *big;
	int			port;

	memset(&o, 0, sizeof(o));
	o.address = "127.0.0.1";
	o.port = 0;
	o.threads = 2;
	o.thread_per_connection = true;
	s = HttpServerCreate(&o);
	HttpServerRoute(s, "POST", "/in", Echo, "in", 100);
	HttpServerRoute(s, "GET", "/in", Echo, "get", 0);
	HttpServerRoute(s, "GET", "/files/*", Echo, "files", 0);
	HttpServerRoute(s, "GET", "/events", Stream, NULL, 0);
	HttpServerRoute(s, "GET", "/metrics", HttpMetricsHandler, NULL, 0);
	ok(HttpServerStart(s, err, sizeof(err)), "http: the server starts on a free port");
	port = HttpServerPort(s);
	StrBufInit(&out);
	ok(port > 0 && Request(port, "POST", "/in", "hello", false, &out) == 200 &&
	   strcmp(out.data, "in POST 5 - /in") == 0, "http: a route gets its body");
	ok(Request(port, "GET", "/in?q=a%20b", NULL, false, &out) == 200 && strcmp(out.data, "get GET 0 a b /in") == 0,
	   "http: a query argument, decoded");
	ok(Request(port, "GET", "/files/x/y", NULL, false, &out) == 200 && strstr(out.data, "/files/x/y") != NULL,
	   "http: a prefix route");
	ok(Request(port, "GET", "/nothing", NULL, false, &out) == 404, "http: an unknown path is 404");
	ok(Request(port, "DELETE", "/in", NULL, false, &out) == 405, "http: another method is 405");
	big = malloc(200);
	memset(big, 'x', 199);
	big[199] = '\0';
	ok(Request(port, "POST", "/in", big, false, &out) == 413, "http: a declared body over the limit is 413");
	ok(Request(port, "POST", "/in", big, true, &out) == 413, "http: a chunked body over the limit is 413");
	big[100] = '\0';
	ok(Request(port, "POST", "/in", big, true, &out) == 200 && strcmp(out.data, "in POST 100 - /in") == 0,
	   "http: a chunked body at the limit is read");
	free(big);
	ok(Request(port, "GET", "/events", NULL, false, &out) == 200 &&
	   strcmp(out.data, "data: 1\n\ndata: 2\n\ndata: 3\n\n") == 0, "http: a streamed response");
	ok(Request(port, "GET", "/metrics", NULL, false, &out) == 200 &&
	   strstr(out.data, "passport_daemon_http_requests_total{route=\"/in\",code=\"413\"}") != NULL,
	   "http: requests are counted by route and status");
	HttpServerQuiesce(s);
	ok(HttpServerDrain(s, 1000), "http: drained");
	HttpServerStop(s);
	StrBufFree(&out);
	ok(SecretEqual("abc", 3, "abc", 3) && !SecretEqual("abc", 3, "abd", 3) && !SecretEqual("abc", 3, "ab", 2) &&
	   !SecretEqual("", 0, "", 0), "secrets compare whole, never empty");
}

/* Basic parses a header and compares what it got. */
static bool
Basic(const char *header, const char *user, const char *password)
{
	char		u[64];
	char		p[64];

	if (!HttpParseBasic(header, u, sizeof(u), p, sizeof(p)))
		return user == NULL;
	return user != NULL && strcmp(u, user) == 0 && strcmp(p, password) == 0;
}

/* test_html covers escaping for HTML and SVG and Basic credentials. */
static void
test_html(void)
{
	StrBuf		b;
	char		u[8];
	char		p[8];

	StrBufInit(&b);
	StrBufAppendHtml(&b, "<script>alert('x') & \"y\"</script>");
	ok(strcmp(b.data, "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;") == 0,
	   "html: < > & \" ' become entities");
	StrBufReset(&b);
	StrBufAppendHtml(&b, "a\x01" "b\tc\nd\x7f\x1b[0m");
	ok(strcmp(b.data, "ab\tc\nd[0m") == 0, "html: control characters dropped, tab and newline kept");
	StrBufReset(&b);
	StrBufAppendHtml(&b, "Kantor Imigrasi \xc3\xa9");
	StrBufAppendHtml(&b, NULL);
	StrBufAppendHtml(&b, "");
	ok(strcmp(b.data, "Kantor Imigrasi \xc3\xa9") == 0, "html: UTF-8 and plain text unchanged, NULL and empty append nothing");
	StrBufFree(&b);

	/* "kepala:rahasia 1" and friends */
	ok(Basic("Basic a2VwYWxhOnJhaGFzaWEgMQ==", "kepala", "rahasia 1"), "basic: user and password");
	ok(Basic("basic   a2VwYWxhOnJhaGFzaWEgMQ==  ", "kepala", "rahasia 1"), "basic: scheme in any case, spaces around");
	ok(Basic("Basic dTpwOnE=", "u", "p:q"), "basic: the first colon separates, the password may hold colons");
	ok(Basic("Basic dTpw", "u", "p"), "basic: padding optional");
	ok(Basic(NULL, NULL, NULL), "basic: no header refused");
	ok(Basic("Bearer a2VwYWxhOnJhaGFzaWEgMQ==", NULL, NULL), "basic: another scheme refused");
	ok(Basic("Basicdjpw", NULL, NULL) && Basic("Basic", NULL, NULL) && Basic("Basic ", NULL, NULL),
	   "basic: no credentials refused");
	ok(Basic("Basic a2VwYWxh", NULL, NULL), "basic: no colon refused");
	ok(Basic("Basic OnA=", NULL, NULL) && Basic("Basic dTo=", NULL, NULL), "basic: empty user or password refused");
	ok(Basic("Basic a2Vw*GxhOnJh", NULL, NULL) && Basic("Basic dTpw=x", NULL, NULL) &&
	   Basic("Basic dTpw===", NULL, NULL) && Basic("Basic dTpw x", NULL, NULL), "basic: malformed base64 refused");
	/* "u:p\0x" and "u:p\nx" */
	ok(Basic("Basic dTpwAHg=", NULL, NULL) && Basic("Basic dTpwCng=", NULL, NULL), "basic: NUL or control characters refused");
	ok(HttpParseBasic("Basic dXNlcjpwYXNz", u, sizeof(u), p, sizeof(p)) &&
	   !HttpParseBasic("Basic bG9uZ3VzZXI6cA==", u, sizeof(u), p, sizeof(p)) &&
	   !HttpParseBasic("Basic dTpsb25ncGFzcw==", u, sizeof(u), p, sizeof(p)),
	   "basic: a user or password that does not fit refused");
}

/* main runs every test and prints the plan. */
int
main(void)
{
	char		dir[] = "/tmp/test_gateway.XXXXXX";

	DaemonSignalsBlock();
	LogInit("test_gateway");
	LogSetLevel(LOGLEVEL_ERROR);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (mkdtemp(dir) == NULL)
		return 1;
	test_signature();
	test_parse();
	test_graph();
	test_log();
	test_config(dir);
	test_metrics();
	test_http();
	test_html();
	{
		char		cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	curl_global_cleanup();
	printf("1..%d\n", tests_run);
	return tests_failed == 0 ? 0 : 1;
}
