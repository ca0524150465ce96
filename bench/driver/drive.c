/*-------------------------------------------------------------------------
 *
 * drive.c
 *	  A load driver on libpq for the benchmark: N connections, each running
 *	  requests in pipeline mode, where a request is a prepared statement
 *	  whose parameters come from generators described in a scenario file.
 *
 * The outcome of a request is its SQLSTATE (00000 or the error code): an
 * error is an outcome, not a failure, and the connection goes on.  Each
 * request runs in its own implicit transaction (one Sync per request), so
 * an error aborts that request only.  The driver counts, per request and
 * outcome, how many there were, their rate and their latency percentiles,
 * and prints a table and, on request, JSON and tab-separated figures.
 *
 * Threads (-j) each own a share of the connections and drive them from
 * one poll() loop; a connection has at most --depth requests in flight
 * (1 by default: a closed loop, like a pgbench client).  The driver
 * reports its own CPU time per request, so that its overhead can be set
 * against the server's.
 *
 * The scenario language (bench/README.md has the reference):
 *
 *	# comment
 *	scenario NAME
 *	option clients|threads|seconds|requests|warmup|depth N
 *	define NAME VALUE				default of a variable (-D overrides)
 *	setup SQL						run at once, on a connection of its own
 *	fetch NAME SQL					run at once; NAME := the first value
 *	counter NAME [from SQL]			shared counter for seq(NAME)
 *	session SQL						run on every client connection
 *	pool NAME [shared] [size N]		saved requests (per client by default)
 *	request NAME [weight W]
 *	  sql SQL						the prepared statement
 *	  take|pick|last POOL			binds a saved entry: POOL.$k, POOL.column
 *	  resend						sends the bound entry's statement again
 *	  let NAME = EXPR				evaluated per request, in order
 *	  param TEMPLATE				one per $n, in order; \N is NULL
 *	  save POOL [on SQLSTATE|any]	keeps parameters and first row
 *	  label COLUMN					adds the first row's value to the outcome
 *
 * Texts are templates: {EXPR} or {EXPR:0N} (zero padded to N digits) is
 * replaced by the value of EXPR, and {{ by {.  An expression is integer
 * arithmetic (+ - * / % and parentheses) over numbers, "strings", names
 * (let variables, defines, client, clients, requests, seconds) and the
 * functions seq(COUNTER), count(NAME), random(LO, HI), choice(A, ...) and
 * hash(X).  Lines outside requests, and sql lines, are expanded once when
 * the file is read, in file order; param and let lines per request.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "libpq-fe.h"

#define MAX_PARAMS		64
#define MAX_REQUESTS	32
#define MAX_POOLS		16
#define MAX_COUNTERS	16
#define MAX_LETS		32
#define MAX_DEFINES		64
#define MAX_SAVES		4
#define MAX_ARGS		16
#define MAX_STMTS		64
#define MAX_OUTCOMES	256
#define NAME_LEN		64
#define LABEL_LEN		48

/* ---- values and expressions ---------------------------------------------- */

/* A value is an integer or a string. */
typedef struct Value
{
	bool		is_str;
	int64_t		i;
	const char *s;
} Value;

typedef enum ExprKind
{
	E_CONST,					/* a literal or a define */
	E_LET,						/* a let variable of the request */
	E_CLIENT,					/* the client number, 0-based */
	E_POOL_PARAM,				/* parameter k of the bound entry */
	E_POOL_COLUMN,				/* a column of the bound entry's first row */
	E_SEQ,						/* seq(COUNTER) */
	E_COUNT,					/* count(NAME): per-client counter */
	E_RANDOM,					/* random(LO, HI) */
	E_CHOICE,					/* choice(A, B, ...) */
	E_HASH,						/* hash(X) */
	E_NEG,
	E_BINOP
} ExprKind;

/* A node of a parsed expression. */
typedef struct Expr
{
	ExprKind	kind;
	Value		value;			/* E_CONST */
	int			index;			/* let, parameter, counter or count slot */
	char	   *column;			/* E_POOL_COLUMN */
	char		op;				/* E_BINOP */
	int			nargs;
	struct Expr *args[MAX_ARGS];
} Expr;

/* A template: literal text with {EXPR[:0N]} parts. */
typedef struct Segment
{
	char	   *text;			/* literal, or NULL for an expression */
	Expr	   *expr;
	int			width;			/* zero padding */
} Segment;

typedef struct Template
{
	int			nsegs;
	Segment    *segs;
	bool		is_null;		/* the parameter is SQL NULL */
} Template;

/* ---- scenario ------------------------------------------------------------ */

typedef enum BindMode
{
	BIND_NONE,
	BIND_TAKE,					/* a random entry, removed */
	BIND_PICK,					/* a random entry, kept */
	BIND_LAST					/* the newest entry, kept */
} BindMode;

/* A request kind of the scenario. */
typedef struct Request
{
	char		name[NAME_LEN];
	double		weight;
	char	   *sql;
	int			stmt;			/* prepared statement number */
	int			nparams;
	Template	params[MAX_PARAMS];
	int			nlets;
	char		letname[MAX_LETS][NAME_LEN];
	Expr	   *letexpr[MAX_LETS];
	BindMode	bind;
	int			pool;
	bool		resend;
	int			nsaves;
	int			save_pool[MAX_SAVES];
	char		save_on[MAX_SAVES][6];	/* a SQLSTATE, or "" for any */
	char	   *label;
	bool		needs_row;		/* keep the first row (save or label) */
} Request;

/* A saved request: its statement, parameters and first result row. */
typedef struct Entry
{
	int			stmt;
	int			nparams;
	char	  **params;			/* NULL element: SQL NULL */
	int			ncols;
	char	  **names;
	char	  **values;
} Entry;

/* A pool of saved requests, per client or shared. */
typedef struct Pool
{
	char		name[NAME_LEN];
	bool		shared;
	int			size;
} Pool;

typedef struct PoolData
{
	int			n;
	int			newest;			/* index of the newest entry, or -1 */
	Entry	  **entries;
	pthread_mutex_t lock;		/* shared pools only */
} PoolData;

typedef struct Counter
{
	char		name[NAME_LEN];
	int64_t		next;			/* atomic */
} Counter;

typedef struct Define
{
	char		name[NAME_LEN];
	char	   *value;
	bool		from_command_line;
} Define;

typedef struct Scenario
{
	char		name[NAME_LEN];
	int			ndefines;
	Define		defines[MAX_DEFINES];
	int			nsession;
	char	   *session[64];
	int			ncounters;
	Counter		counters[MAX_COUNTERS];
	int			npools;
	Pool		pools[MAX_POOLS];
	PoolData	shared[MAX_POOLS];
	int			nrequests;
	Request		requests[MAX_REQUESTS];
	int			nstmts;
	char	   *stmts[MAX_STMTS];
	int			ncountnames;
	char		countnames[MAX_COUNTERS][NAME_LEN];
} Scenario;

/* ---- run state ----------------------------------------------------------- */

/* Latencies of one outcome (per thread, merged at the end). */
typedef struct Outcome
{
	int			req;
	char		state[6];
	char		label[LABEL_LEN];
	int64_t		count;
	int64_t		cap;
	uint64_t   *lat;			/* nanoseconds */
	int64_t		last;			/* clock when the latest one completed */
} Outcome;

/* A request on its way. */
typedef struct Inflight
{
	int			req;
	int			stmt;
	int64_t		start;
	bool		measured;
	int			nparams;
	char	   *params[MAX_PARAMS];
	bool		got_result;
	bool		got_null;
	char		state[6];
	int			ncols;
	char	  **names;
	char	  **values;
	char		label[LABEL_LEN];
} Inflight;

typedef struct Client
{
	int			id;
	PGconn	   *conn;
	uint64_t	rng[2];
	int64_t		counts[MAX_COUNTERS];
	PoolData	pools[MAX_POOLS];
	int			depth;
	int			head;			/* oldest in flight */
	int			ninflight;
	Inflight   *inflight;
	bool		want_write;
} Client;

typedef struct Thread
{
	pthread_t	tid;
	int			nclients;
	Client	  **clients;
	int			noutcomes;
	Outcome		outcomes[MAX_OUTCOMES];
	int64_t		last_done;
} Thread;

/* Options. */
static int	opt_clients = 32;
static int	opt_threads = 2;
static double opt_seconds = 10;
static int64_t opt_requests = 0;	/* > 0: fixed request count */
static double opt_warmup = 0;
static int	opt_depth = 1;
static const char *opt_conninfo = "";
static const char *opt_json = NULL;
static const char *opt_tsv = NULL;
static bool opt_quiet = false;
static uint64_t opt_seed = 0;

static Scenario sc;
static int64_t t_start;			/* clock at the start of the warm-up */
static int64_t t_measure;		/* start of the measured phase */
static int64_t t_end;			/* end of the measured phase (duration mode) */
static int64_t issued;			/* measured requests issued (atomic) */
static volatile sig_atomic_t interrupted = 0;

/* ---- small helpers ------------------------------------------------------- */

static void Die(const char *fmt,...)
			__attribute__((noreturn, format(printf, 1, 2)));

/* Die prints a message and exits with status 1. */
static void
Die(const char *fmt,...)
{
	va_list		ap;

	fputs("drive: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* Xmalloc allocates or dies. */
static void *
Xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
		Die("out of memory");
	return p;
}

/* Xstrdup copies a string or dies; NULL stays NULL. */
static char *
Xstrdup(const char *s)
{
	char	   *r;

	if (s == NULL)
		return NULL;
	r = strdup(s);
	if (r == NULL)
		Die("out of memory");
	return r;
}

/* Now returns a monotonic clock in nanoseconds. */
static int64_t
Now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Rand returns the next value of a client's xorshift128+ generator. */
static uint64_t
Rand(uint64_t *s)
{
	uint64_t	x = s[0];
	uint64_t	y = s[1];

	s[0] = y;
	x ^= x << 23;
	s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
	return s[1] + y;
}

/* Mix is splitmix64's finaliser: a bijective scramble of 64 bits. */
static uint64_t
Mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* CpuSeconds returns the process's user plus system CPU time. */
static double
CpuSeconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* OnSignal ends the run early; the figures so far are reported. */
static void
OnSignal(int sig)
{
	(void) sig;
	interrupted = 1;
}

/* IgnoreNotice drops server notices. */
static void
IgnoreNotice(void *arg, const char *message)
{
	(void) arg;
	(void) message;
}

/* ---- growable text buffer ------------------------------------------------ */

typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

/* BufAdd appends n bytes to b. */
static void
BufAdd(Buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
	{
		size_t		cap = b->cap ? b->cap * 2 : 64;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (b->data == NULL)
			Die("out of memory");
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* ---- expression parser --------------------------------------------------- */

/* What a name in an expression may refer to while a line is parsed. */
typedef struct ParseScope
{
	const char *file;
	int			line;
	Request    *req;			/* NULL outside a request */
} ParseScope;

static Expr *ParseExpr(const char **p, ParseScope *scope);
static void ParseError(ParseScope *scope, const char *fmt,...)
			__attribute__((noreturn, format(printf, 2, 3)));

/* ParseError reports a scenario error at the current line. */
static void
ParseError(ParseScope *scope, const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "drive: %s:%d: ", scope->file, scope->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* SkipSpace advances over blanks. */
static void
SkipSpace(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* NewExpr allocates a node of a kind. */
static Expr *
NewExpr(ExprKind kind)
{
	Expr	   *e = Xmalloc(sizeof(Expr));

	memset(e, 0, sizeof(Expr));
	e->kind = kind;
	return e;
}

/* ParseValueText makes a value of a text: an integer when it is one. */
static Value
ParseValueText(const char *text)
{
	Value		v;
	char	   *end;

	v.is_str = true;
	v.s = text;
	v.i = 0;
	if (*text != '\0')
	{
		errno = 0;
		v.i = strtoll(text, &end, 10);
		if (*end == '\0' && errno == 0)
			v.is_str = false;
	}
	return v;
}

/* FindPool returns a pool's number or -1. */
static int
FindPool(const char *name)
{
	int			i;

	for (i = 0; i < sc.npools; i++)
		if (strcmp(sc.pools[i].name, name) == 0)
			return i;
	return -1;
}

/* FindCounter returns a counter's number or -1. */
static int
FindCounter(const char *name)
{
	int			i;

	for (i = 0; i < sc.ncounters; i++)
		if (strcmp(sc.counters[i].name, name) == 0)
			return i;
	return -1;
}

/* FindDefine returns a define or NULL. */
static Define *
FindDefine(const char *name)
{
	int			i;

	for (i = 0; i < sc.ndefines; i++)
		if (strcmp(sc.defines[i].name, name) == 0)
			return &sc.defines[i];
	return NULL;
}

/* ResolveName turns a bare name into an expression node. */
static Expr *
ResolveName(const char *name, ParseScope *scope)
{
	Expr	   *e;
	Define	   *d;
	const char *dot = strchr(name, '.');
	int			i;

	if (dot != NULL)
	{
		char		pool[NAME_LEN];
		int			n = (int) (dot - name);

		if (n >= NAME_LEN)
			ParseError(scope, "name \"%s\" is too long", name);
		memcpy(pool, name, n);
		pool[n] = '\0';
		if (scope->req == NULL || scope->req->bind == BIND_NONE ||
			scope->req->pool != FindPool(pool))
			ParseError(scope, "\"%s\": the request does not take, pick or last pool \"%s\"", name, pool);
		if (dot[1] == '$')
		{
			e = NewExpr(E_POOL_PARAM);
			e->index = atoi(dot + 2) - 1;
			if (e->index < 0 || e->index >= MAX_PARAMS)
				ParseError(scope, "bad parameter number in \"%s\"", name);
		}
		else
		{
			e = NewExpr(E_POOL_COLUMN);
			e->column = Xstrdup(dot + 1);
		}
		return e;
	}
	if (scope->req != NULL)
		for (i = scope->req->nlets - 1; i >= 0; i--)
			if (strcmp(scope->req->letname[i], name) == 0)
			{
				e = NewExpr(E_LET);
				e->index = i;
				return e;
			}
	if (strcmp(name, "client") == 0)
		return NewExpr(E_CLIENT);
	e = NewExpr(E_CONST);
	if (strcmp(name, "clients") == 0)
	{
		e->value.i = opt_clients;
		return e;
	}
	if (strcmp(name, "requests") == 0)
	{
		e->value.i = opt_requests;
		return e;
	}
	if (strcmp(name, "seconds") == 0)
	{
		e->value.i = (int64_t) opt_seconds;
		return e;
	}
	d = FindDefine(name);
	if (d == NULL)
		ParseError(scope, "unknown name \"%s\"", name);
	e->value = ParseValueText(d->value);
	return e;
}

/* ParseName reads an identifier (letters, digits, _, . and $). */
static char *
ParseName(const char **p, ParseScope *scope)
{
	const char *s = *p;
	char	   *r;

	while (isalnum((unsigned char) **p) || **p == '_' || **p == '.' || **p == '$')
		(*p)++;
	if (*p == s)
		ParseError(scope, "a name was expected at \"%s\"", s);
	r = Xmalloc(*p - s + 1);
	memcpy(r, s, *p - s);
	r[*p - s] = '\0';
	return r;
}

/* ParseCall reads the arguments of a function call after its name. */
static Expr *
ParseCall(const char *name, const char **p, ParseScope *scope)
{
	Expr	   *e;
	ExprKind	kind;

	if (strcmp(name, "seq") == 0)
		kind = E_SEQ;
	else if (strcmp(name, "count") == 0)
		kind = E_COUNT;
	else if (strcmp(name, "random") == 0)
		kind = E_RANDOM;
	else if (strcmp(name, "choice") == 0)
		kind = E_CHOICE;
	else if (strcmp(name, "hash") == 0)
		kind = E_HASH;
	else
		ParseError(scope, "unknown function \"%s\"", name);
	e = NewExpr(kind);
	(*p)++;						/* ( */
	SkipSpace(p);
	if (kind == E_SEQ || kind == E_COUNT)
	{
		char	   *arg = ParseName(p, scope);
		int			i;

		if (kind == E_SEQ)
		{
			e->index = FindCounter(arg);
			if (e->index < 0)
				ParseError(scope, "unknown counter \"%s\" (declare it with: counter %s)", arg, arg);
		}
		else
		{
			for (i = 0; i < sc.ncountnames; i++)
				if (strcmp(sc.countnames[i], arg) == 0)
					break;
			if (i == sc.ncountnames)
			{
				if (i == MAX_COUNTERS)
					ParseError(scope, "too many count() names");
				snprintf(sc.countnames[i], NAME_LEN, "%s", arg);
				sc.ncountnames++;
			}
			e->index = i;
		}
		free(arg);
		SkipSpace(p);
	}
	else
	{
		while (**p != ')')
		{
			if (e->nargs == MAX_ARGS)
				ParseError(scope, "too many arguments");
			e->args[e->nargs++] = ParseExpr(p, scope);
			SkipSpace(p);
			if (**p == ',')
			{
				(*p)++;
				SkipSpace(p);
			}
			else if (**p != ')')
				ParseError(scope, "',' or ')' expected at \"%s\"", *p);
		}
		if (kind == E_RANDOM && e->nargs != 2)
			ParseError(scope, "random takes two arguments");
		if (kind == E_HASH && e->nargs != 1)
			ParseError(scope, "hash takes one argument");
		if (kind == E_CHOICE && e->nargs < 1)
			ParseError(scope, "choice takes at least one argument");
	}
	if (**p != ')')
		ParseError(scope, "')' expected at \"%s\"", *p);
	(*p)++;
	return e;
}

/* ParsePrimary reads a number, a string, a name, a call or a parenthesis. */
static Expr *
ParsePrimary(const char **p, ParseScope *scope)
{
	Expr	   *e;

	SkipSpace(p);
	if (**p == '(')
	{
		(*p)++;
		e = ParseExpr(p, scope);
		SkipSpace(p);
		if (**p != ')')
			ParseError(scope, "')' expected at \"%s\"", *p);
		(*p)++;
		return e;
	}
	if (**p == '-')
	{
		(*p)++;
		e = NewExpr(E_NEG);
		e->args[0] = ParsePrimary(p, scope);
		e->nargs = 1;
		return e;
	}
	if (isdigit((unsigned char) **p))
	{
		char	   *end;

		e = NewExpr(E_CONST);
		errno = 0;
		e->value.i = strtoll(*p, &end, 10);
		if (errno != 0)
			ParseError(scope, "number out of range at \"%s\"", *p);
		*p = end;
		return e;
	}
	if (**p == '"')
	{
		Buf			b = {NULL, 0, 0};

		(*p)++;
		while (**p != '"')
		{
			if (**p == '\0')
				ParseError(scope, "unterminated string");
			if (**p == '\\' && (*p)[1] != '\0')
				(*p)++;
			BufAdd(&b, *p, 1);
			(*p)++;
		}
		(*p)++;
		e = NewExpr(E_CONST);
		e->value.is_str = true;
		e->value.s = b.data ? b.data : "";
		return e;
	}
	{
		char	   *name = ParseName(p, scope);

		SkipSpace(p);
		if (**p == '(')
			e = ParseCall(name, p, scope);
		else
			e = ResolveName(name, scope);
		free(name);
		return e;
	}
}

/* ParseTerm reads products, quotients and remainders. */
static Expr *
ParseTerm(const char **p, ParseScope *scope)
{
	Expr	   *left = ParsePrimary(p, scope);

	for (;;)
	{
		Expr	   *e;

		SkipSpace(p);
		if (**p != '*' && **p != '/' && **p != '%')
			return left;
		e = NewExpr(E_BINOP);
		e->op = **p;
		(*p)++;
		e->args[0] = left;
		e->args[1] = ParsePrimary(p, scope);
		e->nargs = 2;
		left = e;
	}
}

/* ParseExpr reads sums and differences of terms. */
static Expr *
ParseExpr(const char **p, ParseScope *scope)
{
	Expr	   *left = ParseTerm(p, scope);

	for (;;)
	{
		Expr	   *e;

		SkipSpace(p);
		if (**p != '+' && **p != '-')
			return left;
		e = NewExpr(E_BINOP);
		e->op = **p;
		(*p)++;
		e->args[0] = left;
		e->args[1] = ParseTerm(p, scope);
		e->nargs = 2;
		left = e;
	}
}

/* ParseTemplate splits text into literal parts and {EXPR[:0N]} parts. */
static void
ParseTemplate(const char *text, ParseScope *scope, Template *t)
{
	const char *p = text;
	int			cap = 4;

	t->nsegs = 0;
	t->segs = Xmalloc(sizeof(Segment) * cap);
	t->is_null = strcmp(text, "\\N") == 0;
	if (t->is_null)
		return;
	while (*p != '\0')
	{
		Segment    *seg;

		if (t->nsegs == cap)
		{
			cap *= 2;
			t->segs = realloc(t->segs, sizeof(Segment) * cap);
			if (t->segs == NULL)
				Die("out of memory");
		}
		seg = &t->segs[t->nsegs++];
		seg->width = 0;
		seg->expr = NULL;
		seg->text = NULL;
		if (p[0] == '{' && p[1] == '{')
		{
			seg->text = Xstrdup("{");
			p += 2;
		}
		else if (*p == '{')
		{
			p++;
			seg->expr = ParseExpr(&p, scope);
			SkipSpace(&p);
			if (*p == ':')
			{
				p++;
				seg->width = atoi(p);
				while (isdigit((unsigned char) *p))
					p++;
			}
			if (*p != '}')
				ParseError(scope, "'}' expected at \"%s\"", p);
			p++;
		}
		else
		{
			const char *s = p;

			while (*p != '\0' && *p != '{')
				p++;
			seg->text = Xmalloc(p - s + 1);
			memcpy(seg->text, s, p - s);
			seg->text[p - s] = '\0';
		}
	}
}

/* ---- evaluation ---------------------------------------------------------- */

/* What one request's evaluation sees. */
typedef struct EvalCtx
{
	Client	   *client;
	Request    *req;
	Value		lets[MAX_LETS];
	Entry	   *entry;			/* the bound pool entry, or NULL */
	char		numbuf[MAX_ARGS][24];
} EvalCtx;

/* AsInt reads a value as an integer. */
static int64_t
AsInt(Value v)
{
	if (v.is_str)
		return v.s ? strtoll(v.s, NULL, 10) : 0;
	return v.i;
}

/* Eval computes an expression. */
static Value
Eval(const Expr *e, EvalCtx *ctx)
{
	Value		v = {false, 0, NULL};
	Value		a;
	Value		b;
	int64_t		lo;
	int64_t		hi;
	int			i;

	switch (e->kind)
	{
		case E_CONST:
			return e->value;
		case E_LET:
			return ctx->lets[e->index];
		case E_CLIENT:
			v.i = ctx->client ? ctx->client->id : 0;
			return v;
		case E_POOL_PARAM:
			if (ctx->entry == NULL || e->index >= ctx->entry->nparams)
				Die("request \"%s\": the saved entry has no parameter $%d",
					ctx->req->name, e->index + 1);
			v.is_str = true;
			v.s = ctx->entry->params[e->index];
			return v;
		case E_POOL_COLUMN:
			if (ctx->entry != NULL)
				for (i = 0; i < ctx->entry->ncols; i++)
					if (strcmp(ctx->entry->names[i], e->column) == 0)
					{
						v.is_str = true;
						v.s = ctx->entry->values[i];
						return v;
					}
			Die("request \"%s\": the saved entry has no column \"%s\"",
				ctx->req->name, e->column);
			break;
		case E_SEQ:
			v.i = __atomic_fetch_add(&sc.counters[e->index].next, 1, __ATOMIC_RELAXED);
			return v;
		case E_COUNT:
			v.i = ++ctx->client->counts[e->index];
			return v;
		case E_RANDOM:
			lo = AsInt(Eval(e->args[0], ctx));
			hi = AsInt(Eval(e->args[1], ctx));
			if (hi < lo)
				Die("random(%" PRId64 ", %" PRId64 "): empty range", lo, hi);
			v.i = lo + (int64_t) (Rand(ctx->client->rng) % ((uint64_t) (hi - lo) + 1));
			return v;
		case E_CHOICE:
			i = (int) (Rand(ctx->client->rng) % (uint64_t) e->nargs);
			return Eval(e->args[i], ctx);
		case E_HASH:
			v.i = (int64_t) (Mix((uint64_t) AsInt(Eval(e->args[0], ctx))) >> 1);
			return v;
		case E_NEG:
			v.i = (int64_t) (0 - (uint64_t) AsInt(Eval(e->args[0], ctx)));
			return v;
		case E_BINOP:
			a = Eval(e->args[0], ctx);
			b = Eval(e->args[1], ctx);
			lo = AsInt(a);
			hi = AsInt(b);
			switch (e->op)
			{
				case '+':
					v.i = (int64_t) ((uint64_t) lo + (uint64_t) hi);
					break;
				case '-':
					v.i = (int64_t) ((uint64_t) lo - (uint64_t) hi);
					break;
				case '*':
					v.i = (int64_t) ((uint64_t) lo * (uint64_t) hi);
					break;
				case '/':
				case '%':
					if (hi == 0)
						Die("request \"%s\": division by zero", ctx->req ? ctx->req->name : "setup");
					v.i = e->op == '/' ? lo / hi : lo % hi;
					break;
			}
			return v;
	}
	return v;
}

/* Render expands a template into b. */
static void
Render(const Template *t, EvalCtx *ctx, Buf *b)
{
	int			i;

	b->len = 0;
	BufAdd(b, "", 0);
	for (i = 0; i < t->nsegs; i++)
	{
		const Segment *seg = &t->segs[i];
		Value		v;
		char		num[32];

		if (seg->text != NULL)
		{
			BufAdd(b, seg->text, strlen(seg->text));
			continue;
		}
		v = Eval(seg->expr, ctx);
		if (v.is_str)
		{
			if (v.s != NULL)
				BufAdd(b, v.s, strlen(v.s));
			continue;
		}
		snprintf(num, sizeof(num), "%0*" PRId64, seg->width, v.i);
		BufAdd(b, num, strlen(num));
	}
}

/* RenderText expands a template text outside any request (setup lines). */
static char *
RenderText(const char *text, ParseScope *scope)
{
	Template	t;
	EvalCtx		ctx;
	Client		dummy;
	Buf			b = {NULL, 0, 0};

	memset(&ctx, 0, sizeof(ctx));
	memset(&dummy, 0, sizeof(dummy));
	dummy.rng[0] = Mix((uint64_t) Now());
	dummy.rng[1] = Mix(dummy.rng[0]) | 1;
	ctx.client = &dummy;
	ParseTemplate(text, scope, &t);
	Render(&t, &ctx, &b);
	return b.data;
}

/* ---- connections --------------------------------------------------------- */

/* Connect opens a connection or dies. */
static PGconn *
Connect(void)
{
	PGconn	   *conn = PQconnectdb(opt_conninfo);

	if (PQstatus(conn) != CONNECTION_OK)
		Die("cannot connect: %s", PQerrorMessage(conn));
	PQsetNoticeProcessor(conn, IgnoreNotice, NULL);
	return conn;
}

/* Exec runs a statement synchronously or dies; returns its result. */
static PGresult *
Exec(PGconn *conn, const char *sql)
{
	PGresult   *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		Die("%s\n  in: %s", PQresultErrorMessage(res), sql);
	return res;
}

static PGconn *setup_conn = NULL;

/* SetupQuery runs a statement of the scenario's setup on its own connection. */
static PGresult *
SetupQuery(const char *sql)
{
	if (setup_conn == NULL)
		setup_conn = Connect();
	return Exec(setup_conn, sql);
}

/* ---- scenario file ------------------------------------------------------- */

/* AddDefine sets a variable; a command-line value wins over a file's. */
static void
AddDefine(const char *name, const char *value, bool from_command_line)
{
	Define	   *d = FindDefine(name);

	if (d != NULL)
	{
		if (d->from_command_line && !from_command_line)
			return;
		d->value = Xstrdup(value);
		d->from_command_line = from_command_line;
		return;
	}
	if (sc.ndefines == MAX_DEFINES)
		Die("too many defines");
	d = &sc.defines[sc.ndefines++];
	snprintf(d->name, NAME_LEN, "%s", name);
	d->value = Xstrdup(value);
	d->from_command_line = from_command_line;
}

/* AddStatement returns the number of a prepared statement text. */
static int
AddStatement(const char *sql)
{
	int			i;

	for (i = 0; i < sc.nstmts; i++)
		if (strcmp(sc.stmts[i], sql) == 0)
			return i;
	if (sc.nstmts == MAX_STMTS)
		Die("too many statements");
	sc.stmts[sc.nstmts] = Xstrdup(sql);
	return sc.nstmts++;
}

/* Word splits off the next blank-separated word of a line. */
static char *
Word(char **p)
{
	char	   *w;

	while (**p == ' ' || **p == '\t')
		(*p)++;
	if (**p == '\0')
		return NULL;
	w = *p;
	while (**p != '\0' && **p != ' ' && **p != '\t')
		(*p)++;
	if (**p != '\0')
		*(*p)++ = '\0';
	while (**p == ' ' || **p == '\t')
		(*p)++;
	return w;
}

/* Options set on the command line win over a scenario's option lines. */
static bool cl_clients, cl_threads, cl_seconds, cl_requests, cl_warmup, cl_depth;

/* ScenarioOption applies an option line. */
static void
ScenarioOption(const char *name, const char *value, ParseScope *scope)
{
	if (value == NULL)
		ParseError(scope, "option %s needs a value", name);
	if (strcmp(name, "clients") == 0)
	{
		if (!cl_clients)
			opt_clients = atoi(value);
	}
	else if (strcmp(name, "threads") == 0)
	{
		if (!cl_threads)
			opt_threads = atoi(value);
	}
	else if (strcmp(name, "seconds") == 0)
	{
		if (!cl_seconds && !cl_requests)
		{
			opt_seconds = atof(value);
			opt_requests = 0;
		}
	}
	else if (strcmp(name, "requests") == 0)
	{
		if (!cl_seconds && !cl_requests)
			opt_requests = atoll(value);
	}
	else if (strcmp(name, "warmup") == 0)
	{
		if (!cl_warmup)
			opt_warmup = atof(value);
	}
	else if (strcmp(name, "depth") == 0)
	{
		if (!cl_depth)
			opt_depth = atoi(value);
	}
	else
		ParseError(scope, "unknown option \"%s\"", name);
}

/* LoadScenario reads and checks a scenario file. */
static void
LoadScenario(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		n;
	ParseScope	scope = {path, 0, NULL};
	Request    *req = NULL;
	const char *base;
	int			i;

	if (f == NULL)
		Die("cannot open %s: %s", path, strerror(errno));
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(sc.name, NAME_LEN, "%.*s", (int) strcspn(base, "."), base);
	while ((n = getline(&line, &cap, f)) >= 0)
	{
		char	   *p = line;
		char	   *kw;

		scope.line++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		kw = Word(&p);
		if (kw == NULL || kw[0] == '#')
			continue;
		if (strcmp(kw, "scenario") == 0)
			snprintf(sc.name, NAME_LEN, "%s", p);
		else if (strcmp(kw, "option") == 0)
		{
			char	   *name = Word(&p);

			ScenarioOption(name ? name : "", Word(&p), &scope);
		}
		else if (strcmp(kw, "define") == 0)
		{
			char	   *name = Word(&p);

			if (name == NULL)
				ParseError(&scope, "define needs a name");
			AddDefine(name, p, false);
		}
		else if (strcmp(kw, "setup") == 0 && req == NULL)
			PQclear(SetupQuery(RenderText(p, &scope)));
		else if (strcmp(kw, "fetch") == 0 && req == NULL)
		{
			char	   *name = Word(&p);
			PGresult   *res;

			if (name == NULL || *p == '\0')
				ParseError(&scope, "fetch NAME SQL");
			res = SetupQuery(RenderText(p, &scope));
			if (PQntuples(res) != 1 || PQnfields(res) < 1 || PQgetisnull(res, 0, 0))
				ParseError(&scope, "fetch %s: the query must return one value", name);
			AddDefine(name, PQgetvalue(res, 0, 0), false);
			PQclear(res);
		}
		else if (strcmp(kw, "session") == 0 && req == NULL)
		{
			if (sc.nsession == 64)
				ParseError(&scope, "too many session lines");
			sc.session[sc.nsession++] = RenderText(p, &scope);
		}
		else if (strcmp(kw, "counter") == 0 && req == NULL)
		{
			char	   *name = Word(&p);
			char	   *from = Word(&p);
			Counter    *c;

			if (name == NULL || sc.ncounters == MAX_COUNTERS || FindCounter(name) >= 0)
				ParseError(&scope, "bad or repeated counter");
			c = &sc.counters[sc.ncounters++];
			snprintf(c->name, NAME_LEN, "%s", name);
			c->next = 1;
			if (from != NULL)
			{
				PGresult   *res;

				if (strcmp(from, "from") != 0 || *p == '\0')
					ParseError(&scope, "counter NAME [from SQL]");
				res = SetupQuery(RenderText(p, &scope));
				if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
					ParseError(&scope, "counter %s: the query must return one value", name);
				c->next = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
				PQclear(res);
			}
		}
		else if (strcmp(kw, "pool") == 0 && req == NULL)
		{
			char	   *name = Word(&p);
			char	   *w;
			Pool	   *pl;

			if (name == NULL || sc.npools == MAX_POOLS || FindPool(name) >= 0)
				ParseError(&scope, "bad or repeated pool");
			pl = &sc.pools[sc.npools++];
			snprintf(pl->name, NAME_LEN, "%s", name);
			pl->shared = false;
			pl->size = 1024;
			while ((w = Word(&p)) != NULL)
			{
				if (strcmp(w, "shared") == 0)
					pl->shared = true;
				else if (strcmp(w, "size") == 0 && (w = Word(&p)) != NULL && atoi(w) > 0)
					pl->size = atoi(w);
				else
					ParseError(&scope, "pool NAME [shared] [size N]");
			}
		}
		else if (strcmp(kw, "request") == 0)
		{
			char	   *name = Word(&p);
			char	   *w;

			if (name == NULL || sc.nrequests == MAX_REQUESTS)
				ParseError(&scope, "bad request line or too many requests");
			req = &sc.requests[sc.nrequests++];
			memset(req, 0, sizeof(Request));
			scope.req = req;
			snprintf(req->name, NAME_LEN, "%s", name);
			req->weight = 1;
			req->pool = -1;
			req->stmt = -1;
			if ((w = Word(&p)) != NULL)
			{
				if (strcmp(w, "weight") != 0 || (w = Word(&p)) == NULL || atof(w) < 0)
					ParseError(&scope, "request NAME [weight W]");
				req->weight = atof(w);
			}
		}
		else if (req == NULL)
			ParseError(&scope, "\"%s\" outside a request, or unknown", kw);
		else if (strcmp(kw, "sql") == 0)
		{
			if (req->sql != NULL)
				ParseError(&scope, "a request has one sql line");
			req->sql = RenderText(p, &scope);
			req->stmt = AddStatement(req->sql);
		}
		else if (strcmp(kw, "take") == 0 || strcmp(kw, "pick") == 0 || strcmp(kw, "last") == 0)
		{
			char	   *name = Word(&p);

			if (req->bind != BIND_NONE)
				ParseError(&scope, "a request binds one pool");
			if (name == NULL || (req->pool = FindPool(name)) < 0)
				ParseError(&scope, "unknown pool \"%s\"", name ? name : "");
			req->bind = kw[0] == 't' ? BIND_TAKE : kw[0] == 'p' ? BIND_PICK : BIND_LAST;
		}
		else if (strcmp(kw, "resend") == 0)
		{
			if (req->bind == BIND_NONE)
				ParseError(&scope, "resend needs a take, pick or last line before it");
			req->resend = true;
		}
		else if (strcmp(kw, "let") == 0)
		{
			char	   *name = Word(&p);
			char	   *eq = Word(&p);
			const char *q = p;

			if (name == NULL || eq == NULL || strcmp(eq, "=") != 0 || req->nlets == MAX_LETS)
				ParseError(&scope, "let NAME = EXPR");
			req->letexpr[req->nlets] = ParseExpr(&q, &scope);
			SkipSpace(&q);
			if (*q != '\0')
				ParseError(&scope, "unexpected \"%s\"", q);
			snprintf(req->letname[req->nlets], NAME_LEN, "%s", name);
			req->nlets++;
		}
		else if (strcmp(kw, "param") == 0)
		{
			if (req->nparams == MAX_PARAMS)
				ParseError(&scope, "too many parameters");
			ParseTemplate(p, &scope, &req->params[req->nparams++]);
		}
		else if (strcmp(kw, "save") == 0)
		{
			char	   *name = Word(&p);
			char	   *on = Word(&p);
			char	   *state = Word(&p);
			int			k = req->nsaves;

			if (k == MAX_SAVES || name == NULL || FindPool(name) < 0)
				ParseError(&scope, "save POOL [on SQLSTATE|any] (a declared pool)");
			req->save_pool[k] = FindPool(name);
			strcpy(req->save_on[k], "00000");
			if (on != NULL)
			{
				if (strcmp(on, "on") != 0 || state == NULL ||
					(strcmp(state, "any") != 0 && strlen(state) != 5))
					ParseError(&scope, "save POOL [on SQLSTATE|any]");
				snprintf(req->save_on[k], 6, "%s", strcmp(state, "any") == 0 ? "" : state);
			}
			req->nsaves++;
			req->needs_row = true;
		}
		else if (strcmp(kw, "label") == 0)
		{
			char	   *col = Word(&p);

			if (col == NULL)
				ParseError(&scope, "label COLUMN");
			req->label = Xstrdup(col);
			req->needs_row = true;
		}
		else
			ParseError(&scope, "unknown line \"%s\"", kw);
	}
	free(line);
	fclose(f);

	if (sc.nrequests == 0)
		Die("%s: no request", path);
	for (i = 0; i < sc.nrequests; i++)
	{
		Request    *r = &sc.requests[i];

		if (r->resend && (r->sql != NULL || r->nparams > 0))
			Die("%s: request \"%s\": resend takes no sql or param lines", path, r->name);
		if (!r->resend && r->sql == NULL)
			Die("%s: request \"%s\" has no sql line", path, r->name);
	}
	for (i = 0; i < sc.nrequests; i++)
		if (sc.requests[i].bind == BIND_NONE && sc.requests[i].weight > 0)
			break;
	if (i == sc.nrequests)
		Die("%s: at least one request must need no pool", path);
}

/* ---- pools --------------------------------------------------------------- */

/* FreeEntry releases a saved entry. */
static void
FreeEntry(Entry *e)
{
	int			i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nparams; i++)
		free(e->params[i]);
	for (i = 0; i < e->ncols; i++)
	{
		free(e->names[i]);
		free(e->values[i]);
	}
	free(e->params);
	free(e->names);
	free(e->values);
	free(e);
}

/* PoolFor returns the data of a pool for a client. */
static PoolData *
PoolFor(Client *c, int pool)
{
	return sc.pools[pool].shared ? &sc.shared[pool] : &c->pools[pool];
}

/* PoolPut stores an entry; a full pool replaces a random entry. */
static void
PoolPut(Client *c, int pool, Entry *e)
{
	PoolData   *pd = PoolFor(c, pool);
	int			i;

	if (sc.pools[pool].shared)
		pthread_mutex_lock(&pd->lock);
	if (pd->entries == NULL)
		pd->entries = Xmalloc(sizeof(Entry *) * sc.pools[pool].size);
	if (pd->n < sc.pools[pool].size)
		i = pd->n++;
	else
	{
		i = (int) (Rand(c->rng) % (uint64_t) pd->n);
		FreeEntry(pd->entries[i]);
	}
	pd->entries[i] = e;
	pd->newest = i;
	if (sc.pools[pool].shared)
		pthread_mutex_unlock(&pd->lock);
}

/*
 * PoolGet returns an entry for a request (a copy for pick and last, the
 * entry itself for take), or NULL when the pool is empty.
 */
static Entry *
PoolGet(Client *c, int pool, BindMode mode)
{
	PoolData   *pd = PoolFor(c, pool);
	Entry	   *e = NULL;
	int			i;

	if (sc.pools[pool].shared)
		pthread_mutex_lock(&pd->lock);
	if (pd->n > 0)
	{
		if (mode == BIND_LAST && pd->newest >= 0)
			i = pd->newest;
		else
			i = (int) (Rand(c->rng) % (uint64_t) pd->n);
		if (mode == BIND_TAKE)
		{
			e = pd->entries[i];
			pd->entries[i] = pd->entries[--pd->n];
			if (pd->newest == pd->n)
				pd->newest = i;
			else if (pd->newest == i)
				pd->newest = -1;
		}
		else
		{
			Entry	   *src = pd->entries[i];
			int			k;

			e = Xmalloc(sizeof(Entry));
			e->stmt = src->stmt;
			e->nparams = src->nparams;
			e->ncols = src->ncols;
			e->params = Xmalloc(sizeof(char *) * e->nparams);
			e->names = Xmalloc(sizeof(char *) * e->ncols);
			e->values = Xmalloc(sizeof(char *) * e->ncols);
			for (k = 0; k < e->nparams; k++)
				e->params[k] = Xstrdup(src->params[k]);
			for (k = 0; k < e->ncols; k++)
			{
				e->names[k] = Xstrdup(src->names[k]);
				e->values[k] = Xstrdup(src->values[k]);
			}
		}
	}
	if (sc.pools[pool].shared)
		pthread_mutex_unlock(&pd->lock);
	return e;
}

/* PoolHas tells whether a pool may give an entry now. */
static bool
PoolHas(Client *c, int pool)
{
	return __atomic_load_n(&PoolFor(c, pool)->n, __ATOMIC_RELAXED) > 0;
}

/* SetupClient connects a client, runs the session lines, prepares. */
static void
SetupClient(Client *c)
{
	int			i;
	char		name[16];

	c->conn = Connect();
	for (i = 0; i < sc.nsession; i++)
		PQclear(Exec(c->conn, sc.session[i]));
	for (i = 0; i < sc.nstmts; i++)
	{
		PGresult   *res;

		snprintf(name, sizeof(name), "s%d", i);
		res = PQprepare(c->conn, name, sc.stmts[i], 0, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			Die("cannot prepare: %s  in: %s", PQresultErrorMessage(res), sc.stmts[i]);
		PQclear(res);
	}
	if (PQsetnonblocking(c->conn, 1) != 0 || PQenterPipelineMode(c->conn) != 1)
		Die("cannot enter pipeline mode: %s", PQerrorMessage(c->conn));
}

/* ---- the request loop ---------------------------------------------------- */

/* Record adds a completed request to its thread's outcomes. */
static void
Record(Thread *t, const Inflight *f, int64_t done)
{
	Outcome    *o = NULL;
	int			i;

	for (i = 0; i < t->noutcomes; i++)
		if (t->outcomes[i].req == f->req && strcmp(t->outcomes[i].state, f->state) == 0 &&
			strcmp(t->outcomes[i].label, f->label) == 0)
		{
			o = &t->outcomes[i];
			break;
		}
	if (o == NULL)
	{
		if (t->noutcomes == MAX_OUTCOMES)
			Die("more than %d distinct outcomes", MAX_OUTCOMES);
		o = &t->outcomes[t->noutcomes++];
		memset(o, 0, sizeof(Outcome));
		o->req = f->req;
		memcpy(o->state, f->state, 6);
		memcpy(o->label, f->label, LABEL_LEN);
	}
	if (o->count == o->cap)
	{
		o->cap = o->cap ? o->cap * 2 : 1024;
		o->lat = realloc(o->lat, sizeof(uint64_t) * o->cap);
		if (o->lat == NULL)
			Die("out of memory");
	}
	o->lat[o->count++] = (uint64_t) (done - f->start);
	if (done > o->last)
		o->last = done;
	if (done > t->last_done)
		t->last_done = done;
}

/* ChooseRequest picks a request kind by weight among those possible now. */
static int
ChooseRequest(Client *c)
{
	double		total = 0;
	double		x;
	int			i;

	for (i = 0; i < sc.nrequests; i++)
		if (sc.requests[i].bind == BIND_NONE || PoolHas(c, sc.requests[i].pool))
			total += sc.requests[i].weight;
	x = (double) (Rand(c->rng) >> 11) / 9007199254740992.0 * total;
	for (i = 0; i < sc.nrequests; i++)
		if (sc.requests[i].bind == BIND_NONE || PoolHas(c, sc.requests[i].pool))
		{
			if (x < sc.requests[i].weight)
				return i;
			x -= sc.requests[i].weight;
		}
	for (i = 0; i < sc.nrequests; i++)
		if (sc.requests[i].bind == BIND_NONE && sc.requests[i].weight > 0)
			return i;
	return 0;
}

/*
 * Issue sends one request on a client's connection; returns false when
 * the run issues no more.
 */
static bool
Issue(Client *c, bool measured)
{
	static __thread Buf buf;
	EvalCtx		ctx;
	Request    *r = &sc.requests[0];
	Inflight   *f;
	const char *values[MAX_PARAMS];
	char		stmt[16];
	int			req = 0;
	int			i;

	if (measured && opt_requests > 0 &&
		__atomic_fetch_add(&issued, 1, __ATOMIC_RELAXED) >= opt_requests)
		return false;
	memset(&ctx, 0, sizeof(ctx));
	ctx.client = c;
	for (i = 0; i < 4; i++)
	{
		req = ChooseRequest(c);
		r = &sc.requests[req];
		if (r->bind == BIND_NONE)
			break;
		ctx.entry = PoolGet(c, r->pool, r->bind);
		if (ctx.entry != NULL)
			break;
	}
	if (r->bind != BIND_NONE && ctx.entry == NULL)
	{
		/* a shared pool was emptied meanwhile: fall back to a free request */
		for (req = 0; req < sc.nrequests; req++)
			if (sc.requests[req].bind == BIND_NONE && sc.requests[req].weight > 0)
				break;
		r = &sc.requests[req];
	}
	ctx.req = r;
	f = &c->inflight[(c->head + c->ninflight) % c->depth];
	memset(f, 0, sizeof(Inflight));
	f->req = req;
	f->measured = measured;
	for (i = 0; i < r->nlets; i++)
		ctx.lets[i] = Eval(r->letexpr[i], &ctx);
	if (r->resend)
	{
		f->stmt = ctx.entry->stmt;
		f->nparams = ctx.entry->nparams;
		for (i = 0; i < f->nparams; i++)
			f->params[i] = Xstrdup(ctx.entry->params[i]);
	}
	else
	{
		f->stmt = r->stmt;
		f->nparams = r->nparams;
		for (i = 0; i < r->nparams; i++)
		{
			if (r->params[i].is_null)
			{
				f->params[i] = NULL;
				continue;
			}
			Render(&r->params[i], &ctx, &buf);
			f->params[i] = Xstrdup(buf.data);
		}
	}
	FreeEntry(ctx.entry);
	for (i = 0; i < f->nparams; i++)
		values[i] = f->params[i];
	snprintf(stmt, sizeof(stmt), "s%d", f->stmt);
	f->start = Now();
	if (!PQsendQueryPrepared(c->conn, stmt, f->nparams, values, NULL, NULL, 0) ||
		!PQpipelineSync(c->conn))
		Die("client %d: cannot send: %s", c->id, PQerrorMessage(c->conn));
	c->ninflight++;
	return true;
}

/* Complete handles the Sync that ends the oldest request in flight. */
static void
Complete(Thread *t, Client *c, int64_t done)
{
	Inflight   *f = &c->inflight[c->head];
	Request    *r = &sc.requests[f->req];
	int			i;

	if (!f->got_result)
		strcpy(f->state, "00000");
	if (f->measured)
		Record(t, f, done);
	for (i = 0; i < r->nsaves; i++)
		if ((r->save_on[i][0] == '\0' || strcmp(r->save_on[i], f->state) == 0) && !interrupted)
		{
			Entry	   *e = Xmalloc(sizeof(Entry));
			int			k;

			e->stmt = f->stmt;
			e->nparams = f->nparams;
			e->params = Xmalloc(sizeof(char *) * f->nparams);
			for (k = 0; k < f->nparams; k++)
				e->params[k] = Xstrdup(f->params[k]);
			e->ncols = f->ncols;
			e->names = Xmalloc(sizeof(char *) * f->ncols);
			e->values = Xmalloc(sizeof(char *) * f->ncols);
			for (k = 0; k < f->ncols; k++)
			{
				e->names[k] = Xstrdup(f->names[k]);
				e->values[k] = Xstrdup(f->values[k]);
			}
			PoolPut(c, r->save_pool[i], e);
		}
	for (i = 0; i < f->nparams; i++)
		free(f->params[i]);
	for (i = 0; i < f->ncols; i++)
	{
		free(f->names[i]);
		free(f->values[i]);
	}
	free(f->names);
	free(f->values);
	c->head = (c->head + 1) % c->depth;
	c->ninflight--;
}

/* TakeResult notes a statement result of the oldest request in flight. */
static void
TakeResult(Client *c, PGresult *res)
{
	Inflight   *f = &c->inflight[c->head];
	Request    *r = &sc.requests[f->req];
	ExecStatusType st = PQresultStatus(res);
	int			k;

	f->got_result = true;
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_SINGLE_TUPLE)
		strcpy(f->state, "00000");
	else
	{
		const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (code == NULL)
			Die("client %d: %s", c->id, PQresultErrorMessage(res));
		snprintf(f->state, sizeof(f->state), "%s", code);
	}
	if (r->needs_row && st == PGRES_TUPLES_OK && PQntuples(res) > 0 && f->ncols == 0)
	{
		f->ncols = PQnfields(res);
		f->names = Xmalloc(sizeof(char *) * f->ncols);
		f->values = Xmalloc(sizeof(char *) * f->ncols);
		for (k = 0; k < f->ncols; k++)
		{
			f->names[k] = Xstrdup(PQfname(res, k));
			f->values[k] = PQgetisnull(res, 0, k) ? Xstrdup("") : Xstrdup(PQgetvalue(res, 0, k));
			if (r->label != NULL && strcmp(f->names[k], r->label) == 0)
				snprintf(f->label, LABEL_LEN, "%s=%s", r->label, f->values[k]);
		}
	}
}

/* Drain reads what a connection has; returns false if it was lost. */
static bool
Drain(Thread *t, Client *c)
{
	if (!PQconsumeInput(c->conn))
		return false;
	while (c->ninflight > 0 && !PQisBusy(c->conn))
	{
		Inflight   *f = &c->inflight[c->head];
		PGresult   *res = PQgetResult(c->conn);

		if (res == NULL)
		{
			if (!f->got_result || f->got_null)
				break;			/* nothing more yet */
			f->got_null = true;
			continue;
		}
		if (PQresultStatus(res) == PGRES_PIPELINE_SYNC)
		{
			PQclear(res);
			Complete(t, c, Now());
			continue;
		}
		if (!f->got_null)
			TakeResult(c, res);
		PQclear(res);
	}
	return true;
}

/* ThreadMain drives a thread's clients until the run ends. */
static void *
ThreadMain(void *arg)
{
	Thread	   *t = arg;
	struct pollfd *fds = Xmalloc(sizeof(struct pollfd) * t->nclients);
	bool		stopping = false;
	int			i;

	for (;;)
	{
		int64_t		now = Now();
		int			active = 0;
		int			timeout;

		if (interrupted || (opt_requests == 0 && now >= t_end))
			stopping = true;
		for (i = 0; i < t->nclients; i++)
		{
			Client	   *c = t->clients[i];

			while (!stopping && c->ninflight < c->depth)
			{
				if (!Issue(c, now >= t_measure))
				{
					stopping = true;
					break;
				}
			}
			if (c->ninflight > 0)
			{
				int			fl = PQflush(c->conn);

				if (fl < 0)
					Die("client %d: %s", c->id, PQerrorMessage(c->conn));
				c->want_write = fl == 1;
				active++;
			}
			fds[i].fd = PQsocket(c->conn);
			fds[i].events = c->ninflight > 0 ? POLLIN | (c->want_write ? POLLOUT : 0) : 0;
			fds[i].revents = 0;
		}
		if (stopping && active == 0)
			break;
		timeout = -1;
		if (!stopping)
		{
			int64_t		next = now < t_measure ? t_measure : t_end;

			if (opt_requests == 0 || now < t_measure)
				timeout = (int) ((next - now) / 1000000) + 1;
		}
		if (interrupted)
			timeout = 100;
		if (poll(fds, t->nclients, timeout) < 0 && errno != EINTR)
			Die("poll: %s", strerror(errno));
		for (i = 0; i < t->nclients; i++)
		{
			Client	   *c = t->clients[i];

			if (fds[i].revents == 0)
				continue;
			if (!Drain(t, c))
				Die("client %d: connection lost: %s", c->id, PQerrorMessage(c->conn));
		}
	}
	free(fds);
	return NULL;
}

/* ---- report -------------------------------------------------------------- */

/* CompareU64 orders latencies. */
static int
CompareU64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *) a;
	uint64_t	y = *(const uint64_t *) b;

	return x < y ? -1 : x > y;
}

/* Percentile returns the nearest-rank percentile of sorted values, in ms. */
static double
Percentile(const uint64_t *v, int64_t n, double q)
{
	int64_t		k;

	if (n == 0)
		return 0;
	k = (int64_t) (q * n);
	if (k >= n)
		k = n - 1;
	return v[k] / 1e6;
}

/* A merged outcome with its figures. */
typedef struct Figure
{
	const char *request;
	char		outcome[LABEL_LEN + 8];
	int64_t		count;
	double		rate;
	double		p50,
				p90,
				p99;
	double		last;			/* seconds from the start of the measured phase */
} Figure;

/* JsonString writes s as a JSON string. */
static void
JsonString(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
	{
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char) *s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* Report merges the threads' outcomes and prints and writes the figures. */
static void
Report(Thread *threads, double elapsed, double cpu)
{
	Figure	   *figs = Xmalloc(sizeof(Figure) * (MAX_OUTCOMES + 1));
	const Outcome *keys[MAX_OUTCOMES];
	int			nfigs = 0;
	uint64_t   *all;
	int64_t		nall = 0;
	int64_t		total = 0;
	long		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int			t;
	int			i;
	int			j;
	int			k;
	FILE	   *f;

	for (t = 0; t < opt_threads; t++)
		for (i = 0; i < threads[t].noutcomes; i++)
			total += threads[t].outcomes[i].count;
	all = Xmalloc(sizeof(uint64_t) * (total + 1));

	/* the distinct outcomes, in request order */
	for (k = 0; k < sc.nrequests; k++)
		for (t = 0; t < opt_threads; t++)
			for (i = 0; i < threads[t].noutcomes; i++)
			{
				const Outcome *o = &threads[t].outcomes[i];

				if (o->req != k)
					continue;
				for (j = 0; j < nfigs; j++)
					if (keys[j]->req == k && strcmp(keys[j]->state, o->state) == 0 &&
						strcmp(keys[j]->label, o->label) == 0)
						break;
				if (j == nfigs && nfigs < MAX_OUTCOMES)
					keys[nfigs++] = o;
			}

	/* one figure per distinct outcome, and the total */
	for (j = 0; j < nfigs; j++)
	{
		const Outcome *key = keys[j];
		uint64_t   *lat = Xmalloc(sizeof(uint64_t) * (total + 1));
		int64_t		n = 0;

		figs[j].last = 0;
		for (t = 0; t < opt_threads; t++)
			for (i = 0; i < threads[t].noutcomes; i++)
			{
				const Outcome *o = &threads[t].outcomes[i];

				if (o->req == key->req && strcmp(o->state, key->state) == 0 &&
					strcmp(o->label, key->label) == 0)
				{
					if ((o->last - t_measure) / 1e9 > figs[j].last)
						figs[j].last = (o->last - t_measure) / 1e9;
					memcpy(lat + n, o->lat, sizeof(uint64_t) * o->count);
					memcpy(all + nall, o->lat, sizeof(uint64_t) * o->count);
					n += o->count;
					nall += o->count;
				}
			}
		qsort(lat, n, sizeof(uint64_t), CompareU64);
		figs[j].request = sc.requests[key->req].name;
		if (key->label[0] != '\0')
			snprintf(figs[j].outcome, sizeof(figs[j].outcome), "%s %s", key->state, key->label);
		else
			snprintf(figs[j].outcome, sizeof(figs[j].outcome), "%s", key->state);
		figs[j].count = n;
		figs[j].rate = elapsed > 0 ? n / elapsed : 0;
		figs[j].p50 = Percentile(lat, n, 0.50);
		figs[j].p90 = Percentile(lat, n, 0.90);
		figs[j].p99 = Percentile(lat, n, 0.99);
		free(lat);
	}
	qsort(all, nall, sizeof(uint64_t), CompareU64);
	figs[nfigs].request = "total";
	strcpy(figs[nfigs].outcome, "all");
	figs[nfigs].count = nall;
	figs[nfigs].rate = elapsed > 0 ? nall / elapsed : 0;
	figs[nfigs].p50 = Percentile(all, nall, 0.50);
	figs[nfigs].p90 = Percentile(all, nall, 0.90);
	figs[nfigs].p99 = Percentile(all, nall, 0.99);
	figs[nfigs].last = elapsed;

	if (!opt_quiet)
	{
		printf("scenario %s: %d clients, %d threads, depth %d, %.1f s measured",
			   sc.name, opt_clients, opt_threads, opt_depth, elapsed);
		if (opt_requests > 0)
			printf(" (%" PRId64 " requests)", opt_requests);
		printf(", %.0f s warm-up%s\n", opt_warmup, interrupted ? ", interrupted" : "");
		printf("%-14s %-24s %10s %10s %8s %8s %8s\n", "request", "outcome", "count", "rate/s",
			   "p50 ms", "p90 ms", "p99 ms");
		for (i = 0; i <= nfigs; i++)
			printf("%-14s %-24s %10" PRId64 " %10.1f %8.2f %8.2f %8.2f\n", figs[i].request,
				   figs[i].outcome, figs[i].count, figs[i].rate, figs[i].p50, figs[i].p90,
				   figs[i].p99);
		printf("driver: %.2f s CPU, %.1f us per request, %.1f %% of %ld cores\n", cpu,
			   nall > 0 ? cpu * 1e6 / nall : 0.0,
			   elapsed > 0 ? 100.0 * cpu / (elapsed * ncpu) : 0.0, ncpu);
	}
	if (opt_tsv != NULL)
	{
		if ((f = fopen(opt_tsv, "w")) == NULL)
			Die("cannot write %s: %s", opt_tsv, strerror(errno));
		fprintf(f, "request\toutcome\tcount\trate\tp50_ms\tp90_ms\tp99_ms\tlast_s\n");
		for (i = 0; i <= nfigs; i++)
			fprintf(f, "%s\t%s\t%" PRId64 "\t%.1f\t%.3f\t%.3f\t%.3f\t%.3f\n", figs[i].request,
					figs[i].outcome, figs[i].count, figs[i].rate, figs[i].p50, figs[i].p90,
					figs[i].p99, figs[i].last);
		fprintf(f, "driver\tcpu_us_per_request\t%" PRId64 "\t%.2f\t0\t0\t0\t%.3f\n", nall,
				nall > 0 ? cpu * 1e6 / nall : 0.0, cpu);
		fclose(f);
	}
	if (opt_json != NULL)
	{
		if ((f = fopen(opt_json, "w")) == NULL)
			Die("cannot write %s: %s", opt_json, strerror(errno));
		fprintf(f, "{\n  \"scenario\": ");
		JsonString(f, sc.name);
		fprintf(f, ",\n  \"clients\": %d,\n  \"threads\": %d,\n  \"depth\": %d,\n"
				"  \"seconds\": %.3f,\n  \"requests\": %" PRId64 ",\n  \"warmup_seconds\": %.1f,\n"
				"  \"interrupted\": %s,\n  \"driver_cpu_seconds\": %.3f,\n"
				"  \"driver_cpu_us_per_request\": %.2f,\n  \"outcomes\": [\n",
				opt_clients, opt_threads, opt_depth, elapsed, nall, opt_warmup,
				interrupted ? "true" : "false", cpu, nall > 0 ? cpu * 1e6 / nall : 0.0);
		for (i = 0; i <= nfigs; i++)
		{
			fprintf(f, "    {\"request\": ");
			JsonString(f, figs[i].request);
			fprintf(f, ", \"outcome\": ");
			JsonString(f, figs[i].outcome);
			fprintf(f, ", \"count\": %" PRId64 ", \"rate\": %.1f, \"p50_ms\": %.3f, "
					"\"p90_ms\": %.3f, \"p99_ms\": %.3f, \"last_s\": %.3f}%s\n", figs[i].count,
					figs[i].rate, figs[i].p50, figs[i].p90, figs[i].p99, figs[i].last,
					i < nfigs ? "," : "");
		}
		fprintf(f, "  ]\n}\n");
		fclose(f);
	}
	free(all);
	free(figs);
}

/* ---- main ---------------------------------------------------------------- */

/* Usage prints the options. */
static void
Usage(void)
{
	printf("Usage: drive [OPTION]... SCENARIO-FILE\n"
		   "Runs a scenario's requests on N connections and reports each outcome\n"
		   "(SQLSTATE) with its count, rate and latency percentiles.\n\n"
		   "  -c, --clients N      connections (default 32)\n"
		   "  -j, --threads N      driver threads (default 2)\n"
		   "  -T, --seconds S      measured duration (default 10)\n"
		   "  -n, --requests N     a fixed number of measured requests instead\n"
		   "  -w, --warmup S       unmeasured seconds before (default 0)\n"
		   "      --depth N        requests in flight per connection (default 1)\n"
		   "  -D, --define N=V     a variable for the scenario's templates\n"
		   "  -d, --dbname CONN    connection string (default: PG* environment)\n"
		   "      --json FILE      write the figures as JSON\n"
		   "      --tsv FILE       write the figures tab-separated\n"
		   "      --seed N         random seed (default: from the clock)\n"
		   "  -q, --quiet          no table on standard output\n");
}

int
main(int argc, char **argv)
{
	static struct option longopts[] = {
		{"clients", required_argument, NULL, 'c'},
		{"threads", required_argument, NULL, 'j'},
		{"seconds", required_argument, NULL, 'T'},
		{"requests", required_argument, NULL, 'n'},
		{"warmup", required_argument, NULL, 'w'},
		{"depth", required_argument, NULL, 1},
		{"define", required_argument, NULL, 'D'},
		{"dbname", required_argument, NULL, 'd'},
		{"json", required_argument, NULL, 2},
		{"tsv", required_argument, NULL, 3},
		{"seed", required_argument, NULL, 4},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	Thread	   *threads;
	Client	   *clients;
	double		cpu0 = 0;
	int64_t		last;
	int			ch;
	int			i;

	while ((ch = getopt_long(argc, argv, "c:j:T:n:w:D:d:qh", longopts, NULL)) != -1)
	{
		switch (ch)
		{
			case 'c':
				opt_clients = atoi(optarg);
				cl_clients = true;
				break;
			case 'j':
				opt_threads = atoi(optarg);
				cl_threads = true;
				break;
			case 'T':
				opt_seconds = atof(optarg);
				opt_requests = 0;
				cl_seconds = true;
				cl_requests = false;
				break;
			case 'n':
				opt_requests = atoll(optarg);
				cl_requests = true;
				cl_seconds = false;
				break;
			case 'w':
				opt_warmup = atof(optarg);
				cl_warmup = true;
				break;
			case 1:
				opt_depth = atoi(optarg);
				cl_depth = true;
				break;
			case 'D':
				{
					char	   *eq = strchr(optarg, '=');

					if (eq == NULL)
						Die("-D wants NAME=VALUE");
					*eq = '\0';
					AddDefine(optarg, eq + 1, true);
					break;
				}
			case 'd':
				opt_conninfo = optarg;
				break;
			case 2:
				opt_json = optarg;
				break;
			case 3:
				opt_tsv = optarg;
				break;
			case 4:
				opt_seed = strtoull(optarg, NULL, 10);
				break;
			case 'q':
				opt_quiet = true;
				break;
			case 'h':
				Usage();
				return 0;
			default:
				Usage();
				return 2;
		}
	}
	if (optind != argc - 1)
	{
		Usage();
		return 2;
	}
	LoadScenario(argv[optind]);
	if (opt_clients < 1 || opt_threads < 1 || opt_depth < 1 || opt_depth > 1000 ||
		(opt_requests == 0 && opt_seconds <= 0) || opt_warmup < 0)
		Die("bad clients, threads, depth, seconds, requests or warm-up");
	if (opt_threads > opt_clients)
		opt_threads = opt_clients;
	if (opt_seed == 0)
		opt_seed = (uint64_t) Now() ^ ((uint64_t) getpid() << 32);

	if (setup_conn != NULL)
		PQfinish(setup_conn);
	for (i = 0; i < sc.npools; i++)
	{
		pthread_mutex_init(&sc.shared[i].lock, NULL);
		sc.shared[i].newest = -1;
	}

	clients = Xmalloc(sizeof(Client) * opt_clients);
	memset(clients, 0, sizeof(Client) * opt_clients);
	for (i = 0; i < opt_clients; i++)
	{
		Client	   *c = &clients[i];
		int			k;

		c->id = i;
		c->rng[0] = Mix(opt_seed + 2 * i + 1);
		c->rng[1] = Mix(opt_seed + 2 * i + 2) | 1;
		c->depth = opt_depth;
		c->inflight = Xmalloc(sizeof(Inflight) * opt_depth);
		for (k = 0; k < MAX_POOLS; k++)
			c->pools[k].newest = -1;
		SetupClient(c);
	}
	threads = Xmalloc(sizeof(Thread) * opt_threads);
	memset(threads, 0, sizeof(Thread) * opt_threads);
	for (i = 0; i < opt_threads; i++)
		threads[i].clients = Xmalloc(sizeof(Client *) * opt_clients);
	for (i = 0; i < opt_clients; i++)
	{
		Thread	   *t = &threads[i % opt_threads];

		t->clients[t->nclients++] = &clients[i];
	}

	signal(SIGINT, OnSignal);
	signal(SIGTERM, OnSignal);
	t_start = Now();
	t_measure = t_start + (int64_t) (opt_warmup * 1e9);
	t_end = t_measure + (int64_t) (opt_seconds * 1e9);
	for (i = 0; i < opt_threads; i++)
		if (pthread_create(&threads[i].tid, NULL, ThreadMain, &threads[i]) != 0)
			Die("cannot start a thread");

	/* the driver's own CPU time is counted from the measured phase on */
	{
		struct timespec ts;

		ts.tv_sec = t_measure / 1000000000;
		ts.tv_nsec = t_measure % 1000000000;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !interrupted)
			;
		cpu0 = CpuSeconds();
	}
	last = t_measure;
	for (i = 0; i < opt_threads; i++)
	{
		pthread_join(threads[i].tid, NULL);
		if (threads[i].last_done > last)
			last = threads[i].last_done;
	}

	Report(threads, (last - t_measure) / 1e9, CpuSeconds() - cpu0);
	for (i = 0; i < opt_clients; i++)
		PQfinish(clients[i].conn);
	return 0;
}
