/*-------------------------------------------------------------------------
 *
 * fake_graph.c
 *	  A fake WhatsApp Graph API for the gateway's tests, the demo and the
 *	  benchmark, on 127.0.0.1 only.  POST /<version>/<phone>/messages
 *	  answers like the Cloud API ({"messages": [{"id": "wamid.fake.N"}]})
 *	  and records each request as one JSON line in the log file:
 *
 *	  {"n": 1, "t": 1764999999.123, "status": 200, "auth": true,
 *	   "path": "/v21.0/1234/messages", "body": {...the request...}}
 *
 *	  It can be told to misbehave, for the next count requests (count -1:
 *	  until told otherwise), by POST /_control with "key=value" pairs:
 *	  status=503 (answer that, with a Graph error body), retry_after=2 (add
 *	  Retry-After), delay_ms=3000 (answer late: timeouts); each command
 *	  replaces the previous one ("reset" alone: behave).  GET /_count tells
 *	  how many messages it accepted.
 *
 * Usage: fake-graph --port-file FILE [--port N] [--log FILE]
 *					 [--token-file FILE] [--threads N]
 *	--token-file: requests without "Authorization: Bearer <token>" get 401.
 *
 *-------------------------------------------------------------------------
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file = NULL;
static char *token = NULL;
static long seq = 0;
static long accepted = 0;
static int	fail_status = 0;
static int	fail_count = 0;
static char retry_after[32] = "";
static int	delay_ms = 0;

/* Messages handles POST /<version>/<phone>/messages. */
static void
Messages(HttpRequest *request, HttpResponse *response, void *arg)
{
	const char *auth = HttpRequestHeader(request, "Authorization");
	bool		auth_ok = true;
	int			status = 200;
	int			delay = 0;
	char		ra[32] = "";
	long		n;
	json_t	   *body;
	json_t	   *line;
	char	   *text;
	const char *to = "";

	(void) arg;
	if (token != NULL)
		auth_ok = auth != NULL && strncmp(auth, "Bearer ", 7) == 0 && strcmp(auth + 7, token) == 0;
	pthread_mutex_lock(&lock);
	n = ++seq;
	if (fail_count != 0)
	{
		status = fail_status != 0 ? fail_status : 200;
		delay = delay_ms;
		snprintf(ra, sizeof(ra), "%s", retry_after);
		if (fail_count > 0)
			fail_count--;
	}
	if (!auth_ok)
		status = 401;
	if (status >= 200 && status < 300)
		accepted++;
	pthread_mutex_unlock(&lock);

	if (delay > 0)
		SleepMs(delay, NULL);

	/* without a log (the benchmark) the body is not even parsed */
	body = log_file != NULL ? json_loadb(request->body, request->body_len, 0, NULL) : NULL;
	if (body != NULL && json_is_string(json_object_get(body, "to")))
		to = json_string_value(json_object_get(body, "to"));
	if (log_file != NULL)
	{
		line = json_pack("{s:I, s:f, s:i, s:b, s:s, s:O}", "n", (json_int_t) n, "t", NowSeconds(),
						 "status", status, "auth", auth_ok, "path", request->path,
						 "body", body != NULL ? body : json_string("(not JSON)"));
		text = json_dumps(line, JSON_COMPACT);
		pthread_mutex_lock(&lock);
		fprintf(log_file, "%s\n", text);
		fflush(log_file);
		pthread_mutex_unlock(&lock);
		free(text);
		json_decref(line);
	}
	if (status >= 200 && status < 300)
		HttpRespondf(response, status, "application/json",
					 "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"%s\",\"wa_id\":\"%s\"}],"
					 "\"messages\":[{\"id\":\"wamid.fake.%ld\"}]}", to, to, n);
	else
	{
		if (ra[0] != '\0')
			HttpSetHeader(response, "Retry-After", ra);
		HttpRespondf(response, status, "application/json",
					 "{\"error\":{\"message\":\"(#%d) fake failure\",\"type\":\"OAuthException\","
					 "\"code\":%d,\"fbtrace_id\":\"fake\"}}", status == 429 ? 130429 : status,
					 status == 429 ? 130429 : status);
	}
	json_decref(body);
}

/* Control handles POST /_control. */
static void
Control(HttpRequest *request, HttpResponse *response, void *arg)
{
	char	   *copy = PdStrdup(request->body != NULL ? request->body : "");
	char	   *save = NULL;
	char	   *kv;

	(void) arg;
	pthread_mutex_lock(&lock);
	/* every command starts from normal behaviour */
	fail_status = fail_count = delay_ms = 0;
	retry_after[0] = '\0';
	for (kv = strtok_r(copy, "&\n ", &save); kv != NULL; kv = strtok_r(NULL, "&\n ", &save))
	{
		char	   *eq = strchr(kv, '=');
		const char *v = eq != NULL ? eq + 1 : "";

		if (eq != NULL)
			*eq = '\0';
		if (strcmp(kv, "status") == 0)
			fail_status = atoi(v);
		else if (strcmp(kv, "count") == 0)
			fail_count = atoi(v);
		else if (strcmp(kv, "retry_after") == 0)
			snprintf(retry_after, sizeof(retry_after), "%s", v);
		else if (strcmp(kv, "delay_ms") == 0)
			delay_ms = atoi(v);
	}
	pthread_mutex_unlock(&lock);
	free(copy);
	HttpRespond(response, 200, "text/plain", "ok\n");
}

/* Count handles GET /_count. */
static void
Count(HttpRequest *request, HttpResponse *response, void *arg)
{
	long		n;

	(void) request;
	(void) arg;
	pthread_mutex_lock(&lock);
	n = accepted;
	pthread_mutex_unlock(&lock);
	HttpRespondf(response, 200, "text/plain", "%ld\n", n);
}

/* main serves until SIGTERM or SIGINT. */
int
main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{"port", required_argument, NULL, 'p'},
		{"port-file", required_argument, NULL, 'f'},
		{"log", required_argument, NULL, 'l'},
		{"token-file", required_argument, NULL, 't'},
		{"threads", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0}
	};
	HttpServerOptions options;
	HttpServer *server;
	const char *port_file = NULL;
	char		err[256];
	int			c;

	DaemonSignalsBlock();
	LogInit("fake-graph");
	memset(&options, 0, sizeof(options));
	options.address = "127.0.0.1";
	options.thread_per_connection = true;
	while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'p':
				options.port = atoi(optarg);
				break;
			case 'f':
				port_file = optarg;
				break;
			case 'l':
				log_file = fopen(optarg, "a");
				if (log_file == NULL)
				{
					perror(optarg);
					return 1;
				}
				break;
			case 't':
				{
					FILE	   *f = fopen(optarg, "r");
					char		buf[4096];

					if (f == NULL || fgets(buf, sizeof(buf), f) == NULL)
					{
						perror(optarg);
						return 1;
					}
					fclose(f);
					buf[strcspn(buf, "\r\n")] = '\0';
					token = PdStrdup(buf);
					break;
				}
			case 'n':
				options.threads = atoi(optarg);
				options.thread_per_connection = false;
				break;
			default:
				fprintf(stderr, "usage: fake-graph --port-file FILE [--port N] [--log FILE] [--token-file FILE] [--threads N]\n");
				return 2;
		}
	}
	server = HttpServerCreate(&options);
	HttpServerRoute(server, "POST", "/_control", Control, NULL, 4096);
	HttpServerRoute(server, "GET", "/_count", Count, NULL, 0);
	HttpServerRoute(server, "POST", "/*", Messages, NULL, 1 << 20);
	if (!HttpServerStart(server, err, sizeof(err)))
	{
		fprintf(stderr, "fake-graph: %s\n", err);
		return 1;
	}
	if (port_file != NULL)
	{
		char		tmp[4096];
		FILE	   *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		f = fopen(tmp, "w");
		if (f == NULL)
		{
			perror(tmp);
			return 1;
		}
		fprintf(f, "%d\n", HttpServerPort(server));
		fclose(f);
		rename(tmp, port_file);
	}
	while (DaemonWaitSignal(1000) != DAEMON_SIGNAL_TERMINATE)
		;
	HttpServerQuiesce(server);
	HttpServerDrain(server, 2000);
	HttpServerStop(server);
	if (log_file != NULL)
		fclose(log_file);
	free(token);
	return 0;
}
