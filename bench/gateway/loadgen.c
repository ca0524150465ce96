/*-------------------------------------------------------------------------
 *
 * loadgen.c
 *	  Load generator of the gateway benchmark (bench/gateway/run): clients
 *	  that each send inbound WhatsApp messages as fast as they are answered,
 *	  either as signed webhooks to passport-whatsapp over keep-alive HTTP/1.1
 *	  connections (mode webhook), or as passport.handle_message calls over
 *	  libpq (mode direct, the baseline).  Both draw senders and texts the
 *	  same way (bench/message.pgbench's mix: menu, information, status and
 *	  booking first steps over 100,000 senders).
 *
 * Prints one line: "<requests> <seconds> <p50 ms> <p99 ms> <errors>
 * <delivered> <all> <cpu ms>" for the measured window after the warm-up;
 * delivered is how many messages the fake Graph API accepted in that window
 * (webhook mode), all counts the requests of the warm-up too, cpu is the
 * load generator's own CPU time over the whole run.
 *
 * Usage: loadgen webhook HOST PORT SECRET-FILE CLIENTS WARMUP-S SECONDS SENDER-BASE FAKE-PORT
 *		  loadgen direct CONNINFO CLIENTS WARMUP-S SECONDS SENDER-BASE
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "daemon.h"
#include "webhook.h"

#define MAX_CLIENTS 256
#define MAX_SAMPLES 2000000

static const char *const texts[] = {"halo", "4", "2", "3", "5", "0", "1", "rush"};

typedef struct Client
{
	int			id;
	unsigned int seed;
	long		all;
	long		done;
	long		errors;
	double	   *latency;		/* ms, measured window only */
	long		nlatency;
} Client;

static Client clients[MAX_CLIENTS];
static int	nclients;
static const char *mode;
static const char *host;
static int	port;
static char secret[256];
static size_t secret_len;
static const char *conninfo;
static long sender_base;
static int	fake_port;
static volatile int phase = 0;	/* 0 warm-up, 1 measuring, 2 done */

/* Sender draws one of 100,000 senders. */
static void
Sender(Client *c, char *out, size_t len)
{
	snprintf(out, len, "%ld", sender_base + rand_r(&c->seed) % 100000);
}

/* Record notes one answered request. */
static void
Record(Client *c, int64_t start_us, bool ok)
{
	struct timespec ts;
	int64_t		now_us;

	if (ok)
		c->all++;
	if (phase != 1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_us = (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	if (!ok)
	{
		c->errors++;
		return;
	}
	c->done++;
	if (c->nlatency < MAX_SAMPLES / MAX_CLIENTS)
		c->latency[c->nlatency++] = (now_us - start_us) / 1000.0;
}

/* NowUs returns a monotonic clock in microseconds. */
static int64_t
NowUs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Connect opens a TCP connection to the gateway. */
static int
Connect(void)
{
	struct sockaddr_in a;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);
	int			one = 1;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, host, &a.sin_addr);
	if (connect(fd, (struct sockaddr *) &a, sizeof(a)) != 0)
	{
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Exchange sends one request and reads the answer; returns the status or -1. */
static int
Exchange(int fd, const char *req, size_t len)
{
	char		buf[8192];
	size_t		have = 0;
	size_t		off = 0;
	char	   *end;
	long		clen = 0;
	int			status;
	char	   *cl;

	while (off < len)
	{
		ssize_t		n = write(fd, req + off, len - off);

		if (n <= 0)
			return -1;
		off += n;
	}
	for (;;)
	{
		ssize_t		n = read(fd, buf + have, sizeof(buf) - 1 - have);

		if (n <= 0)
			return -1;
		have += n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end != NULL)
			break;
		if (have >= sizeof(buf) - 1)
			return -1;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	cl = strcasestr(buf, "Content-Length:");
	if (cl != NULL && cl < end)
		clen = strtol(cl + 15, NULL, 10);
	while ((long) (have - (end + 4 - buf)) < clen)
	{
		ssize_t		n = read(fd, buf + have, sizeof(buf) - 1 - have);

		if (n <= 0)
			return -1;
		have += n;
	}
	return status;
}

/* WebhookClient sends signed webhooks over one keep-alive connection. */
static void *
WebhookClient(void *arg)
{
	Client	   *c = arg;
	StrBuf		body,
				req;
	long		seq = 0;
	int			fd = Connect();

	StrBufInit(&body);
	StrBufInit(&req);
	while (phase < 2)
	{
		char		from[32];
		char		sig[72];
		int64_t		start;
		int			status;

		Sender(c, from, sizeof(from));
		StrBufReset(&body);
		StrBufPrintf(&body, "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":"
					 "[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\","
					 "\"metadata\":{\"display_phone_number\":\"6281100000000\",\"phone_number_id\":\"1234\"},"
					 "\"contacts\":[{\"profile\":{\"name\":\"B\"},\"wa_id\":\"%s\"}],"
					 "\"messages\":[{\"from\":\"%s\",\"id\":\"wamid.bench-%ld-%d-%ld\",\"timestamp\":\"1764000000\","
					 "\"type\":\"text\",\"text\":{\"body\":\"%s\"}}]}}]}]}",
					 from, from, sender_base, c->id, seq++, texts[rand_r(&c->seed) % 8]);
		WebhookSign(body.data, body.len, secret, secret_len, sig);
		StrBufReset(&req);
		StrBufPrintf(&req, "POST /webhook HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
					 "X-Hub-Signature-256: %s\r\nContent-Length: %zu\r\n\r\n", host, port, sig, body.len);
		StrBufAppend(&req, body.data, body.len);
		start = NowUs();
		status = fd >= 0 ? Exchange(fd, req.data, req.len) : -1;
		if (status < 0)
		{
			if (fd >= 0)
				close(fd);
			fd = Connect();
		}
		Record(c, start, status == 200);
	}
	if (fd >= 0)
		close(fd);
	StrBufFree(&body);
	StrBufFree(&req);
	return NULL;
}

/* FakeCount asks the fake Graph API how many messages it accepted. */
static long
FakeCount(void)
{
	int			saved = port;
	int			fd;
	char		buf[4096];
	ssize_t		n;
	size_t		have = 0;
	char	   *body;
	const char *req = "GET /_count HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

	port = fake_port;
	fd = Connect();
	port = saved;
	if (fd < 0 || write(fd, req, strlen(req)) < 0)
		return -1;
	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0)
		have += n;
	close(fd);
	buf[have] = '\0';
	body = strstr(buf, "\r\n\r\n");
	return body != NULL ? strtol(body + 4, NULL, 10) : -1;
}

/* DirectClient calls handle_message over libpq. */
static void *
DirectClient(void *arg)
{
	Client	   *c = arg;
	PGconn	   *conn = PQconnectdb(conninfo);
	PGresult   *res;
	long		seq = 0;

	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "loadgen: %s", PQerrorMessage(conn));
		exit(1);
	}
	res = PQprepare(conn, "m", "SELECT (passport.handle_message('whatsapp', $1, $2, $3)).duplicate", 3, NULL);
	PQclear(res);
	while (phase < 2)
	{
		char		from[32];
		char		id[96];
		const char *values[3];
		int64_t		start;

		Sender(c, from, sizeof(from));
		snprintf(id, sizeof(id), "wamid.bench-%ld-%d-%ld", sender_base, c->id, seq++);
		values[0] = from;
		values[1] = id;
		values[2] = texts[rand_r(&c->seed) % 8];
		start = NowUs();
		res = PQexecPrepared(conn, "m", 3, values, NULL, NULL, 0);
		Record(c, start, PQresultStatus(res) == PGRES_TUPLES_OK);
		PQclear(res);
	}
	PQfinish(conn);
	return NULL;
}

/* CompareDouble orders latencies. */
static int
CompareDouble(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return x < y ? -1 : x > y;
}

/* main runs the clients and prints the measured window. */
int
main(int argc, char **argv)
{
	pthread_t	threads[MAX_CLIENTS];
	int			warmup,
				seconds;
	int			i;
	long		total = 0,
				errors = 0,
				nall = 0,
				requests = 0;
	double	   *all;
	double		start,
				elapsed;
	long		delivered0 = 0,
				delivered1 = 0;

	if (argc == 10 && strcmp(argv[1], "webhook") == 0)
	{
		FILE	   *f = fopen(argv[4], "r");

		mode = argv[1];
		host = argv[2];
		port = atoi(argv[3]);
		if (f == NULL || fgets(secret, sizeof(secret), f) == NULL)
		{
			perror(argv[4]);
			return 1;
		}
		fclose(f);
		secret[strcspn(secret, "\r\n")] = '\0';
		secret_len = strlen(secret);
		nclients = atoi(argv[5]);
		warmup = atoi(argv[6]);
		seconds = atoi(argv[7]);
		sender_base = atol(argv[8]);
		fake_port = atoi(argv[9]);
	}
	else if (argc == 7 && strcmp(argv[1], "direct") == 0)
	{
		mode = argv[1];
		conninfo = argv[2];
		nclients = atoi(argv[3]);
		warmup = atoi(argv[4]);
		seconds = atoi(argv[5]);
		sender_base = atol(argv[6]);
	}
	else
	{
		fprintf(stderr, "usage: loadgen webhook HOST PORT SECRET-FILE CLIENTS WARMUP-S SECONDS SENDER-BASE FAKE-PORT\n"
				"       loadgen direct CONNINFO CLIENTS WARMUP-S SECONDS SENDER-BASE\n");
		return 2;
	}
	if (nclients < 1 || nclients > MAX_CLIENTS)
		return 2;
	for (i = 0; i < nclients; i++)
	{
		clients[i].id = i;
		clients[i].seed = (unsigned int) (i * 7919 + sender_base);
		clients[i].latency = PdAlloc(sizeof(double) * (MAX_SAMPLES / MAX_CLIENTS));
		pthread_create(&threads[i], NULL, strcmp(mode, "webhook") == 0 ? WebhookClient : DirectClient,
					   &clients[i]);
	}
	sleep(warmup);
	if (fake_port > 0)
		delivered0 = FakeCount();
	start = NowSeconds();
	phase = 1;
	sleep(seconds);
	phase = 2;
	elapsed = NowSeconds() - start;
	if (fake_port > 0)
		delivered1 = FakeCount();
	for (i = 0; i < nclients; i++)
		pthread_join(threads[i], NULL);
	all = PdAlloc(sizeof(double) * (MAX_SAMPLES + 1));
	for (i = 0; i < nclients; i++)
	{
		total += clients[i].done;
		requests += clients[i].all;
		errors += clients[i].errors;
		memcpy(all + nall, clients[i].latency, sizeof(double) * clients[i].nlatency);
		nall += clients[i].nlatency;
		free(clients[i].latency);
	}
	qsort(all, nall, sizeof(double), CompareDouble);
	{
		struct rusage ru;
		double		cpu_ms;

		getrusage(RUSAGE_SELF, &ru);
		cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
		printf("%ld %.3f %.2f %.2f %ld %ld %ld %.0f\n", total, elapsed, nall > 0 ? all[nall / 2] : 0,
			   nall > 0 ? all[(long) (nall * 0.99)] : 0, errors, delivered1 - delivered0, requests, cpu_ms);
	}
	free(all);
	return 0;
}
