/*-------------------------------------------------------------------------
 *
 * outbox.c
 *	  The one place that writes passport.outbox: a message is enqueued with
 *	  a plain INSERT ... VALUES (its payload built by the caller as JSON).
 *
 * The message becomes visible when the transaction of the event that caused
 * it commits; a rolled-back event leaves nothing.  Adapters find messages
 * by polling.  With passport.outbox_notify on, the adapters of the channel
 * are also woken with NOTIFY (payload: the channel name, no personal data).
 * It is off by default because PostgreSQL makes every notifying transaction
 * hold a database-wide lock from just before its commit until the commit
 * is flushed: bookings that notify commit one at a time, and a rush runs
 * several times slower.  A lost notification, or one sent on another node
 * of a cluster, only delays a message until the next poll.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "passport.h"

/* The channel adapters LISTEN on. */
#define OUTBOX_NOTIFY_CHANNEL	"passport_outbox"

/* PayloadInit starts an empty JSON object. */
void
PayloadInit(Payload *payload)
{
	initStringInfo(&payload->buf);
	appendStringInfoChar(&payload->buf, '{');
	payload->fields = 0;
}

/* PayloadAdd adds key with a string value; a NULL value is left out. */
void
PayloadAdd(Payload *payload, const char *key, const char *value)
{
	if (value == NULL)
		return;
	if (payload->fields++ > 0)
		appendStringInfoString(&payload->buf, ", ");
	escape_json(&payload->buf, key);
	appendStringInfoString(&payload->buf, ": ");
	escape_json(&payload->buf, value);
}

/* PayloadEnd closes the object and returns its text. */
char *
PayloadEnd(Payload *payload)
{
	appendStringInfoChar(&payload->buf, '}');
	return payload->buf.data;
}

/*
 * EnqueueMessage queues a message for recipient on channel, with its
 * template, language and payload (JSON text), due at now; a message with
 * a dedupe key is queued once per office and key.  Returns whether it was
 * queued.  The caller holds an SPI connection.
 */
bool
EnqueueMessage(int64 office_id, const char *channel, const char *recipient,
			   const char *template, const char *language, const char *payload,
			   const char *dedupe_key, TimestampTz now)
{
	static SPIPlanPtr plan = NULL;
	static const Oid types[8] = {INT8OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID,
	TEXTOID, TIMESTAMPTZOID};
	Datum		values[8];
	char		nulls[8];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = Int64GetDatum(office_id);
	values[1] = CStringGetTextDatum(channel);
	values[2] = CStringGetTextDatum(recipient);
	values[3] = CStringGetTextDatum(template);
	values[4] = CStringGetTextDatum(language ? language : "id");
	values[5] = DirectFunctionCall1(jsonb_in, CStringGetDatum(payload));
	values[6] = dedupe_key ? CStringGetTextDatum(dedupe_key) : (Datum) 0;
	nulls[6] = dedupe_key ? ' ' : 'n';
	values[7] = TimestampTzGetDatum(now);
	if (PassportExecute(PassportPrepare(&plan,
										"INSERT INTO passport.outbox (office_id, channel, recipient, template, "
										"  language, payload, dedupe_key, available_at, created_at) "
										"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) "
										"ON CONFLICT (office_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING",
										8, types),
						values, nulls, false, 0) != 1)
		return false;
	if (passport_outbox_notify)
		Async_Notify(OUTBOX_NOTIFY_CHANNEL, channel);
	return true;
}

PG_FUNCTION_INFO_V1(passport_enqueue_message);

/*
 * passport_enqueue_message is passport.enqueue_message(): EnqueueMessage for
 * SQL callers (the extension's own functions; granted to no role).
 */
Datum
passport_enqueue_message(PG_FUNCTION_ARGS)
{
	char	   *channel = PassportArgText(fcinfo, 1);
	char	   *recipient = PassportArgText(fcinfo, 2);
	char	   *template = PassportArgText(fcinfo, 3);
	char	   *language = PassportArgText(fcinfo, 4);
	char	   *dedupe_key = PassportArgText(fcinfo, 6);
	char	   *payload;
	bool		queued;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("office_id is required")));
	RequireText(channel, "channel");
	RequireText(recipient, "recipient");
	RequireText(template, "template");
	payload = PG_ARGISNULL(5) ? "{}" :
		DatumGetCString(DirectFunctionCall1(jsonb_out, PG_GETARG_DATUM(5)));
	PassportConnect();
	queued = EnqueueMessage(PG_GETARG_INT64(0), channel, recipient, template, language,
							payload, dedupe_key,
							PG_ARGISNULL(7) ? PassportNow() : PG_GETARG_TIMESTAMPTZ(7));
	PassportFinish();
	PG_RETURN_BOOL(queued);
}

/*
 * FillValueText is the text of a JSON value as jsonb_each_text gives it: a
 * string unquoted, a number or boolean as written, an object or array as
 * JSON; "" for null.
 */
static char *
FillValueText(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "";
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvBool:
			return v->val.boolean ? "true" : "false";
		case jbvBinary:
			return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
		default:
			elog(ERROR, "unexpected JSON value of type %d", (int) v->type);
	}
	return NULL;				/* keep the compiler quiet */
}

/* ReplaceAll returns text with every occurrence of from replaced by to. */
static char *
ReplaceAll(char *text, const char *from, const char *to)
{
	StringInfoData out;
	size_t		from_len = strlen(from);
	char	   *start = text;
	char	   *hit = strstr(text, from);

	if (hit == NULL)
		return text;
	initStringInfo(&out);
	for (; hit != NULL; hit = strstr(start, from))
	{
		appendBinaryStringInfo(&out, start, (int) (hit - start));
		appendStringInfoString(&out, to);
		start = hit + from_len;
	}
	appendStringInfoString(&out, start);
	return out.data;
}

PG_FUNCTION_INFO_V1(passport_fill_text);

/*
 * passport_fill_text is passport.fill_text(body, fill): body with every
 * {key} replaced by the text of fill's value of key, one key after the
 * other in the object's order (as 0.1's PL/pgSQL loop over
 * jsonb_each_text did, so a value may itself bring a placeholder that a
 * later key fills).  NULL body gives NULL, NULL fill the body unchanged.
 */
Datum
passport_fill_text(PG_FUNCTION_ARGS)
{
	Jsonb	   *fill;
	char	   *body;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken token;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_ARGISNULL(1))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	fill = PG_GETARG_JSONB_P(1);
	if (!JB_ROOT_IS_OBJECT(fill) || JB_ROOT_IS_SCALAR(fill))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot fill a text from a JSON value that is not an object")));
	body = text_to_cstring(PG_GETARG_TEXT_PP(0));
	it = JsonbIteratorInit(&fill->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *placeholder;

		if (token != WJB_KEY)
			continue;
		placeholder = psprintf("{%.*s}", v.val.string.len, v.val.string.val);
		token = JsonbIteratorNext(&it, &v, true);
		if (token != WJB_VALUE)
			elog(ERROR, "unexpected JSON iterator token %d", (int) token);
		body = ReplaceAll(body, placeholder, FillValueText(&v));
	}
	PG_RETURN_TEXT_P(cstring_to_text(body));
}
