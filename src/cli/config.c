/* config.c — the server's configuration file and environment: /etc/algoreg/algoreg.conf
 * (or --config FILE, or ALGOREG_CONFIG) holds "key = value" lines whose keys are the long
 * options of algoreg serve; ALGOREG_<KEY> variables (upper case, '-' as '_') override
 * the file and options on the command line override both. All three become one argument
 * vector that serve parses once, so a value is checked the same way wherever it came
 * from. */
#include "cli/config.h"
#include "base/buf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 4096

static void push(struct ar_cfg *c, const char *s, int line)
{
    if (c->n + 1 >= c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->argv = ar_xrealloc(c->argv, (size_t)c->cap * sizeof *c->argv);
        c->line = ar_xrealloc(c->line, (size_t)c->cap * sizeof *c->line);
    }
    c->argv[c->n] = ar_xstrdup(s);
    c->line[c->n++] = line;
    c->argv[c->n] = NULL;
}

static const struct option *find(const struct option *opts, const char *allowed, const char *key)
{
    for (const struct option *o = opts; o->name; o++)
        if (strcmp(o->name, key) == 0 && o->val != 'h' && strchr(allowed, o->val))
            return o;
    return NULL;
}

static int is_true(const char *v)
{
    return !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "1");
}

static int is_false(const char *v)
{
    return !strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "0");
}

/* One key and value, from line (0 for the environment); problems reported with where. */
static int add(struct ar_cfg *c, const struct option *opts, const char *allowed, const char *where,
               int line, const char *key, const char *value)
{
    const struct option *o = find(opts, allowed, key);
    char opt[96];
    if (!o) {
        fprintf(stderr, "%s: '%s' is not a setting of algoreg serve (see algoreg serve --help)\n",
                where, key);
        return 1;
    }
    snprintf(opt, sizeof opt, "--%s", o->name);
    if (o->has_arg == no_argument) {
        if (is_true(value)) {
            push(c, opt, line);
            return 0;
        }
        if (is_false(value))
            return 0;
        fprintf(stderr, "%s: %s is true or false, not '%s'\n", where, key, value);
        return 1;
    }
    if (!*value) {
        fprintf(stderr, "%s: %s needs a value\n", where, key);
        return 1;
    }
    push(c, opt, line);
    push(c, value, line);
    return 0;
}

int ar_cfg_read(struct ar_cfg *c, const struct option *opts, const char *allowed, const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[MAX_LINE], where[4200];
    int problems = 0, line = 0;
    if (!f) {
        fprintf(stderr, "algoreg: cannot read the configuration %s: %s\n", path, strerror(errno));
        return 1;
    }
    while (fgets(buf, sizeof buf, f)) {
        line++;
        snprintf(where, sizeof where, "%s:%d", path, line);
        size_t n = strlen(buf);
        if (n == sizeof buf - 1 && buf[n - 1] != '\n') {
            fprintf(stderr, "%s: the line is longer than %d bytes\n", where, MAX_LINE - 2);
            problems++;
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n') {
            }
            continue;
        }
        char *p = buf;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#')
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            fprintf(stderr, "%s: expected \"key = value\"\n", where);
            problems++;
            continue;
        }
        char *ke = eq;
        while (ke > p && isspace((unsigned char)ke[-1]))
            ke--;
        *ke = '\0';
        char *v = eq + 1;
        while (isspace((unsigned char)*v))
            v++;
        char *ve = v + strlen(v);
        while (ve > v && isspace((unsigned char)ve[-1]))
            ve--;
        *ve = '\0';
        if (ve - v >= 2 && v[0] == '"' && ve[-1] == '"') {
            v++;
            ve[-1] = '\0';
        }
        problems += add(c, opts, allowed, where, line, p, v);
    }
    fclose(f);
    return problems;
}

int ar_cfg_env(struct ar_cfg *c, const struct option *opts, const char *allowed)
{
    int problems = 0;
    for (const struct option *o = opts; o->name; o++) {
        if (o->val == 'h' || !strchr(allowed, o->val))
            continue;
        char var[96];
        size_t k = snprintf(var, sizeof var, "ALGOREG_");
        for (const char *s = o->name; *s && k + 1 < sizeof var; s++)
            var[k++] = *s == '-' ? '_' : (char)toupper((unsigned char)*s);
        var[k] = '\0';
        const char *v = getenv(var);
        if (v)
            problems += add(c, opts, allowed, var, 0, o->name, v);
    }
    return problems;
}

void ar_cfg_args(struct ar_cfg *c, int argc, char **argv, int from)
{
    for (int i = from; i < argc; i++)
        push(c, argv[i], -1);
}

void ar_cfg_free(struct ar_cfg *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->argv[i]);
    free(c->argv);
    free(c->line);
    memset(c, 0, sizeof *c);
}
