/*-------------------------------------------------------------------------
 *
 * http.c
 *	  The HTTP server of passport's daemons, on libmicrohttpd the way its
 *	  examples do it: one handler per route, the body read incrementally
 *	  with a size limit, the response built once.
 *
 * A request's life in AccessHandler: the first call finds the route (404,
 * 405), refuses a declared body over the limit (413) and, while the server
 * drains, answers 503; the following calls append the body, noting when it
 * passes the limit; the last call (no more data) runs the handler and
 * queues its response.  RequestCompleted frees the request and counts it.
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/crypto.h>

#include "daemon.h"

#define MAX_ROUTES 32

/* status codes whose counters each route keeps at hand */
static const int counted_codes[] = {200, 400, 401, 403, 404, 405, 413, 500, 503};
#define NUM_COUNTED_CODES 9

typedef struct Route
{
	char	   *method;
	char	   *path;
	bool		prefix;
	HttpHandler handler;
	void	   *arg;
	size_t		max_body;
	Metric	   *counts[NUM_COUNTED_CODES];
} Route;

struct HttpServer
{
	HttpServerOptions options;
	char	   *address;
	struct MHD_Daemon *daemon;
	Route		routes[MAX_ROUTES];
	int			nroutes;
	int			port;
	volatile bool draining;
	int			active;			/* requests being handled (atomic) */
	Metric	   *other_counts[NUM_COUNTED_CODES];	/* unknown paths */
};

typedef struct RequestState
{
	const Route *route;
	Route	   *counted;		/* the route this request is counted under */
	const char *route_name;
	StrBuf		body;
	bool		too_large;
	bool		answered;		/* a response was queued early */
	int			status;
} RequestState;

/* PathMatches tells whether a route's path covers a request path. */
static bool
PathMatches(const Route *r, const char *path)
{
	if (r->prefix)
		return strncmp(path, r->path, strlen(r->path)) == 0;
	return strcmp(path, r->path) == 0;
}

/* CountRequest adds one to the request counter of a route and status. */
static void
CountRequest(HttpServer *server, Route *route, const char *route_name, int status)
{
	char		labels[200];
	Metric	  **slot = NULL;
	int			i;

	for (i = 0; i < NUM_COUNTED_CODES; i++)
		if (counted_codes[i] == status)
			slot = route != NULL ? &route->counts[i] : &server->other_counts[i];
	if (slot != NULL && __atomic_load_n(slot, __ATOMIC_ACQUIRE) != NULL)
	{
		MetricInc(*slot);
		return;
	}
	snprintf(labels, sizeof(labels), "route=\"%s\",code=\"%d\"", route_name, status);
	if (slot != NULL)
		MetricInc(MetricsCounterCached(slot, "passport_daemon_http_requests_total", labels,
									   "HTTP requests answered, by route and status code."));
	else
		MetricInc(MetricsCounter("passport_daemon_http_requests_total", labels,
								 "HTTP requests answered, by route and status code."));
}

/* QueueSimple queues a small plain-text response. */
static enum MHD_Result
QueueSimple(struct MHD_Connection *connection, RequestState *state, int status,
			const char *text, const char *allow, bool close)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *) text, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
	if (close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(connection, status, resp);
	MHD_destroy_response(resp);
	state->answered = true;
	state->status = status;
	return ret;
}

/* StreamReader adapts an HttpStreamRead to libmicrohttpd. */
static ssize_t
StreamReader(void *cls, uint64_t pos, char *buf, size_t max)
{
	HttpResponse *r = cls;
	long		n = r->stream_read(r->stream_arg, pos, buf, max);

	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n;
}

/* StreamFree releases a streamed response's state. */
static void
StreamFree(void *cls)
{
	HttpResponse *r = cls;

	if (r->stream_done != NULL)
		r->stream_done(r->stream_arg);
	free(r);
}

struct HttpStatic
{
	int			status;
	struct MHD_Response *response;
};

/* HttpStaticCreate builds a response once, for HttpRespondStatic. */
HttpStatic *
HttpStaticCreate(int status, const char *content_type, const char *body,
				 const char *header_name, const char *header_value)
{
	HttpStatic *s = PdAllocZero(sizeof(HttpStatic));

	s->status = status;
	s->response = MHD_create_response_from_buffer(strlen(body), (void *) body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(s->response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(s->response, "X-Content-Type-Options", "nosniff");
	if (header_name != NULL)
		MHD_add_response_header(s->response, header_name, header_value);
	return s;
}

/* HttpStaticAddHeader adds a header to a response built once. */
void
HttpStaticAddHeader(HttpStatic *prebuilt, const char *name, const char *value)
{
	MHD_add_response_header(prebuilt->response, name, value);
}

/* HttpRespondStatic answers with a response built once. */
void
HttpRespondStatic(HttpResponse *response, const HttpStatic *prebuilt)
{
	response->status = prebuilt->status;
	response->prebuilt = prebuilt;
}

/* QueueResponse turns a handler's response into libmicrohttpd's. */
static enum MHD_Result
QueueResponse(struct MHD_Connection *connection, RequestState *state, HttpResponse *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int			i;

	state->status = r->status;
	if (r->prebuilt != NULL)
		return MHD_queue_response(connection, r->prebuilt->status, r->prebuilt->response);
	if (r->stream_read != NULL)
	{
		HttpResponse *copy = PdAlloc(sizeof(HttpResponse));

		memcpy(copy, r, sizeof(HttpResponse));
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, StreamReader, copy,
												 StreamFree);
	}
	else
		resp = MHD_create_response_from_buffer(r->body.len, r->body.data, MHD_RESPMEM_MUST_COPY);
	if (r->content_type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->header_names[i], r->header_values[i]);
	ret = MHD_queue_response(connection, r->status, resp);
	MHD_destroy_response(resp);
	state->status = r->status;
	return ret;
}

/* AccessHandler is libmicrohttpd's callback for every piece of a request. */
static enum MHD_Result
AccessHandler(void *cls, struct MHD_Connection *connection, const char *url,
			  const char *method, const char *version, const char *upload_data,
			  size_t *upload_data_size, void **con_cls)
{
	HttpServer *server = cls;
	RequestState *state = *con_cls;

	(void) version;
	if (state == NULL)
	{
		const char *length;
		bool		path_known = false;
		char		allow[128] = "";
		int			i;

		state = PdAllocZero(sizeof(RequestState));
		StrBufInit(&state->body);
		state->route_name = "other";
		*con_cls = state;
		__atomic_fetch_add(&server->active, 1, __ATOMIC_SEQ_CST);

		for (i = 0; i < server->nroutes; i++)
		{
			const Route *r = &server->routes[i];

			if (!PathMatches(r, url))
				continue;
			if (!path_known)
			{
				state->counted = &server->routes[i];
				state->route_name = r->path;
			}
			path_known = true;
			if (strlen(allow) + strlen(r->method) + 3 < sizeof(allow))
			{
				if (allow[0] != '\0')
					strcat(allow, ", ");
				strcat(allow, r->method);
			}
			if (strcmp(r->method, method) == 0)
			{
				state->route = r;
				state->counted = &server->routes[i];
				state->route_name = r->path;
				break;
			}
		}
		if (server->draining)
			return QueueSimple(connection, state, 503, "shutting down\n", NULL, true);
		if (state->route == NULL)
		{
			if (path_known)
				return QueueSimple(connection, state, 405, "method not allowed\n", allow, false);
			return QueueSimple(connection, state, 404, "not found\n", NULL, false);
		}
		length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
											 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (length != NULL && strtoull(length, NULL, 10) > state->route->max_body)
			return QueueSimple(connection, state, 413, "request body too large\n", NULL, true);
		return MHD_YES;
	}

	if (*upload_data_size > 0)
	{
		if (!state->answered && !state->too_large)
		{
			if (state->body.len + *upload_data_size > state->route->max_body)
			{
				state->too_large = true;
				StrBufFree(&state->body);
				StrBufInit(&state->body);
			}
			else
				StrBufAppend(&state->body, upload_data, *upload_data_size);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (state->answered)
		return MHD_YES;
	if (state->too_large)
		return QueueSimple(connection, state, 413, "request body too large\n", NULL, true);

	{
		HttpRequest request;
		HttpResponse response;
		enum MHD_Result ret;
		int			i;

		memset(&request, 0, sizeof(request));
		request.method = method;
		request.path = url;
		request.body = state->body.data;
		request.body_len = state->body.len;
		request.connection = connection;
		memset(&response, 0, sizeof(response));
		response.status = 500;
		response.content_type = "text/plain; charset=utf-8";
		StrBufInit(&response.body);
		state->route->handler(&request, &response, state->route->arg);
		ret = QueueResponse(connection, state, &response);
		state->answered = true;
		StrBufFree(&response.body);
		for (i = 0; i < response.nheaders; i++)
			free(response.header_values[i]);
		return ret;
	}
}

/* RequestCompleted frees a request's state and counts it. */
static void
RequestCompleted(void *cls, struct MHD_Connection *connection, void **con_cls,
				 enum MHD_RequestTerminationCode toe)
{
	HttpServer *server = cls;
	RequestState *state = *con_cls;

	(void) connection;
	(void) toe;
	if (state == NULL)
		return;
	CountRequest(server, state->counted, state->route_name, state->status != 0 ? state->status : 499);
	StrBufFree(&state->body);
	free(state);
	*con_cls = NULL;
	__atomic_fetch_sub(&server->active, 1, __ATOMIC_SEQ_CST);
}

/* MhdLogger passes libmicrohttpd's own messages to the daemon's log. */
static void
MhdLogger(void *cls, const char *fmt, va_list ap)
{
	char		msg[512];
	size_t		n;

	(void) cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	LogDebug("http: %s", msg);
}

/* HttpServerCreate makes a server; routes are added before starting. */
HttpServer *
HttpServerCreate(const HttpServerOptions *options)
{
	HttpServer *server = PdAllocZero(sizeof(HttpServer));

	server->options = *options;
	server->address = PdStrdup(options->address != NULL ? options->address : "127.0.0.1");
	server->options.address = server->address;
	if (server->options.threads < 1)
		server->options.threads = 1;
	if (server->options.connection_timeout_s < 1)
		server->options.connection_timeout_s = 30;
	if (server->options.max_connections < 1)
		server->options.max_connections = 1000;
	return server;
}

/* HttpServerRoute adds a route. */
void
HttpServerRoute(HttpServer *server, const char *method, const char *path, HttpHandler handler,
				void *arg, size_t max_body)
{
	Route	   *r;
	size_t		len = strlen(path);

	if (server->nroutes == MAX_ROUTES)
	{
		LogError("too many routes");
		abort();
	}
	r = &server->routes[server->nroutes++];
	r->method = PdStrdup(method);
	r->prefix = len > 0 && path[len - 1] == '*';
	r->path = PdStrndup(path, r->prefix ? len - 1 : len);
	r->handler = handler;
	r->arg = arg;
	r->max_body = max_body;
}

/* HttpServerStart binds and starts serving. */
bool
HttpServerStart(HttpServer *server, char *errbuf, size_t errlen)
{
	struct sockaddr_in addr4;
	struct sockaddr_in6 addr6;
	struct sockaddr *addr;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;

	memset(&addr4, 0, sizeof(addr4));
	memset(&addr6, 0, sizeof(addr6));
	if (inet_pton(AF_INET, server->address, &addr4.sin_addr) == 1)
	{
		addr4.sin_family = AF_INET;
		addr4.sin_port = htons(server->options.port);
		addr = (struct sockaddr *) &addr4;
	}
	else if (inet_pton(AF_INET6, server->address, &addr6.sin6_addr) == 1)
	{
		addr6.sin6_family = AF_INET6;
		addr6.sin6_port = htons(server->options.port);
		addr = (struct sockaddr *) &addr6;
		flags |= MHD_USE_IPv6;
	}
	else
	{
		snprintf(errbuf, errlen, "listen address \"%s\" is not a numeric IP address", server->address);
		return false;
	}

	if (server->options.thread_per_connection)
		server->daemon = MHD_start_daemon(flags | MHD_USE_THREAD_PER_CONNECTION,
										  server->options.port, NULL, NULL,
										  AccessHandler, server,
										  MHD_OPTION_SOCK_ADDR, addr,
										  MHD_OPTION_CONNECTION_TIMEOUT,
										  (unsigned int) server->options.connection_timeout_s,
										  MHD_OPTION_CONNECTION_LIMIT,
										  (unsigned int) server->options.max_connections,
										  MHD_OPTION_NOTIFY_COMPLETED, RequestCompleted, server,
										  MHD_OPTION_EXTERNAL_LOGGER, MhdLogger, NULL,
										  MHD_OPTION_END);
	else
		server->daemon = MHD_start_daemon(flags | MHD_USE_EPOLL,
										  server->options.port, NULL, NULL,
										  AccessHandler, server,
										  MHD_OPTION_SOCK_ADDR, addr,
										  MHD_OPTION_THREAD_POOL_SIZE,
										  (unsigned int) server->options.threads,
										  MHD_OPTION_CONNECTION_TIMEOUT,
										  (unsigned int) server->options.connection_timeout_s,
										  MHD_OPTION_CONNECTION_LIMIT,
										  (unsigned int) server->options.max_connections,
										  MHD_OPTION_NOTIFY_COMPLETED, RequestCompleted, server,
										  MHD_OPTION_EXTERNAL_LOGGER, MhdLogger, NULL,
										  MHD_OPTION_END);
	if (server->daemon == NULL)
	{
		snprintf(errbuf, errlen, "could not listen on %s port %d", server->address,
				 server->options.port);
		return false;
	}
	info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
	server->port = info != NULL ? info->port : server->options.port;
	return true;
}

/* HttpServerPort returns the port the server listens on. */
int
HttpServerPort(HttpServer *server)
{
	return server->port;
}

/* HttpServerQuiesce stops accepting connections; new requests get 503. */
void
HttpServerQuiesce(HttpServer *server)
{
	MHD_socket	fd;

	server->draining = true;
	if (server->daemon == NULL)
		return;
	fd = MHD_quiesce_daemon(server->daemon);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
}

/* HttpServerDrain waits until no request is being handled. */
bool
HttpServerDrain(HttpServer *server, int timeout_ms)
{
	int64_t		deadline = NowMs() + timeout_ms;

	while (__atomic_load_n(&server->active, __ATOMIC_SEQ_CST) > 0)
	{
		if (NowMs() >= deadline)
			return false;
		SleepMs(20, NULL);
	}
	return true;
}

/* HttpServerStop closes every connection and frees the server. */
void
HttpServerStop(HttpServer *server)
{
	int			i;

	if (server == NULL)
		return;
	if (server->daemon != NULL)
		MHD_stop_daemon(server->daemon);
	for (i = 0; i < server->nroutes; i++)
	{
		free(server->routes[i].method);
		free(server->routes[i].path);
	}
	free(server->address);
	free(server);
}

/* HttpRequestHeader returns a request header (case-insensitive name). */
const char *
HttpRequestHeader(const HttpRequest *request, const char *name)
{
	return MHD_lookup_connection_value(request->connection, MHD_HEADER_KIND, name);
}

/* HttpRequestQuery returns a query-string argument, decoded. */
const char *
HttpRequestQuery(const HttpRequest *request, const char *key)
{
	return MHD_lookup_connection_value(request->connection, MHD_GET_ARGUMENT_KIND, key);
}

/* HttpRespond sets a response's status, type and body. */
void
HttpRespond(HttpResponse *response, int status, const char *content_type, const char *body)
{
	response->status = status;
	response->content_type = content_type;
	StrBufReset(&response->body);
	if (body != NULL)
		StrBufAppendStr(&response->body, body);
}

/* HttpRespondf sets a response with a formatted body. */
void
HttpRespondf(HttpResponse *response, int status, const char *content_type, const char *fmt,...)
{
	va_list		ap;
	char		small[1024];
	int			n;

	response->status = status;
	response->content_type = content_type;
	StrBufReset(&response->body);
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n > 0)
		StrBufAppend(&response->body, small, (size_t) n < sizeof(small) ? (size_t) n : sizeof(small) - 1);
}

/* HttpSetHeader adds a response header (name must be a constant). */
void
HttpSetHeader(HttpResponse *response, const char *name, const char *value)
{
	if (response->nheaders == HTTP_MAX_HEADERS)
		return;
	response->header_names[response->nheaders] = name;
	response->header_values[response->nheaders] = PdStrdup(value);
	response->nheaders++;
}

/* HttpRespondStream sets a streamed response. */
void
HttpRespondStream(HttpResponse *response, int status, const char *content_type,
				  HttpStreamRead read, HttpStreamDone done, void *arg)
{
	response->status = status;
	response->content_type = content_type;
	response->stream_read = read;
	response->stream_done = done;
	response->stream_arg = arg;
}

/* HttpMetricsHandler answers GET /metrics. */
void
HttpMetricsHandler(HttpRequest *request, HttpResponse *response, void *arg)
{
	(void) request;
	(void) arg;
	response->status = 200;
	response->content_type = "text/plain; version=0.0.4; charset=utf-8";
	StrBufReset(&response->body);
	MetricsRender(&response->body);
}

/* Base64Value is the value of a base64 digit, or -1. */
static int
Base64Value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * HttpParseBasic decodes the value of an Authorization header of scheme
 * Basic (RFC 7617) into a user name and a password.
 */
bool
HttpParseBasic(const char *header, char *user, size_t user_len, char *password, size_t password_len)
{
	unsigned char decoded[1024];
	size_t		n = 0;
	size_t		i;
	size_t		colon;
	unsigned int acc = 0;
	int			bits = 0;
	int			pad = 0;

	if (header == NULL || strncasecmp(header, "Basic", 5) != 0 || (header[5] != ' ' && header[5] != '\t'))
		return false;
	header += 5;
	while (*header == ' ' || *header == '\t')
		header++;
	for (; *header != '\0' && *header != ' ' && *header != '\t'; header++)
	{
		int			v;

		if (*header == '=')
		{
			pad++;
			continue;
		}
		v = Base64Value(*header);
		if (v < 0 || pad > 0)
			goto refuse;
		acc = (acc << 6) | (unsigned int) v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			if (n >= sizeof(decoded) - 1)
				goto refuse;
			decoded[n++] = (unsigned char) ((acc >> bits) & 0xff);
		}
	}
	while (*header == ' ' || *header == '\t')
		header++;
	if (*header != '\0' || pad > 2 || n == 0)
		goto refuse;
	for (colon = 0; colon < n && decoded[colon] != ':'; colon++)
		;
	if (colon == n || colon == 0 || colon + 1 == n || colon >= user_len || n - colon - 1 >= password_len)
		goto refuse;
	for (i = 0; i < n; i++)
		if (decoded[i] < 0x20 || decoded[i] == 0x7f)
			goto refuse;
	memcpy(user, decoded, colon);
	user[colon] = '\0';
	memcpy(password, decoded + colon + 1, n - colon - 1);
	password[n - colon - 1] = '\0';
	OPENSSL_cleanse(decoded, sizeof(decoded));
	return true;

refuse:
	OPENSSL_cleanse(decoded, sizeof(decoded));
	acc = 0;
	return false;
}

/* HttpBasicCredentials reads a request's Basic credentials. */
bool
HttpBasicCredentials(const HttpRequest *request, char *user, size_t user_len,
					 char *password, size_t password_len)
{
	return HttpParseBasic(HttpRequestHeader(request, MHD_HTTP_HEADER_AUTHORIZATION),
						  user, user_len, password, password_len);
}
