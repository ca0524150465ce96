/*-------------------------------------------------------------------------
 *
 * webhook.c
 *	  The signature check and the parser of WhatsApp Business Cloud API
 *	  webhooks.  The body is
 *
 *	  {"object": "whatsapp_business_account",
 *	   "entry": [{"changes": [{"field": "messages", "value": {
 *		   "metadata": {"phone_number_id": "..."},
 *		   "messages": [{"from": "628...", "id": "wamid...", "type": "text",
 *						 "text": {"body": "..."}}, ...],
 *		   "statuses": [{"id": "wamid...", "status": "failed",
 *						 "errors": [{"code": 131026, "title": "..."}]}, ...]}}]}]}
 *
 * Interactive answers carry the chosen id in interactive.button_reply.id or
 * interactive.list_reply.id, quick-reply buttons of templates in
 * button.payload.  Anything else of another shape is counted, not fatal:
 * Meta adds fields and types, and a webhook must be acknowledged whatever
 * it holds.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "webhook.h"

/* Dup copies a string; aborts when memory runs out. */
static char *
Dup(const char *s)
{
	char	   *p = strdup(s);

	if (p == NULL)
		abort();
	return p;
}

/* StringField returns obj[key] when it is a string, else NULL. */
static const char *
StringField(json_t *obj, const char *key)
{
	json_t	   *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ValidId accepts 1 to max printable ASCII characters. */
static bool
ValidId(const char *s, size_t max)
{
	size_t		n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++)
		if (s[n] < 0x21 || s[n] > 0x7e || n >= max)
			return false;
	return n > 0;
}

/* ValidSender accepts a WhatsApp id: 1 to 32 digits. */
static bool
ValidSender(const char *s)
{
	size_t		n = 0;

	if (s == NULL)
		return false;
	for (; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9' || n >= 32)
			return false;
	return n > 0;
}

/* KindOf keeps a message type that looks like one, else "unknown". */
static const char *
KindOf(const char *type)
{
	size_t		n = 0;

	if (type == NULL)
		return "unknown";
	for (; type[n] != '\0'; n++)
		if (!((type[n] >= 'a' && type[n] <= 'z') || type[n] == '_') || n >= 32)
			return "unknown";
	return n > 0 ? type : "unknown";
}

/* AddMessage appends one inbound message if it has the expected shape. */
static void
AddMessage(WaWebhook *w, json_t *m, int *capacity)
{
	const char *from = StringField(m, "from");
	const char *id = StringField(m, "id");
	const char *type = StringField(m, "type");
	const char *text = NULL;
	const char *kind;
	WaInbound  *in;

	if (!json_is_object(m) || !ValidSender(from) || !ValidId(id, 256) || type == NULL)
	{
		w->ignored++;
		return;
	}
	kind = KindOf(type);
	if (strcmp(type, "text") == 0)
	{
		text = StringField(json_object_get(m, "text"), "body");
		if (text == NULL)
			kind = "unknown";
	}
	else if (strcmp(type, "interactive") == 0)
	{
		json_t	   *i = json_object_get(m, "interactive");
		const char *itype = StringField(i, "type");

		if (itype != NULL && strcmp(itype, "button_reply") == 0)
			text = StringField(json_object_get(i, "button_reply"), "id");
		else if (itype != NULL && strcmp(itype, "list_reply") == 0)
			text = StringField(json_object_get(i, "list_reply"), "id");
	}
	else if (strcmp(type, "button") == 0)
	{
		json_t	   *b = json_object_get(m, "button");

		text = StringField(b, "payload");
		if (text == NULL)
			text = StringField(b, "text");
	}
	if (text != NULL)
		kind = "text";

	if (w->nmessages == *capacity)
	{
		*capacity = *capacity == 0 ? 4 : *capacity * 2;
		w->messages = realloc(w->messages, sizeof(WaInbound) * *capacity);
		if (w->messages == NULL)
			abort();
	}
	in = &w->messages[w->nmessages++];
	in->from = Dup(from);
	in->id = Dup(id);
	in->kind = Dup(kind);
	in->text = text != NULL ? Dup(text) : NULL;
}

/* AddStatus appends one status callback if it has the expected shape. */
static void
AddStatus(WaWebhook *w, json_t *s, int *capacity)
{
	const char *id = StringField(s, "id");
	const char *status = StringField(s, "status");
	json_t	   *errors = json_object_get(s, "errors");
	WaStatus   *st;

	if (!json_is_object(s) || !ValidId(id, 256) || !ValidId(status, 32))
	{
		w->ignored++;
		return;
	}
	if (w->nstatuses == *capacity)
	{
		*capacity = *capacity == 0 ? 4 : *capacity * 2;
		w->statuses = realloc(w->statuses, sizeof(WaStatus) * *capacity);
		if (w->statuses == NULL)
			abort();
	}
	st = &w->statuses[w->nstatuses++];
	st->id = Dup(id);
	st->status = Dup(status);
	st->error = NULL;
	if (json_is_array(errors) && json_array_size(errors) > 0)
	{
		json_t	   *e = json_array_get(errors, 0);
		json_t	   *code = json_object_get(e, "code");
		const char *title = StringField(e, "title");
		char		buf[256];

		snprintf(buf, sizeof(buf), "%lld %s",
				 json_is_integer(code) ? (long long) json_integer_value(code) : 0LL,
				 title != NULL ? title : "");
		st->error = Dup(buf);
	}
}

/* WebhookParse reads a webhook body into messages and statuses. */
bool
WebhookParse(const char *body, size_t len, const char *phone_number_id, WaWebhook *out)
{
	json_error_t error;
	json_t	   *root;
	json_t	   *entries;
	const char *object;
	size_t		i,
				j,
				k;
	int			mcap = 0,
				scap = 0;

	memset(out, 0, sizeof(WaWebhook));
	root = json_loadb(body, len, 0, &error);
	if (root == NULL)
		return false;
	if (!json_is_object(root))
	{
		json_decref(root);
		return false;
	}
	object = StringField(root, "object");
	entries = json_object_get(root, "entry");
	if (object == NULL || strcmp(object, "whatsapp_business_account") != 0 || !json_is_array(entries))
	{
		out->ignored++;
		json_decref(root);
		return true;
	}
	for (i = 0; i < json_array_size(entries); i++)
	{
		json_t	   *changes = json_object_get(json_array_get(entries, i), "changes");

		if (!json_is_array(changes))
		{
			out->ignored++;
			continue;
		}
		for (j = 0; j < json_array_size(changes); j++)
		{
			json_t	   *change = json_array_get(changes, j);
			const char *field = StringField(change, "field");
			json_t	   *value = json_object_get(change, "value");
			json_t	   *messages,
					   *statuses;
			const char *to;

			if (field == NULL || strcmp(field, "messages") != 0 || !json_is_object(value))
			{
				out->ignored++;
				continue;
			}
			to = StringField(json_object_get(value, "metadata"), "phone_number_id");
			if (phone_number_id != NULL && phone_number_id[0] != '\0' &&
				(to == NULL || strcmp(to, phone_number_id) != 0))
			{
				out->ignored++;
				continue;
			}
			messages = json_object_get(value, "messages");
			statuses = json_object_get(value, "statuses");
			for (k = 0; json_is_array(messages) && k < json_array_size(messages); k++)
			{
				if (out->nmessages + out->nstatuses >= WEBHOOK_MAX_ITEMS)
					out->ignored++;
				else
					AddMessage(out, json_array_get(messages, k), &mcap);
			}
			for (k = 0; json_is_array(statuses) && k < json_array_size(statuses); k++)
			{
				if (out->nmessages + out->nstatuses >= WEBHOOK_MAX_ITEMS)
					out->ignored++;
				else
					AddStatus(out, json_array_get(statuses, k), &scap);
			}
			if (!json_is_array(messages) && !json_is_array(statuses))
				out->ignored++;
		}
	}
	json_decref(root);
	return true;
}

/* WebhookFree releases what WebhookParse allocated. */
void
WebhookFree(WaWebhook *w)
{
	int			i;

	for (i = 0; i < w->nmessages; i++)
	{
		free(w->messages[i].from);
		free(w->messages[i].id);
		free(w->messages[i].kind);
		free(w->messages[i].text);
	}
	for (i = 0; i < w->nstatuses; i++)
	{
		free(w->statuses[i].id);
		free(w->statuses[i].status);
		free(w->statuses[i].error);
	}
	free(w->messages);
	free(w->statuses);
	memset(w, 0, sizeof(WaWebhook));
}

/* HexValue returns the value of a hex digit, or -1. */
static int
HexValue(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* WebhookSignatureValid compares the header with the body's HMAC. */
bool
WebhookSignatureValid(const char *header, const void *body, size_t len,
					  const void *secret, size_t secret_len)
{
	unsigned char expected[EVP_MAX_MD_SIZE];
	unsigned int expected_len = 0;
	unsigned char given[32];
	int			i;

	if (header == NULL || secret == NULL || secret_len == 0 ||
		strncmp(header, "sha256=", 7) != 0 || strlen(header) != 7 + 64)
		return false;
	for (i = 0; i < 32; i++)
	{
		int			hi = HexValue(header[7 + 2 * i]);
		int			lo = HexValue(header[8 + 2 * i]);

		if (hi < 0 || lo < 0)
			return false;
		given[i] = (unsigned char) (hi << 4 | lo);
	}
	if (HMAC(EVP_sha256(), secret, (int) secret_len, body, len, expected, &expected_len) == NULL ||
		expected_len != 32)
		return false;
	return CRYPTO_memcmp(given, expected, 32) == 0;
}

/* WebhookSign writes the X-Hub-Signature-256 value of a body. */
void
WebhookSign(const void *body, size_t len, const void *secret, size_t secret_len, char out[72])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	unsigned int i;

	memcpy(out, "sha256=", 7);
	HMAC(EVP_sha256(), secret, (int) secret_len, body, len, mac, &mac_len);
	for (i = 0; i < 32 && i < mac_len; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
	out[7 + 64] = '\0';
}
