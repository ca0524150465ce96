/*-------------------------------------------------------------------------
 *
 * rows.c
 *	  Reading the database's answers (see rows.h).
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include <jansson.h>

#include "daemon.h"
#include "rows.h"

/* RowValue returns a column's text, NULL for SQL NULL. */
const char *
RowValue(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

/* JsonStrings reads a JSON array of strings (other elements as ""). */
int
JsonStrings(const char *text, char ***out)
{
	json_t	   *a;
	size_t		i;
	int			n;

	*out = NULL;
	if (text == NULL || text[0] == '\0')
		return 0;
	a = json_loads(text, 0, NULL);
	if (!json_is_array(a))
	{
		json_decref(a);
		return 0;
	}
	n = (int) json_array_size(a);
	*out = PdAllocZero(sizeof(char *) * (n + 1));
	for (i = 0; i < (size_t) n; i++)
	{
		json_t	   *v = json_array_get(a, i);

		(*out)[i] = PdStrdup(json_is_string(v) ? json_string_value(v) : "");
	}
	json_decref(a);
	return n;
}

/* FreeStrings releases an array JsonStrings made. */
void
FreeStrings(char **a, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		free(a[i]);
	free(a);
}
