/*-------------------------------------------------------------------------
 *
 * daemon.h
 *	  The infrastructure passport's daemons share: strings, logging without
 *	  personal data, configuration from a file and the environment with
 *	  secrets from files, libpq connections that come back by themselves,
 *	  LISTEN/NOTIFY, a Prometheus metrics registry, signal handling, and an
 *	  HTTP server (libmicrohttpd) with routes and bounded bodies.
 *
 * passport-whatsapp is built on it; a second daemon (a waiting-room display
 * fed by LISTEN/NOTIFY, an office dashboard) links the same objects
 * (the objects of gateway/common) and adds its own handlers.  A daemon's main() is, in
 * order:
 *
 *	DaemonSignalsBlock();                    before any thread exists
 *	LogInit("passport-screens");
 *	config = ConfigLoad(options, path, "PASSPORT_SCREENS_", err, len);
 *	ConfigSetCurrent(config);
 *	pool = DbPoolCreate(conninfo, size, statements, nstatements, name);
 *	listener = DbListenerStart(conninfo, channels, n, callback, arg, name);
 *	server = HttpServerCreate(&http_options);
 *	HttpServerRoute(server, "GET", "/display/", handler, arg, 0);
 *	HttpServerRoute(server, "GET", "/metrics", HttpMetricsHandler, NULL, 0);
 *	HttpServerStart(server, err, len);
 *	for (;;) switch (DaemonWaitSignal(1000)) {
 *		case DAEMON_SIGNAL_RELOAD: ConfigReload(...); break;
 *		case DAEMON_SIGNAL_TERMINATE: goto shutdown; ... }
 *	shutdown: HttpServerQuiesce(); HttpServerDrain(); HttpServerStop();
 *	DbListenerStop(); DbPoolDestroy();
 *
 * Threads: every function here may be called from any thread, except
 * DaemonSignalsBlock (first, from main) and DaemonWaitSignal (from one
 * thread).  A DbConn is used by one thread at a time (the pool hands it
 * out).  Handlers run on the HTTP server's threads and may block on the
 * database; a streaming response (Server-Sent Events) needs the server in
 * thread-per-connection mode, where its reader may wait for an event.
 *
 * Personal data: nothing here logs message bodies, query parameters,
 * headers or query values; LogMaskSender() is the one way a sender appears
 * in a log line.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PASSPORT_DAEMON_H
#define PASSPORT_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <libpq-fe.h>

#define PD_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* ---------------------------------------------------------------- memory */

/* Allocation that logs and aborts when memory runs out. */
extern void *PdAlloc(size_t size);
extern void *PdAllocZero(size_t size);
extern void *PdRealloc(void *ptr, size_t size);
extern char *PdStrdup(const char *s);
extern char *PdStrndup(const char *s, size_t len);

/* A growable NUL-terminated byte string (like PostgreSQL's StringInfo). */
typedef struct StrBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} StrBuf;

extern void StrBufInit(StrBuf *buf);
extern void StrBufAppend(StrBuf *buf, const char *data, size_t len);
extern void StrBufAppendStr(StrBuf *buf, const char *s);
extern void StrBufAppendChar(StrBuf *buf, char c);
extern void StrBufPrintf(StrBuf *buf, const char *fmt,...) PD_PRINTF(2, 3);
extern void StrBufReset(StrBuf *buf);
/*
 * StrBufAppendHtml appends text escaped for HTML and XML (SVG) content and
 * quoted attribute values: & < > " ' become entities, and control
 * characters other than tab and newline are dropped.
 */
extern void StrBufAppendHtml(StrBuf *buf, const char *s);
extern void StrBufFree(StrBuf *buf);
extern char *StrBufDetach(StrBuf *buf);

/* Monotonic milliseconds (for timeouts) and wall-clock seconds. */
extern int64_t NowMs(void);
extern double NowSeconds(void);

/* Sleeps up to ms milliseconds; returns early when *stop becomes true. */
extern void SleepMs(int ms, volatile bool *stop);

/* --------------------------------------------------------------- logging */

typedef enum LogLevel
{
	LOGLEVEL_DEBUG,
	LOGLEVEL_INFO,
	LOGLEVEL_WARNING,
	LOGLEVEL_ERROR
} LogLevel;

/*
 * Lines go to stderr (the journal under systemd) as
 * "2026-12-01 09:00:00.123 UTC [pid] LEVEL: message".  Messages are the
 * daemon's own words: never a message text, a NIK, a token or a raw sender.
 */
extern void LogInit(const char *progname);
extern void LogSetLevel(LogLevel level);
extern bool LogParseLevel(const char *name, LogLevel *level);
extern void LogWrite(LogLevel level, const char *fmt,...) PD_PRINTF(2, 3);

#define LogDebug(...)	LogWrite(LOGLEVEL_DEBUG, __VA_ARGS__)
#define LogInfo(...)	LogWrite(LOGLEVEL_INFO, __VA_ARGS__)
#define LogWarning(...) LogWrite(LOGLEVEL_WARNING, __VA_ARGS__)
#define LogError(...)	LogWrite(LOGLEVEL_ERROR, __VA_ARGS__)

/*
 * LogMaskSender writes a sender (phone number or account id) as it may
 * appear in a log: the first three and last two characters, the rest as
 * '*' ("628*******90"); short values are masked whole.  Returns buf.
 */
#define LOG_MASK_LEN 40
extern const char *LogMaskSender(const char *sender, char *buf, size_t buflen);

/* --------------------------------------------------------- configuration */

typedef enum ConfigType
{
	CONFIG_STRING,
	CONFIG_INT,
	CONFIG_BOOL,
	CONFIG_SECRET_FILE			/* value: a path; ConfigGetSecret reads it */
} ConfigType;

/*
 * One option a daemon accepts.  Its value comes from, in rising order of
 * precedence: default_value, the configuration file ("name = value" lines,
 * '#' comments, values optionally quoted), the environment variable
 * <env_prefix><NAME IN UPPER CASE>.  Secrets are never values: a
 * CONFIG_SECRET_FILE option names a file whose contents (without the final
 * newline) are the secret, read at load and at every reload, so they never
 * appear on a command line or in the environment.
 */
typedef struct ConfigOption
{
	const char *name;
	ConfigType	type;
	const char *default_value;	/* NULL: unset */
	bool		required;
	bool		reloadable;		/* SIGHUP applies it; else a restart does */
	int			min_value;		/* CONFIG_INT bounds */
	int			max_value;
	const char *description;
} ConfigOption;

typedef struct Config Config;

/*
 * DaemonCommandLine reads -c/--config FILE (else <env_prefix>CONFIG),
 * --check, -V and -h; returns -1 to go on, else the exit status.
 */
extern int	DaemonCommandLine(int argc, char **argv, const char *progname,
							  const char *env_prefix, void (*usage) (FILE *out),
							  const char **config_path, bool *check_only);

/* ConfigPrintOptions lists the options for a usage text: name, description, [default]. */
extern void ConfigPrintOptions(FILE *out, const ConfigOption *options);

/* ConfigApplyLogLevel sets the log level from the current configuration's log_level. */
extern void ConfigApplyLogLevel(void);

/*
 * ConfigLoad reads defaults, the file (path may be NULL) and the
 * environment; returns NULL with a one-line reason in errbuf when an option
 * is unknown, malformed, out of range, required but missing, or a secret
 * file cannot be read or is empty.
 */
extern Config *ConfigLoad(const ConfigOption *options, const char *path,
						  const char *env_prefix, char *errbuf, size_t errlen);
extern void ConfigFree(Config *config);
extern const char *ConfigGetString(const Config *config, const char *name);
extern int	ConfigGetInt(const Config *config, const char *name);
extern bool ConfigGetBool(const Config *config, const char *name);
extern const char *ConfigGetSecret(const Config *config, const char *name, size_t *len);

/*
 * The process's current configuration.  Threads ConfigAcquire() it for the
 * time they use its values and ConfigRelease() it; ConfigSetCurrent()
 * installs a new one (the old one is freed when its last user releases it).
 * ConfigReload() loads again, keeps the values of options that are not
 * reloadable (logging that a restart is needed), and installs the result;
 * on error it keeps the current configuration and returns false.
 */
extern void ConfigSetCurrent(Config *config);
extern Config *ConfigAcquire(void);
extern void ConfigRelease(Config *config);
extern bool ConfigReload(const ConfigOption *options, const char *path,
						 const char *env_prefix);

/* -------------------------------------------------------------- database */

typedef enum DbErrorKind
{
	DB_OK,
	DB_UNAVAILABLE,				/* unreachable, restarting, overloaded: retry
								 * later (HTTP 503) */
	DB_SQL_ERROR				/* the statement failed: see sqlstate */
} DbErrorKind;

typedef struct DbError
{
	DbErrorKind kind;
	char		sqlstate[6];
	char		message[200];	/* the server's primary message */
} DbError;

/*
 * A statement prepared on every connection when first used.  When
 * retry_once is set (idempotent statements), a statement that meets a
 * connection the server closed meanwhile (a restart) is run again once on
 * a new connection.
 */
typedef struct DbStatement
{
	const char *name;
	const char *sql;
	int			nparams;
	bool		retry_once;
} DbStatement;

typedef struct DbConn DbConn;
typedef struct DbPool DbPool;

/*
 * A connection that reconnects by itself: a broken connection is replaced
 * at the next use, at most once per second while the server stays away.
 * conninfo may be empty (libpq's PG* variables then apply).
 */
extern DbConn *DbConnCreate(const char *conninfo, const DbStatement *statements,
							int nstatements, const char *application_name);
extern void DbConnDestroy(DbConn *conn);
extern bool DbConnEnsure(DbConn *conn);
extern PGconn *DbConnRaw(DbConn *conn);

/*
 * DbConnExec runs prepared statement number stmt with text parameters
 * (NULL for SQL NULL).  Returns the result (tuples or command OK; the
 * caller PQclear()s it) or NULL with error filled in.
 */
extern PGresult *DbConnExec(DbConn *conn, int stmt, const char *const *values,
							DbError *error);

/*
 * A fixed set of connections for request handlers.  DbPoolAcquire waits up
 * to timeout_ms for a free connection and returns NULL when none frees up
 * or the database cannot be reached (answer 503); every acquired
 * connection goes back with DbPoolRelease.  DbPoolCheck runs "SELECT 1"
 * (for /healthz) and DbPoolUp tells the last known state.
 */
extern DbPool *DbPoolCreate(const char *conninfo, int size,
							const DbStatement *statements, int nstatements,
							const char *application_name);
extern void DbPoolDestroy(DbPool *pool);
extern DbConn *DbPoolAcquire(DbPool *pool, int timeout_ms);
extern void DbPoolRelease(DbPool *pool, DbConn *conn);
extern bool DbPoolCheck(DbPool *pool, int timeout_ms);
extern bool DbPoolUp(DbPool *pool);

/*
 * LISTEN on channels from a thread of its own, reconnecting with backoff.
 * callback(channel, payload, arg) runs on that thread for each
 * notification, and with channel NULL after every (re)connection: whatever
 * was notified while disconnected is lost, so the daemon resynchronises
 * (polls) then.
 */
typedef void (*DbNotifyCallback) (const char *channel, const char *payload, void *arg);
typedef struct DbListener DbListener;

extern DbListener *DbListenerStart(const char *conninfo, const char *const *channels,
								   int nchannels, DbNotifyCallback callback, void *arg,
								   const char *application_name);
extern void DbListenerStop(DbListener *listener);
extern bool DbListenerConnected(DbListener *listener);

/* SQLSTATE helpers: the class of errors that mean "try again later". */
extern bool DbSqlstateTransient(const char *sqlstate);

/* --------------------------------------------------------------- metrics */

/*
 * A process-wide registry rendered in the Prometheus text exposition
 * format (0.0.4).  Names carry their unit (_seconds, _total); labels are a
 * preformatted label list ("outcome=\"ok\"") or NULL.  Registering the same
 * name and labels twice returns the same metric, so handlers may look
 * metrics up where they count.  Values never carry personal data.
 */
typedef struct Metric Metric;
typedef double (*MetricValueFn) (void *arg);

extern Metric *MetricsCounter(const char *name, const char *labels, const char *help);
extern Metric *MetricsGauge(const char *name, const char *labels, const char *help);
extern Metric *MetricsGaugeFunc(const char *name, const char *labels, const char *help,
								MetricValueFn fn, void *arg);
extern Metric *MetricsHistogram(const char *name, const char *labels, const char *help,
								const double *bounds, int nbounds);
/*
 * MetricsCounterCached registers a counter once and keeps it in *slot, so
 * that code counting on a hot path does not look it up by name each time.
 */
extern Metric *MetricsCounterCached(Metric **slot, const char *name, const char *labels,
									const char *help);
extern void MetricInc(Metric *metric);
extern void MetricAdd(Metric *metric, uint64_t n);
extern void MetricSet(Metric *metric, double value);
extern void MetricObserve(Metric *metric, double value);
extern uint64_t MetricCount(Metric *metric);
extern void MetricsRender(StrBuf *out);

/* Latency buckets in seconds, 1 ms to 10 s. */
extern const double MetricsLatencyBuckets[];
extern const int MetricsLatencyBucketCount;

/* ---------------------------------------------------------------- signals */

typedef enum DaemonSignal
{
	DAEMON_SIGNAL_NONE,
	DAEMON_SIGNAL_TERMINATE,	/* SIGTERM, SIGINT: drain and exit */
	DAEMON_SIGNAL_RELOAD		/* SIGHUP: reload the configuration */
} DaemonSignal;

/*
 * DaemonSignalsBlock blocks SIGTERM, SIGINT and SIGHUP in the calling
 * thread and every thread it creates later, and ignores SIGPIPE; call it
 * first.  DaemonWaitSignal waits up to timeout_ms for one of them.
 */
extern void DaemonSignalsBlock(void);
extern DaemonSignal DaemonWaitSignal(int timeout_ms);

/* ------------------------------------------------------------------ HTTP */

struct MHD_Connection;

typedef struct HttpRequest
{
	const char *method;
	const char *path;			/* without the query string */
	const char *body;			/* the whole body, NUL-terminated */
	size_t		body_len;
	struct MHD_Connection *connection;	/* for what this API lacks */
} HttpRequest;

/*
 * A streamed body (Server-Sent Events): read() fills buf with up to max
 * bytes and returns how many, or -1 at the end; it may block in
 * thread-per-connection mode.  done() frees arg.
 */
typedef long (*HttpStreamRead) (void *arg, uint64_t pos, char *buf, size_t max);
typedef void (*HttpStreamDone) (void *arg);

#define HTTP_MAX_HEADERS 8

typedef struct HttpResponse
{
	int			status;
	const char *content_type;
	StrBuf		body;
	int			nheaders;
	const char *header_names[HTTP_MAX_HEADERS];
	char	   *header_values[HTTP_MAX_HEADERS];
	HttpStreamRead stream_read;
	HttpStreamDone stream_done;
	void	   *stream_arg;
	const struct HttpStatic *prebuilt;	/* HttpRespondStatic */
} HttpResponse;

/*
 * A response built once (status, type, body and headers) and answered many
 * times, as libmicrohttpd's examples do for their fixed pages.
 */
typedef struct HttpStatic HttpStatic;

typedef void (*HttpHandler) (HttpRequest *request, HttpResponse *response, void *arg);

typedef struct HttpServerOptions
{
	const char *address;		/* numeric IPv4 or IPv6 address */
	int			port;			/* 0: any free port (HttpServerPort tells) */
	int			threads;		/* worker threads (thread pool mode) */
	bool		thread_per_connection;
	int			connection_timeout_s;	/* idle connections are closed */
	int			max_connections;
} HttpServerOptions;

typedef struct HttpServer HttpServer;

/*
 * Routes match a method and an exact path, or a prefix when the path ends
 * in '*'.  Another method on a known path gets 405 with Allow, an unknown
 * path 404.  The body is read incrementally up to max_body bytes (a larger
 * Content-Length is refused before reading, a longer body when it passes
 * the limit): 413.  While draining, new requests get 503 with
 * "Connection: close".  Every request is counted in
 * passport_daemon_http_requests_total{route, code}.
 */
extern HttpServer *HttpServerCreate(const HttpServerOptions *options);
extern void HttpServerRoute(HttpServer *server, const char *method, const char *path,
							HttpHandler handler, void *arg, size_t max_body);
extern bool HttpServerStart(HttpServer *server, char *errbuf, size_t errlen);
extern int	HttpServerPort(HttpServer *server);
extern void HttpServerQuiesce(HttpServer *server);
extern bool HttpServerDrain(HttpServer *server, int timeout_ms);
extern void HttpServerStop(HttpServer *server);

extern const char *HttpRequestHeader(const HttpRequest *request, const char *name);
extern const char *HttpRequestQuery(const HttpRequest *request, const char *key);
extern void HttpRespond(HttpResponse *response, int status, const char *content_type,
						const char *body);
extern void HttpRespondf(HttpResponse *response, int status, const char *content_type,
						 const char *fmt,...) PD_PRINTF(4, 5);
extern void HttpSetHeader(HttpResponse *response, const char *name, const char *value);
extern void HttpRespondStream(HttpResponse *response, int status, const char *content_type,
							  HttpStreamRead read, HttpStreamDone done, void *arg);

extern HttpStatic *HttpStaticCreate(int status, const char *content_type, const char *body,
								   const char *header_name, const char *header_value);
extern void HttpStaticAddHeader(HttpStatic *prebuilt, const char *name, const char *value);
extern void HttpRespondStatic(HttpResponse *response, const HttpStatic *prebuilt);

/* A handler for GET /metrics: MetricsRender() as text/plain; version=0.0.4. */
extern void HttpMetricsHandler(HttpRequest *request, HttpResponse *response, void *arg);

/*
 * A handler for GET /healthz, arg the DbPool: 200 "ok" when DbPoolCheck
 * reaches the database within a second, else 503.
 */
extern void DbPoolHealthzHandler(HttpRequest *request, HttpResponse *response, void *arg);

/*
 * HttpBasicCredentials reads the "Authorization: Basic" credentials of a
 * request into user and password (NUL-terminated, UTF-8 as sent).  Returns
 * false when the header is missing, not Basic, not valid base64, has no
 * colon, an empty user name or password, a NUL or control character, or
 * does not fit.  The caller wipes password after use.
 */
extern bool HttpBasicCredentials(const HttpRequest *request, char *user, size_t user_len,
								 char *password, size_t password_len);
extern bool HttpParseBasic(const char *header, char *user, size_t user_len,
						   char *password, size_t password_len);

/* Constant-time comparison of two byte strings (tokens, signatures). */
extern bool SecretEqual(const void *a, size_t alen, const void *b, size_t blen);

#endif							/* PASSPORT_DAEMON_H */
