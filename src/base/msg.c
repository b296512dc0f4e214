/* msg.c — see msg.h. */
#include "base/msg.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "base/err.h"

static enum ar_msg_format g_format = AR_MSG_TEXT;

int ar_msg_on_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

int ar_msg_format_parse(const char *name, enum ar_msg_format *f)
{
    if (!strcmp(name, "text"))
        *f = AR_MSG_TEXT;
    else if (!strcmp(name, "json"))
        *f = AR_MSG_JSON;
    else if (!strcmp(name, "journal"))
        *f = AR_MSG_JOURNAL;
    else if (!strcmp(name, "auto"))
        *f = ar_msg_on_journal() ? AR_MSG_JOURNAL : AR_MSG_TEXT;
    else
        return AR_EINVAL;
    return 0;
}

void ar_msg_set_format(enum ar_msg_format f)
{
    g_format = f;
}

enum ar_msg_format ar_msg_get_format(void)
{
    return g_format;
}

static const char *level_name(int level)
{
    switch (level) {
    case AR_MSG_ERR: return "error";
    case AR_MSG_WARNING: return "warning";
    case AR_MSG_NOTICE: return "notice";
    default: return "info";
    }
}

void ar_msg(int level, const char *fmt, ...)
{
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (g_format == AR_MSG_JOURNAL) {
        sd_journal_send("MESSAGE=%s", text, "PRIORITY=%d", level, "SYSLOG_IDENTIFIER=algoreg",
                        NULL);
        return;
    }
    if (g_format == AR_MSG_TEXT) {
        fprintf(stderr, "algoreg: %s\n", text);
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char when[40];
    size_t k = strftime(when, sizeof when - 6, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + k, sizeof when - k, ".%03dZ", (int)(now.tv_nsec / 1000000) % 1000);
    json_t *line =
        json_pack("{s:s, s:s, s:s}", "time", when, "level", level_name(level), "msg", text);
    char *s = line ? json_dumps(line, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    if (s)
        fprintf(stderr, "%s\n", s); /* one call: stdio locks the stream for the line */
    else
        fprintf(stderr, "algoreg: %s\n", text); /* not UTF-8: still said, as text */
    free(s);
    json_decref(line);
}
