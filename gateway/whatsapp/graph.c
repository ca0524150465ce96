/*-------------------------------------------------------------------------
 *
 * graph.c
 *	  Request bodies for the WhatsApp Business Cloud API's messages
 *	  endpoint (text, reply buttons, list, template) and the reading of its
 *	  answers (message id, error, Retry-After).  The form of a reply
 *	  follows from WhatsApp's limits only (see graph.h); what a reply says
 *	  and what its choices mean comes from SQL.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "graph.h"

/* Units returns how many UTF-16 units a character starting with b takes. */
static size_t
Units(unsigned char b)
{
	return b >= 0xf0 ? 2 : 1;
}

/* Utf8Length counts the characters (UTF-16 units) of s. */
size_t
Utf8Length(const char *s, size_t len)
{
	size_t		n = 0,
				i;

	for (i = 0; i < len; i++)
		if (((unsigned char) s[i] & 0xc0) != 0x80)
			n += Units((unsigned char) s[i]);
	return n;
}

/* Utf8Prefix returns the byte length of the first max_chars characters. */
size_t
Utf8Prefix(const char *s, size_t len, size_t max_chars)
{
	size_t		n = 0,
				i;

	for (i = 0; i < len; i++)
	{
		unsigned char b = (unsigned char) s[i];

		if ((b & 0xc0) != 0x80)
		{
			if (n + Units(b) > max_chars)
				return i;
			n += Units(b);
		}
	}
	return len;
}

/* Fit copies s, cut to max characters with an ellipsis when longer. */
static char *
Fit(const char *s, size_t max)
{
	size_t		len = strlen(s);
	size_t		keep;
	char	   *out;

	if (Utf8Length(s, len) <= max)
		return strdup(s);
	keep = Utf8Prefix(s, len, max - 1);
	out = malloc(keep + 4);
	if (out == NULL)
		abort();
	memcpy(out, s, keep);
	memcpy(out + keep, "\xe2\x80\xa6", 4);	/* U+2026, with the NUL */
	return out;
}

/* Dump serialises a JSON value compactly and releases it. */
static char *
Dump(json_t *v)
{
	char	   *s = json_dumps(v, JSON_COMPACT);

	json_decref(v);
	if (s == NULL)
		abort();
	return s;
}

/* Envelope starts a request body to a recipient. */
static json_t *
Envelope(const char *to, const char *type)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "messaging_product", "whatsapp",
					 "recipient_type", "individual", "to", to, "type", type);
}

/* AddPart appends a request body to a message. */
static void
AddPart(GraphMessage *msg, char *part)
{
	msg->parts = realloc(msg->parts, sizeof(char *) * (msg->nparts + 1));
	if (msg->parts == NULL)
		abort();
	msg->parts[msg->nparts++] = part;
}

/* TextParts splits a text into text messages of at most 4096 characters. */
static void
TextParts(GraphMessage *msg, const char *to, const char *text)
{
	size_t		len = strlen(text);
	size_t		pos = 0;

	msg->form = GRAPH_FORM_TEXT;
	do
	{
		size_t		take = Utf8Prefix(text + pos, len - pos, GRAPH_TEXT_MAX);
		size_t		cut = take;
		char	   *chunk;
		json_t	   *v;

		if (pos + take < len)
		{
			/* prefer to cut after a line, else after a word */
			size_t		i;

			for (i = take; i > take / 2; i--)
				if (text[pos + i - 1] == '\n')
					break;
			if (i == take / 2)
				for (i = take; i > take / 2; i--)
					if (text[pos + i - 1] == ' ')
						break;
			if (i > take / 2)
				cut = i;
		}
		chunk = strndup(text + pos, cut);
		if (chunk == NULL)
			abort();
		v = Envelope(to, "text");
		json_object_set_new(v, "text", json_pack("{s:b, s:s}", "preview_url", 0, "body", chunk));
		AddPart(msg, Dump(v));
		free(chunk);
		pos += cut;
	} while (pos < len);
}

/* Distinct tells whether n strings are pairwise different. */
static bool
Distinct(char **s, int n)
{
	int			i,
				j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(s[i], s[j]) == 0)
				return false;
	return true;
}

/* GraphBuildReply chooses the form of a reply and builds its bodies. */
void
GraphBuildReply(GraphMessage *msg, const char *to, const char *reply,
				char *const *choices, char *const *labels, int nchoices, const char *prompt)
{
	size_t		reply_len;
	char	   *titles[GRAPH_ROWS_MAX];
	int			i;
	bool		ok = true;

	memset(msg, 0, sizeof(GraphMessage));
	if (reply == NULL || reply[0] == '\0')
		reply = "-";
	reply_len = Utf8Length(reply, strlen(reply));
	if (nchoices < 1 || nchoices > GRAPH_ROWS_MAX || reply_len > GRAPH_INTERACTIVE_BODY_MAX ||
		(nchoices > GRAPH_BUTTONS_MAX &&
		 (prompt == NULL || prompt[0] == '\0' ||
		  Utf8Length(prompt, strlen(prompt)) > GRAPH_LIST_BUTTON_MAX)))
	{
		TextParts(msg, to, reply);
		return;
	}
	for (i = 0; i < nchoices; i++)
	{
		const char *label = labels != NULL && labels[i] != NULL && labels[i][0] != '\0'
			? labels[i] : choices[i];

		if (choices[i] == NULL || choices[i][0] == '\0' || strlen(choices[i]) > 200)
			ok = false;
		titles[i] = Fit(label != NULL ? label : "-",
						nchoices <= GRAPH_BUTTONS_MAX ? GRAPH_BUTTON_TITLE_MAX : GRAPH_ROW_TITLE_MAX);
	}
	/* ids must differ, and so must the titles of buttons */
	if (ok)
		ok = Distinct((char **) choices, nchoices) &&
			(nchoices > GRAPH_BUTTONS_MAX || Distinct(titles, nchoices));
	if (ok)
	{
		json_t	   *v = Envelope(to, "interactive");
		json_t	   *items = json_array();
		json_t	   *interactive;

		for (i = 0; i < nchoices; i++)
		{
			if (nchoices <= GRAPH_BUTTONS_MAX)
				json_array_append_new(items, json_pack("{s:s, s:{s:s, s:s}}", "type", "reply",
													   "reply", "id", choices[i], "title", titles[i]));
			else
			{
				json_t	   *row = json_pack("{s:s, s:s}", "id", choices[i], "title", titles[i]);
				const char *label = labels != NULL && labels[i] != NULL ? labels[i] : NULL;

				/* a label cut in the title is shown whole below it */
				if (label != NULL && strcmp(label, titles[i]) != 0)
				{
					char	   *d = Fit(label, GRAPH_ROW_DESCRIPTION_MAX);

					json_object_set_new(row, "description", json_string(d));
					free(d);
				}
				json_array_append_new(items, row);
			}
		}
		if (nchoices <= GRAPH_BUTTONS_MAX)
		{
			interactive = json_pack("{s:s, s:{s:s}, s:{s:o}}", "type", "button",
									"body", "text", reply, "action", "buttons", items);
			msg->form = GRAPH_FORM_BUTTONS;
		}
		else
		{
			interactive = json_pack("{s:s, s:{s:s}, s:{s:s, s:[{s:o}]}}", "type", "list",
									"body", "text", reply,
									"action", "button", prompt, "sections", "rows", items);
			msg->form = GRAPH_FORM_LIST;
		}
		json_object_set_new(v, "interactive", interactive);
		AddPart(msg, Dump(v));
	}
	for (i = 0; i < nchoices; i++)
		free(titles[i]);
	if (!ok)
		TextParts(msg, to, reply);
}

/* GraphBuildTemplate builds a template message with body parameters. */
void
GraphBuildTemplate(GraphMessage *msg, const char *to, const char *name, const char *language,
				   char *const *parameters, int nparameters)
{
	json_t	   *v = Envelope(to, "template");
	json_t	   *t = json_pack("{s:s, s:{s:s}}", "name", name, "language", "code", language);
	int			i;

	memset(msg, 0, sizeof(GraphMessage));
	msg->form = GRAPH_FORM_TEXT;
	if (nparameters > 0)
	{
		json_t	   *params = json_array();

		for (i = 0; i < nparameters; i++)
			json_array_append_new(params, json_pack("{s:s, s:s}", "type", "text", "text",
													parameters[i] != NULL && parameters[i][0] != '\0'
													? parameters[i] : "-"));
		json_object_set_new(t, "components",
							json_pack("[{s:s, s:o}]", "type", "body", "parameters", params));
	}
	json_object_set_new(v, "template", t);
	AddPart(msg, Dump(v));
}

/* GraphMessageFree releases the bodies of a message. */
void
GraphMessageFree(GraphMessage *msg)
{
	int			i;

	for (i = 0; i < msg->nparts; i++)
		free(msg->parts[i]);
	free(msg->parts);
	memset(msg, 0, sizeof(GraphMessage));
}

/* GraphRecipient keeps the digits of a number. */
void
GraphRecipient(const char *recipient, char *out, size_t outlen)
{
	size_t		n = 0;

	for (; recipient != NULL && *recipient != '\0' && n + 1 < outlen; recipient++)
		if (*recipient >= '0' && *recipient <= '9')
			out[n++] = *recipient;
	if (outlen > 0)
		out[n] = '\0';
}

/* GraphParseMessageId reads messages[0].id of an answer. */
bool
GraphParseMessageId(const char *body, size_t len, char *out, size_t outlen)
{
	json_t	   *root = json_loadb(body, len, 0, NULL);
	json_t	   *id;
	bool		ok = false;

	if (root == NULL)
		return false;
	id = json_object_get(json_array_get(json_object_get(root, "messages"), 0), "id");
	if (json_is_string(id) && json_string_length(id) > 0 && json_string_length(id) < outlen)
	{
		snprintf(out, outlen, "%s", json_string_value(id));
		ok = true;
	}
	json_decref(root);
	return ok;
}

/* GraphParseError reads "code title" from an error answer. */
bool
GraphParseError(const char *body, size_t len, char *out, size_t outlen)
{
	json_t	   *root = json_loadb(body, len, 0, NULL);
	json_t	   *error;
	json_t	   *code;
	json_t	   *title;
	bool		ok = false;

	if (root == NULL)
		return false;
	error = json_object_get(root, "error");
	code = json_object_get(error, "code");
	title = json_object_get(error, "title");
	if (!json_is_string(title))
		title = json_object_get(error, "message");
	if (json_is_object(error))
	{
		snprintf(out, outlen, "%lld %.120s",
				 json_is_integer(code) ? (long long) json_integer_value(code) : 0LL,
				 json_is_string(title) ? json_string_value(title) : "");
		ok = true;
	}
	json_decref(root);
	return ok;
}

/* GraphParseRetryAfter reads delta-seconds or an HTTP date. */
int
GraphParseRetryAfter(const char *value, time_t now)
{
	struct tm	tm;
	char	   *end;
	long		n;
	time_t		when;

	if (value == NULL)
		return -1;
	while (*value == ' ')
		value++;
	if (*value >= '0' && *value <= '9')
	{
		n = strtol(value, &end, 10);
		while (*end == ' ')
			end++;
		if (*end != '\0' || n < 0)
			return -1;
		return n > 86400 ? 86400 : (int) n;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	when = timegm(&tm);
	if (when <= now)
		return 0;
	return when - now > 86400 ? 86400 : (int) (when - now);
}
