/*-------------------------------------------------------------------------
 *
 * graph.h
 *	  Messages for the WhatsApp Business Cloud API's
 *	  POST /{version}/{phone-number-id}/messages, and what its answers
 *	  mean.  Pure code (jansson), unit-tested outside the daemon.
 *
 * WhatsApp's limits, which decide the form of a reply:
 *	- text: 4096 characters per message (longer replies are split);
 *	- reply buttons: at most 3, titles of 20 characters, body 1024;
 *	- list: at most 10 rows, titles of 24 characters, descriptions of 72,
 *	  the button that opens it 20, body 1024;
 *	- anything beyond: the reply as text (it numbers its choices itself).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PASSPORT_GRAPH_H
#define PASSPORT_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define GRAPH_TEXT_MAX 4096
#define GRAPH_INTERACTIVE_BODY_MAX 1024
#define GRAPH_BUTTONS_MAX 3
#define GRAPH_BUTTON_TITLE_MAX 20
#define GRAPH_ROWS_MAX 10
#define GRAPH_ROW_TITLE_MAX 24
#define GRAPH_ROW_DESCRIPTION_MAX 72
#define GRAPH_LIST_BUTTON_MAX 20

typedef enum GraphForm
{
	GRAPH_FORM_TEXT,
	GRAPH_FORM_BUTTONS,
	GRAPH_FORM_LIST
} GraphForm;

/* The bodies of the requests that send one reply or notification. */
typedef struct GraphMessage
{
	GraphForm	form;
	int			nparts;
	char	  **parts;			/* JSON request bodies, sent in order */
} GraphMessage;

/*
 * GraphBuildReply makes the request bodies of a reply to "to" (digits,
 * without '+'): buttons or a list when the choices fit WhatsApp's limits
 * (labels give their titles; prompt labels a list's button), else text,
 * split into parts of at most 4096 characters.
 */
extern void GraphBuildReply(GraphMessage *msg, const char *to, const char *reply,
							char *const *choices, char *const *labels, int nchoices,
							const char *prompt);

/* GraphBuildTemplate makes the request body of a template message. */
extern void GraphBuildTemplate(GraphMessage *msg, const char *to, const char *name,
							   const char *language, char *const *parameters, int nparameters);

extern void GraphMessageFree(GraphMessage *msg);

/* GraphRecipient writes an E.164 number or WhatsApp id as digits only. */
extern void GraphRecipient(const char *recipient, char *out, size_t outlen);

/*
 * GraphParseMessageId reads messages[0].id from an answer of the API;
 * false when there is none.
 */
extern bool GraphParseMessageId(const char *body, size_t len, char *out, size_t outlen);

/*
 * GraphParseError reads error.code and error.title (or error.message)
 * from an error answer into "code title" (no personal data: the API's
 * own wording); false when the body is not an error object.
 */
extern bool GraphParseError(const char *body, size_t len, char *out, size_t outlen);

/*
 * GraphParseRetryAfter reads a Retry-After header (delta seconds or an
 * HTTP date, relative to now); -1 when absent or unreadable.
 */
extern int	GraphParseRetryAfter(const char *value, time_t now);

/*
 * Utf8Prefix returns how many bytes of s hold at most max_chars characters
 * (code points), never cutting a character in two.
 */
extern size_t Utf8Prefix(const char *s, size_t len, size_t max_chars);
extern size_t Utf8Length(const char *s, size_t len);

#endif							/* PASSPORT_GRAPH_H */
