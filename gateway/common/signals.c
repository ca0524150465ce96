/*-------------------------------------------------------------------------
 *
 * signals.c
 *	  Signals of passport's daemons, PgBouncer's way: SIGTERM and SIGINT
 *	  ask for a clean shutdown (drain, then exit), SIGHUP for a reload of
 *	  the configuration.  They are blocked in every thread and taken
 *	  synchronously by the main thread with sigtimedwait(), so no handler
 *	  runs inside library code; SIGPIPE is ignored (a client that goes away
 *	  is an error return, not a death).
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "daemon.h"

static sigset_t daemon_signals;

/* DaemonSignalsBlock blocks the daemon's signals; call before any thread. */
void
DaemonSignalsBlock(void)
{
	struct sigaction sa;

	sigemptyset(&daemon_signals);
	sigaddset(&daemon_signals, SIGTERM);
	sigaddset(&daemon_signals, SIGINT);
	sigaddset(&daemon_signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &daemon_signals, NULL);

	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
}

/* DaemonWaitSignal waits up to timeout_ms for a daemon signal. */
DaemonSignal
DaemonWaitSignal(int timeout_ms)
{
	struct timespec ts;
	int			sig;

	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (long) (timeout_ms % 1000) * 1000000L;
	sig = sigtimedwait(&daemon_signals, NULL, &ts);
	if (sig == SIGTERM || sig == SIGINT)
		return DAEMON_SIGNAL_TERMINATE;
	if (sig == SIGHUP)
		return DAEMON_SIGNAL_RELOAD;
	return DAEMON_SIGNAL_NONE;
}
