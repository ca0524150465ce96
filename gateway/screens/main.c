/*-------------------------------------------------------------------------
 *
 * main.c
 *	  passport-screens: the waiting-room displays and the office dashboards
 *	  of passport, served over HTTP.  It draws, nothing more: what a display
 *	  shows is passport.display_board(), every figure of a dashboard comes
 *	  from the passport.dashboard_* functions run as the viewer's own login.
 *
 * Routes:
 *	GET /display/{office}          the public display page (no personal data)
 *	GET /display/{office}/events   its Server-Sent Events: the board as JSON
 *								   at once, then at every change
 *	GET /dashboard/{office}        HTTP Basic login: 401 without or with bad
 *								   credentials, 403 when the login may not see
 *								   that office, else the page
 *	GET /static/...                the pages' script and styles
 *	GET /healthz, /metrics
 * Unknown offices and paths get 404, malformed office codes 400.
 *
 * Live displays: the queue functions notify passport_queue with the office
 * number; the listener marks that office's board stale, a refresher thread
 * reads display_board again and, when it changed, wakes the event streams
 * of that office, which send it.  After every (re)connection of the
 * listener every known board is read again, a board with an open page at
 * least every poll_ms (so that displays stay live when the queue functions
 * do not notify: passport.queue_notify off), and every board at least every
 * refresh_ms (the clock, a new day).  Browsers reconnect by themselves and
 * get the current board first.
 *
 * Signals: SIGTERM/SIGINT end the event streams, finish the requests in
 * flight and exit; SIGHUP reloads the configuration.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "screens.h"

#define PROGNAME "passport-screens"
#define ENV_PREFIX "PASSPORT_SCREENS_"
#define NOTIFY_CHANNEL "passport_queue"
#define MAX_OFFICES 1024

static const ConfigOption options[] = {
	{"listen_address", CONFIG_STRING, "127.0.0.1", false, false, 0, 0,
	"numeric address the HTTP server listens on"},
	{"listen_port", CONFIG_INT, "8090", false, false, 1, 65535, "its port"},
	{"max_connections", CONFIG_INT, "1000", false, false, 4, 100000,
	"connections at once (each display holds one)"},
	{"conninfo", CONFIG_STRING, "", false, false, 0, 0,
	"libpq connection string of the displays (a login allowed passport.display_board)"},
	{"dashboard_conninfo", CONFIG_STRING, NULL, false, false, 0, 0,
	"libpq connection string the dashboard logins connect with, user and password"
	" taken from the request (default: conninfo)"},
	{"dashboard_require_password", CONFIG_BOOL, "true", false, false, 0, 0,
	"refuse dashboard logins the server let in without asking their password (trust, peer)"},
	{"db_pool_size", CONFIG_INT, "4", false, false, 1, 200,
	"database connections of the display page handlers"},
	{"db_wait_ms", CONFIG_INT, "2000", false, true, 0, 60000,
	"how long a request waits for a free connection before 503"},
	{"heartbeat_seconds", CONFIG_INT, "15", false, true, 1, 300,
	"a comment line on idle event streams this often"},
	{"poll_ms", CONFIG_INT, "1000", false, true, 100, 3600000,
	"a display board with an open page is read again at least this often"},
	{"refresh_ms", CONFIG_INT, "30000", false, true, 1000, 3600000,
	"every display board is read again at least this often"},
	{"dashboard_days", CONFIG_INT, "21", false, true, 1, 62,
	"days the dashboard's heatmap shows"},
	{"dashboard_weeks", CONFIG_INT, "12", false, true, 1, 104,
	"weeks of no-shows and processing times"},
	{"feedback_days", CONFIG_INT, "90", false, true, 1, 3660,
	"days of feedback the dashboard counts"},
	{"drain_timeout_ms", CONFIG_INT, "5000", false, true, 0, 600000,
	"time given to finish requests at shutdown"},
	{"log_level", CONFIG_STRING, "info", false, true, 0, 0, "debug, info, warning or error"},
	{NULL, CONFIG_STRING, NULL, false, false, 0, 0, NULL}
};

static const DbStatement statements[] = {
	{"board",
		"SELECT b->>'office_id', b->>'office', b->>'name', b::text"
		" FROM passport.display_board($1) b", 1, true},
};

/* One office's display board, as last read. */
typedef struct Office
{
	char		code[OFFICE_CODE_MAX + 1];
	long long	office_id;
	char	   *name;
	char	   *board;			/* JSON text */
	uint64_t	version;		/* raised when board changes */
	uint64_t	stale;			/* raised by notifications */
	uint64_t	read;			/* the value of stale when last read */
	int			watchers;		/* open event streams */
} Office;

static struct
{
	pthread_mutex_t lock;
	pthread_cond_t changed;		/* a board changed, or stopping */
	pthread_cond_t wake;		/* the refresher has work */
	Office	   *offices[MAX_OFFICES];
	int			noffices;
	volatile bool stopping;
	int			subscribers;
	DbPool	   *pool;
	DbConn	   *refresher_conn;
	pthread_t	refresher;
} screens = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER};

static const char *config_path = NULL;
static DashboardOptions dashboard;
static char *dashboard_conninfo;

static Metric *m_refreshes;
static Metric *m_refresh_failures;
static Metric *m_events;

/* OfficeCodeValid checks an office code and copies it in upper case. */
bool
OfficeCodeValid(const char *s, size_t len, char *code)
{
	size_t		i;

	if (len < 1 || len > OFFICE_CODE_MAX)
		return false;
	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (c >= 'a' && c <= 'z')
			c = (char) (c - 'a' + 'A');
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
		code[i] = c;
	}
	code[len] = '\0';
	return true;
}

/* PageHeaders adds the strict headers of a page. */
void
PageHeaders(HttpResponse *response, bool private_page)
{
	HttpSetHeader(response, "Content-Security-Policy",
				  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
				  "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
	HttpSetHeader(response, "Referrer-Policy", "no-referrer");
	HttpSetHeader(response, "X-Frame-Options", "DENY");
	HttpSetHeader(response, "Cache-Control", private_page ? "no-store" : "no-cache");
}

/* FindOffice returns a known office by code; the caller holds the lock. */
static Office *
FindOffice(const char *code)
{
	int			i;

	for (i = 0; i < screens.noffices; i++)
		if (strcmp(screens.offices[i]->code, code) == 0)
			return screens.offices[i];
	return NULL;
}

/*
 * ReadBoard reads an office's board on conn.  Returns 1 and sets the
 * outputs (malloc'ed), 0 for an unknown office, -1 when the database is
 * away or failed.
 */
static int
ReadBoard(DbConn *conn, const char *code, long long *office_id, char **name, char **board)
{
	const char *values[1];
	DbError		error;
	PGresult   *res;

	values[0] = code;
	res = DbConnExec(conn, 0, values, &error);
	MetricInc(m_refreshes);
	if (res == NULL)
	{
		if (error.kind == DB_SQL_ERROR && strcmp(error.sqlstate, "PP011") == 0)
			return 0;
		MetricInc(m_refresh_failures);
		if (error.kind == DB_SQL_ERROR)
			LogWarning("display_board of office %s failed (SQLSTATE %s)", code, error.sqlstate);
		return -1;
	}
	if (PQntuples(res) != 1 || PQnfields(res) != 4 || PQgetisnull(res, 0, 3))
	{
		PQclear(res);
		MetricInc(m_refresh_failures);
		return -1;
	}
	*office_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*name = PdStrdup(PQgetvalue(res, 0, 2));
	*board = PdStrdup(PQgetvalue(res, 0, 3));
	PQclear(res);
	return 1;
}

/* Publish installs a board read for an office; the caller holds the lock. */
static void
Publish(Office *office, char *name, char *board)
{
	free(office->name);
	office->name = name;
	if (office->board != NULL && strcmp(office->board, board) == 0)
	{
		free(board);
		return;
	}
	free(office->board);
	office->board = board;
	office->version++;
	pthread_cond_broadcast(&screens.changed);
}

/*
 * EnsureOffice returns the office of a code, reading its board when it is
 * not known yet; on failure it answers 404 or 503 and returns NULL.
 */
static Office *
EnsureOffice(const char *code, HttpResponse *response)
{
	Office	   *office;
	DbConn	   *conn;
	Config	   *config;
	long long	office_id;
	char	   *name;
	char	   *board;
	int			found;

	pthread_mutex_lock(&screens.lock);
	office = FindOffice(code);
	pthread_mutex_unlock(&screens.lock);
	if (office != NULL)
		return office;

	config = ConfigAcquire();
	conn = DbPoolAcquire(screens.pool, ConfigGetInt(config, "db_wait_ms"));
	ConfigRelease(config);
	found = conn != NULL ? ReadBoard(conn, code, &office_id, &name, &board) : -1;
	DbPoolRelease(screens.pool, conn);
	if (found == 0)
	{
		HttpRespond(response, 404, "text/plain; charset=utf-8", "unknown office\n");
		return NULL;
	}
	if (found < 0)
	{
		HttpRespond(response, 503, "text/plain; charset=utf-8", "database unavailable\n");
		HttpSetHeader(response, "Retry-After", "5");
		return NULL;
	}
	pthread_mutex_lock(&screens.lock);
	office = FindOffice(code);
	if (office == NULL && screens.noffices < MAX_OFFICES)
	{
		office = PdAllocZero(sizeof(Office));
		memcpy(office->code, code, strlen(code) + 1);
		office->office_id = office_id;
		screens.offices[screens.noffices++] = office;
		LogInfo("office %s has a display", code);
	}
	if (office != NULL)
		Publish(office, name, board);
	else
	{
		free(name);
		free(board);
	}
	pthread_mutex_unlock(&screens.lock);
	if (office == NULL)
		HttpRespond(response, 503, "text/plain; charset=utf-8", "too many offices\n");
	return office;
}

/*
 * Refresher reads the boards marked stale, the boards with open pages every
 * poll_ms, and every board every refresh_ms.
 */
static void *
Refresher(void *arg)
{
	int64_t		next_all = 0;
	int64_t		next_poll = 0;

	(void) arg;
	pthread_mutex_lock(&screens.lock);
	while (!screens.stopping)
	{
		Config	   *config = ConfigAcquire();
		int			refresh_ms = ConfigGetInt(config, "refresh_ms");
		int			poll_ms = ConfigGetInt(config, "poll_ms");
		char		codes[64][OFFICE_CODE_MAX + 1];
		uint64_t	marks[64];
		int			n = 0;
		int			i;
		bool		failed = false;

		ConfigRelease(config);
		/* a reload may have shortened the intervals */
		if (next_all > NowMs() + refresh_ms)
			next_all = NowMs() + refresh_ms;
		if (next_poll > NowMs() + poll_ms)
			next_poll = NowMs() + poll_ms;
		if (NowMs() >= next_all)
		{
			for (i = 0; i < screens.noffices; i++)
				screens.offices[i]->stale++;
			next_all = NowMs() + refresh_ms;
		}
		if (NowMs() >= next_poll)
		{
			for (i = 0; i < screens.noffices; i++)
				if (screens.offices[i]->watchers > 0)
					screens.offices[i]->stale++;
			next_poll = NowMs() + poll_ms;
		}
		for (i = 0; i < screens.noffices && n < 64; i++)
			if (screens.offices[i]->stale != screens.offices[i]->read)
			{
				memcpy(codes[n], screens.offices[i]->code, OFFICE_CODE_MAX + 1);
				marks[n] = screens.offices[i]->stale;
				n++;
			}
		if (n == 0)
		{
			struct timespec until;
			int64_t		wait_ms = (next_poll < next_all ? next_poll : next_all) - NowMs();

			if (wait_ms > 0)
			{
				clock_gettime(CLOCK_REALTIME, &until);
				until.tv_sec += wait_ms / 1000;
				until.tv_nsec += (wait_ms % 1000) * 1000000;
				if (until.tv_nsec >= 1000000000)
				{
					until.tv_sec++;
					until.tv_nsec -= 1000000000;
				}
				pthread_cond_timedwait(&screens.wake, &screens.lock, &until);
			}
			continue;
		}
		pthread_mutex_unlock(&screens.lock);
		for (i = 0; i < n && !screens.stopping; i++)
		{
			long long	office_id;
			char	   *name;
			char	   *board;
			int			found = ReadBoard(screens.refresher_conn, codes[i], &office_id, &name, &board);
			Office	   *office;

			pthread_mutex_lock(&screens.lock);
			office = FindOffice(codes[i]);
			if (found >= 0 && office != NULL)
				office->read = marks[i];
			if (found > 0)
			{
				if (office != NULL)
					Publish(office, name, board);
				else
				{
					free(name);
					free(board);
				}
			}
			failed = failed || found < 0;
			pthread_mutex_unlock(&screens.lock);
		}
		/* the database is away: try again in a second */
		if (failed)
			SleepMs(1000, &screens.stopping);
		pthread_mutex_lock(&screens.lock);
	}
	pthread_mutex_unlock(&screens.lock);
	return NULL;
}

/* OnNotify marks an office's board stale, or every board after a reconnection. */
static void
OnNotify(const char *channel, const char *payload, void *arg)
{
	long long	office_id = -1;
	int			i;

	(void) arg;
	if (channel != NULL && payload != NULL)
	{
		char	   *end;

		errno = 0;
		office_id = strtoll(payload, &end, 10);
		if (errno != 0 || end == payload || *end != '\0')
			return;
	}
	pthread_mutex_lock(&screens.lock);
	for (i = 0; i < screens.noffices; i++)
		if (channel == NULL || screens.offices[i]->office_id == office_id)
			screens.offices[i]->stale++;
	pthread_cond_signal(&screens.wake);
	pthread_mutex_unlock(&screens.lock);
}

/* One event stream of a display. */
typedef struct Subscriber
{
	Office	   *office;
	uint64_t	sent_version;
	bool		started;
	StrBuf		out;
	size_t		off;
} Subscriber;

/* StreamRead sends a board when it changes, a comment line when idle. */
static long
StreamRead(void *arg, uint64_t pos, char *buf, size_t max)
{
	Subscriber *sub = arg;
	size_t		n;

	(void) pos;
	if (sub->off >= sub->out.len)
	{
		Config	   *config = ConfigAcquire();
		int64_t		deadline = NowMs() + 1000LL * ConfigGetInt(config, "heartbeat_seconds");

		ConfigRelease(config);
		StrBufReset(&sub->out);
		sub->off = 0;
		pthread_mutex_lock(&screens.lock);
		if (!sub->started)
			StrBufAppendStr(&sub->out, "retry: 2000\n\n");
		else
		{
			while (!screens.stopping && sub->office->version == sub->sent_version && NowMs() < deadline)
			{
				struct timespec until;

				clock_gettime(CLOCK_REALTIME, &until);
				until.tv_sec += 1;
				pthread_cond_timedwait(&screens.changed, &screens.lock, &until);
			}
		}
		if (screens.stopping)
		{
			pthread_mutex_unlock(&screens.lock);
			return -1;
		}
		if ((!sub->started || sub->office->version != sub->sent_version) && sub->office->board != NULL)
		{
			StrBufAppendStr(&sub->out, "event: board\ndata: ");
			StrBufAppendStr(&sub->out, sub->office->board);
			StrBufAppendStr(&sub->out, "\n\n");
			sub->sent_version = sub->office->version;
			MetricInc(m_events);
		}
		else
			StrBufAppendStr(&sub->out, ": idle\n\n");
		sub->started = true;
		pthread_mutex_unlock(&screens.lock);
	}
	n = sub->out.len - sub->off;
	if (n > max)
		n = max;
	memcpy(buf, sub->out.data + sub->off, n);
	sub->off += n;
	return (long) n;
}

/* StreamDone frees a subscriber. */
static void
StreamDone(void *arg)
{
	Subscriber *sub = arg;

	pthread_mutex_lock(&screens.lock);
	screens.subscribers--;
	sub->office->watchers--;
	pthread_mutex_unlock(&screens.lock);
	StrBufFree(&sub->out);
	free(sub);
}

/* Subscribers reports the open event streams, for /metrics. */
static double
Subscribers(void *arg)
{
	int			n;

	(void) arg;
	pthread_mutex_lock(&screens.lock);
	n = screens.subscribers;
	pthread_mutex_unlock(&screens.lock);
	return n;
}

/* DisplayPage draws the page of a display; the script fills it. */
static void
DisplayPage(HttpResponse *response, Office *office)
{
	StrBuf	   *b = &response->body;
	char	   *name;

	pthread_mutex_lock(&screens.lock);
	name = PdStrdup(office->name != NULL ? office->name : office->code);
	pthread_mutex_unlock(&screens.lock);

	HttpRespond(response, 200, "text/html; charset=utf-8", NULL);
	PageHeaders(response, false);
	StrBufAppendStr(b, "<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n"
					"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	StrBufAppendHtml(b, name);
	StrBufAppendStr(b, " · Antrean / Queue</title>\n"
					"<link rel=\"stylesheet\" href=\"/static/display.css\">\n"
					"<script src=\"/static/display.js\" defer></script>\n</head>\n");
	StrBufPrintf(b, "<body data-office=\"%s\" data-state=\"connecting\">\n", office->code);
	StrBufAppendStr(b, "<header>\n<div class=\"office\"><h1>");
	StrBufAppendHtml(b, name);
	StrBufAppendStr(b,
					"</h1><p class=\"sub\">Layanan paspor · <span lang=\"en\">Passport services</span></p></div>\n"
					"<div class=\"clock\"><span id=\"clock\">--:--</span><span id=\"date\"></span></div>\n"
					"</header>\n<main>\n"
					"<section class=\"calling\" aria-live=\"polite\">\n"
					"<h2>Dipanggil <span lang=\"en\">Now calling</span></h2>\n"
					"<div id=\"now\"><p class=\"idle\">Memuat… <span lang=\"en\">Loading…</span></p></div>\n"
					"</section>\n"
					"<section class=\"lanes\">\n<h2>Menunggu <span lang=\"en\">Waiting</span></h2>\n"
					"<div id=\"lanes\"></div>\n</section>\n"
					"<section class=\"recent\">\n<h2>Baru dipanggil <span lang=\"en\">Recently called</span></h2>\n"
					"<div id=\"recent\"></div>\n</section>\n"
					"</main>\n<footer>\n"
					"<span id=\"status\">Menyambung… <span lang=\"en\">Connecting…</span></span>\n"
					"<button id=\"speech\" type=\"button\" aria-pressed=\"false\">Suara: mati "
					"<span lang=\"en\">Sound: off</span></button>\n"
					"</footer>\n"
					"<noscript><p class=\"idle\">Layar ini memerlukan JavaScript. "
					"<span lang=\"en\">This screen needs JavaScript.</span></p></noscript>\n"
					"</body>\n</html>\n");
	free(name);
}

/* Display handles GET /display/{office} and /display/{office}/events. */
static void
Display(HttpRequest *request, HttpResponse *response, void *arg)
{
	const char *rest = request->path + strlen("/display/");
	const char *slash = strchr(rest, '/');
	size_t		len = slash != NULL ? (size_t) (slash - rest) : strlen(rest);
	char		code[OFFICE_CODE_MAX + 1];
	Office	   *office;

	(void) arg;
	if (slash != NULL && strcmp(slash, "/events") != 0 && strcmp(slash, "/") != 0)
	{
		HttpRespond(response, 404, "text/plain; charset=utf-8", "not found\n");
		return;
	}
	if (!OfficeCodeValid(rest, len, code))
	{
		HttpRespond(response, 400, "text/plain; charset=utf-8",
					"an office code is 1 to 16 letters and digits\n");
		return;
	}
	office = EnsureOffice(code, response);
	if (office == NULL)
		return;
	if (slash == NULL || strcmp(slash, "/") == 0)
	{
		DisplayPage(response, office);
		return;
	}
	{
		Subscriber *sub = PdAllocZero(sizeof(Subscriber));

		sub->office = office;
		StrBufInit(&sub->out);
		pthread_mutex_lock(&screens.lock);
		screens.subscribers++;
		office->watchers++;
		pthread_mutex_unlock(&screens.lock);
		HttpRespondStream(response, 200, "text/event-stream; charset=utf-8", StreamRead, StreamDone, sub);
		HttpSetHeader(response, "Cache-Control", "no-store");
		HttpSetHeader(response, "X-Accel-Buffering", "no");
	}
}

/* Dashboard handles GET /dashboard/{office}. */
static void
Dashboard(HttpRequest *request, HttpResponse *response, void *arg)
{
	const char *rest = request->path + strlen("/dashboard/");
	size_t		len = strlen(rest);
	char		code[OFFICE_CODE_MAX + 1];
	Config	   *config;
	DashboardOptions o;

	(void) arg;
	if (len > 0 && rest[len - 1] == '/')
		len--;
	if (memchr(rest, '/', len) != NULL)
	{
		HttpRespond(response, 404, "text/plain; charset=utf-8", "not found\n");
		return;
	}
	if (!OfficeCodeValid(rest, len, code))
	{
		HttpRespond(response, 400, "text/plain; charset=utf-8",
					"an office code is 1 to 16 letters and digits\n");
		return;
	}
	config = ConfigAcquire();
	o = dashboard;
	o.days = ConfigGetInt(config, "dashboard_days");
	o.weeks = ConfigGetInt(config, "dashboard_weeks");
	o.feedback_days = ConfigGetInt(config, "feedback_days");
	ConfigRelease(config);
	DashboardHandle(request, response, code, &o);
}

/* Asset serves a prebuilt asset. */
static void
Asset(HttpRequest *request, HttpResponse *response, void *arg)
{
	(void) request;
	HttpRespondStatic(response, arg);
}

/* NotFound answers every other path. */
static void
NotFound(HttpRequest *request, HttpResponse *response, void *arg)
{
	(void) request;
	(void) arg;
	HttpRespond(response, 404, "text/plain; charset=utf-8", "not found\n");
}

/* ListenerUp reports the LISTEN connection's state, for /metrics. */
static double
ListenerUp(void *arg)
{
	return DbListenerConnected(arg) ? 1 : 0;
}

/* Usage prints the options. */
static void
Usage(FILE *out)
{
	fprintf(out,
			"%s: the waiting-room displays and office dashboards of passport\n\n"
			"Usage: %s [-c FILE] [--check]\n"
			"  -c, --config FILE   configuration file (or $%sCONFIG)\n"
			"      --check         check the configuration, then exit\n"
			"  -V, --version       print the version and exit\n\n"
			"Options (file: name = value; environment: %sNAME overrides the file):\n",
			PROGNAME, PROGNAME, ENV_PREFIX, ENV_PREFIX);
	ConfigPrintOptions(out, options);
}

/* StaticAsset builds the response of an asset once. */
static HttpStatic *
StaticAsset(const char *type, const char *body)
{
	HttpStatic *s = HttpStaticCreate(200, type, body, "Cache-Control", "no-cache");

	HttpStaticAddHeader(s, "Referrer-Policy", "no-referrer");
	return s;
}

/* main runs the daemon until SIGTERM or SIGINT. */
int
main(int argc, char **argv)
{
	bool		check_only;
	char		err[512];
	Config	   *config;
	HttpServerOptions http;
	HttpServer *server;
	DbListener *listener;
	const char *channels[1] = {NOTIFY_CHANNEL};
	LogLevel	level;
	int			c;
	int			drain_ms;
	int			i;

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
	if (!LogParseLevel(ConfigGetString(config, "log_level"), &level))
	{
		LogError("log_level must be debug, info, warning or error");
		return 2;
	}
	if (check_only)
	{
		ConfigFree(config);
		printf("configuration ok\n");
		return 0;
	}
	ConfigSetCurrent(config);
	ConfigApplyLogLevel();

	config = ConfigAcquire();
	m_refreshes = MetricsCounter("passport_screens_board_reads_total", NULL,
								 "Reads of display_board (first views, notifications, periodic).");
	m_refresh_failures = MetricsCounter("passport_screens_board_read_failures_total", NULL,
										"Reads of display_board that failed (database away).");
	m_events = MetricsCounter("passport_screens_events_sent_total", NULL,
							  "Boards sent on display event streams.");
	MetricsGaugeFunc("passport_screens_display_streams", NULL, "Display event streams open now.",
					 Subscribers, NULL);
	screens.pool = DbPoolCreate(ConfigGetString(config, "conninfo"), ConfigGetInt(config, "db_pool_size"),
								statements, 1, PROGNAME);
	screens.refresher_conn = DbConnCreate(ConfigGetString(config, "conninfo"), statements, 1,
										  PROGNAME " refresher");
	dashboard_conninfo = PdStrdup(ConfigGetString(config, "dashboard_conninfo") != NULL
								  ? ConfigGetString(config, "dashboard_conninfo")
								  : ConfigGetString(config, "conninfo"));
	dashboard.conninfo = dashboard_conninfo;
	dashboard.require_password = ConfigGetBool(config, "dashboard_require_password");
	dashboard.pool = screens.pool;
	pthread_create(&screens.refresher, NULL, Refresher, NULL);
	listener = DbListenerStart(ConfigGetString(config, "conninfo"), channels, 1, OnNotify, NULL,
							   PROGNAME " listener");
	MetricsGaugeFunc("passport_screens_listener_up", NULL,
					 "1 while the LISTEN connection for passport_queue is up.", ListenerUp, listener);

	memset(&http, 0, sizeof(http));
	http.address = ConfigGetString(config, "listen_address");
	http.port = ConfigGetInt(config, "listen_port");
	http.thread_per_connection = true;
	http.connection_timeout_s = 0;
	http.max_connections = ConfigGetInt(config, "max_connections");
	server = HttpServerCreate(&http);
	HttpServerRoute(server, "GET", "/display/*", Display, NULL, 0);
	HttpServerRoute(server, "GET", "/dashboard/*", Dashboard, NULL, 0);
	HttpServerRoute(server, "GET", "/static/display.js", Asset,
					StaticAsset("text/javascript; charset=utf-8", asset_display_js), 0);
	HttpServerRoute(server, "GET", "/static/display.css", Asset,
					StaticAsset("text/css; charset=utf-8", asset_display_css), 0);
	HttpServerRoute(server, "GET", "/static/dashboard.css", Asset,
					StaticAsset("text/css; charset=utf-8", asset_dashboard_css), 0);
	HttpServerRoute(server, "GET", "/healthz", DbPoolHealthzHandler, screens.pool, 0);
	HttpServerRoute(server, "GET", "/metrics", HttpMetricsHandler, NULL, 0);
	HttpServerRoute(server, "GET", "/*", NotFound, NULL, 0);
	if (!HttpServerStart(server, err, sizeof(err)))
	{
		LogError("%s", err);
		ConfigRelease(config);
		return 1;
	}
	LogInfo("listening on %s port %d", http.address, HttpServerPort(server));
	ConfigRelease(config);

	for (;;)
	{
		DaemonSignal sig = DaemonWaitSignal(1000);

		if (sig == DAEMON_SIGNAL_RELOAD)
		{
			if (ConfigReload(options, config_path, ENV_PREFIX))
			{
				ConfigApplyLogLevel();
				/* the refresher takes the new intervals */
				pthread_mutex_lock(&screens.lock);
				pthread_cond_signal(&screens.wake);
				pthread_mutex_unlock(&screens.lock);
			}
		}
		else if (sig == DAEMON_SIGNAL_TERMINATE)
			break;
	}

	LogInfo("shutting down: closing the event streams");
	config = ConfigAcquire();
	drain_ms = ConfigGetInt(config, "drain_timeout_ms");
	ConfigRelease(config);
	pthread_mutex_lock(&screens.lock);
	screens.stopping = true;
	pthread_cond_broadcast(&screens.changed);
	pthread_cond_broadcast(&screens.wake);
	pthread_mutex_unlock(&screens.lock);
	HttpServerQuiesce(server);
	if (!HttpServerDrain(server, drain_ms))
		LogWarning("requests still running after %d ms; closing them", drain_ms);
	HttpServerStop(server);
	pthread_join(screens.refresher, NULL);
	DbListenerStop(listener);
	DbConnDestroy(screens.refresher_conn);
	DbPoolDestroy(screens.pool);
	for (i = 0; i < screens.noffices; i++)
	{
		free(screens.offices[i]->name);
		free(screens.offices[i]->board);
		free(screens.offices[i]);
	}
	free(dashboard_conninfo);
	ConfigSetCurrent(NULL);
	LogInfo("stopped");
	return 0;
}
