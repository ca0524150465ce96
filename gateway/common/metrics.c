/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  A process-wide registry of counters, gauges and histograms, rendered
 *	  in the Prometheus text exposition format (version 0.0.4): one HELP
 *	  and TYPE line per name, then its series, histograms as cumulative
 *	  _bucket{le=...} lines with _sum and _count.
 *
 * Counters are updated with atomic additions; gauges and histograms under
 * a small lock of their own.  Registration takes the registry's lock and
 * returns the existing metric for a name and label list already known.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

#define MAX_METRICS 512
#define MAX_BOUNDS 24

typedef enum MetricKind
{
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM
} MetricKind;

struct Metric
{
	MetricKind	kind;
	char	   *name;
	char	   *labels;			/* NULL or 'a="b",c="d"' */
	char	   *help;
	uint64_t	count;			/* counter value; histogram count */
	double		value;			/* gauge value; histogram sum */
	MetricValueFn fn;			/* gauge computed when rendered */
	void	   *fn_arg;
	int			nbounds;
	double		bounds[MAX_BOUNDS];
	uint64_t	buckets[MAX_BOUNDS];	/* per bucket, not cumulative */
	pthread_mutex_t lock;
};

const double MetricsLatencyBuckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
	0.25, 0.5, 1, 2.5, 5, 10};
const int	MetricsLatencyBucketCount = 13;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static Metric *registry[MAX_METRICS];
static int	nmetrics = 0;

/* Register finds or creates a metric of a name and label list. */
static Metric *
Register(MetricKind kind, const char *name, const char *labels, const char *help)
{
	Metric	   *m = NULL;
	int			i;

	pthread_mutex_lock(&registry_lock);
	for (i = 0; i < nmetrics; i++)
	{
		Metric	   *r = registry[i];

		if (strcmp(r->name, name) == 0 &&
			((r->labels == NULL && labels == NULL) ||
			 (r->labels != NULL && labels != NULL && strcmp(r->labels, labels) == 0)))
		{
			m = r;
			break;
		}
	}
	if (m == NULL)
	{
		if (nmetrics == MAX_METRICS)
		{
			pthread_mutex_unlock(&registry_lock);
			LogError("too many metrics (%d)", MAX_METRICS);
			abort();
		}
		m = PdAllocZero(sizeof(Metric));
		m->kind = kind;
		m->name = PdStrdup(name);
		m->labels = labels != NULL && labels[0] != '\0' ? PdStrdup(labels) : NULL;
		m->help = PdStrdup(help);
		pthread_mutex_init(&m->lock, NULL);
		registry[nmetrics++] = m;
	}
	pthread_mutex_unlock(&registry_lock);
	return m;
}

/* MetricsCounter registers (or finds) a counter. */
Metric *
MetricsCounter(const char *name, const char *labels, const char *help)
{
	return Register(METRIC_COUNTER, name, labels, help);
}

/* MetricsCounterCached registers a counter on first use and keeps it. */
Metric *
MetricsCounterCached(Metric **slot, const char *name, const char *labels, const char *help)
{
	Metric	   *m = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (m == NULL)
	{
		m = MetricsCounter(name, labels, help);
		__atomic_store_n(slot, m, __ATOMIC_RELEASE);
	}
	return m;
}

/* MetricsGauge registers (or finds) a gauge set with MetricSet. */
Metric *
MetricsGauge(const char *name, const char *labels, const char *help)
{
	return Register(METRIC_GAUGE, name, labels, help);
}

/* MetricsGaugeFunc registers a gauge whose value fn computes when rendered. */
Metric *
MetricsGaugeFunc(const char *name, const char *labels, const char *help,
				 MetricValueFn fn, void *arg)
{
	Metric	   *m = Register(METRIC_GAUGE, name, labels, help);

	pthread_mutex_lock(&m->lock);
	m->fn = fn;
	m->fn_arg = arg;
	pthread_mutex_unlock(&m->lock);
	return m;
}

/* MetricsHistogram registers (or finds) a histogram with upper bounds. */
Metric *
MetricsHistogram(const char *name, const char *labels, const char *help,
				 const double *bounds, int nbounds)
{
	Metric	   *m = Register(METRIC_HISTOGRAM, name, labels, help);

	pthread_mutex_lock(&m->lock);
	if (m->nbounds == 0)
	{
		m->nbounds = nbounds > MAX_BOUNDS ? MAX_BOUNDS : nbounds;
		memcpy(m->bounds, bounds, sizeof(double) * m->nbounds);
	}
	pthread_mutex_unlock(&m->lock);
	return m;
}

/* MetricInc adds one to a counter. */
void
MetricInc(Metric *m)
{
	MetricAdd(m, 1);
}

/* MetricAdd adds n to a counter. */
void
MetricAdd(Metric *m, uint64_t n)
{
	if (m != NULL)
		__atomic_fetch_add(&m->count, n, __ATOMIC_RELAXED);
}

/* MetricCount returns a counter's value (or a histogram's count). */
uint64_t
MetricCount(Metric *m)
{
	return m != NULL ? __atomic_load_n(&m->count, __ATOMIC_RELAXED) : 0;
}

/* MetricSet sets a gauge. */
void
MetricSet(Metric *m, double value)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	m->value = value;
	pthread_mutex_unlock(&m->lock);
}

/* MetricObserve records one observation in a histogram. */
void
MetricObserve(Metric *m, double value)
{
	int			i;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nbounds; i++)
		if (value <= m->bounds[i])
			break;
	if (i < m->nbounds)
		m->buckets[i]++;
	m->count++;
	m->value += value;
	pthread_mutex_unlock(&m->lock);
}

/* AppendNumber writes a value as Prometheus expects it. */
static void
AppendNumber(StrBuf *out, double v)
{
	if (isnan(v))
		StrBufAppendStr(out, "NaN");
	else if (isinf(v))
		StrBufAppendStr(out, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		StrBufPrintf(out, "%.0f", v);
	else
		StrBufPrintf(out, "%.9g", v);
}

/* AppendSeries writes name{labels[,extra]} value. */
static void
AppendSeries(StrBuf *out, const char *name, const char *suffix, const char *labels,
			 const char *extra, double v)
{
	StrBufAppendStr(out, name);
	StrBufAppendStr(out, suffix);
	if (labels != NULL || extra != NULL)
	{
		StrBufAppendChar(out, '{');
		if (labels != NULL)
			StrBufAppendStr(out, labels);
		if (labels != NULL && extra != NULL)
			StrBufAppendChar(out, ',');
		if (extra != NULL)
			StrBufAppendStr(out, extra);
		StrBufAppendChar(out, '}');
	}
	StrBufAppendChar(out, ' ');
	AppendNumber(out, v);
	StrBufAppendChar(out, '\n');
}

/* RenderOne writes the series of one metric. */
static void
RenderOne(StrBuf *out, Metric *m)
{
	switch (m->kind)
	{
		case METRIC_COUNTER:
			AppendSeries(out, m->name, "", m->labels, NULL, (double) MetricCount(m));
			break;
		case METRIC_GAUGE:
			{
				double		v;

				pthread_mutex_lock(&m->lock);
				v = m->fn != NULL ? m->fn(m->fn_arg) : m->value;
				pthread_mutex_unlock(&m->lock);
				AppendSeries(out, m->name, "", m->labels, NULL, v);
				break;
			}
		case METRIC_HISTOGRAM:
			{
				uint64_t	cum = 0;
				uint64_t	count;
				double		sum;
				uint64_t	buckets[MAX_BOUNDS];
				int			i;
				char		le[64];

				pthread_mutex_lock(&m->lock);
				memcpy(buckets, m->buckets, sizeof(buckets));
				count = m->count;
				sum = m->value;
				pthread_mutex_unlock(&m->lock);
				for (i = 0; i < m->nbounds; i++)
				{
					cum += buckets[i];
					snprintf(le, sizeof(le), "le=\"%g\"", m->bounds[i]);
					AppendSeries(out, m->name, "_bucket", m->labels, le, (double) cum);
				}
				AppendSeries(out, m->name, "_bucket", m->labels, "le=\"+Inf\"", (double) count);
				AppendSeries(out, m->name, "_sum", m->labels, NULL, sum);
				AppendSeries(out, m->name, "_count", m->labels, NULL, (double) count);
				break;
			}
	}
}

/* MetricsRender writes every metric, grouped by name. */
void
MetricsRender(StrBuf *out)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	Metric	   *snapshot[MAX_METRICS];
	bool		done[MAX_METRICS];
	int			n,
				i,
				j;

	pthread_mutex_lock(&registry_lock);
	n = nmetrics;
	memcpy(snapshot, registry, sizeof(Metric *) * n);
	pthread_mutex_unlock(&registry_lock);
	memset(done, 0, sizeof(done));
	for (i = 0; i < n; i++)
	{
		if (done[i])
			continue;
		StrBufPrintf(out, "# HELP %s %s\n# TYPE %s %s\n", snapshot[i]->name, snapshot[i]->help,
					 snapshot[i]->name, types[snapshot[i]->kind]);
		for (j = i; j < n; j++)
		{
			if (!done[j] && strcmp(snapshot[j]->name, snapshot[i]->name) == 0)
			{
				RenderOne(out, snapshot[j]);
				done[j] = true;
			}
		}
	}
}
