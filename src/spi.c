/*-------------------------------------------------------------------------
 *
 * spi.c
 *	  SPI helpers: plans prepared once per backend and kept, and one place
 *	  that checks SPI result codes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/lsyscache.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/datum.h"

#include "passport.h"

/* PassportConnect opens an SPI connection or fails loudly. */
void
PassportConnect(void)
{
	int			rc = SPI_connect();

	if (rc != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed: %s", SPI_result_code_string(rc));
}

/* PassportFinish closes the SPI connection or fails loudly. */
void
PassportFinish(void)
{
	int			rc = SPI_finish();

	if (rc != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed: %s", SPI_result_code_string(rc));
}

/*
 * PassportDistributed tells whether passport's tables are distributed by
 * Citus in this database (passport.slot is in pg_dist_partition), checked
 * once per backend: a backend keeps its answer, so connections opened
 * before passport.distribute() ran must be opened again.
 */
static int	distributed = -1;

bool
PassportDistributed(void)
{
	if (distributed < 0)
	{
		int			rc;

		if (!OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE)))
			distributed = 0;
		else
		{
			PassportConnect();
			rc = SPI_execute("SELECT 1 FROM pg_catalog.pg_dist_partition "
							 " WHERE logicalrelid = 'passport.slot'::pg_catalog.regclass",
							 true, 1);
			if (rc != SPI_OK_SELECT)
				elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(rc));
			distributed = SPI_processed > 0 ? 1 : 0;
			PassportFinish();
		}
	}
	return distributed == 1;
}

/* PassportRelid returns the OID of relation passport.<name>. */
Oid
PassportRelid(const char *name)
{
	Oid			nsp = get_namespace_oid("passport", false);
	Oid			relid = get_relname_relid(name, nsp);

	if (!OidIsValid(relid))
		elog(ERROR, "relation passport.%s does not exist", name);
	return relid;
}

PG_FUNCTION_INFO_V1(passport_forget_distribution);

/*
 * passport_forget_distribution is passport.forget_distribution(): the next
 * PassportDistributed() of this backend looks again (distribute() calls
 * it, so that the backend that distributed works on at once).
 */
Datum
passport_forget_distribution(PG_FUNCTION_ARGS)
{
	distributed = -1;
	PG_RETURN_VOID();
}

/*
 * PassportPrepare returns the plan cached in *cache, preparing and keeping
 * it on first use in this backend.  On a single node the plan is generic:
 * with the default plan cache mode a statement whose custom plans look
 * cheaper than the generic one (a range on a timestamp parameter, say)
 * would be planned again on every call, which costs more than running it.
 * On a distributed installation plans follow the plan cache mode (custom
 * at first), because Citus routes a statement to its shard by the values
 * of its parameters and cannot plan a generic one that joins or has CTEs.
 */
SPIPlanPtr
PassportPrepare(SPIPlanPtr *cache, const char *sql, int nargs,
				const Oid *argtypes)
{
	SPIPlanPtr	plan;

	if (*cache != NULL)
		return *cache;
	plan = SPI_prepare_cursor(sql, nargs, (Oid *) argtypes,
							  PassportDistributed() ? 0 : CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	*cache = plan;
	return plan;
}

/*
 * PassportExecute runs a prepared plan and returns the number of rows
 * processed.  Any SPI failure is a can't-happen error; errors raised by
 * the statement itself (constraint violations and so on) propagate.
 */
int
PassportExecute(SPIPlanPtr plan, const Datum *values, const char *nulls,
				bool read_only, long count)
{
	int			rc = SPI_execute_plan(plan, (Datum *) values, nulls, read_only, count);

	if (rc < 0)
		elog(ERROR, "SPI_execute_plan failed: %s", SPI_result_code_string(rc));
	return (int) SPI_processed;
}

/*
 * PassportExpectColumns raises an internal error unless the last result has
 * ncolumns columns.  Each statement whose result is read by column names
 * its columns in an enum beside it; this catches the two drifting apart.
 */
void
PassportExpectColumns(int ncolumns)
{
	if (SPI_tuptable == NULL || SPI_tuptable->tupdesc->natts != ncolumns)
		elog(ERROR, "statement returned %d columns where %d are named",
			 SPI_tuptable ? SPI_tuptable->tupdesc->natts : 0, ncolumns);
}

/* PassportGetDatum returns column col (1-based) of result row row. */
Datum
PassportGetDatum(int row, int col, bool *isnull)
{
	return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
						 col, isnull);
}

/* PassportGetText returns column col of row row as text, or NULL. */
char *
PassportGetText(int row, int col)
{
	return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

/* PassportArgText returns text argument n as a C string, or NULL when SQL NULL. */
char *
PassportArgText(FunctionCallInfo fcinfo, int n)
{
	if (PG_ARGISNULL(n))
		return NULL;
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * PassportRowDatum forms the function's composite result from the first
 * row of the last SPI result (its columns in the result type's order),
 * copied into memory context cxt so that it outlives SPI_finish.
 */
Datum
PassportRowDatum(FunctionCallInfo fcinfo, MemoryContext cxt)
{
	TupleDesc	spidesc = SPI_tuptable->tupdesc;
	TupleDesc	tupdesc;
	MemoryContext old = MemoryContextSwitchTo(cxt);
	Datum	   *values;
	bool	   *nulls;
	HeapTuple	tuple;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != spidesc->natts)
		elog(ERROR, "result has %d columns, the row %d", tupdesc->natts, spidesc->natts);
	values = palloc(sizeof(Datum) * spidesc->natts);
	nulls = palloc(sizeof(bool) * spidesc->natts);
	for (i = 0; i < spidesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(spidesc, i);
		Datum		v = SPI_getbinval(SPI_tuptable->vals[0], spidesc, i + 1, &nulls[i]);

		values[i] = nulls[i] ? (Datum) 0 : datumCopy(v, att->attbyval, att->attlen);
	}
	tuple = heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls);
	MemoryContextSwitchTo(old);
	return HeapTupleGetDatum(tuple);
}
