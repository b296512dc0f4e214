/* mail.c — `algoreg mail`: the e-mail outbox from the command line, for a register
 * whose server does not send notices itself (cron runs send) and for the operator who
 * wants to see what went out and what failed. */
#include "base/clock.h"
#include "base/err.h"
#include "cli/cli.h"
#include "notice/notice.h"
#include "store/store.h"

#include <curl/curl.h>
#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: algoreg mail send --db PATH --smtp URL --mail-from ADDR --public-url URL\n"
    "                         [--smtp-credentials FILE]\n"
    "       algoreg mail list --db PATH [--limit N]\n"
    "send: send the notices that wait (at most 50 per run; failures are retried later\n"
    "with growing pauses, a relay's 5xx answer gives a message up). The relay is\n"
    "smtp://HOST[:PORT] (STARTTLS required unless on loopback) or smtps://HOST[:PORT];\n"
    "credentials are USER:PASSWORD on one line of a file with mode 0600.\n"
    "list: the newest messages with their state (waiting, sent, failed), attempts and\n"
    "last error; never their text.\n";

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "algoreg: mail %s: %s\n", what, why);
    return 1;
}

int ar_cli_mail(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"smtp", required_argument, NULL, 's'},
        {"mail-from", required_argument, NULL, 'f'},
        {"smtp-credentials", required_argument, NULL, 'c'},
        {"public-url", required_argument, NULL, 'u'},
        {"limit", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *smtp = NULL, *from = NULL, *cred = NULL, *base = NULL;
    int limit = 50, c;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *verb = argv[1];
    argc--;
    argv++;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'd': db = optarg; break;
        case 's': smtp = optarg; break;
        case 'f': from = optarg; break;
        case 'c': cred = optarg; break;
        case 'u': base = optarg; break;
        case 'L':
            limit = (int)strtol(optarg, &end, 10);
            if (*end || limit < 1 || limit > 10000)
                return fail(verb, "--limit is 1 to 10000");
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: return fail(verb, "unknown option; see algoreg mail --help");
        }
    }
    if (optind < argc)
        return fail(verb, "unexpected argument; see algoreg mail --help");
    if (strcmp(verb, "send") && strcmp(verb, "list"))
        return fail(verb, "unknown; mail send or mail list");
    if (!db)
        return fail(verb, "--db PATH is required");
    struct ar_notice_cfg cfg;
    char why[256];
    if (!strcmp(verb, "send") && ar_notice_cfg_set(&cfg, smtp, from, cred, base, why, sizeof why))
        return fail(verb, why);
    struct ar_store *s = NULL;
    if (ar_store_open(&s, db, 0))
        return 1; /* the store said why */
    int rc = 1;
    if (!strcmp(verb, "send")) {
        int sent = 0, failed = 0;
        curl_global_init(CURL_GLOBAL_DEFAULT);
        if (ar_notice_send(s, &cfg, &sent, &failed))
            fail(verb, "the outcome could not be recorded (the database refused the write)");
        else
            rc = failed ? 1 : 0, printf("sent %d, failed %d\n", sent, failed);
        curl_global_cleanup();
        sodium_memzero(&cfg, sizeof cfg);
    } else {
        json_t *rows = NULL, *m;
        size_t i;
        if (ar_store_outbox_list(s, limit, &rows) == 0) {
            json_array_foreach (rows, i, m) {
                const char *sent = json_string_value(json_object_get(m, "sent"));
                const char *failed = json_string_value(json_object_get(m, "failed"));
                const char *err = json_string_value(json_object_get(m, "last_error"));
                printf("%lld\t%s\t%s\t%s\t%s\t%s\t%lld\t%s\n",
                       (long long)json_integer_value(json_object_get(m, "id")),
                       json_string_value(json_object_get(m, "created")),
                       json_string_value(json_object_get(m, "kind")),
                       json_string_value(json_object_get(m, "account")),
                       sent     ? "sent"
                       : failed ? "failed"
                                : "waiting",
                       sent     ? sent
                       : failed ? failed
                                : "-",
                       (long long)json_integer_value(json_object_get(m, "attempts")),
                       err ? err : "-");
            }
            rc = 0;
        } else {
            fail(verb, "the outbox could not be read");
        }
        json_decref(rows);
    }
    ar_store_close(s);
    return rc;
}
