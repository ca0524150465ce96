/*-------------------------------------------------------------------------
 *
 * rows.h
 *	  Reading the database's answers: a column's text, and the JSON arrays
 *	  of strings the gateway's functions return (choices, labels).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PASSPORT_ROWS_H
#define PASSPORT_ROWS_H

#include <libpq-fe.h>

/* RowValue returns a column's text, NULL for SQL NULL. */
extern const char *RowValue(const PGresult *res, int row, int col);

/*
 * JsonStrings reads a JSON array of strings into a NULL-terminated array
 * (other elements as ""); returns its length, 0 for NULL, "" or a non-array.
 */
extern int	JsonStrings(const char *text, char ***out);

/* FreeStrings releases an array JsonStrings made. */
extern void FreeStrings(char **a, int n);

#endif							/* PASSPORT_ROWS_H */
