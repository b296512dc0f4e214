/* config.h — serve's settings from a file, the environment and the command line, in
 * that order of strength, as one argument vector (see config.c). */
#ifndef AR_CLI_CONFIG_H
#define AR_CLI_CONFIG_H

#include <getopt.h>

#define AR_CONFIG_DEFAULT "/etc/algoreg/algoreg.conf"

struct ar_cfg {
    char **argv; /* NULL-terminated; argv[0] is the command */
    int *line;   /* for each: its line in the file, 0 environment, -1 command line */
    int n, cap;
};

/* Append FILE's settings ("key = value"; '#' comments; flags take true or false). Each
 * problem is one line "FILE:LINE: reason" on stderr; returns how many. Keys are the long
 * options of opts whose letter is in allowed. */
int ar_cfg_read(struct ar_cfg *c, const struct option *opts, const char *allowed, const char *path);
/* Append ALGOREG_<KEY> variables that are set; problems as above. */
int ar_cfg_env(struct ar_cfg *c, const struct option *opts, const char *allowed);
/* Append argv[from..argc). */
void ar_cfg_args(struct ar_cfg *c, int argc, char **argv, int from);
void ar_cfg_free(struct ar_cfg *c);

#endif
