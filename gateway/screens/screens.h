/*-------------------------------------------------------------------------
 *
 * screens.h
 *	  What the parts of passport-screens share: the page assets (generated
 *	  from gateway/screens/assets by the Makefile), the strict headers every
 *	  page carries, the office code check, and the dashboard.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PASSPORT_SCREENS_H
#define PASSPORT_SCREENS_H

#include "daemon.h"

/* office codes: 1 to 16 letters and digits */
#define OFFICE_CODE_MAX 16

/* the assets, NUL-terminated (assets.c, generated) */
extern const char asset_display_js[];
extern const char asset_display_css[];
extern const char asset_dashboard_css[];

/*
 * OfficeCodeValid tells whether s is 1 to OFFICE_CODE_MAX ASCII letters
 * and digits; on success it copies s in upper case into code.
 */
extern bool OfficeCodeValid(const char *s, size_t len, char *code);

/*
 * PageHeaders adds the headers of every page: a Content-Security-Policy
 * that allows this origin's scripts, styles and event streams only,
 * Referrer-Policy and, when private, Cache-Control: no-store.
 */
extern void PageHeaders(HttpResponse *response, bool private_page);

typedef struct DashboardOptions
{
	const char *conninfo;		/* base of the logins' connections */
	bool		require_password;	/* refuse logins let in without one */
	int			days;			/* heatmap */
	int			weeks;			/* no-shows, processing */
	int			feedback_days;
	DbPool	   *pool;			/* tells "database away" from "bad login" */
} DashboardOptions;

/*
 * DashboardHandle answers GET /dashboard/{code} for a request carrying
 * Basic credentials: it connects as that login, reads the dashboard
 * functions in one read-only transaction and draws the page (200), or
 * answers 401, 403, 404 or 503.
 */
extern void DashboardHandle(HttpRequest *request, HttpResponse *response,
							const char *code, const DashboardOptions *options);

#endif							/* PASSPORT_SCREENS_H */
