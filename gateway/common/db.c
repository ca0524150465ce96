/*-------------------------------------------------------------------------
 *
 * db.c
 *	  libpq for passport's daemons: connections that reconnect by
 *	  themselves and prepare their statements on first use, a pool for
 *	  request handlers (NULL when the database is away, so that the caller
 *	  answers 503), and a LISTEN thread that reconnects with backoff.
 *
 * A connection that fails to connect is not retried for a second, so that
 * while the server is down each request learns it at once instead of
 * waiting for a connection timeout.  Statement text and parameter values
 * are never logged.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

#define RECONNECT_DELAY_MS 1000
#define MAX_STATEMENTS 32

struct DbConn
{
	char	   *conninfo;
	char	   *application_name;
	const DbStatement *statements;
	int			nstatements;
	PGconn	   *conn;
	bool		prepared[MAX_STATEMENTS];
	int64_t		next_attempt_ms;	/* no reconnection before this */
	bool		in_use;
};

struct DbPool
{
	pthread_mutex_t lock;
	pthread_cond_t freed;
	DbConn	  **conns;
	int			size;
	bool		up;				/* last known state */
};

struct DbListener
{
	char	   *conninfo;
	char	   *application_name;
	char	  **channels;
	int			nchannels;
	DbNotifyCallback callback;
	void	   *arg;
	pthread_t	thread;
	int			wake[2];		/* a pipe that interrupts poll() on stop */
	volatile bool stop;
	volatile bool connected;
};

static Metric *metric_db_errors;
static Metric *metric_db_reconnects;

/* EnsureMetrics registers the database metrics once. */
static void
EnsureMetrics(void)
{
	metric_db_errors = MetricsCounter("passport_daemon_database_errors_total", NULL,
									  "Statements that failed because the database could not be reached.");
	metric_db_reconnects = MetricsCounter("passport_daemon_database_connects_total", NULL,
										  "Connections opened to the database (first ones and reconnections).");
}

/* DbSqlstateTransient tells whether a SQLSTATE means "try again later". */
bool
DbSqlstateTransient(const char *sqlstate)
{
	if (sqlstate == NULL || strlen(sqlstate) != 5)
		return false;
	return strncmp(sqlstate, "08", 2) == 0 ||	/* connection exception */
		strncmp(sqlstate, "53", 2) == 0 ||	/* insufficient resources */
		strncmp(sqlstate, "57P", 3) == 0 || /* shutdown, cannot connect now */
		strcmp(sqlstate, "40001") == 0 ||	/* serialization failure */
		strcmp(sqlstate, "40P01") == 0 ||	/* deadlock */
		strcmp(sqlstate, "55P03") == 0 ||	/* lock not available */
		strcmp(sqlstate, "57014") == 0; /* statement timeout, cancel */
}

/* Connect opens a libpq connection with the daemon's defaults. */
static PGconn *
Connect(const char *conninfo, const char *application_name)
{
	const char *keys[] = {"connect_timeout", "dbname", "fallback_application_name", NULL};
	const char *values[] = {"5", conninfo, application_name, NULL};

	MetricInc(metric_db_reconnects);
	return PQconnectdbParams(keys, values, 1);
}

/* DbConnCreate makes a connection object; it connects on first use. */
DbConn *
DbConnCreate(const char *conninfo, const DbStatement *statements, int nstatements,
			 const char *application_name)
{
	DbConn	   *c = PdAllocZero(sizeof(DbConn));

	EnsureMetrics();
	if (nstatements > MAX_STATEMENTS)
	{
		LogError("too many prepared statements (%d)", nstatements);
		abort();
	}
	c->conninfo = PdStrdup(conninfo != NULL ? conninfo : "");
	c->application_name = PdStrdup(application_name);
	c->statements = statements;
	c->nstatements = nstatements;
	return c;
}

/* Disconnect closes the connection and forgets what it prepared. */
static void
Disconnect(DbConn *c)
{
	if (c->conn != NULL)
		PQfinish(c->conn);
	c->conn = NULL;
	memset(c->prepared, 0, sizeof(c->prepared));
}

/* DbConnDestroy closes and frees a connection. */
void
DbConnDestroy(DbConn *c)
{
	if (c == NULL)
		return;
	Disconnect(c);
	free(c->conninfo);
	free(c->application_name);
	free(c);
}

/* DbConnEnsure connects if needed (at most once a second while failing). */
bool
DbConnEnsure(DbConn *c)
{
	if (c->conn != NULL && PQstatus(c->conn) == CONNECTION_OK)
		return true;
	Disconnect(c);
	if (NowMs() < c->next_attempt_ms)
		return false;
	c->conn = Connect(c->conninfo, c->application_name);
	if (PQstatus(c->conn) != CONNECTION_OK)
	{
		char		msg[200];
		size_t		n;

		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c->conn));
		n = strcspn(msg, "\n");
		msg[n] = '\0';
		LogWarning("could not connect to the database: %s", msg);
		Disconnect(c);
		c->next_attempt_ms = NowMs() + RECONNECT_DELAY_MS;
		return false;
	}
	c->next_attempt_ms = 0;
	return true;
}

/* DbConnRaw returns the libpq connection (NULL when not connected). */
PGconn *
DbConnRaw(DbConn *c)
{
	return c->conn;
}

/* FillError describes a failed result or a lost connection. */
static void
FillError(DbConn *c, PGresult *res, DbError *error)
{
	const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	memset(error, 0, sizeof(DbError));
	snprintf(error->sqlstate, sizeof(error->sqlstate), "%s", state != NULL ? state : "08006");
	snprintf(error->message, sizeof(error->message), "%s",
			 msg != NULL ? msg : "connection to the database lost");
	if (c->conn == NULL || PQstatus(c->conn) != CONNECTION_OK || DbSqlstateTransient(error->sqlstate))
		error->kind = DB_UNAVAILABLE;
	else
		error->kind = DB_SQL_ERROR;
}

/* DbConnExec runs a prepared statement, preparing it first if needed. */
PGresult *
DbConnExec(DbConn *c, int stmt, const char *const *values, DbError *error)
{
	const DbStatement *s = &c->statements[stmt];
	int			tries = s->retry_once ? 2 : 1;

	memset(error, 0, sizeof(DbError));
	while (tries-- > 0)
	{
		PGresult   *res;
		ExecStatusType st;
		bool		fresh;

		fresh = !(c->conn != NULL && PQstatus(c->conn) == CONNECTION_OK);
		if (!DbConnEnsure(c))
		{
			error->kind = DB_UNAVAILABLE;
			snprintf(error->sqlstate, sizeof(error->sqlstate), "08001");
			snprintf(error->message, sizeof(error->message), "the database cannot be reached");
			MetricInc(metric_db_errors);
			return NULL;
		}
		if (!c->prepared[stmt])
		{
			res = PQprepare(c->conn, s->name, s->sql, s->nparams, NULL);
			if (PQresultStatus(res) != PGRES_COMMAND_OK)
			{
				FillError(c, res, error);
				PQclear(res);
				if (error->kind == DB_UNAVAILABLE)
				{
					MetricInc(metric_db_errors);
					Disconnect(c);
					if (!fresh && tries > 0)
						continue;
					return NULL;
				}
				LogError("could not prepare statement %s: %s (SQLSTATE %s)", s->name,
						 error->message, error->sqlstate);
				return NULL;
			}
			PQclear(res);
			c->prepared[stmt] = true;
		}
		res = PQexecPrepared(c->conn, s->name, s->nparams, values, NULL, NULL, 0);
		st = PQresultStatus(res);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
			return res;
		FillError(c, res, error);
		PQclear(res);
		if (error->kind == DB_UNAVAILABLE)
		{
			MetricInc(metric_db_errors);
			if (PQstatus(c->conn) != CONNECTION_OK)
			{
				Disconnect(c);
				/* a connection the server closed while idle: once more */
				if (!fresh && tries > 0)
					continue;
			}
		}
		return NULL;
	}
	return NULL;
}

/* DbPoolCreate makes size connections (opened on first use). */
DbPool *
DbPoolCreate(const char *conninfo, int size, const DbStatement *statements, int nstatements,
			 const char *application_name)
{
	DbPool	   *pool = PdAllocZero(sizeof(DbPool));
	int			i;

	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->freed, NULL);
	pool->size = size;
	pool->conns = PdAllocZero(sizeof(DbConn *) * size);
	for (i = 0; i < size; i++)
		pool->conns[i] = DbConnCreate(conninfo, statements, nstatements, application_name);
	pool->up = true;
	return pool;
}

/* DbPoolDestroy closes every connection; none may be in use. */
void
DbPoolDestroy(DbPool *pool)
{
	int			i;

	if (pool == NULL)
		return;
	for (i = 0; i < pool->size; i++)
		DbConnDestroy(pool->conns[i]);
	free(pool->conns);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->freed);
	free(pool);
}

/* DbPoolAcquire hands out a connected connection, or NULL. */
DbConn *
DbPoolAcquire(DbPool *pool, int timeout_ms)
{
	int64_t		deadline = NowMs() + timeout_ms;
	DbConn	   *c = NULL;
	int			i;

	pthread_mutex_lock(&pool->lock);
	for (;;)
	{
		/* prefer a connection that is already open */
		for (i = 0; i < pool->size && c == NULL; i++)
			if (!pool->conns[i]->in_use && pool->conns[i]->conn != NULL)
				c = pool->conns[i];
		for (i = 0; i < pool->size && c == NULL; i++)
			if (!pool->conns[i]->in_use)
				c = pool->conns[i];
		if (c != NULL)
			break;
		{
			struct timespec ts;
			int64_t		left = deadline - NowMs();

			if (left <= 0)
				break;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += left / 1000;
			ts.tv_nsec += (left % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L)
			{
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&pool->freed, &pool->lock, &ts);
		}
	}
	if (c != NULL)
		c->in_use = true;
	pthread_mutex_unlock(&pool->lock);
	if (c == NULL)
		return NULL;
	if (!DbConnEnsure(c))
	{
		__atomic_store_n(&pool->up, false, __ATOMIC_RELAXED);
		DbPoolRelease(pool, c);
		return NULL;
	}
	return c;
}

/* DbPoolRelease returns a connection and records whether it still works. */
void
DbPoolRelease(DbPool *pool, DbConn *c)
{
	if (c == NULL)
		return;
	__atomic_store_n(&pool->up, c->conn != NULL && PQstatus(c->conn) == CONNECTION_OK,
					 __ATOMIC_RELAXED);
	pthread_mutex_lock(&pool->lock);
	c->in_use = false;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->lock);
}

/* DbPoolCheck runs SELECT 1 on a pooled connection. */
bool
DbPoolCheck(DbPool *pool, int timeout_ms)
{
	DbConn	   *c = DbPoolAcquire(pool, timeout_ms);
	PGresult   *res;
	bool		ok;

	if (c == NULL)
		return false;
	res = PQexec(c->conn, "SELECT 1");
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	if (!ok && PQstatus(c->conn) != CONNECTION_OK)
		Disconnect(c);
	DbPoolRelease(pool, c);
	return ok;
}

/* DbPoolHealthzHandler answers GET /healthz: whether the pool (arg) reaches the database. */
void
DbPoolHealthzHandler(HttpRequest *request, HttpResponse *response, void *arg)
{
	(void) request;
	if (DbPoolCheck((DbPool *) arg, 1000))
		HttpRespond(response, 200, "text/plain; charset=utf-8", "ok\n");
	else
		HttpRespond(response, 503, "text/plain; charset=utf-8", "database unavailable\n");
}

/* DbPoolUp tells whether the last use of a pooled connection worked. */
bool
DbPoolUp(DbPool *pool)
{
	return __atomic_load_n(&pool->up, __ATOMIC_RELAXED);
}

/* ListenAll subscribes to every channel; false when the connection fails. */
static bool
ListenAll(DbListener *l, PGconn *conn)
{
	int			i;

	for (i = 0; i < l->nchannels; i++)
	{
		char	   *ident = PQescapeIdentifier(conn, l->channels[i], strlen(l->channels[i]));
		char		sql[300];
		PGresult   *res;
		bool		ok;

		if (ident == NULL)
			return false;
		snprintf(sql, sizeof(sql), "LISTEN %s", ident);
		PQfreemem(ident);
		res = PQexec(conn, sql);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		if (!ok)
			return false;
	}
	return true;
}

/* ListenerMain keeps a LISTEN connection open and dispatches notifications. */
static void *
ListenerMain(void *arg)
{
	DbListener *l = arg;
	int			backoff = 250;

	while (!l->stop)
	{
		PGconn	   *conn = Connect(l->conninfo, l->application_name);

		if (PQstatus(conn) != CONNECTION_OK || !ListenAll(l, conn))
		{
			PQfinish(conn);
			SleepMs(backoff, &l->stop);
			backoff = backoff * 2 > 5000 ? 5000 : backoff * 2;
			continue;
		}
		backoff = 250;
		l->connected = true;
		LogInfo("listening for notifications");
		l->callback(NULL, NULL, l->arg);
		while (!l->stop)
		{
			struct pollfd fds[2];
			PGnotify   *n;

			fds[0].fd = PQsocket(conn);
			fds[0].events = POLLIN;
			fds[1].fd = l->wake[0];
			fds[1].events = POLLIN;
			if (poll(fds, 2, 10000) < 0 && errno != EINTR)
				break;
			if (l->stop)
				break;
			if ((fds[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0 && PQconsumeInput(conn) == 0)
				break;
			while ((n = PQnotifies(conn)) != NULL)
			{
				l->callback(n->relname, n->extra, l->arg);
				PQfreemem(n);
			}
			if (PQstatus(conn) != CONNECTION_OK)
				break;
		}
		l->connected = false;
		PQfinish(conn);
		if (!l->stop)
			LogWarning("lost the notification connection; reconnecting");
	}
	return NULL;
}

/* DbListenerStart starts the LISTEN thread. */
DbListener *
DbListenerStart(const char *conninfo, const char *const *channels, int nchannels,
				DbNotifyCallback callback, void *arg, const char *application_name)
{
	DbListener *l = PdAllocZero(sizeof(DbListener));
	int			i;

	EnsureMetrics();
	l->conninfo = PdStrdup(conninfo != NULL ? conninfo : "");
	l->application_name = PdStrdup(application_name);
	l->nchannels = nchannels;
	l->channels = PdAlloc(sizeof(char *) * (nchannels + 1));
	for (i = 0; i < nchannels; i++)
		l->channels[i] = PdStrdup(channels[i]);
	l->callback = callback;
	l->arg = arg;
	if (pipe(l->wake) != 0)
	{
		LogError("could not create a pipe: %s", strerror(errno));
		abort();
	}
	if (pthread_create(&l->thread, NULL, ListenerMain, l) != 0)
	{
		LogError("could not start the listener thread");
		abort();
	}
	return l;
}

/* DbListenerStop stops the thread and frees the listener. */
void
DbListenerStop(DbListener *l)
{
	int			i;

	if (l == NULL)
		return;
	l->stop = true;
	if (write(l->wake[1], "x", 1) < 0)
	{
		/* the thread still sees stop within its poll timeout */
	}
	pthread_join(l->thread, NULL);
	close(l->wake[0]);
	close(l->wake[1]);
	for (i = 0; i < l->nchannels; i++)
		free(l->channels[i]);
	free(l->channels);
	free(l->conninfo);
	free(l->application_name);
	free(l);
}

/* DbListenerConnected tells whether the LISTEN connection is up. */
bool
DbListenerConnected(DbListener *l)
{
	return l->connected;
}
