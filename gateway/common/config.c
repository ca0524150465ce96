/*-------------------------------------------------------------------------
 *
 * config.c
 *	  Configuration of passport's daemons: defaults, then a file of
 *	  "name = value" lines, then environment variables; secrets read from
 *	  the files that secret options name.  The current configuration is
 *	  shared between threads by reference counting, so that SIGHUP can
 *	  replace it while requests still read the old one.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

#define MAX_SECRET_BYTES 65536

typedef struct ConfigValue
{
	char	   *text;			/* as written; NULL when unset */
	int			int_value;
	bool		bool_value;
	char	   *secret;			/* CONFIG_SECRET_FILE: the file's contents */
	size_t		secret_len;
} ConfigValue;

struct Config
{
	const ConfigOption *options;
	int			noptions;
	ConfigValue *values;
	int			refcount;		/* users, plus one while current */
};

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static Config *current_config = NULL;

/* FindOption returns the index of an option by name, or -1. */
static int
FindOption(const Config *config, const char *name)
{
	int			i;

	for (i = 0; i < config->noptions; i++)
		if (strcmp(config->options[i].name, name) == 0)
			return i;
	return -1;
}

/* SetText stores the text of an option's value. */
static void
SetText(Config *config, int i, const char *text)
{
	free(config->values[i].text);
	config->values[i].text = PdStrdup(text);
}

/* ReadSecret reads a secret file whole, without the final newline. */
static bool
ReadSecret(const char *path, ConfigValue *value, const char *name, char *errbuf, size_t errlen)
{
	int			fd;
	struct stat st;
	char	   *data;
	ssize_t		n;
	size_t		len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
	{
		snprintf(errbuf, errlen, "could not open secret file \"%s\" of %s: %s",
				 path, name, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & S_IROTH))
		LogWarning("secret file \"%s\" of %s is readable by every user", path, name);
	data = PdAlloc(MAX_SECRET_BYTES + 1);
	while (len < MAX_SECRET_BYTES &&
		   (n = read(fd, data + len, MAX_SECRET_BYTES - len)) != 0)
	{
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			snprintf(errbuf, errlen, "could not read secret file \"%s\" of %s: %s",
					 path, name, strerror(errno));
			close(fd);
			free(data);
			return false;
		}
		len += n;
	}
	close(fd);
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	data[len] = '\0';
	if (len == 0)
	{
		snprintf(errbuf, errlen, "secret file \"%s\" of %s is empty", path, name);
		free(data);
		return false;
	}
	value->secret = data;
	value->secret_len = len;
	return true;
}

/* Trim removes leading and trailing white space in place. */
static char *
Trim(char *s)
{
	char	   *end;

	while (isspace((unsigned char) *s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char) end[-1]))
		*--end = '\0';
	return s;
}

/* ReadFile applies the "name = value" lines of a configuration file. */
static bool
ReadFile(Config *config, const char *path, char *errbuf, size_t errlen)
{
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	int			lineno = 0;

	if (f == NULL)
	{
		snprintf(errbuf, errlen, "could not open configuration file \"%s\": %s",
				 path, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL)
	{
		char	   *s,
				   *eq,
				   *name,
				   *value;
		int			i;

		lineno++;
		s = Trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL)
		{
			snprintf(errbuf, errlen, "%s:%d: expected name = value", path, lineno);
			fclose(f);
			return false;
		}
		*eq = '\0';
		name = Trim(s);
		value = Trim(eq + 1);
		if ((value[0] == '"' || value[0] == '\'') && strlen(value) >= 2 &&
			value[strlen(value) - 1] == value[0])
		{
			value[strlen(value) - 1] = '\0';
			value++;
		}
		i = FindOption(config, name);
		if (i < 0)
		{
			snprintf(errbuf, errlen, "%s:%d: unknown option \"%s\"", path, lineno, name);
			fclose(f);
			return false;
		}
		SetText(config, i, value);
	}
	fclose(f);
	return true;
}

/* ParseValue checks an option's text and computes its typed value. */
static bool
ParseValue(Config *config, int i, char *errbuf, size_t errlen)
{
	const ConfigOption *opt = &config->options[i];
	ConfigValue *v = &config->values[i];
	char	   *end;
	long		n;

	if (v->text == NULL || (v->text[0] == '\0' && opt->type != CONFIG_STRING))
	{
		if (opt->required)
		{
			snprintf(errbuf, errlen, "option %s is required", opt->name);
			return false;
		}
		free(v->text);
		v->text = NULL;
		return true;
	}
	if (opt->required && v->text[0] == '\0')
	{
		snprintf(errbuf, errlen, "option %s is required", opt->name);
		return false;
	}
	switch (opt->type)
	{
		case CONFIG_STRING:
			break;
		case CONFIG_INT:
			errno = 0;
			n = strtol(v->text, &end, 10);
			if (errno != 0 || end == v->text || *end != '\0' ||
				n < opt->min_value || n > opt->max_value)
			{
				snprintf(errbuf, errlen, "option %s must be an integer from %d to %d, not \"%s\"",
						 opt->name, opt->min_value, opt->max_value, v->text);
				return false;
			}
			v->int_value = (int) n;
			break;
		case CONFIG_BOOL:
			if (strcmp(v->text, "on") == 0 || strcmp(v->text, "true") == 0 ||
				strcmp(v->text, "yes") == 0 || strcmp(v->text, "1") == 0)
				v->bool_value = true;
			else if (strcmp(v->text, "off") == 0 || strcmp(v->text, "false") == 0 ||
					 strcmp(v->text, "no") == 0 || strcmp(v->text, "0") == 0)
				v->bool_value = false;
			else
			{
				snprintf(errbuf, errlen, "option %s must be on or off, not \"%s\"",
						 opt->name, v->text);
				return false;
			}
			break;
		case CONFIG_SECRET_FILE:
			if (!ReadSecret(v->text, v, opt->name, errbuf, errlen))
				return false;
			break;
	}
	return true;
}

/* ConfigLoad builds a configuration from defaults, file and environment. */
Config *
ConfigLoad(const ConfigOption *options, const char *path, const char *env_prefix,
		   char *errbuf, size_t errlen)
{
	Config	   *config = PdAllocZero(sizeof(Config));
	int			i;

	while (options[config->noptions].name != NULL)
		config->noptions++;
	config->options = options;
	config->values = PdAllocZero(sizeof(ConfigValue) * (config->noptions + 1));
	config->refcount = 1;
	for (i = 0; i < config->noptions; i++)
		if (options[i].default_value != NULL)
			SetText(config, i, options[i].default_value);

	if (path != NULL && path[0] != '\0' && !ReadFile(config, path, errbuf, errlen))
		goto fail;

	for (i = 0; i < config->noptions; i++)
	{
		char		envname[128];
		const char *env;
		size_t		k;

		snprintf(envname, sizeof(envname), "%s%s", env_prefix != NULL ? env_prefix : "",
				 options[i].name);
		for (k = 0; envname[k] != '\0'; k++)
			envname[k] = toupper((unsigned char) envname[k]);
		env = getenv(envname);
		if (env != NULL)
			SetText(config, i, env);
	}

	for (i = 0; i < config->noptions; i++)
		if (!ParseValue(config, i, errbuf, errlen))
			goto fail;
	return config;

fail:
	config->refcount = 1;
	ConfigRelease(config);
	return NULL;
}

/* ConfigFree releases a configuration nobody else uses. */
void
ConfigFree(Config *config)
{
	int			i;

	if (config == NULL)
		return;
	for (i = 0; i < config->noptions; i++)
	{
		free(config->values[i].text);
		if (config->values[i].secret != NULL)
		{
			memset(config->values[i].secret, 0, config->values[i].secret_len);
			free(config->values[i].secret);
		}
	}
	free(config->values);
	free(config);
}

/* ValueOf returns the value of a named option; a wrong name is a bug. */
static const ConfigValue *
ValueOf(const Config *config, const char *name)
{
	int			i = FindOption(config, name);

	if (i < 0)
	{
		LogError("no configuration option \"%s\"", name);
		abort();
	}
	return &config->values[i];
}

/* ConfigGetString returns an option's text, NULL when unset. */
const char *
ConfigGetString(const Config *config, const char *name)
{
	return ValueOf(config, name)->text;
}

/* ConfigGetInt returns an integer option (0 when unset). */
int
ConfigGetInt(const Config *config, const char *name)
{
	return ValueOf(config, name)->int_value;
}

/* ConfigGetBool returns a boolean option (false when unset). */
bool
ConfigGetBool(const Config *config, const char *name)
{
	return ValueOf(config, name)->bool_value;
}

/* ConfigGetSecret returns the contents of a secret file (NULL when unset). */
const char *
ConfigGetSecret(const Config *config, const char *name, size_t *len)
{
	const ConfigValue *v = ValueOf(config, name);

	if (len != NULL)
		*len = v->secret_len;
	return v->secret;
}

/* ConfigSetCurrent installs a configuration as the process's current one. */
void
ConfigSetCurrent(Config *config)
{
	Config	   *old;

	pthread_mutex_lock(&current_lock);
	old = current_config;
	current_config = config;
	pthread_mutex_unlock(&current_lock);
	if (old != NULL)
		ConfigRelease(old);
}

/* ConfigAcquire returns the current configuration, held until released. */
Config *
ConfigAcquire(void)
{
	Config	   *config;

	pthread_mutex_lock(&current_lock);
	config = current_config;
	if (config != NULL)
		config->refcount++;
	pthread_mutex_unlock(&current_lock);
	return config;
}

/* ConfigRelease drops a hold; the last one frees the configuration. */
void
ConfigRelease(Config *config)
{
	bool		last;

	if (config == NULL)
		return;
	pthread_mutex_lock(&current_lock);
	last = (--config->refcount == 0);
	pthread_mutex_unlock(&current_lock);
	if (last)
		ConfigFree(config);
}

/* ConfigReload loads the configuration again and installs it. */
bool
ConfigReload(const ConfigOption *options, const char *path, const char *env_prefix)
{
	char		err[512];
	Config	   *fresh = ConfigLoad(options, path, env_prefix, err, sizeof(err));
	Config	   *old;
	int			i;

	if (fresh == NULL)
	{
		LogError("configuration not reloaded: %s", err);
		return false;
	}
	old = ConfigAcquire();
	if (old != NULL)
	{
		for (i = 0; i < fresh->noptions; i++)
		{
			const char *a = old->values[i].text;
			const char *b = fresh->values[i].text;

			if (options[i].reloadable)
				continue;
			if ((a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0))
			{
				LogWarning("option %s changed; it takes effect at the next restart", options[i].name);
				SetText(fresh, i, a);
				fresh->values[i].int_value = old->values[i].int_value;
				fresh->values[i].bool_value = old->values[i].bool_value;
			}
		}
		ConfigRelease(old);
	}
	ConfigSetCurrent(fresh);
	LogInfo("configuration reloaded");
	return true;
}

/* ConfigPrintOptions lists the options for a usage text. */
void
ConfigPrintOptions(FILE *out, const ConfigOption *options)
{
	int			i;

	for (i = 0; options[i].name != NULL; i++)
	{
		const char *d = options[i].default_value;

		fprintf(out, "  %-18s %s%s%s%s%s\n", options[i].name, options[i].description,
				d != NULL && d[0] != '\0' ? " [" : "", d != NULL && d[0] != '\0' ? d : "",
				d != NULL && d[0] != '\0' ? "]" : "", options[i].required ? " (required)" : "");
	}
}

/* ConfigApplyLogLevel sets the log level from the current configuration. */
void
ConfigApplyLogLevel(void)
{
	Config	   *config = ConfigAcquire();
	LogLevel	level;

	if (LogParseLevel(ConfigGetString(config, "log_level"), &level))
		LogSetLevel(level);
	else
		LogWarning("log_level \"%s\" is not debug, info, warning or error",
				   ConfigGetString(config, "log_level"));
	ConfigRelease(config);
}

/*
 * DaemonCommandLine reads the command line every daemon takes: -c/--config
 * FILE (else the environment variable <env_prefix>CONFIG), --check, -V and
 * -h.  Returns -1 when the daemon goes on (with *config_path and
 * *check_only set), else the status to exit with.
 */
int
DaemonCommandLine(int argc, char **argv, const char *progname, const char *env_prefix,
				  void (*usage) (FILE *out), const char **config_path, bool *check_only)
{
	static const struct option long_options[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	char		env_name[128];
	int			c;

	*check_only = false;
	while ((c = getopt_long(argc, argv, "c:Vh", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'c':
				*config_path = optarg;
				break;
			case 'k':
				*check_only = true;
				break;
			case 'V':
				printf("%s 0.2\n", progname);
				return 0;
			case 'h':
				usage(stdout);
				return 0;
			default:
				usage(stderr);
				return 2;
		}
	}
	if (optind < argc)
	{
		usage(stderr);
		return 2;
	}
	if (*config_path == NULL)
	{
		snprintf(env_name, sizeof(env_name), "%sCONFIG", env_prefix);
		*config_path = getenv(env_name);
	}
	return -1;
}
