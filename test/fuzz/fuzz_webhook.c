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
 *	  - Utf8Prefix never passes the end nor cuts a character.
 *
 * Built with -fsanitize=fuzzer,address,undefined by gateway/Makefile.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

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
	free(copy);
	GraphParseMessageId(in, size, out, sizeof(out));
	GraphParseError(in, size, out, sizeof(out));

	cut = Utf8Prefix(in, size, size % 50);
	if (cut > size || (cut < size && ((unsigned char) in[cut] & 0xc0) == 0x80) ||
		Utf8Length(in, cut) > size % 50)
		abort();
	return 0;
}
