/*-------------------------------------------------------------------------
 *
 * dashboard.c
 *	  The office dashboard of passport-screens: a page drawn on the server
 *	  as HTML with SVG charts from the passport.dashboard_* functions, read
 *	  as the viewer's own login so that PostgreSQL decides who sees what.
 *
 * The request's Basic credentials open a libpq connection as that login
 * (PostgreSQL checks the password; nothing is kept after the request).
 * A connection the server let in without asking for the password (trust
 * or peer authentication) is refused unless dashboard_require_password is
 * off, so that a careless dashboard_conninfo cannot open every login.
 * Reporters and administrators see every office, officers the offices
 * they are bound to; the functions raise 42501 otherwise (403 here) and
 * PP011 for an unknown office (404).  Every value drawn is escaped; none
 * is personal data (the functions return counts and times only).
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "daemon.h"
#include "screens.h"

#define LOGIN_MAX 64
#define PASSWORD_MAX 256

/* Esc appends a result value escaped for HTML. */
static void
Esc(StrBuf *b, PGresult *res, int row, int col)
{
	StrBufAppendHtml(b, PQgetisnull(res, row, col) ? "–" : PQgetvalue(res, row, col));
}

/* TableRow writes one table row of the given columns of a result row, escaped. */
static void
TableRow(StrBuf *b, PGresult *res, int row, const int *cols, int ncols)
{
	int			i;

	StrBufAppendStr(b, "<tr>");
	for (i = 0; i < ncols; i++)
	{
		StrBufAppendStr(b, "<td>");
		Esc(b, res, row, cols[i]);
		StrBufAppendStr(b, "</td>");
	}
	StrBufAppendStr(b, "</tr>\n");
}

/* Num reads a result value as a number (0 for NULL). */
static double
Num(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : strtod(PQgetvalue(res, row, col), NULL);
}

/* Query runs one dashboard function; NULL with sqlstate set on error. */
static PGresult *
Query(PGconn *conn, const char *sql, const char *code, int arg, char *sqlstate)
{
	char		argtext[16];
	const char *values[2];
	PGresult   *res;

	snprintf(argtext, sizeof(argtext), "%d", arg);
	values[0] = code;
	values[1] = argtext;
	res = PQexecParams(conn, sql, strstr(sql, "$2") != NULL ? 2 : 1, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	snprintf(sqlstate, 6, "%s", PQresultErrorField(res, PG_DIAG_SQLSTATE) != NULL
			 ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : "08000");
	PQclear(res);
	return NULL;
}

/* Heading appends a section heading in Indonesian with English. */
static void
Heading(StrBuf *b, const char *id, const char *en)
{
	StrBufPrintf(b, "<section>\n<h2>%s <span lang=\"en\">%s</span></h2>\n", id, en);
}

/* Queue draws today's queue per lane. */
static void
Queue(StrBuf *b, PGresult *res)
{
	int			i;

	Heading(b, "Antrean hari ini", "Today's queue");
	StrBufAppendStr(b, "<table id=\"queue\">\n<thead><tr><th>Jalur <span lang=\"en\">Lane</span></th>"
					"<th>Tiket <span lang=\"en\">Tickets</span></th><th>Menunggu <span lang=\"en\">Waiting</span></th>"
					"<th>Dipanggil <span lang=\"en\">Called</span></th><th>Dilayani <span lang=\"en\">Serving</span></th>"
					"<th>Selesai <span lang=\"en\">Served</span></th><th>Tidak hadir <span lang=\"en\">Missed</span></th>"
					"<th>Tunggu rata-rata <span lang=\"en\">Mean wait</span></th><th>Tunggu p90 <span lang=\"en\">p90 wait</span></th>"
					"<th>Layanan rata-rata <span lang=\"en\">Mean service</span></th></tr></thead>\n<tbody>\n");
	for (i = 0; i < PQntuples(res); i++)
	{
		int			col;

		StrBufAppendStr(b, "<tr data-lane=\"");
		Esc(b, res, i, 0);
		StrBufAppendStr(b, "\"><th>");
		Esc(b, res, i, 1);
		StrBufAppendStr(b, " · ");
		Esc(b, res, i, 2);
		StrBufAppendStr(b, " <span lang=\"en\">");
		Esc(b, res, i, 3);
		StrBufAppendStr(b, "</span></th>");
		for (col = 4; col <= 9; col++)
		{
			StrBufAppendStr(b, "<td>");
			Esc(b, res, i, col);
			StrBufAppendStr(b, "</td>");
		}
		for (col = 10; col <= 12; col++)
		{
			StrBufAppendStr(b, "<td>");
			Esc(b, res, i, col);
			StrBufAppendStr(b, PQgetisnull(res, i, col) ? "</td>" : " min</td>");
		}
		StrBufAppendStr(b, "</tr>\n");
	}
	StrBufAppendStr(b, "</tbody>\n</table>\n</section>\n");
}

/* HeatColour is the fill of a heatmap cell by the share booked. */
static const char *
HeatColour(double booked, double capacity)
{
	double		r;

	if (capacity <= 0)
		return "#eeeeee";
	r = booked / capacity;
	if (r <= 0)
		return "#f1f8e9";
	if (r < 0.25)
		return "#c5e1a5";
	if (r < 0.5)
		return "#ffe082";
	if (r < 0.75)
		return "#ffb74d";
	if (r < 1)
		return "#f4511e";
	return "#b71c1c";
}

/* Heatmap draws slots (rows) by days (columns), booked against capacity. */
static void
Heatmap(StrBuf *b, PGresult *res, int days)
{
	char		times[96][9];
	char		dates[64][11];
	int			ntimes = 0;
	int			ndates = 0;
	int			i;
	int			j;
	const int	cw = 34,
				ch = 20,
				left = 52,
				top = 44;

	for (i = 0; i < PQntuples(res); i++)
	{
		const char *d = PQgetvalue(res, i, 0);
		const char *t = PQgetvalue(res, i, 1);

		for (j = 0; j < ndates && strcmp(dates[j], d) != 0; j++)
			;
		if (j == ndates && ndates < 64)
			snprintf(dates[ndates++], sizeof(dates[0]), "%s", d);
		for (j = 0; j < ntimes && strncmp(times[j], t, 5) != 0; j++)
			;
		if (j == ntimes && ntimes < 96)
			snprintf(times[ntimes++], sizeof(times[0]), "%.5s", t);
	}
	/* rows come ordered by date then time: sort the times */
	for (i = 1; i < ntimes; i++)
		for (j = i; j > 0 && strcmp(times[j - 1], times[j]) > 0; j--)
		{
			char		tmp[9];

			memcpy(tmp, times[j], sizeof(tmp));
			memcpy(times[j], times[j - 1], sizeof(tmp));
			memcpy(times[j - 1], tmp, sizeof(tmp));
		}

	Heading(b, "Keterisian hari-hari mendatang", "How full the coming days are");
	StrBufPrintf(b, "<p class=\"note\">%d hari, terisi/kapasitas per slot · <span lang=\"en\">%d days, booked/capacity per slot</span></p>\n",
				 days, days);
	if (ndates == 0)
	{
		StrBufAppendStr(b, "<p class=\"empty\">Belum ada slot. <span lang=\"en\">No slots released.</span></p>\n</section>\n");
		return;
	}
	StrBufPrintf(b, "<svg id=\"heatmap\" role=\"img\" aria-label=\"heatmap\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
				 "xmlns=\"http://www.w3.org/2000/svg\">\n",
				 left + ndates * cw + 4, top + ntimes * ch + 40, left + ndates * cw + 4, top + ntimes * ch + 40);
	for (j = 0; j < ndates; j++)
		StrBufPrintf(b, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.2s/%.2s</text>\n",
					 left + j * cw + cw / 2, top - 8, dates[j] + 8, dates[j] + 5);
	for (i = 0; i < ntimes; i++)
		StrBufPrintf(b, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
					 left - 6, top + i * ch + ch - 6, times[i]);
	for (i = 0; i < PQntuples(res); i++)
	{
		int			x;
		int			y;
		double		cap = Num(res, i, 2);
		double		booked = Num(res, i, 3);

		for (x = 0; x < ndates && strcmp(dates[x], PQgetvalue(res, i, 0)) != 0; x++)
			;
		for (y = 0; y < ntimes && strncmp(times[y], PQgetvalue(res, i, 1), 5) != 0; y++)
			;
		if (x == ndates || y == ntimes)
			continue;
		StrBufPrintf(b, "<rect class=\"cell\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
					 "data-booked=\"%.0f\" data-capacity=\"%.0f\"><title>%s %s: %.0f/%.0f</title></rect>\n",
					 left + x * cw + 1, top + y * ch + 1, cw - 2, ch - 2, HeatColour(booked, cap), booked, cap,
					 dates[x], times[y], booked, cap);
		if (booked > 0)
			StrBufPrintf(b, "<text class=\"count\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.0f</text>\n",
						 left + x * cw + cw / 2, top + y * ch + ch - 6, booked);
	}
	{
		static const char *const legend[] = {"0", "&lt;25%", "&lt;50%", "&lt;75%", "&lt;100%", "100%"};
		static const double shares[] = {0, 0.1, 0.3, 0.6, 0.9, 1};
		int			y = top + ntimes * ch + 14;

		for (i = 0; i < 6; i++)
			StrBufPrintf(b, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
						 "<text class=\"axis\" x=\"%d\" y=\"%d\">%s</text>\n",
						 left + i * 62, y, HeatColour(shares[i], 1), left + i * 62 + 18, y + 12,
						 legend[i]);
	}
	StrBufAppendStr(b, "</svg>\n</section>\n");
}

/*
 * Bars draws one bar chart over weeks: for each row the values of columns
 * cols (up to two series), scaled to the largest, with labels.
 */
static void
Bars(StrBuf *b, PGresult *res, const char *id, const int *cols, int ncols, const char *const *classes,
	 const char *unit)
{
	double		max = 0;
	int			n = PQntuples(res);
	int			i;
	int			k;
	const int	bw = 56,
				height = 150,
				top = 16,
				left = 8;

	for (i = 0; i < n; i++)
		for (k = 0; k < ncols; k++)
			if (Num(res, i, cols[k]) > max)
				max = Num(res, i, cols[k]);
	if (max <= 0)
		max = 1;
	StrBufPrintf(b, "<svg id=\"%s\" role=\"img\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
				 "xmlns=\"http://www.w3.org/2000/svg\">\n",
				 id, left + n * bw, top + height + 34, left + n * bw, top + height + 34);
	for (i = 0; i < n; i++)
	{
		int			x0 = left + i * bw;

		for (k = 0; k < ncols; k++)
		{
			double		v = Num(res, i, cols[k]);
			int			h = (int) (v / max * height + 0.5);
			int			w = (bw - 12) / ncols;
			int			x = x0 + 4 + k * w;

			StrBufPrintf(b, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"><title>",
						 classes[k], x, top + height - h, w - 2, h);
			Esc(b, res, i, 0);
			StrBufAppendStr(b, ": ");
			Esc(b, res, i, cols[k]);
			StrBufPrintf(b, "%s</title></rect>\n<text class=\"value\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
						 unit, x + w / 2, top + height - h - 3);
			if (!PQgetisnull(res, i, cols[k]))
				StrBufAppendHtml(b, PQgetvalue(res, i, cols[k]));
			StrBufAppendStr(b, "</text>\n");
		}
		StrBufPrintf(b, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.2s/%.2s</text>\n",
					 x0 + bw / 2, top + height + 16, PQgetvalue(res, i, 0) + 8, PQgetvalue(res, i, 0) + 5);
	}
	StrBufAppendStr(b, "</svg>\n");
}

/* NoShows draws the no-show rate by week. */
static void
NoShows(StrBuf *b, PGresult *res)
{
	static const int cols[] = {3};
	static const char *const classes[] = {"bar-noshow"};
	static const int cols_shown[] = {0, 1, 2, 4};
	int			i;

	Heading(b, "Tidak hadir per minggu", "No-shows by week");
	StrBufAppendStr(b, "<p class=\"note\">% dari kunjungan terjadwal (minggu mulai Senin) · "
					"<span lang=\"en\">% of visits due (weeks from Monday)</span></p>\n");
	Bars(b, res, "noshows", cols, 1, classes, "%");
	StrBufAppendStr(b, "<table id=\"noshow-table\" class=\"compact\"><tr><th>Minggu <span lang=\"en\">Week</span></th>"
					"<th>Terjadwal <span lang=\"en\">Due</span></th><th>Tidak hadir <span lang=\"en\">No-shows</span></th>"
					"<th>Batal <span lang=\"en\">Cancelled</span></th></tr>\n");
	for (i = 0; i < PQntuples(res); i++)
	{
		if (Num(res, i, 1) == 0 && Num(res, i, 4) == 0)
			continue;
		TableRow(b, res, i, cols_shown, 4);
	}
	StrBufAppendStr(b, "</table>\n</section>\n");
}

/* Processing draws days from submission to ready against days promised. */
static void
Processing(StrBuf *b, PGresult *res)
{
	static const int cols[] = {2, 3};
	static const char *const classes[] = {"bar-took", "bar-promised"};
	static const int cols_shown[] = {0, 1, 4, 5};
	int			i;

	Heading(b, "Waktu proses", "Processing time");
	StrBufAppendStr(b, "<p class=\"note\"><span class=\"key bar-took\"></span> hari sampai siap "
					"<span lang=\"en\">days to ready</span> · <span class=\"key bar-promised\"></span> hari dijanjikan "
					"<span lang=\"en\">days promised</span>, per minggu siap <span lang=\"en\">by week ready</span></p>\n");
	Bars(b, res, "processing", cols, 2, classes, " d");
	StrBufAppendStr(b, "<table id=\"processing-table\" class=\"compact\"><tr><th>Minggu <span lang=\"en\">Week</span></th>"
					"<th>Siap <span lang=\"en\">Ready</span></th><th>Tepat waktu <span lang=\"en\">On time</span></th>"
					"<th>Terlambat <span lang=\"en\">Late</span></th></tr>\n");
	for (i = 0; i < PQntuples(res); i++)
	{
		if (Num(res, i, 1) == 0)
			continue;
		TableRow(b, res, i, cols_shown, 4);
	}
	StrBufAppendStr(b, "</table>\n</section>\n");
}

/* Backlog draws open applications per status as horizontal bars. */
static void
Backlog(StrBuf *b, PGresult *res)
{
	double		max = 1;
	int			i;

	for (i = 0; i < PQntuples(res); i++)
		if (Num(res, i, 3) > max)
			max = Num(res, i, 3);
	Heading(b, "Permohonan terbuka", "Backlog by status");
	StrBufAppendStr(b, "<table id=\"backlog\">\n<tr><th>Status</th><th>Permohonan <span lang=\"en\">Applications</span></th>"
					"<th></th><th>Terlama <span lang=\"en\">Oldest</span></th></tr>\n");
	for (i = 0; i < PQntuples(res); i++)
	{
		StrBufAppendStr(b, "<tr data-status=\"");
		Esc(b, res, i, 0);
		StrBufAppendStr(b, "\"><th>");
		Esc(b, res, i, 1);
		StrBufAppendStr(b, " <span lang=\"en\">");
		Esc(b, res, i, 2);
		StrBufAppendStr(b, "</span></th><td>");
		Esc(b, res, i, 3);
		StrBufPrintf(b, "</td><td><svg class=\"hbar\" viewBox=\"0 0 200 12\" width=\"200\" height=\"12\" "
					 "xmlns=\"http://www.w3.org/2000/svg\"><rect class=\"bar-backlog\" x=\"0\" y=\"0\" width=\"%d\" height=\"12\"/></svg></td><td>",
					 (int) (Num(res, i, 3) / max * 200 + 0.5));
		if (!PQgetisnull(res, i, 4))
		{
			Esc(b, res, i, 4);
			StrBufAppendStr(b, " hari <span lang=\"en\">days</span>");
		}
		StrBufAppendStr(b, "</td></tr>\n");
	}
	StrBufAppendStr(b, "</table>\n</section>\n");
}

/* Feedback draws the ratings per category. */
static void
Feedback(StrBuf *b, PGresult *res, int days)
{
	int			i;
	int			r;

	Heading(b, "Umpan balik", "Feedback");
	StrBufPrintf(b, "<p class=\"note\">%d hari terakhir · <span lang=\"en\">last %d days</span></p>\n", days, days);
	StrBufAppendStr(b, "<table id=\"feedback\">\n<tr><th>Kategori <span lang=\"en\">Category</span></th>"
					"<th>Pesan <span lang=\"en\">Messages</span></th><th>Dinilai <span lang=\"en\">Rated</span></th>"
					"<th>Rata-rata <span lang=\"en\">Mean</span></th><th>1–5</th></tr>\n");
	for (i = 0; i < PQntuples(res); i++)
	{
		double		max = 1;

		for (r = 0; r < 5; r++)
			if (Num(res, i, 4 + r) > max)
				max = Num(res, i, 4 + r);
		StrBufAppendStr(b, "<tr data-category=\"");
		Esc(b, res, i, 0);
		StrBufAppendStr(b, "\"><th>");
		Esc(b, res, i, 0);
		StrBufAppendStr(b, "</th><td>");
		Esc(b, res, i, 1);
		StrBufAppendStr(b, "</td><td>");
		Esc(b, res, i, 2);
		StrBufAppendStr(b, "</td><td class=\"mean\">");
		Esc(b, res, i, 3);
		StrBufAppendStr(b, "</td><td><svg class=\"dist\" viewBox=\"0 0 110 30\" width=\"110\" height=\"30\" "
						"xmlns=\"http://www.w3.org/2000/svg\">");
		for (r = 0; r < 5; r++)
		{
			int			h = (int) (Num(res, i, 4 + r) / max * 22 + 0.5);

			StrBufPrintf(b, "<rect class=\"bar-rating\" x=\"%d\" y=\"%d\" width=\"18\" height=\"%d\"><title>%d: ",
						 r * 22, 22 - h, h, r + 1);
			Esc(b, res, i, 4 + r);
			StrBufPrintf(b, "</title></rect><text class=\"axis\" x=\"%d\" y=\"30\" text-anchor=\"middle\">%d</text>",
						 r * 22 + 9, r + 1);
		}
		StrBufAppendStr(b, "</svg></td></tr>\n");
	}
	StrBufAppendStr(b, "</table>\n</section>\n");
}

/* Refuse answers 401 with the challenge. */
static void
Refuse(HttpResponse *response, const char *text)
{
	HttpRespond(response, 401, "text/plain; charset=utf-8", text);
	HttpSetHeader(response, "WWW-Authenticate", "Basic realm=\"passport dashboard\", charset=\"UTF-8\"");
	HttpSetHeader(response, "Cache-Control", "no-store");
}

/* DashboardHandle answers GET /dashboard/{code}. */
void
DashboardHandle(HttpRequest *request, HttpResponse *response, const char *code,
				const DashboardOptions *options)
{
	char		user[LOGIN_MAX];
	char		password[PASSWORD_MAX];
	const char *keys[] = {"dbname", "user", "password", "connect_timeout", "application_name", NULL};
	const char *values[6];
	PGconn	   *conn;
	PGresult   *office = NULL;
	PGresult   *parts[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
	char		sqlstate[6] = "";
	StrBuf	   *b = &response->body;
	int			i;
	static const char *const sql[6] = {
		"SELECT * FROM passport.dashboard_queue($1)",
		"SELECT local_date::text, start_time::text, capacity, booked FROM passport.dashboard_heatmap($1, $2)",
		"SELECT week::text, visits_due, no_shows, no_show_percent, cancelled FROM passport.dashboard_no_shows($1, $2)",
		"SELECT week::text, ready, mean_days_to_ready, mean_promised_days, on_time, late"
		" FROM passport.dashboard_processing($1, $2)",
		"SELECT * FROM passport.dashboard_backlog($1)",
		"SELECT * FROM passport.dashboard_feedback($1, $2)",
	};
	int			args[6];

	args[0] = 0;
	args[1] = options->days;
	args[2] = options->weeks;
	args[3] = options->weeks;
	args[4] = 0;
	args[5] = options->feedback_days;
	if (!HttpBasicCredentials(request, user, sizeof(user), password, sizeof(password)))
	{
		Refuse(response, "a login is needed\n");
		return;
	}
	values[0] = options->conninfo;
	values[1] = user;
	values[2] = password;
	values[3] = "5";
	values[4] = "passport-screens dashboard";
	values[5] = NULL;
	conn = PQconnectdbParams(keys, values, 1);
	OPENSSL_cleanse(password, sizeof(password));
	if (PQstatus(conn) != CONNECTION_OK)
	{
		PQfinish(conn);
		if (!DbPoolCheck(options->pool, 1000))
		{
			HttpRespond(response, 503, "text/plain; charset=utf-8", "database unavailable\n");
			HttpSetHeader(response, "Retry-After", "5");
			return;
		}
		LogInfo("dashboard login refused by the database");
		Refuse(response, "login refused\n");
		return;
	}
	if (options->require_password && !PQconnectionUsedPassword(conn))
	{
		/* trust or peer: the password was never checked */
		PQfinish(conn);
		LogWarning("dashboard login refused: the server did not ask for its password"
				   " (dashboard_conninfo must reach a password authentication method)");
		Refuse(response, "login refused\n");
		return;
	}
	{
		PGresult   *r = PQexec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");

		PQclear(r);
	}
	office = Query(conn, "SELECT code, office_name, today::text, to_char(local_time, 'HH24:MI')"
				   " FROM passport.dashboard_office($1)", code, 0, sqlstate);
	for (i = 0; office != NULL && i < 6; i++)
		if ((parts[i] = Query(conn, sql[i], code, args[i], sqlstate)) == NULL)
			break;
	PQfinish(conn);
	if (office == NULL || i < 6)
	{
		if (strcmp(sqlstate, "PP011") == 0)
			HttpRespond(response, 404, "text/plain; charset=utf-8", "unknown office\n");
		else if (strcmp(sqlstate, "42501") == 0)
		{
			LogInfo("dashboard of office %s refused to a login", code);
			HttpRespond(response, 403, "text/plain; charset=utf-8",
						"this login may not see the dashboard of this office\n");
		}
		else if (DbSqlstateTransient(sqlstate))
		{
			HttpRespond(response, 503, "text/plain; charset=utf-8", "database unavailable\n");
			HttpSetHeader(response, "Retry-After", "5");
		}
		else
		{
			LogWarning("dashboard of office %s failed (SQLSTATE %s)", code, sqlstate);
			HttpRespond(response, 500, "text/plain; charset=utf-8", "the dashboard could not be read\n");
		}
		HttpSetHeader(response, "Cache-Control", "no-store");
		goto done;
	}

	HttpRespond(response, 200, "text/html; charset=utf-8", NULL);
	PageHeaders(response, true);
	StrBufAppendStr(b, "<!DOCTYPE html>\n<html lang=\"id\">\n<head>\n<meta charset=\"utf-8\">\n"
					"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
					"<meta name=\"robots\" content=\"noindex\">\n<title>Dasbor ");
	Esc(b, office, 0, 0);
	StrBufAppendStr(b, " · Dashboard</title>\n<link rel=\"stylesheet\" href=\"/static/dashboard.css\">\n</head>\n"
					"<body data-office=\"");
	Esc(b, office, 0, 0);
	StrBufAppendStr(b, "\">\n<header>\n<h1>");
	Esc(b, office, 0, 1);
	StrBufAppendStr(b, "</h1>\n<p class=\"sub\">Dasbor kantor <span lang=\"en\">Office dashboard</span> · ");
	Esc(b, office, 0, 2);
	StrBufAppendStr(b, " ");
	Esc(b, office, 0, 3);
	StrBufAppendStr(b, "</p>\n</header>\n<main>\n");
	Queue(b, parts[0]);
	Heatmap(b, parts[1], options->days);
	NoShows(b, parts[2]);
	Processing(b, parts[3]);
	Backlog(b, parts[4]);
	Feedback(b, parts[5], options->feedback_days);
	StrBufAppendStr(b, "</main>\n</body>\n</html>\n");

done:
	PQclear(office);
	for (i = 0; i < 6; i++)
		PQclear(parts[i]);
}
