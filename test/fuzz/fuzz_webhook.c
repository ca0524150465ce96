/*
 * fuzz_webhook.c
 *	  libFuzzer harness over the WhatsApp gateway's input handling
 *	  (gateway/whatsapp/webhook.c, graph.c), with invariants that abort on
 *	  violation:
 *	  - the parser never fails on what it accepted, and every message it
 *	    returns has a digits-only sender, a printable id and a kind;
 *	  - a reply built from any parsed text (choices taken from its lines)
 *	    is valid JSON in every part, no text part exceeds 4096 characters
 *	    and text parts together hold the whole reply;
 *	  - the signature check, Retry-After and the Graph API answer readers
 *	    accept any bytes;
 *	  - Utf8Prefix never passes the end nor cuts a character;
 *	  - HTML escaping (gateway/common) leaves no < > " ' and no & but an
 *	    entity's, and no control character other than tab and newline;
 *	  - HTTP Basic credentials accepted from any header have a non-empty
 *	    user without a colon, a non-empty password, both within their
 *	    buffers and without control characters.
 *
 * Built with -fsanitize=fuzzer,address,undefined by gateway/Makefile.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "daemon.h"
#include "graph.h"
#include "webhook.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CheckReply builds a reply from a text and checks its parts. */
static void
CheckReply(const char *text)
{
	char	   *choices[12];
	char	   *labels[12];
	int			n = 0;
	const char *p = text;
	GraphMessage m;
	size_t		total = 0;
	int			i;

	/* the first characters of up to 12 lines as choices, the lines as labels */
	while (*p != '\0' && n < 12)
	{
		const char *end = strchr(p, '\n');
		size_t		len = end != NULL ? (size_t) (end - p) : strlen(p);
		size_t		cut = Utf8Prefix(p, len, 1);

		choices[n] = strndup(p, cut);
		labels[n] = strndup(p, len);
		n++;
		p += len;
		if (*p == '\n')
			p++;
	}
	GraphBuildReply(&m, "6281", text, choices, labels, n, n % 2 ? "Pilih" : NULL);
	if (m.nparts < 1)
		abort();
	for (i = 0; i < m.nparts; i++)
	{
		json_t	   *v = json_loads(m.parts[i], 0, NULL);

		if (v == NULL)
			abort();
		if (m.form == GRAPH_FORM_TEXT)
		{
			const char *body = json_string_value(json_object_get(json_object_get(v, "text"), "body"));

			if (body == NULL || Utf8Length(body, strlen(body)) > GRAPH_TEXT_MAX)
				abort();
			total += strlen(body);
		}
		json_decref(v);
	}
	if (m.form == GRAPH_FORM_TEXT && text[0] != '\0' && total != strlen(text))
		abort();
	GraphMessageFree(&m);
	for (i = 0; i < n; i++)
	{
		free(choices[i]);
		free(labels[i]);
	}
}

/* CheckHtml escapes a text and checks the result. */
static void
CheckHtml(const char *text)
{
	StrBuf		b;
	const char *s;

	StrBufInit(&b);
	StrBufAppendHtml(&b, text);
	for (s = b.data; *s != '\0'; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c == '<' || c == '>' || c == '"' || c == '\'' || c == 0x7f || (c < 0x20 && c != '\t' && c != '\n'))
			abort();
		if (c == '&' && strncmp(s, "&amp;", 5) != 0 && strncmp(s, "&lt;", 4) != 0 &&
			strncmp(s, "&gt;", 4) != 0 && strncmp(s, "&quot;", 6) != 0 && strncmp(s, "&#39;", 5) != 0)
			abort();
	}
	StrBufFree(&b);
}

/* CheckBasic parses a text as an Authorization header and checks the result. */
static void
CheckBasic(const char *text)
{
	char		user[32];
	char		password[48];
	const char *s;

	memset(user, 'x', sizeof(user));
	memset(password, 'x', sizeof(password));
	if (!HttpParseBasic(text, user, sizeof(user), password, sizeof(password)))
		return;
	if (memchr(user, '\0', sizeof(user)) == NULL || memchr(password, '\0', sizeof(password)) == NULL ||
		user[0] == '\0' || password[0] == '\0' || strchr(user, ':') != NULL)
		abort();
	for (s = user; *s != '\0'; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			abort();
	for (s = password; *s != '\0'; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data;
	WaWebhook	w;
	char	   *copy;
	char		out[256];
	size_t		cut;
	int			i;

	if (WebhookParse(in, size, size % 2 ? "1234" : NULL, &w))
	{
		for (i = 0; i < w.nmessages; i++)
		{
			const char *s;

			if (w.messages[i].from[0] == '\0' || w.messages[i].id[0] == '\0' || w.messages[i].kind == NULL)
				abort();
			for (s = w.messages[i].from; *s != '\0'; s++)
				if (*s < '0' || *s > '9')
					abort();
			for (s = w.messages[i].id; *s != '\0'; s++)
				if (*s < 0x21 || *s > 0x7e)
					abort();
			if (w.messages[i].text != NULL)
				CheckReply(w.messages[i].text);
		}
		for (i = 0; i < w.nstatuses; i++)
			if (w.statuses[i].id == NULL || w.statuses[i].status == NULL)
				abort();
		WebhookFree(&w);
	}

	copy = strndup(in, size < 200 ? size : 200);
	WebhookSignatureValid(copy, data, size, "secret", 6);
	GraphParseRetryAfter(copy, (time_t) 1700000000);
	CheckHtml(copy);
	CheckBasic(copy);
	if (strlen(copy) > 6)
	{
		/* the rest as base64 text after the scheme */
		memcpy(copy, "Basic ", 6);
		CheckBasic(copy);
	}
	free(copy);
	GraphParseMessageId(in, size, out, sizeof(out));
	GraphParseError(in, size, out, sizeof(out));

	cut = Utf8Prefix(in, size, size % 50);
	if (cut > size || (cut < size && ((unsigned char) in[cut] & 0xc0) == 0x80) ||
		Utf8Length(in, cut) > size % 50)
		abort();
	return 0;
}
