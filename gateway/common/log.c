/*-------------------------------------------------------------------------
 *
 * log.c
 *	  Log lines of passport's daemons: one write per line to stderr, with a
 *	  timestamp, the process id and a level.  What goes in is the daemon's
 *	  own wording; senders only through LogMaskSender.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

static LogLevel log_level = LOGLEVEL_INFO;
static char log_progname[64] = "passport";

static const char *const level_names[] = {"DEBUG", "LOG", "WARNING", "ERROR"};

/* LogInit names the program in the lines (kept for messages of libraries). */
void
LogInit(const char *progname)
{
	snprintf(log_progname, sizeof(log_progname), "%s", progname);
}

/* LogSetLevel sets the least severe level written. */
void
LogSetLevel(LogLevel level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

/* LogParseLevel reads debug, info, warning or error. */
bool
LogParseLevel(const char *name, LogLevel *level)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	int			i;

	for (i = 0; i < 4; i++)
	{
		if (name != NULL && strcasecmp(name, names[i]) == 0)
		{
			*level = (LogLevel) i;
			return true;
		}
	}
	return false;
}

/* LogWrite writes one line if level is enabled. */
void
LogWrite(LogLevel level, const char *fmt,...)
{
	char		line[1024];
	struct timeval tv;
	struct tm	tm;
	size_t		n;
	int			k;
	va_list		ap;

	if (level < __atomic_load_n(&log_level, __ATOMIC_RELAXED))
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S", &tm);
	k = snprintf(line + n, sizeof(line) - n, ".%03d UTC [%d] %s: ",
				 (int) (tv.tv_usec / 1000), (int) getpid(), level_names[level]);
	if (k > 0)
		n += k;
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (k > 0)
		n += ((size_t) k < sizeof(line) - n - 1) ? (size_t) k : sizeof(line) - n - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
	{
		/* nowhere else to report it */
	}
}

/*
 * LogMaskSender keeps three leading and two trailing characters (digits and
 * '+' only; anything else shows as '?', so no value can forge a log line).
 */
const char *
LogMaskSender(const char *sender, char *buf, size_t buflen)
{
	size_t		len = sender != NULL ? strlen(sender) : 0;
	size_t		i;

	if (buflen == 0)
		return buf;
	if (len > buflen - 1)
		len = buflen - 1;
	for (i = 0; i < len; i++)
	{
		if (len >= 8 && (i < 3 || i >= len - 2))
			buf[i] = (sender[i] >= '0' && sender[i] <= '9') || sender[i] == '+' ? sender[i] : '?';
		else
			buf[i] = '*';
	}
	buf[len] = '\0';
	return buf;
}
