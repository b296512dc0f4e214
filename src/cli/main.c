/* main.c — the algoreg command: init, serve, import, export, show, version.
 *
 * Every failure prints one line "algoreg: …" on stderr and exits non-zero. */
#include "api/app.h"
#include "auth/auth.h"
#include "base/assets.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/msg.h"
#include "cli/cli.h"
#include "cli/config.h"
#include "http/server.h"
#include "json/json.h"
#include "model/lars.h"
#include "model/record.h"
#include "model/registry.h"
#include "model/intake.h"
#include "model/standard.h"
#include "aiact/cases.h"
#include "aiact/classify.h"
#include "aiact/eudb.h"
#include "aiact/assess.h"
#include "aiact/tree.h"
#include "log/witness.h"
#include "quality/links.h"

#include <curl/curl.h>
#include "exception/exception.h"
#include "log/log.h"
#include "notice/notice.h"
#include "oidc/oidc.h"
#include "sheet/sheet.h"
#include "store/store.h"
#include "web/tmpl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ALGOREG_VERSION "0.1.0"
#define MAX_LINE (1u << 20)

static const char *usage_main =
    "usage: algoreg COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  init     create the database, keys and the first administrator; --demo adds\n"
    "           demonstration data and accounts\n"
    "  serve    serve the public site and the JSON API\n"
    "  import   add or update registrations from JSON lines\n"
    "  export   write the latest version of every registration as JSON lines\n"
    "  show     print one registration\n"
    "  tick     publish withheld registrations whose end date has come\n"
    "  verify   check a register's transparency log from outside\n"
    "  classify run an AI Act decision tree (beslishulp format) on given answers\n"
    "  witness  run an independent witness that cosigns a log's checkpoints\n"
    "  links    check the links in the register\n"
    "  user     add, list, disable accounts; API tokens; the audit trail\n"
    "  mail     send the e-mail notices that wait, or list them\n"
    "  config   check serve's configuration file (config check)\n"
    "  migrate  bring a database to this version's schema\n"
    "  backup   copy a live database into a checked backup file\n"
    "  restore  make a new database from a backup\n"
    "  version  print the version\n"
    "  routes   list the HTTP routes the server has\n"
    "\n"
    "Run 'algoreg COMMAND --help' for a command's options. See also man algoreg.\n";

static const char *usage_init =
    "usage: algoreg init --db PATH [--demo] [--log-key FILE] [--enc-key FILE]\n"
    "Create the SQLite database at PATH (running migrations on an existing one) and, when\n"
    "absent, the transparency log's Ed25519 signing key PATH.key and the key that seals\n"
    "withheld content PATH.enc (both mode 0600). A register without accounts gets the\n"
    "administrator account 'admin' (with --demo also one account per working role); their\n"
    "passwords and API tokens are written to PATH.accounts (mode 0600).\n"
    "  --db PATH   database file, or postgresql://USER@HOST:PORT/DB (an existing, empty\n"
    "              database; its keys and accounts file go to ALGOREG_STATE_DIR, default\n"
    "              /var/lib/algoreg, as DB.key, DB.enc, DB.accounts)\n"
    "  --demo      load demonstration registrations (police and public prosecutor) and\n"
    "              accounts: redacteur, goedkeurder (politie), toezicht,\n"
    "              rechter-commissaris, toetsingscommissie\n";
static const char *usage_serve =
    "usage: algoreg serve [--config FILE] --db PATH [--listen ADDR:PORT] [--threads N]\n"
    "                     [--origin NAME] [--max-withhold-days N] [--max-extension-days N]\n"
    "Serve the register over HTTP until SIGINT or SIGTERM (in-flight requests finish and\n"
    "a final checkpoint is signed). SIGHUP reads the configuration again: rate-limit,\n"
    "access-log (reopened) and tokens change at once, other keys at the next restart.\n"
    "Under systemd: Type=notify readiness, socket activation (then --listen is unused)\n"
    "and the watchdog. Settings come from the\n"
    "configuration file (--config FILE, ALGOREG_CONFIG, or " AR_CONFIG_DEFAULT " when it\n"
    "exists: \"key = value\" lines, keys as below without the dashes), then ALGOREG_<KEY>\n"
    "variables, then these options; check it with algoreg config check.\n"
    "  --db PATH          database file (created by algoreg init), or a PostgreSQL URI\n"
    "                     postgresql://USER@HOST:PORT/DB: several servers may share it\n"
    "  --listen ADDR:PORT address to listen on (default 127.0.0.1:8080)\n"
    "  --tokens FILE      service tokens for the operator's own automation,\n"
    "                     NAME:TOKEN[:ROLE] per line (default PATH.tokens when present).\n"
    "                     People use accounts (algoreg user)\n"
    "  --service-tokens-publish  let service tokens write registrations, published at\n"
    "                     once like algoreg import (for a migration); without it only\n"
    "                     accounts write, through four eyes\n"
    "  --threads N        worker threads (default: one per core)\n"
    "  --origin NAME      the log's origin line in checkpoints (default localhost/algoreg,\n"
    "                     or ALGOREG_LOG_ORIGIN); the signing key is PATH.key\n"
    "  --log-key FILE     the log's signing key (default PATH.key)\n"
    "  --enc-key FILE     the key sealing withheld content (default PATH.enc)\n"
    "  --max-withhold-days N   a withholding ends at most N days ahead (default 365)\n"
    "  --max-extension-days N  one extension adds at most N days (default 182)\n"
    "  --aiact-config FILE     AI Act dates and national-law settings (JSON; default: the\n"
    "                          built-in data/aiact/config.json)\n"
    "  --tree FILE             decision tree for the questionnaire (beslishulp format;\n"
    "                          default: algoreg's own tree)\n"
    "  --witnesses FILE        witnesses to push checkpoints to: \"URL VKEY\" per line\n"
    "  --oidc FILE             single sign-on: OpenID Connect providers and how their claims\n"
    "                          map to roles (YAML; see doc/algoreg.conf)\n"
    "  --witness-quorum N      cosignatures that make an entry witnessed (default: all)\n"
    "  --access-log FILE|-|journal  one JSON line per request (time, client, method,\n"
    "                          route, path, status, ms, bytes, who) to FILE or stderr (-),\n"
    "                          or the same as journald fields\n"
    "  --log-format text|json|journal|auto  the server's own messages (default auto:\n"
    "                          journald fields under systemd, else text on stderr)\n"
    "  --trusted-proxy ADDR[,ADDR]  reverse proxies whose X-Forwarded-For names the\n"
    "                          client (for the rate limit and the access log)\n"
    "  --rate-limit N          requests per second from one client address, with bursts of\n"
    "                          ten times that (default 100; 0 turns it off)\n"
    "  --check-links MINUTES   check every link in the register this often (default: off;\n"
    "                          it contacts the sites the entries link to)\n"
    "  --smtp URL              send e-mail notices through this relay: smtp://HOST[:PORT]\n"
    "                          (STARTTLS required unless on loopback) or smtps://HOST[:PORT]\n"
    "  --mail-from ADDR        the notices' sender address (with --smtp)\n"
    "  --smtp-credentials FILE the relay's USER:PASSWORD on one line (mode 0600)\n"
    "  --public-url URL        the register's address, for links in notices (default\n"
    "                          http://LISTEN)\n";
static const char *usage_import =
    "usage: algoreg import --db PATH [--author NAME] [--strict] [--format F]\n"
    "                      [--report FILE] FILE|-\n"
    "Read one record per line (JSON). A record whose lars exists, or whose organisation\n"
    "and source_id match one, gets a new version when it changed; others are created.\n"
    "Rejected lines are reported with line number, field and rule; the rest is imported.\n"
    "  --author NAME  recorded as the author of the versions (default: import)\n"
    "  --strict       import nothing when any line is rejected\n"
    "  --format F     jsonl (algoreg's records, the default) or standard: entries of the\n"
    "                 national register's publication standard v1.0.0, as JSON lines or\n"
    "                 one JSON array (an entry's position counts as its line);\n"
    "                 register-summary: the national register's search API records\n"
    "                 (ten fields each); register-2023: its full 2023 publication.\n"
    "                 These two are normalised (statuses, contacts, lengths), each\n"
    "                 change reported\n"
    "  --report FILE  one JSON line per record: line, id, outcome, what was normalised\n"
    "                 and what was refused (without it, normalisations go to stderr)\n"
    "A progress bar is drawn when stderr is a terminal.\n"
    "Exit status 0 when every line was accepted, 1 otherwise.\n";
static const char *usage_export =
    "usage: algoreg export --db PATH [--format jsonl|csv|xlsx] [--q TEXT]\n"
    "                      [--organization SLUG] [--status S] [--publication-category C]\n"
    "                      [--theme T] [--sort name|updated|relevance] [FILE]\n"
    "Write the latest public version of every registration, or of those a search finds,\n"
    "to FILE (written whole, then renamed) or stdout: JSON lines (default), CSV (RFC 4180,\n"
    "UTF-8 with BOM) or XLSX, one row per registration with its id and organisation id;\n"
    "or as entries of the national register's publication standard v1.0.0 (standard:\n"
    "JSON lines, standard-json: one array), each registration the standard cannot\n"
    "express named with its reasons (exit status 1 when there is one).\n";
static const char *usage_show = "usage: algoreg show --db PATH [--version N] [--json] ID\n"
                                "Print one registration (latest version unless --version).\n";

__attribute__((format(printf, 1, 2))) static int die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "algoreg: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static const struct option common_opts[] = {
    {"db", required_argument, NULL, 'd'},
    {"aiact-config", required_argument, NULL, 'A'},
    {"tree", required_argument, NULL, 'T'},
    {"help", no_argument, NULL, 'h'},
    {"demo", no_argument, NULL, 'D'},
    {"listen", required_argument, NULL, 'l'},
    {"tokens", required_argument, NULL, 't'},
    {"threads", required_argument, NULL, 'n'},
    {"author", required_argument, NULL, 'a'},
    {"strict", no_argument, NULL, 's'},
    {"version", required_argument, NULL, 'v'},
    {"json", no_argument, NULL, 'j'},
    {"origin", required_argument, NULL, 'o'},
    {"enc-key", required_argument, NULL, 'E'},
    {"log-key", required_argument, NULL, 'L'},
    {"max-withhold-days", required_argument, NULL, 'W'},
    {"max-extension-days", required_argument, NULL, 'X'},
    {"witnesses", required_argument, NULL, 'w'},
    {"witness-quorum", required_argument, NULL, 'q'},
    {"name", required_argument, NULL, 'N'},
    {"log", required_argument, NULL, 'G'},
    {"check-links", required_argument, NULL, 'K'},
    {"timeout", required_argument, NULL, 'O'},
    {"rate-limit", required_argument, NULL, 'R'},
    {"service-tokens-publish", no_argument, NULL, 'P'},
    {"access-log", required_argument, NULL, 'Y'},
    {"config", required_argument, NULL, 'C'},
    {"log-format", required_argument, NULL, 'F'},
    {"trusted-proxy", required_argument, NULL, 'x'},
    {"format", required_argument, NULL, 'f'},
    {"report", required_argument, NULL, 'r'},
    {"oidc", required_argument, NULL, 'I'},
    {"smtp", required_argument, NULL, 'S'},
    {"mail-from", required_argument, NULL, 'M'},
    {"smtp-credentials", required_argument, NULL, 'H'},
    {"public-url", required_argument, NULL, 'U'},
    {NULL, 0, NULL, 0},
};

struct opts {
    const char *db, *listen, *tokens, *author, *origin, *enc_key, *log_key, *aiact_cfg, *tree;
    const char *witnesses, *name;
    const char *oidc; /* --oidc FILE: single sign-on providers */
    const char *smtp, *mail_from, *smtp_cred, *public_url; /* e-mail notices */
    const char *logs[32];                                  /* --log, repeatable */
    int nlogs;
    int demo, threads, strict, version, json, help, max_withhold, max_extension, quorum;
    int check_links;        /* minutes between link checks; 0 = off */
    int timeout;            /* seconds per link check */
    int rate_limit;         /* requests per second per client address; 0 = off, -1 = default */
    int service_publish;    /* the token file's tokens may publish without four eyes */
    const char *access_log; /* FILE, "-" for stderr, "journal", NULL for none */
    enum ar_msg_format log_format;
    const char *format;  /* import --format */
    const char *report;  /* import --report FILE */
    uint32_t proxies[8]; /* --trusted-proxy, IPv4 in network order */
    int nproxies;
};

/* Where parse_opts reports a bad value: "algoreg: " on the command line, "FILE:LINE: "
 * while checking a configuration file. */
static const char *g_opt_where;

__attribute__((format(printf, 1, 2))) static void opt_err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs(g_opt_where ? g_opt_where : "algoreg: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int parse_opts(int argc, char **argv, struct opts *o, const char *allowed)
{
    int c;
    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1:8080";
    o->rate_limit = -1; /* the default, AR_RATE_LIMIT_DEFAULT */
    ar_msg_format_parse("auto", &o->log_format);
    o->author = "import";
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", common_opts, NULL)) != -1) {
        if (c == '?' || !strchr(allowed, c)) {
            opt_err("%s: unknown option %s (see --help)", argv[0], argv[optind - 1]);
            return -1;
        }
        char *end;
        switch (c) {
        case 'd': o->db = optarg; break;
        case 'h': o->help = 1; break;
        case 'D': o->demo = 1; break;
        case 'l': o->listen = optarg; break;
        case 't': o->tokens = optarg; break;
        case 'a': o->author = optarg; break;
        case 's': o->strict = 1; break;
        case 'j': o->json = 1; break;
        case 'o': o->origin = optarg; break;
        case 'E': o->enc_key = optarg; break;
        case 'L': o->log_key = optarg; break;
        case 'A': o->aiact_cfg = optarg; break;
        case 'w': o->witnesses = optarg; break;
        case 'N': o->name = optarg; break;
        case 'I': o->oidc = optarg; break;
        case 'S': o->smtp = optarg; break;
        case 'M': o->mail_from = optarg; break;
        case 'H': o->smtp_cred = optarg; break;
        case 'U': o->public_url = optarg; break;
        case 'G':
            if (o->nlogs >= 32) {
                opt_err("at most 32 --log keys");
                return -1;
            }
            o->logs[o->nlogs++] = optarg;
            break;
        case 'O':
            o->timeout = (int)strtol(optarg, &end, 10);
            if (*end || o->timeout < 1 || o->timeout > 60) {
                opt_err("--timeout takes 1 to 60 seconds");
                return -1;
            }
            break;
        case 'P': o->service_publish = 1; break;
        case 'Y': o->access_log = optarg; break;
        case 'C': break; /* read before parsing (serve_argv) */
        case 'f': o->format = optarg; break;
        case 'r': o->report = optarg; break;
        case 'F':
            if (ar_msg_format_parse(optarg, &o->log_format)) {
                opt_err("--log-format is text, json, journal or auto, not %s", optarg);
                return -1;
            }
            break;
        case 'x':
            /* comma-separated, and repeatable */
            for (const char *q = optarg; *q;) {
                size_t n = strcspn(q, ", ");
                char ip[INET_ADDRSTRLEN];
                struct in_addr in;
                if (n && (n >= sizeof ip || o->nproxies >= 8 ||
                          (memcpy(ip, q, n), ip[n] = '\0', inet_pton(AF_INET, ip, &in) != 1))) {
                    opt_err("--trusted-proxy takes up to 8 IPv4 addresses, not %s", optarg);
                    return -1;
                }
                if (n)
                    o->proxies[o->nproxies++] = in.s_addr;
                q += n;
                q += strspn(q, ", ");
            }
            break;
        case 'R':
            o->rate_limit = (int)strtol(optarg, &end, 10);
            if (*end || o->rate_limit < 0 || o->rate_limit > 1000000) {
                opt_err("--rate-limit takes requests per second per address (0 turns it off)");
                return -1;
            }
            break;
        case 'K':
            o->check_links = (int)strtol(optarg, &end, 10);
            if (*end || o->check_links < 0 || o->check_links > 100000) {
                opt_err("--check-links takes minutes (0 turns it off)");
                return -1;
            }
            break;
        case 'q':
            o->quorum = (int)strtol(optarg, &end, 10);
            if (*end || o->quorum < 1 || o->quorum > 16) {
                opt_err("--witness-quorum must be from 1 to 16");
                return -1;
            }
            break;
        case 'T': o->tree = optarg; break;
        case 'W':
        case 'X': {
            long d = strtol(optarg, &end, 10);
            if (*end || d < 1 || d > 3650) {
                opt_err("--%s must be a number of days from 1 to 3650",
                        c == 'W' ? "max-withhold-days" : "max-extension-days");
                return -1;
            }
            if (c == 'W')
                o->max_withhold = (int)d;
            else
                o->max_extension = (int)d;
            break;
        }
        case 'n':
            o->threads = (int)strtol(optarg, &end, 10);
            if (*end || o->threads < 1 || o->threads > 64) {
                opt_err("--threads must be from 1 to 64");
                return -1;
            }
            break;
        case 'v':
            o->version = (int)strtol(optarg, &end, 10);
            if (*end || o->version < 1) {
                opt_err("--version must be a positive number");
                return -1;
            }
            break;
        }
    }
    return 0;
}

/* Where the files that belong to a database live (its keys, accounts and tokens): next
 * to a SQLite file (PATH.key, …); for a PostgreSQL database, named after it in
 * ALGOREG_STATE_DIR (default /var/lib/algoreg): DIR/DBNAME.key, …. */
const char *ar_cli_db_shown(char *buf, size_t n, const char *db)
{
    /* postgresql://user:secret@host/db → postgresql://user:…@host/db */
    const char *auth = ar_store_is_pg_uri(db) ? strstr(db, "://") + 3 : NULL;
    const char *at = auth ? strchr(auth, '@') : NULL, *colon = auth ? strchr(auth, ':') : NULL;
    if (at && colon && colon < at && !memchr(auth, '/', (size_t)(at - auth)))
        snprintf(buf, n, "%.*s…%s", (int)(colon + 1 - db), db, at);
    else
        snprintf(buf, n, "%s", db);
    return buf;
}

const char *ar_cli_db_base(char *buf, size_t n, const char *db)
{
    if (!ar_store_is_pg_uri(db)) {
        snprintf(buf, n, "%s", db);
        return buf;
    }
    const char *dir = getenv("ALGOREG_STATE_DIR");
    /* the database's name: the URI's path, before any ?query (which may hold slashes) */
    const char *auth = strstr(db, "://") ? strstr(db, "://") + 3 : db;
    const char *name = strchr(auth, '/') ? strchr(auth, '/') + 1 : "algoreg";
    size_t len = strcspn(name, "?#"), k = 0;
    char clean[64];
    for (size_t i = 0; i < len && k + 1 < sizeof clean; i++) /* a file name, whatever the URI */
        clean[k++] = isalnum((unsigned char)name[i]) || name[i] == '-' ? name[i] : '_';
    clean[k] = '\0';
    snprintf(buf, n, "%s/%s", dir && *dir ? dir : "/var/lib/algoreg", k ? clean : "algoreg");
    return buf;
}

/* A key file: given by flag, else the database's own (PATH.key, PATH.enc; see ar_cli_db_base). */
static const char *key_path(char *buf, size_t n, const char *given, const char *db, const char *ext)
{
    char base[4000];
    if (given)
        return given;
    ar_cli_db_base(base, sizeof base, db);
    if ((size_t)snprintf(buf, n, "%s.%s", base, ext) >= n)
        buf[0] = '\0'; /* too long to be a path: opening "" fails with a message */
    return buf;
}

static char *read_file(const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct ar_buf b;
    ar_buf_init(&b, max);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        ar_buf_add(&b, chunk, n);
    fclose(f);
    if (!ar_buf_ok(&b)) {
        ar_buf_free(&b);
        return NULL;
    }
    return ar_buf_take(&b, NULL);
}

/* ---- import ----------------------------------------------------------------- */

struct import_stats {
    long created, updated, unchanged, rejected, normalised;
    json_t *notes_by_field; /* field -> how many records had it normalised */
};

/* What the lines of an import are, and where its per-record report goes. */
struct import_mode {
    int standard; /* entries of the publication standard */
    int intake;   /* the national register's own data (src) */
    enum ar_intake_source src;
    FILE *report; /* JSON lines, one per record; NULL: notes on stderr */
    long total;   /* records expected, for the progress bar; 0 unknown */
    int progress; /* draw a progress bar (stderr is a terminal) */
};

/* One record's line of the report: its position, id, outcome and every note and
 * problem. */
static void report_record(const struct import_mode *m, long line, const json_t *rec,
                          const char *outcome, json_t *notes, json_t *problems)
{
    if (!m || !m->report) {
        size_t i;
        json_t *n;
        json_array_foreach (notes, i, n)
            fprintf(stderr, "algoreg: line %ld: %s: normalised: %s\n", line,
                    json_string_value(json_object_get(n, "field")),
                    json_string_value(json_object_get(n, "detail")));
        return;
    }
    json_t *o = json_pack("{s:I, s:s?, s:s, s:O, s:O}", "line", (json_int_t)line, "id",
                          json_string_value(json_object_get(rec, "lars")), "outcome", outcome,
                          "normalised", notes, "problems", problems);
    char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (text)
        fprintf(m->report, "%s\n", text);
    free(text);
    json_decref(o);
}

static void progress(const struct import_mode *m, long done, int last)
{
    if (!m || !m->progress || (!last && done % 25))
        return;
    if (m->total > 0) {
        int width = 30, filled = (int)(width * done / m->total);
        fprintf(stderr, "\r  [%.*s%*s] %ld/%ld", filled, "##############################",
                width - filled, "", done, m->total);
    } else {
        fprintf(stderr, "\r  %ld records", done);
    }
    if (last)
        fputc('\n', stderr);
}

static void report_problems(long line, json_t *problems)
{
    size_t i;
    json_t *p;
    json_array_foreach (problems, i, p)
        fprintf(stderr, "algoreg: line %ld: %s: %s (%s)\n", line,
                json_string_value(json_object_get(p, "field")),
                json_string_value(json_object_get(p, "detail")),
                json_string_value(json_object_get(p, "rule")));
}

/* Replace *rec, an entry of the publication standard, by the record it maps to. */
static int from_standard(json_t **rec, json_t *problems)
{
    json_t *mapped = NULL;
    int rc = ar_standard_to_record(*rec, &mapped, problems);
    json_decref(*rec);
    *rec = mapped;
    return rc;
}

/* Replace *rec, an item of the national register's own data, by its record. */
static int from_intake(enum ar_intake_source src, json_t **rec, json_t *notes, json_t *problems)
{
    json_t *mapped = NULL;
    int rc = ar_intake_map(src, *rec, &mapped, notes, problems);
    json_decref(*rec);
    *rec = mapped;
    return rc;
}

/* A second record with the same identity as an earlier line of the same file — its
 * public id, or its organisation and source id — is refused with that line named: one
 * file says one thing about each entry (which of two versions is meant is not
 * guessable). seen maps identities to their first line. */
static int duplicate(json_t *seen, const json_t *rec, long line, json_t *problems)
{
    const char *lars = json_string_value(json_object_get(rec, "lars"));
    const char *src = json_string_value(json_object_get(rec, "source_id"));
    const char *org = json_string_value(json_object_get(rec, "organization"));
    char *keys[2] = {NULL, NULL};
    int dup = 0;
    if (lars && asprintf(&keys[0], "lars\x1f%s", lars) < 0)
        keys[0] = NULL;
    if (src && org && asprintf(&keys[1], "source\x1f%s\x1f%s", org, src) < 0)
        keys[1] = NULL;
    for (int k = 0; k < 2; k++) {
        json_t *at = keys[k] ? json_object_get(seen, keys[k]) : NULL;
        if (at && !dup) {
            if (k == 0)
                ar_problem_add(problems, "lars", "duplicate",
                               "id %s is also on line %lld of this file; one record per id", lars,
                               (long long)json_integer_value(at));
            else
                ar_problem_add(problems, "source_id", "duplicate",
                               "source id %s of %s is also on line %lld of this file; one"
                               " record per id",
                               src, org, (long long)json_integer_value(at));
            dup = 1;
        } else if (keys[k] && !at) {
            json_object_set_new(seen, keys[k], json_integer(line));
        }
        free(keys[k]);
    }
    return dup;
}

/* Import one record per line of in. standard: the lines are entries of the national
 * register's publication standard, mapped to records first. m NULL: the demonstration
 * data, whose lines are a history (one id on several lines makes versions). */
static int import_stream(struct ar_store *s, FILE *in, const char *author, int strict,
                         struct import_stats *st, int quiet, const struct import_mode *m)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lineno = 0;
    json_t *seen = json_object();
    ar_store_bulk(s, 1);
    int rc = ar_store_begin(s);
    if (rc) {
        ar_store_bulk(s, 0);
        json_decref(seen);
        return rc;
    }
    while ((n = getline(&line, &cap, in)) != -1) {
        lineno++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        json_t *problems = json_array(), *rec = NULL, *notes = json_array();
        char why[200];
        char lars[9];
        const char *outcome = NULL;
        if ((size_t)n > MAX_LINE) {
            ar_problem_add(problems, "", "max_length", "line longer than 1 MiB");
        } else if (ar_json_parse(&rec, line, (size_t)n, NULL, why, sizeof why)) {
            ar_problem_add(problems, "", "json", "%s", why);
        } else if (m && m->standard && from_standard(&rec, problems)) {
            /* problems say why */
        } else if (m && m->intake && from_intake(m->src, &rec, notes, problems)) {
            /* problems say why */
        } else if (m && duplicate(seen, rec, lineno, problems)) {
            /* problems say which line had it first */
        } else if (ar_ledger_upsert(s, rec, author, "Imported", problems, lars, &outcome)) {
            if (!json_array_size(problems))
                ar_problem_add(problems, "", "store", "could not be stored");
        }
        if (json_array_size(problems)) {
            st->rejected++;
            if (!quiet && !(m && m->report))
                report_problems(lineno, problems);
        } else if (strcmp(outcome, "created") == 0) {
            st->created++;
        } else if (strcmp(outcome, "updated") == 0) {
            st->updated++;
        } else {
            st->unchanged++;
        }
        if (json_array_size(notes) && !json_array_size(problems)) {
            st->normalised++;
            size_t i;
            json_t *note;
            json_array_foreach (notes, i, note) {
                const char *f = json_string_value(json_object_get(note, "field"));
                json_t *c = json_object_get(st->notes_by_field, f);
                json_object_set_new(st->notes_by_field, f,
                                    json_integer(c ? json_integer_value(c) + 1 : 1));
            }
        }
        if (!quiet)
            report_record(m, lineno, rec,
                          json_array_size(problems) ? "rejected"
                          : outcome                 ? outcome
                                                    : "",
                          notes, problems);
        progress(m, lineno, 0);
        json_decref(rec);
        json_decref(problems);
        json_decref(notes);
    }
    progress(m, lineno, 1);
    free(line);
    json_decref(seen);
    if (ferror(in)) {
        ar_store_rollback(s);
        ar_store_bulk(s, 0);
        return AR_EIO;
    }
    if (strict && st->rejected) {
        ar_store_rollback(s);
        ar_store_bulk(s, 0);
        st->created = st->updated = st->unchanged = 0;
        return AR_EINVAL;
    }
    rc = ar_store_commit(s);
    if (rc) /* a storage failure rolled the whole import back */
        st->created = st->updated = st->unchanged = 0;
    ar_store_bulk(s, 0);
    return rc;
}

/* Two withheld registrations show the exception: one still withheld, one whose
 * investigation was closed, so it was published and its commitment revealed. */
static int load_demo_withheld(struct ar_store *s, const struct ar_seal_key *seal)
{
    const struct ar_asset *a = ar_asset_find("demo/withheld.json");
    json_t *list = a ? json_loadb(a->data, a->len, 0, NULL) : NULL;
    int rc = list ? 0 : AR_EIO;
    size_t i;
    json_t *d;
    json_array_foreach (list, i, d) {
        json_t *w = json_deep_copy(json_object_get(d, "withhold"));
        char until[11], lars[9];
        time_t t = ar_clock_now() + (time_t)json_integer_value(json_object_get(w, "days")) * 86400;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(until, sizeof until, "%Y-%m-%d", &tm);
        json_object_del(w, "days");
        json_object_set_new(w, "until", json_string(until));
        json_t *pr = json_array();
        rc = ar_exception_create(s, seal, &ar_exception_defaults, json_object_get(d, "record"), w,
                                 "demo", "Registered (withheld)", pr, lars);
        if (!rc && json_is_true(json_object_get(d, "close")))
            rc = ar_exception_close(s, seal, lars, "demo", pr);
        if (rc)
            fprintf(stderr, "algoreg: demo withholding %zu: %s\n", i,
                    json_string_value(json_object_get(json_array_get(pr, 0), "detail")));
        json_decref(pr);
        json_decref(w);
        if (rc)
            break;
    }
    json_decref(list);
    return rc;
}

/* Demonstration classifications, EU submissions and cases (data/demo/aiact.json), made
 * through the same functions the API uses, so the demo shows real stored results. */
static int load_demo_aiact(struct ar_store *s)
{
    const struct ar_asset *a = ar_asset_find("demo/aiact.json");
    json_t *d = a ? json_loadb(a->data, a->len, 0, NULL) : NULL, *pr = json_array();
    struct ar_tree *t = NULL;
    struct ar_aiact_cfg cfg;
    char why[256];
    int rc = d && !ar_aiact_cfg_load(&cfg, NULL, why, sizeof why) &&
                     !ar_aiact_tree_open(&t, NULL, why, sizeof why)
                 ? 0
                 : AR_EIO;
    size_t i;
    json_t *v;
    json_array_foreach (rc ? NULL : json_object_get(d, "classifications"), i, v) {
        json_t *ans = NULL, *out = NULL;
        if (!(rc = ar_tree_answers_parse(&ans, ar_json_str(v, "answers"), why, sizeof why)))
            rc = ar_aiact_classify(s, t, &cfg, ar_json_str(v, "lars"), ans, "demo", pr, &out);
        json_decref(ans);
        json_decref(out);
        if (rc)
            break;
    }
    json_array_foreach (rc ? NULL : json_object_get(d, "eu_submissions"), i, v) {
        json_t *reg = NULL, *as = ar_aiact_latest(s, ar_json_str(v, "lars")), *doc = NULL;
        char now[32], *canon = NULL;
        ar_clock_fmt(now, sizeof now, ar_clock_now());
        if (!(rc = ar_registry_get(s, ar_json_str(v, "lars"), 0, &reg)))
            rc = ar_aiact_eu_export(ar_json_str(v, "lars"), json_object_get(reg, "record"), as,
                                    ar_json_str(v, "section"), &cfg, pr, &doc);
        if (!rc && (canon = ar_json_canon_str(doc)) != NULL)
            rc = ar_store_eu_insert(s, ar_json_str(v, "lars"), ar_json_str(v, "section"),
                                    ar_json_str(v, "reference"), now, "demo", canon);
        free(canon);
        json_decref(doc);
        json_decref(as);
        json_decref(reg);
        if (rc)
            break;
    }
    json_array_foreach (rc ? NULL : json_object_get(d, "cases"), i, v) {
        long long id = 0;
        rc = ar_case_create(s, &cfg, json_object_get(v, "case"), "demo", AR_ROLE_REGISTRANT, pr,
                            &id);
        size_t j;
        json_t *e;
        json_array_foreach (rc ? NULL : json_object_get(v, "events"), j, e) {
            if ((rc =
                     ar_case_event(s, &cfg, id, ar_json_str(e, "event"), json_object_get(e, "data"),
                                   "demo", AR_ROLE_REGISTRANT, pr, NULL)))
                break;
        }
        if (rc)
            break;
    }
    if (rc)
        fprintf(stderr, "algoreg: demo AI Act data: %s\n",
                json_array_size(pr) ? ar_json_str(json_array_get(pr, 0), "detail") : why);
    ar_tree_free(t);
    json_decref(pr);
    json_decref(d);
    return rc;
}

static int load_demo(struct ar_store *s, const struct ar_seal_key *seal)
{
    const struct ar_org orgs[] = {
        {"politie", "Politie", "police", "https://www.politie.nl/contact"},
        {"openbaar-ministerie", "Openbaar Ministerie", "public_prosecutor",
         "https://www.om.nl/contact"},
    };
    for (unsigned i = 0; i < sizeof orgs / sizeof orgs[0]; i++)
        if (ar_store_org_put(s, &orgs[i]))
            return AR_EIO;
    const struct ar_asset *a = ar_asset_find("demo/registrations.jsonl");
    if (!a)
        return AR_EIO;
    FILE *f = fmemopen((void *)a->data, a->len, "r");
    if (!f)
        return AR_EIO;
    struct import_stats st = {0};
    int rc = import_stream(s, f, "demo", 1, &st, 0, NULL);
    fclose(f);
    if (!rc)
        fprintf(stderr, "algoreg: demonstration data: %ld registrations, %ld later versions\n",
                st.created, st.updated);
    if (!rc && seal)
        rc = load_demo_withheld(s, seal);
    if (!rc)
        rc = load_demo_aiact(s);
    return rc;
}

/* A new account with a random password and an API token, both appended to the 0600
 * file f as "name role password token". */
static int first_account(struct ar_store *s, FILE *f, const char *name, const char *role,
                         const char *org)
{
    unsigned char raw[18];
    char pw[32], why[256], tok[AR_AUTH_SECRET_LEN + 1];
    long long id;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(pw, sizeof pw, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    int rc = ar_auth_account_add(s, name, role, org, NULL, pw, "init", why, sizeof why);
    if (!rc)
        rc = ar_auth_token_issue(s, name, "made by algoreg init", "init", tok, &id);
    if (!rc)
        fprintf(f, "%s\t%s\t%s\t%s\n", name, role, pw, tok);
    else
        die("init: account %s: %s", name, *why ? why : "not stored");
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(tok, sizeof tok);
    return rc;
}

/* The first administrator (accounts only, no access to withheld content) and, for the
 * demonstration, one account per working role, when the register has no accounts yet.
 * Their passwords and API tokens go to PATH.accounts (mode 0600), shown nowhere else. */
int ar_cli_first_accounts(struct ar_store *s, const char *db, int demo)
{
    long long n = 0;
    char path[4096];
    if (ar_store_acct_count(s, &n) || n > 0)
        return 0;
    char base[4000];
    snprintf(path, sizeof path, "%s.accounts", ar_cli_db_base(base, sizeof base, db));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return die("init: cannot write %s (it must not exist yet)", path);
    }
    fputs("# algoreg accounts made by init: NAME ROLE PASSWORD API-TOKEN (change the"
          " passwords)\n",
          f);
    int rc = first_account(s, f, "admin", "admin", NULL);
    static const char *const demo_accounts[][3] = {
        {"redacteur", "registrant", "politie"},
        {"goedkeurder", "approver", "politie"},
        {"toezicht", "supervisor", NULL},
        {"rechter-commissaris", "authorising_authority", NULL},
        {"toetsingscommissie", "review_committee", NULL},
    };
    for (size_t i = 0; demo && !rc && i < sizeof demo_accounts / sizeof demo_accounts[0]; i++)
        rc = first_account(s, f, demo_accounts[i][0], demo_accounts[i][1], demo_accounts[i][2]);
    if (fclose(f) != 0 && !rc)
        rc = die("init: cannot write %s", path);
    if (!rc)
        fprintf(stderr, "algoreg: %s accounts: passwords and API tokens written to %s\n",
                demo ? "administrator and demonstration" : "administrator", path);
    return rc;
}

static int cmd_init(int argc, char **argv)
{
    struct opts o;
    struct ar_store *s = NULL;
    int rc = 1;
    if (parse_opts(argc, argv, &o, "dhDEL"))
        return 2;
    if (o.help) {
        fputs(usage_init, stdout);
        return 0;
    }
    if (!o.db)
        return die("%s", "init: --db PATH is required");
    if (ar_store_open(&s, o.db, 1))
        return 1; /* the store printed why */
    char keybuf[4096];
    const char *keypath = key_path(keybuf, sizeof keybuf, o.log_key, o.db, "key");
    int krc = ar_log_key_create(keypath);
    if (krc == 0) {
        fprintf(stderr, "algoreg: log signing key written to %s\n", keypath);
    } else if (krc != AR_ECONFLICT) {
        die("init: cannot write the log signing key %s", keypath);
        goto out;
    }
    char encbuf[4096];
    const char *encpath = key_path(encbuf, sizeof encbuf, o.enc_key, o.db, "enc");
    krc = ar_seal_key_create(encpath);
    if (krc == 0) {
        fprintf(stderr, "algoreg: encryption key for withheld content written to %s\n", encpath);
    } else if (krc != AR_ECONFLICT) {
        die("init: cannot write the encryption key %s", encpath);
        goto out;
    }
    if (o.demo) {
        long long n = 0;
        ar_store_count(s, &n);
        struct ar_seal_key seal;
        int have_seal = ar_seal_key_load(&seal, encpath) == 0;
        int drc = n == 0 ? load_demo(s, have_seal ? &seal : NULL) : 0;
        sodium_memzero(&seal, sizeof seal);
        if (drc) {
            die("%s", "init: loading demonstration data failed");
            goto out;
        }
    }
    if (ar_cli_first_accounts(s, o.db, o.demo))
        goto out;
    char shown[4200];
    fprintf(stderr, "algoreg: database ready at %s (schema %d)\n",
            ar_cli_db_shown(shown, sizeof shown, o.db), ar_store_schema_version(s));
    rc = 0;
out:
    ar_store_close(s);
    return rc;
}

/* The options serve takes (letters of common_opts); also the keys of its configuration. */
#define SERVE_OPTS "dhltnoWXELATwqKRPYFxISMHU"

/* The configuration file serve reads: --config FILE, ALGOREG_CONFIG, or the default
 * when it exists; NULL for none. */
static const char *config_path(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            return argv[i + 1];
        if (!strncmp(argv[i], "--config=", 9))
            return argv[i] + 9;
    }
    const char *e = getenv("ALGOREG_CONFIG");
    if (e && *e)
        return e;
    return access(AR_CONFIG_DEFAULT, F_OK) == 0 ? AR_CONFIG_DEFAULT : NULL;
}

/* serve's arguments: the file's settings, then ALGOREG_* variables, then the command
 * line (the last word wins). Non-zero when the file or a variable has problems. */
static int serve_argv(struct ar_cfg *cfg, int argc, char **argv)
{
    const char *path = config_path(argc, argv);
    ar_cfg_args(cfg, 1, argv, 0);
    int problems = path ? ar_cfg_read(cfg, common_opts, SERVE_OPTS, path) : 0;
    problems += ar_cfg_env(cfg, common_opts, SERVE_OPTS);
    ar_cfg_args(cfg, argc, argv, 1);
    return problems;
}

/* Each value of the file and the environment alone, so a bad one is reported with its
 * line (FILE:LINE) or its variable (ALGOREG_<KEY>); the number of bad values. */
static int check_values(const struct ar_cfg *cfg, const char *path)
{
    char where[4200];
    struct opts o;
    int problems = 0;
    for (int i = 1; i < cfg->n; i++) {
        if (cfg->line[i] < 0 || strncmp(cfg->argv[i], "--", 2) != 0)
            continue;
        int has_value = i + 1 < cfg->n && strncmp(cfg->argv[i + 1], "--", 2) != 0 &&
                        cfg->line[i + 1] == cfg->line[i];
        char *one[] = {"serve", cfg->argv[i], has_value ? cfg->argv[i + 1] : NULL, NULL};
        if (cfg->line[i] > 0)
            snprintf(where, sizeof where, "%s:%d: ", path, cfg->line[i]);
        else { /* ALGOREG_<KEY>, from the option's name */
            size_t k = (size_t)snprintf(where, sizeof where, "ALGOREG_");
            for (const char *q = cfg->argv[i] + 2; *q && k + 3 < sizeof where; q++)
                where[k++] = *q == '-' ? '_' : (char)toupper((unsigned char)*q);
            snprintf(where + k, sizeof where - k, ": ");
        }
        g_opt_where = where;
        problems += parse_opts(has_value ? 3 : 2, one, &o, SERVE_OPTS) != 0;
        g_opt_where = NULL;
    }
    return problems;
}

/* The service tokens: the token file (--tokens, else PATH.tokens when it exists; mode
 * 0600) and ALGOREG_API_TOKENS, into app. Non-zero, said why, on any problem. */
static int serve_tokens(const struct opts *o, struct ar_app *app)
{
    char tokpath[4096];
    key_path(tokpath, sizeof tokpath, NULL, o->db, "tokens");
    const char *tp = o->tokens ? o->tokens : tokpath;
    struct stat sb;
    if (stat(tp, &sb) == 0) {
        if (sb.st_mode & 0077)
            return die("serve: %s must not be readable by group or others (chmod 600)", tp);
        char *text = read_file(tp, 65536);
        int bad = !text || ar_app_add_tokens(app, text);
        free(text);
        if (bad)
            return die("serve: cannot read tokens from %s", tp);
    } else if (o->tokens) {
        return die("serve: token file %s does not exist", o->tokens);
    }
    const char *env = getenv("ALGOREG_API_TOKENS");
    if (env && ar_app_add_tokens(app, env))
        return die("%s", "serve: ALGOREG_API_TOKENS must be NAME:TOKEN[,NAME:TOKEN]");
    return 0;
}

/* --access-log: NULL for none, "-" for stderr, "journal" for journald fields, else a
 * file opened for appending (line-buffered, so each request is one write). */
static int open_access_log(const char *spec, FILE **f, int *journal)
{
    *f = NULL;
    *journal = spec && !strcmp(spec, "journal");
    if (!spec || *journal)
        return 0;
    if (!strcmp(spec, "-")) {
        *f = stderr;
        return 0;
    }
    if (!(*f = fopen(spec, "a")))
        return die("serve: cannot append to the access log %s: %s", spec, strerror(errno));
    setvbuf(*f, NULL, _IOLBF, 0);
    return 0;
}

/* What serve started with, for SIGHUP: the command line (read again with the file and
 * the environment) and the settings in force. */
static struct {
    int argc;
    char **argv;
} g_serve_cmd;
static struct opts g_serving;

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* SIGHUP: read the configuration as at start. The rate limit, the access log (reopened,
 * so a rotated file is let go) and the service tokens change at once; a change to
 * anything else is named as waiting for a restart. A configuration with problems
 * changes nothing. */
static int serve_reload(struct ar_app *app)
{
    struct ar_cfg cfg = {0};
    struct ar_app fresh = {0};
    struct opts o;
    FILE *log = NULL;
    int journal = 0, rc = AR_EINVAL;
    if (serve_argv(&cfg, g_serve_cmd.argc, g_serve_cmd.argv) ||
        check_values(&cfg, config_path(g_serve_cmd.argc, g_serve_cmd.argv)) ||
        parse_opts(cfg.n, cfg.argv, &o, SERVE_OPTS "C"))
        goto out;
    if (!o.db || strcmp(o.db, g_serving.db)) {
        ar_msg(AR_MSG_ERR, "reload: db cannot change while serving; restart to change it");
        goto out;
    }
    if (serve_tokens(&o, &fresh) || open_access_log(o.access_log, &log, &journal))
        goto out;
    const struct {
        const char *key;
        int changed;
    } later[] = {
        {"listen", !same(o.listen, g_serving.listen)},
        {"threads", o.threads != g_serving.threads},
        {"origin", !same(o.origin, g_serving.origin)},
        {"log-key", !same(o.log_key, g_serving.log_key)},
        {"enc-key", !same(o.enc_key, g_serving.enc_key)},
        {"aiact-config", !same(o.aiact_cfg, g_serving.aiact_cfg)},
        {"tree", !same(o.tree, g_serving.tree)},
        {"witnesses", !same(o.witnesses, g_serving.witnesses)},
        {"oidc", !same(o.oidc, g_serving.oidc)},
        {"smtp", !same(o.smtp, g_serving.smtp) || !same(o.mail_from, g_serving.mail_from) ||
                     !same(o.smtp_cred, g_serving.smtp_cred) ||
                     !same(o.public_url, g_serving.public_url)},
        {"witness-quorum", o.quorum != g_serving.quorum},
        {"max-withhold-days", o.max_withhold != g_serving.max_withhold},
        {"max-extension-days", o.max_extension != g_serving.max_extension},
        {"check-links", o.check_links != g_serving.check_links},
        {"service-tokens-publish", o.service_publish != g_serving.service_publish},
        {"log-format", o.log_format != g_serving.log_format},
        {"trusted-proxy", o.nproxies != g_serving.nproxies ||
                              memcmp(o.proxies, g_serving.proxies, sizeof o.proxies)},
    };
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
        if (later[i].changed)
            ar_msg(AR_MSG_WARNING, "reload: %s changed; it takes effect at the next restart",
                   later[i].key);
    int rate = o.rate_limit < 0 ? AR_RATE_LIMIT_DEFAULT : o.rate_limit;
    if (rate != app->rate_limit)
        ar_msg(AR_MSG_NOTICE, "reload: rate-limit %d (was %d)", rate, (int)app->rate_limit);
    app->rate_limit = rate;
    ar_server_set_access_log(app, log, journal);
    log = NULL;
    ar_app_swap_tokens(app, &fresh);
    ar_msg(AR_MSG_NOTICE, "reload: %d service token%s", app->ntokens, app->ntokens == 1 ? "" : "s");
    rc = 0;
out:
    if (log && log != stderr)
        fclose(log);
    ar_app_free_tokens(&fresh);
    ar_cfg_free(&cfg);
    return rc;
}

/* The relay for e-mail notices, when --smtp is given; non-zero, said why, when the
 * settings cannot be used (or --mail-from etc. come without --smtp). */
static int serve_notice(const struct opts *o, struct ar_notice_cfg *c)
{
    char why[256], base[300];
    if (!o->smtp) {
        if (o->mail_from || o->smtp_cred)
            return die("%s", "serve: --mail-from and --smtp-credentials need --smtp URL");
        return 0;
    }
    snprintf(base, sizeof base, "http://%s", o->listen);
    if (ar_notice_cfg_set(c, o->smtp, o->mail_from, o->smtp_cred,
                          o->public_url ? o->public_url : base, why, sizeof why))
        return die("serve: e-mail notices: %s", why);
    return 0;
}

static int serve_run(int argc, char **argv)
{
    struct opts o;
    struct ar_store *s = NULL;
    struct ar_app app = {0};
    struct ar_log_signer signer;
    struct ar_seal_key seal;
    struct ar_exception_cfg excfg = ar_exception_defaults;
    struct ar_aiact_cfg aicfg;
    struct ar_tree *tree = NULL;
    static struct ar_witness_cfg wcfg; /* large; one per process */
    static struct ar_notice_cfg ncfg;  /* holds the relay's password */
    int rc = 1;
    if (parse_opts(argc, argv, &o, SERVE_OPTS "C"))
        return 2;
    if (o.help) {
        fputs(usage_serve, stdout);
        return 0;
    }
    ar_msg_set_format(o.log_format);
    if (!o.db)
        return die("%s", "serve: --db PATH is required");
    /* Open once up front so a missing or newer database fails before listening. */
    if (ar_store_open(&s, o.db, 0))
        return 1; /* the store printed why */
#ifdef __GLIBC__
    /* Per-thread malloc arenas keep freed snapshots and pages mapped; two suffice. */
    mallopt(M_ARENA_MAX, 2);
#endif
    /* Warm the search snapshot so the first visitor does not pay for building it. */
    struct ar_query warm = {.is_ai = -1, .page = 1, .per_page = 1};
    json_t *ignored = NULL;
    ar_store_search(s, &warm, &ignored);
    json_decref(ignored);
    ar_store_close(s);
    app.db_path = o.db;
    if (serve_tokens(&o, &app))
        goto out;
    char keybuf[4096];
    const char *keypath = key_path(keybuf, sizeof keybuf, o.log_key, o.db, "key");
    const char *origin = o.origin ? o.origin : getenv("ALGOREG_LOG_ORIGIN");
    if (ar_log_signer_load(&signer, keypath, origin))
        goto out; /* the log module printed why */
    app.signer = &signer;
    char encbuf[4096];
    if (ar_seal_key_load(&seal, key_path(encbuf, sizeof encbuf, o.enc_key, o.db, "enc")))
        goto out; /* the key loader printed why */
    app.seal = &seal;
    if (o.max_withhold)
        excfg.max_days = o.max_withhold;
    if (o.max_extension)
        excfg.max_extension_days = o.max_extension;
    app.exception = &excfg;
    char why[256];
    if (ar_aiact_cfg_load(&aicfg, o.aiact_cfg, why, sizeof why)) {
        die("serve: %s: %s", o.aiact_cfg ? o.aiact_cfg : "AI Act configuration", why);
        goto out;
    }
    app.aiact = &aicfg;
    if (ar_aiact_tree_open(&tree, o.tree, why, sizeof why)) {
        die("serve: %s: %s", o.tree ? o.tree : "built-in tree", why);
        goto out;
    }
    app.tree = tree;
    memset(&wcfg, 0, sizeof wcfg);
    if (o.witnesses) {
        char *wt = read_file(o.witnesses, 1 << 20);
        if (!wt) {
            die("serve: cannot read %s", o.witnesses);
            goto out;
        }
        int wrc = ar_witness_cfg_parse(&wcfg, wt, o.quorum, why, sizeof why);
        free(wt);
        if (wrc) {
            die("serve: %s: %s", o.witnesses, why);
            goto out;
        }
    } else if (o.quorum) {
        die("%s", "serve: --witness-quorum needs --witnesses FILE");
        goto out;
    }
    app.witnesses = &wcfg;
    if (o.oidc && ar_oidc_load(&app.oidc, o.oidc, why, sizeof why)) {
        die("serve: %s: %s", o.oidc, why);
        goto out;
    }
    if (serve_notice(&o, &ncfg))
        goto out;
    app.notice = o.smtp ? &ncfg : NULL;
    app.link_minutes = o.check_links;
    app.rate_limit = o.rate_limit < 0 ? AR_RATE_LIMIT_DEFAULT : o.rate_limit;
    app.service_publish = o.service_publish;
    memcpy(app.proxies, o.proxies, sizeof app.proxies);
    app.nproxies = o.nproxies;
    if (open_access_log(o.access_log, &app.access_log, &app.access_journal))
        goto out;
    g_serving = o;
    app.reload = serve_reload;
    if (ar_tmpl_load(&app.tmpl)) {
        die("%s", "serve: templates failed to compile");
        goto out;
    }
    /* witness pushes and link checks use libcurl from their threads */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = ar_server_run(&app, o.listen, o.threads) ? 1 : 0;
    curl_global_cleanup();
out:
    if (app.access_log && app.access_log != stderr)
        fclose(app.access_log);
    ar_tree_free(tree);
    ar_tmpl_free(app.tmpl);
    ar_app_free_tokens(&app);
    ar_oidc_free(app.oidc);
    sodium_memzero(&signer, sizeof signer);
    sodium_memzero(&seal, sizeof seal);
    sodium_memzero(&ncfg, sizeof ncfg);
    return rc;
}

/* config check: a file that must exist, and (secret) not be readable by others. */
static int check_file(const char *where, const char *what, const char *path, int secret)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: %s %s does not exist\n", where, what, path);
        return 1;
    }
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "%s: %s %s cannot be read\n", where, what, path);
        return 1;
    }
    if (secret && (st.st_mode & 077)) {
        fprintf(stderr, "%s: %s %s must not be readable by group or others (chmod 600)\n", where,
                what, path);
        return 1;
    }
    return 0;
}

static const char usage_config[] =
    "usage: algoreg config check [--config FILE]\n"
    "Check serve's configuration: FILE (default: ALGOREG_CONFIG, else " AR_CONFIG_DEFAULT ")\n"
    "holds \"key = value\" lines whose keys are serve's long options (listen, db, threads,\n"
    "tokens, origin, log-key, enc-key, rate-limit, access-log, ...); ALGOREG_<KEY> variables\n"
    "override it and options on the command line override both. Every problem is reported\n"
    "as FILE:LINE: reason; the files it names must exist, keys and tokens with mode 0600.\n"
    "Exit status 0 when all is well, 1 otherwise.\n";

static int cmd_config(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "check") != 0) {
        fputs(usage_config, argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
        return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--config") && strncmp(argv[i], "--config=", 9) &&
            (i == 2 || strcmp(argv[i - 1], "--config"))) {
            fprintf(stderr, "algoreg: config check: unexpected argument %s\n", argv[i]);
            return 2;
        }
    const char *path = config_path(argc - 1, argv + 1);
    if (!path) {
        printf("no configuration file (%s absent); serve uses its defaults\n", AR_CONFIG_DEFAULT);
        return 0;
    }
    struct ar_cfg cfg = {0};
    ar_cfg_args(&cfg, 1, argv, 0);
    int problems = ar_cfg_read(&cfg, common_opts, SERVE_OPTS, path);
    problems += ar_cfg_env(&cfg, common_opts, SERVE_OPTS);
    problems += check_values(&cfg, path);
    struct opts o;
    /* The whole, as serve would see it: the files it names. */
    if (!problems && parse_opts(cfg.n, cfg.argv, &o, SERVE_OPTS) == 0) {
        char buf[4096];
        if (!o.db) {
            fprintf(stderr, "%s: db is not set (serve needs --db or db = PATH)\n", path);
            problems++;
        } else {
            char why[512];
            if (!ar_store_is_pg_uri(o.db)) {
                problems += check_file(path, "db", o.db, 0);
            } else if (ar_store_pg_reachable(o.db, why, sizeof why)) {
                fprintf(stderr, "%s: db: %s\n", path, why);
                problems++;
            }
            problems +=
                check_file(path, "log-key", key_path(buf, sizeof buf, o.log_key, o.db, "key"), 1);
            problems +=
                check_file(path, "enc-key", key_path(buf, sizeof buf, o.enc_key, o.db, "enc"), 1);
        }
        if (o.tokens)
            problems += check_file(path, "tokens", o.tokens, 1);
        if (o.witnesses)
            problems += check_file(path, "witnesses", o.witnesses, 0);
        if (o.aiact_cfg)
            problems += check_file(path, "aiact-config", o.aiact_cfg, 0);
        if (o.tree)
            problems += check_file(path, "tree", o.tree, 0);
        if (o.smtp || o.mail_from || o.smtp_cred) {
            struct ar_notice_cfg nc;
            if (serve_notice(&o, &nc))
                problems++;
            sodium_memzero(&nc, sizeof nc);
        }
        if (o.oidc) {
            struct ar_oidc *sso = NULL;
            char why[512];
            if (ar_oidc_load(&sso, o.oidc, why, sizeof why)) {
                fprintf(stderr, "%s: oidc: %s: %s\n", path, o.oidc, why);
                problems++;
            }
            ar_oidc_free(sso);
        }
        const char *colon = strrchr(o.listen, ':');
        char host[64];
        struct in_addr ia;
        if (!colon || (size_t)(colon - o.listen) >= sizeof host) {
            fprintf(stderr, "%s: listen must be ADDR:PORT, not %s\n", path, o.listen);
            problems++;
        } else {
            snprintf(host, sizeof host, "%.*s", (int)(colon - o.listen), o.listen);
            char *end;
            long port = strtol(colon + 1, &end, 10);
            if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &ia) != 1) {
                fprintf(stderr, "%s: listen must be an IPv4 ADDR:PORT, not %s\n", path, o.listen);
                problems++;
            }
        }
    }
    ar_cfg_free(&cfg);
    if (problems) {
        fprintf(stderr, "algoreg: %s: %d problem%s\n", path, problems, problems == 1 ? "" : "s");
        return 1;
    }
    printf("%s: ok\n", path);
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    struct ar_cfg cfg = {0};
    g_serve_cmd.argc = argc;
    g_serve_cmd.argv = argv;
    int bad = serve_argv(&cfg, argc, argv);
    if (!bad)
        bad = check_values(&cfg, config_path(argc, argv));
    int rc = bad ? die("%s", "serve: the configuration has problems (above); nothing started")
                 : serve_run(cfg.n, cfg.argv);
    ar_cfg_free(&cfg);
    return rc;
}

/* algoreg classify [--tree FILE] [--config FILE] [--json] [--walk] --answers "1.1=0 …" */
static int cmd_classify(int argc, char **argv)
{
    static const struct option copts[] = {{"tree", required_argument, NULL, 't'},
                                          {"answers", required_argument, NULL, 'a'},
                                          {"config", required_argument, NULL, 'c'},
                                          {"json", no_argument, NULL, 'j'},
                                          {"walk", no_argument, NULL, 'w'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    const char *tree_path = NULL, *ans = "", *cfg_path = NULL;
    int c, as_json = 0, walk = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", copts, NULL)) != -1) {
        if (c == 't')
            tree_path = optarg;
        else if (c == 'a')
            ans = optarg;
        else if (c == 'c')
            cfg_path = optarg;
        else if (c == 'j')
            as_json = 1;
        else if (c == 'w')
            walk = 1;
        else if (c == 'h') {
            puts("usage: algoreg classify [--tree FILE] [--config FILE] [--json] [--walk]\n"
                 "                        [--answers \"1.1=0 1.2=1 ...\"]\n"
                 "Run an AI Act decision tree in the format of the Dutch decision aid\n"
                 "(beslishulp): algoreg's own tree, or FILE (for example the official\n"
                 "decision-tree.yaml). Each answer is QUESTION=INDEX, the 0-based position of\n"
                 "the answer in the tree. Prints the conclusion id, the collected labels and\n"
                 "the obligations with their articles and dates, or the question that is still\n"
                 "unanswered with its answers (exit status 3).\n"
                 "  --config FILE  AI Act dates and national-law settings (JSON)\n"
                 "  --json         print the run and the assessment as JSON\n"
                 "  --walk         walk every path: paths, dead ends, conclusions reached");
            return 0;
        } else
            return die("classify: unknown option %s (see --help)", argv[optind - 1]), 2;
    }
    struct ar_tree *t = NULL;
    struct ar_aiact_cfg cfg;
    char why[256];
    json_t *answers = NULL, *out = NULL, *problems = json_array();
    int rc = 1;
    if (ar_aiact_cfg_load(&cfg, cfg_path, why, sizeof why)) {
        die("classify: %s: %s", cfg_path ? cfg_path : "configuration", why);
        goto out;
    }
    if (ar_aiact_tree_open(&t, tree_path, why, sizeof why)) {
        die("classify: %s: %s", tree_path ? tree_path : "built-in tree", why);
        goto out;
    }
    if (walk) {
        long paths, dead;
        json_t *reached = NULL;
        int wrc = ar_tree_walk(t, &paths, &dead, &reached);
        printf("paths %ld\ndead_ends %ld\nconclusions %zu\n", paths, dead,
               json_object_size(reached));
        const char *k;
        json_t *v;
        json_object_foreach (reached, k, v)
            printf("conclusion %s %lld\n", k, (long long)json_integer_value(v));
        json_decref(reached);
        rc = wrc || dead ? 1 : 0;
        goto out;
    }
    if (ar_tree_answers_parse(&answers, ans, why, sizeof why)) {
        die("classify: %s", why);
        goto out;
    }
    if (ar_aiact_evaluate(t, &cfg, answers, problems, &out)) {
        die("classify: %s", ar_json_str(json_array_get(problems, 0), "detail"));
        goto out;
    }
    json_t *run = json_object_get(out, "run"), *as = json_object_get(out, "assessment");
    if (as)
        ar_aiact_in_force(as, ar_clock_now());
    if (as_json) {
        char *txt = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
        puts(txt);
        free(txt);
    } else if (as) {
        printf("conclusion %s\n", json_string_value(json_object_get(run, "conclusion")));
        printf("risk %s\n", ar_json_str(as, "risk") ? ar_json_str(as, "risk") : "-");
        printf("eu_section %s\n", ar_json_str(as, "eu_section"));
    } else {
        printf("unanswered %s: %s\n", json_string_value(json_object_get(run, "unanswered")),
               json_string_value(json_object_get(run, "question")));
        size_t i;
        json_t *a;
        json_array_foreach (json_object_get(run, "answers"), i, a)
            printf("  %zu = %s\n", i, json_string_value(json_object_get(a, "answer")));
    }
    if (!as_json) {
        size_t i;
        json_t *l;
        json_array_foreach (json_object_get(run, "labels"), i, l)
            printf("label %s\n", json_string_value(l));
        json_array_foreach (json_object_get(as, "obligations"), i, l)
            printf("obligation %s (%s) from %s%s\n", ar_json_str(l, "id"),
                   ar_json_str(l, "article"),
                   ar_json_str(l, "applies_from") ? ar_json_str(l, "applies_from") : "-",
                   json_is_true(json_object_get(l, "in_force")) ? ", in force" : "");
        json_array_foreach (json_object_get(as, "flags"), i, l)
            printf("flag %s %s: %s\n", ar_json_str(l, "severity"), ar_json_str(l, "rule"),
                   ar_json_str(l, "message"));
    }
    rc = as ? 0 : 3;
out:
    json_decref(problems);
    json_decref(answers);
    json_decref(out);
    ar_tree_free(t);
    return rc;
}

static const char *usage_witness =
    "usage: algoreg witness --db PATH --name NAME --log VKEY [--log VKEY]...\n"
    "                       [--listen ADDR:PORT] [--threads N]\n"
    "Run an independent witness (c2sp.org/tlog-witness): it cosigns a log's checkpoints\n"
    "(c2sp.org/tlog-cosignature, cosignature/v1) only after checking that each extends the\n"
    "last one it cosigned, and never cosigns two different trees of one size. Its state is\n"
    "the SQLite database PATH (created when missing); its Ed25519 key is PATH.key (mode\n"
    "0600, created when missing) and its verifier key, for the logs' configuration, is\n"
    "written to PATH.vkey and printed at start-up.\n"
    "  --name NAME   the witness's name, e.g. witness.ap.nl/algoreg\n"
    "  --log VKEY    a log it witnesses (the log's verifier key, from URL/api/v1/log)\n";

/* algoreg witness: a separate server with its own key and state. */
static int cmd_witness(int argc, char **argv)
{
    struct opts o;
    struct ar_store *s = NULL;
    static struct ar_witness w;
    struct ar_app app = {0};
    int rc = 1;
    if (parse_opts(argc, argv, &o, "dhlnNG"))
        return 2;
    if (o.help) {
        fputs(usage_witness, stdout);
        return 0;
    }
    if (!o.db || !o.name || o.nlogs == 0)
        return die("%s", "witness: --db PATH, --name NAME and at least one --log VKEY are needed");
    memset(&w, 0, sizeof w);
    if (strlen(o.name) >= sizeof w.name || !*o.name || strchr(o.name, '+') ||
        strpbrk(o.name, " \t\n"))
        return die("%s", "witness: --name must be a name without spaces or '+'");
    snprintf(w.name, sizeof w.name, "%s", o.name);
    for (int i = 0; i < o.nlogs; i++) {
        if (ar_note_verifier_parse(&w.logs[w.nlogs], o.logs[i]) ||
            w.logs[w.nlogs].alg != AR_NOTE_ALG_ED25519)
            return die("witness: --log %s is not a log's verifier key (NAME+HASH+KEY)", o.logs[i]);
        w.nlogs++;
    }
    if (ar_store_open(&s, o.db, 1))
        return 1;
    ar_store_close(s);
    char keypath[4096], vkpath[4096];
    snprintf(keypath, sizeof keypath, "%s.key", o.db);
    snprintf(vkpath, sizeof vkpath, "%s.vkey", o.db);
    int krc = ar_log_key_create(keypath);
    if (krc && krc != AR_ECONFLICT)
        return die("witness: cannot write the key %s", keypath);
    struct ar_log_signer key; /* the same seed file format as the log's key */
    if (ar_log_signer_load(&key, keypath, w.name))
        return 1;
    memcpy(w.pk, key.pk, sizeof w.pk);
    memcpy(w.sk, key.sk, sizeof w.sk);
    sodium_memzero(&key, sizeof key);
    struct ar_buf vk;
    ar_buf_init(&vk, 0);
    ar_note_cosigner_format(&vk, w.name, w.pk);
    FILE *f = fopen(vkpath, "w");
    if (!f || fprintf(f, "%s\n", ar_buf_cstr(&vk)) < 0 || fclose(f)) {
        die("witness: cannot write %s", vkpath);
        ar_buf_free(&vk);
        goto out;
    }
    fprintf(stderr, "algoreg: witness %s, key %s\n", w.name, ar_buf_cstr(&vk));
    ar_buf_free(&vk);
    static const struct ar_route *const tables[] = {ar_witness_routes};
    app.db_path = o.db;
    app.witness = &w;
    app.tables = tables;
    app.ntables = 1;
    rc = ar_server_run(&app, o.listen, o.threads) ? 1 : 0;
out:
    sodium_memzero(&w, sizeof w);
    return rc;
}

static const char *usage_links =
    "usage: algoreg links --db PATH [--timeout SECONDS]\n"
    "Check every link in the register's latest public versions that is due (bounded\n"
    "concurrency, 10-second timeouts, back-off for failing links) and print how many were\n"
    "checked and how many are broken (two failures in a row).\n";

static int cmd_links(int argc, char **argv)
{
    struct opts o;
    struct ar_store *s = NULL;
    if (parse_opts(argc, argv, &o, "dhO"))
        return 2;
    if (o.help) {
        fputs(usage_links, stdout);
        return 0;
    }
    if (!o.db)
        return die("%s", "links: --db PATH is required");
    if (ar_store_open(&s, o.db, 0))
        return 1;
    int checked = 0, broken = 0;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    struct ar_links_cfg lc = {.timeout = o.timeout};
    int rc = ar_links_run(s, &lc, &checked, &broken);
    curl_global_cleanup();
    ar_store_close(s);
    if (rc)
        return die("%s", "links: the results could not be stored; run it again");
    printf("checked %d\nbroken %d\n", checked, broken);
    return 0;
}

static const char *usage_tick =
    "usage: algoreg tick --db PATH [--enc-key FILE] [--aiact-config FILE]\n"
    "Publish every withheld registration whose end date has come and run the timers of\n"
    "remote biometric identification cases (for cron; the server also does this by\n"
    "itself), and queue e-mail reminders of end dates within 30 days (algoreg mail send\n"
    "sends them). Prints how many were published, cases moved and reminders queued.\n";

static int cmd_tick(int argc, char **argv)
{
    struct opts o;
    struct ar_store *s = NULL;
    struct ar_seal_key seal;
    int rc = 1, n = 0;
    struct ar_aiact_cfg aicfg;
    char why[256];
    if (parse_opts(argc, argv, &o, "dhEA"))
        return 2;
    if (o.help) {
        fputs(usage_tick, stdout);
        return 0;
    }
    if (!o.db)
        return die("%s", "tick: --db PATH is required");
    char encbuf[4096];
    if (ar_seal_key_load(&seal, key_path(encbuf, sizeof encbuf, o.enc_key, o.db, "enc")))
        return 1;
    if (ar_store_open(&s, o.db, 0))
        goto out;
    if (ar_exception_tick(s, &seal, &n)) {
        die("%s", "tick: publishing failed; nothing half-done, run it again");
        goto out;
    }
    printf("published %d\n", n);
    if (ar_aiact_cfg_load(&aicfg, o.aiact_cfg, why, sizeof why)) {
        die("tick: %s", why);
        goto out;
    }
    if (ar_case_tick(s, &aicfg, &n)) {
        die("%s", "tick: case timers failed; run it again");
        goto out;
    }
    printf("cases moved %d\n", n);
    if (ar_notice_due_soon(s, &n)) {
        die("%s", "tick: reminders could not be queued; run it again");
        goto out;
    }
    printf("reminders queued %d\n", n);
    rc = 0;
out:
    sodium_memzero(&seal, sizeof seal);
    ar_store_close(s);
    return rc;
}

/* When in holds a JSON array (first non-blank byte '['), its elements one per line in
 * a new stream (*buf holds them; the caller frees it after closing the stream); NULL
 * with in rewound when it does not; NULL with *buf a message when the array is broken
 * or too large. */
static FILE *array_as_lines(FILE *in, const char *member, long *count, char **buf)
{
    int c;
    *buf = NULL;
    while ((c = fgetc(in)) != EOF && (c == ' ' || c == '\n' || c == '\r' || c == '\t'))
        ;
    if (c != '[' && !(member && c == '{')) {
        if (c != EOF)
            ungetc(c, in);
        return NULL;
    }
    ungetc(c, in);
    json_error_t err;
    json_t *doc = json_loadf(in, JSON_REJECT_DUPLICATES, &err);
    json_t *all = json_is_object(doc) && member ? json_object_get(doc, member) : doc;
    if (!json_is_array(all)) {
        char msg[300];
        if (doc && member)
            snprintf(msg, sizeof msg, "the file is not a JSON array, nor an object with \"%s\"",
                     member);
        else if (doc)
            snprintf(msg, sizeof msg, "the file is not one JSON array");
        else
            snprintf(msg, sizeof msg, "the JSON is broken at line %d: %s", err.line, err.text);
        json_decref(doc);
        *buf = ar_xstrdup(msg);
        return NULL;
    }
    json_incref(all);
    json_decref(doc);
    *count = (long)json_array_size(all);
    size_t len = 0, i;
    json_t *e;
    FILE *m = open_memstream(buf, &len);
    json_array_foreach (all, i, e) {
        char *one = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
        fprintf(m, "%s\n", one ? one : "null");
        free(one);
    }
    if (!json_array_size(all))
        fputc('\n', m); /* nothing to import, but a stream to read */
    json_decref(all);
    fclose(m);
    return fmemopen(*buf, len, "r");
}

static int cmd_import(int argc, char **argv)
{
    struct opts o;
    struct ar_store *s = NULL;
    FILE *in = NULL;
    struct import_mode m = {0};
    int rc = 1;
    if (parse_opts(argc, argv, &o, "dhasfr"))
        return 2;
    if (o.help) {
        fputs(usage_import, stdout);
        return 0;
    }
    if (!o.db || optind != argc - 1)
        return die("%s", "import: usage: algoreg import --db PATH FILE|-");
    const char *path = argv[optind];
    in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in)
        return die("import: cannot open %s", path);
    if (ar_store_open(&s, o.db, 0))
        goto out; /* the store printed why */
    m.progress = isatty(2) && !getenv("ALGOREG_NO_PROGRESS");
    m.standard = o.format && !strcmp(o.format, "standard");
    m.intake = o.format && ar_intake_parse(o.format, &m.src) == 0;
    if (o.format && !m.standard && !m.intake && strcmp(o.format, "jsonl")) {
        die("import: --format is jsonl, standard, register-summary or register-2023, not %s",
            o.format);
        goto out;
    }
    if (o.report && !(m.report = fopen(o.report, "w"))) {
        die("import: cannot write the report %s: %s", o.report, strerror(errno));
        goto out;
    }
    /* Files of the standard and of the register are one JSON document: taken apart
     * into lines first, so every entry is reported by its position like a line. */
    char *lines = NULL;
    FILE *arr = NULL;
    if ((m.standard || m.intake) &&
        (arr = array_as_lines(in, m.intake ? ar_intake_list_member(m.src) : NULL, &m.total,
                              &lines)) == NULL &&
        lines) {
        die("import: %s", lines);
        free(lines);
        goto out;
    }
    struct import_stats st = {.notes_by_field = json_object()};
    int r = import_stream(s, arr ? arr : in, o.author, o.strict, &st, 0, &m);
    if (arr)
        fclose(arr);
    free(lines);
    fprintf(stderr,
            "algoreg: import: %ld created, %ld updated, %ld unchanged, %ld rejected%s;"
            " %ld normalised\n",
            st.created, st.updated, st.unchanged, st.rejected,
            o.strict && st.rejected ? " (strict: nothing imported)" : "", st.normalised);
    const char *field;
    json_t *count;
    json_object_foreach (st.notes_by_field, field, count)
        fprintf(stderr, "algoreg: import:   %s normalised in %lld record%s\n", field,
                (long long)json_integer_value(count), json_integer_value(count) == 1 ? "" : "s");
    json_decref(st.notes_by_field);
    if (m.report && fclose(m.report) && !r)
        r = die("import: cannot write the report %s", o.report);
    m.report = NULL;
    rc = r || st.rejected ? 1 : 0;
out:
    if (m.report)
        fclose(m.report);
    if (in && in != stdin)
        fclose(in);
    ar_store_close(s);
    return rc;
}

static int export_line(void *ctx, const char *doc)
{
    FILE *f = ctx;
    return fprintf(f, "%s\n", doc) < 0 ? AR_EIO : 0;
}

/* The registrations ids as entries of the publication standard: JSON lines, or one
 * JSON array (as_array). A registration the standard cannot express is named on
 * stderr with every reason and counted in *skipped. */
static int export_standard(struct ar_store *s, const json_t *ids, int as_array, FILE *out,
                           long long *skipped)
{
    size_t i;
    const json_t *id;
    int first = 1;
    if (as_array)
        fputs("[\n", out);
    json_array_foreach (ids, i, id) {
        json_t *v = NULL, *rec = NULL, *entry = NULL, *pr = json_array();
        const char *lars = json_string_value(id);
        int rc = ar_store_version_get(s, lars, 0, &v);
        if (!rc && !(rec = json_loads(ar_json_str(v, "doc"), 0, NULL)))
            rc = AR_EIO;
        if (!rc && ar_standard_from_record(rec, &entry, pr)) {
            struct ar_buf why;
            ar_buf_init(&why, 1 << 16);
            size_t k;
            const json_t *p;
            json_array_foreach (pr, k, p) {
                ar_buf_printf(&why, "%s%s", k ? "; " : "", ar_json_str(p, "detail"));
            }
            fprintf(stderr, "algoreg: export: %s: %s\n", lars, ar_buf_cstr(&why));
            ar_buf_free(&why);
            (*skipped)++;
        } else if (!rc) {
            json_object_set(entry, "lars", json_object_get(v, "id"));
            char *line = json_dumps(entry, JSON_COMPACT | JSON_PRESERVE_ORDER);
            if (as_array)
                fprintf(out, "%s%s", first ? "" : ",\n", line);
            else
                fprintf(out, "%s\n", line);
            first = 0;
            free(line);
        }
        json_decref(entry);
        json_decref(rec);
        json_decref(v);
        json_decref(pr);
        if (rc && rc != AR_ENOTFOUND)
            return die("%s", "export: a registration could not be read");
    }
    if (as_array)
        fputs(first ? "]\n" : "\n]\n", out);
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    static const struct option eopts[] = {{"db", required_argument, NULL, 'd'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"q", required_argument, NULL, 'q'},
                                          {"organization", required_argument, NULL, 'o'},
                                          {"status", required_argument, NULL, 's'},
                                          {"publication-category", required_argument, NULL, 'p'},
                                          {"theme", required_argument, NULL, 't'},
                                          {"sort", required_argument, NULL, 'S'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    struct ar_query q = {.is_ai = -1, .page = 1, .per_page = 1000000};
    const char *db = NULL, *format = "jsonl";
    struct ar_store *s = NULL;
    FILE *out = NULL;
    json_t *ids = NULL;
    int c, rc = 1, filtered = 0, nonzero = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", eopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': format = optarg; break;
        case 'q': q.q = optarg, filtered = 1; break;
        case 'o': q.org = optarg, filtered = 1; break;
        case 's': q.status = optarg, filtered = 1; break;
        case 'p': q.pubcat = optarg, filtered = 1; break;
        case 't': q.theme = optarg, filtered = 1; break;
        case 'S': q.sort = optarg; break;
        case 'h': fputs(usage_export, stdout); return 0;
        default: return die("export: unknown option %s (see --help)", argv[optind - 1]) + 1;
        }
    }
    enum ar_sheet_format sf = AR_SHEET_CSV;
    int jsonl = strcmp(format, "jsonl") == 0;
    int standard = !strcmp(format, "standard") ? 1 : !strcmp(format, "standard-json") ? 2 : 0;
    if (!jsonl && !standard && ar_sheet_format_parse(format, &sf))
        return die("export: --format is jsonl, csv, xlsx, standard or standard-json, not %s",
                   format) +
               1;
    if (standard)
        filtered = 1; /* through the search, in its order */
    if (!db || optind < argc - 1)
        return die("%s", "export: usage: algoreg export --db PATH [--format F] [FILE]") + 1;
    if (q.sort && strcmp(q.sort, "name") && strcmp(q.sort, "updated") &&
        strcmp(q.sort, "relevance"))
        return die("%s", "export: --sort is name, updated or relevance") + 1;
    if (ar_store_open(&s, db, 0))
        return 1; /* the store printed why */
    const char *path = optind == argc - 1 ? argv[optind] : NULL;
    /* a spreadsheet is written beside its name and renamed at the end: never half a file */
    char tmp[4200];
    if (path)
        snprintf(tmp, sizeof tmp, "%s.partial", path);
    out = path ? fopen(tmp, "wb") : stdout;
    if (!out) {
        die("export: cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    long long total = 0;
    if (jsonl && !filtered) {
        if (ar_store_each_latest(s, export_line, out)) {
            die("%s", "export: failed");
            goto out;
        }
    } else if (ar_sheet_ids(s, &q, &ids, &total)) {
        die("%s", "export: the search failed");
        goto out;
    } else if (standard) {
        long long skipped = 0;
        if (export_standard(s, ids, standard == 2, out, &skipped))
            goto out;
        if (skipped) {
            fprintf(stderr,
                    "algoreg: export: %lld of %lld cannot be expressed in the publication"
                    " standard (above); the others are written\n",
                    skipped, total);
            nonzero = 1;
        }
    } else if (jsonl) {
        size_t i;
        json_t *id;
        json_array_foreach (ids, i, id) {
            json_t *v = NULL;
            if (ar_store_version_get(s, json_string_value(id), 0, &v) == 0)
                fprintf(out, "%s\n", ar_json_str(v, "doc"));
            json_decref(v);
        }
    } else if (ar_sheet_write(s, ids, sf, out)) {
        die("%s", "export: failed");
        goto out;
    }
    if (fflush(out) || ferror(out)) {
        die("%s", "export: write failed");
        goto out;
    }
    if (path) {
        int closed = fclose(out);
        out = NULL;
        if (closed || rename(tmp, path)) {
            die("export: cannot write %s", path);
            goto out;
        }
    }
    if (!jsonl || filtered)
        fprintf(stderr, "algoreg: export: %lld registration%s\n", total, total == 1 ? "" : "s");
    rc = nonzero;
out:
    if (out && out != stdout) {
        fclose(out);
        unlink(tmp);
    }
    json_decref(ids);
    ar_store_close(s);
    return rc;
}

static int cmd_show(int argc, char **argv)
{
    struct opts o;
    struct ar_store *s = NULL;
    json_t *v = NULL;
    int rc = 1;
    if (parse_opts(argc, argv, &o, "dhvj"))
        return 2;
    if (o.help) {
        fputs(usage_show, stdout);
        return 0;
    }
    if (!o.db || optind != argc - 1)
        return die("%s", "show: usage: algoreg show --db PATH [--version N] ID");
    const char *id = argv[optind];
    if (!ar_lars_valid(id))
        return die("show: %s is not a registration number (eight digits, check digit last)", id);
    if (ar_store_open(&s, o.db, 0))
        return 1; /* the store printed why */
    int r = ar_registry_get(s, id, o.version, &v);
    if (r == AR_ENOTFOUND) {
        die(o.version ? "show: %s has no such version" : "show: no registration %s", id);
        goto out;
    } else if (r) {
        die("%s", "show: the database could not be read");
        goto out;
    }
    if (o.json) {
        json_dumpf(v, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        putchar('\n');
    } else {
        json_t *rec = json_object_get(v, "record");
        printf("%s  %s\n", id, json_string_value(json_object_get(rec, "name")));
        printf("organisation: %s\nstatus: %s\ncategory: %s\nversion: %lld of %lld (%s, %s)\n\n",
               json_string_value(json_object_get(rec, "organization")),
               json_string_value(json_object_get(rec, "status")),
               json_string_value(json_object_get(rec, "publication_category")),
               (long long)json_integer_value(json_object_get(v, "version")),
               (long long)json_integer_value(json_object_get(v, "versions")),
               json_string_value(json_object_get(v, "created")),
               json_string_value(json_object_get(v, "author")));
        printf("%s\n", json_string_value(json_object_get(rec, "description_short")));
    }
    rc = 0;
out:
    json_decref(v);
    ar_store_close(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return die("%s", "libsodium failed to initialise");
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    argc--;
    argv++;
    if (strcmp(cmd, "init") == 0)
        return cmd_init(argc, argv);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc, argv);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(argc, argv);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(argc, argv);
    if (strcmp(cmd, "show") == 0)
        return cmd_show(argc, argv);
    if (strcmp(cmd, "tick") == 0)
        return cmd_tick(argc, argv);
    if (strcmp(cmd, "verify") == 0)
        return ar_cli_verify(argc, argv);
    if (strcmp(cmd, "classify") == 0)
        return cmd_classify(argc, argv);
    if (strcmp(cmd, "witness") == 0)
        return cmd_witness(argc, argv);
    if (strcmp(cmd, "links") == 0)
        return cmd_links(argc, argv);
    if (strcmp(cmd, "user") == 0)
        return ar_cli_user(argc, argv);
    if (strcmp(cmd, "mail") == 0)
        return ar_cli_mail(argc, argv);
    if (strcmp(cmd, "config") == 0)
        return cmd_config(argc, argv);
    if (strcmp(cmd, "migrate") == 0)
        return ar_cli_migrate(argc, argv);
    if (strcmp(cmd, "backup") == 0)
        return ar_cli_backup(argc, argv);
    if (strcmp(cmd, "restore") == 0)
        return ar_cli_restore(argc, argv);
    if (strcmp(cmd, "routes") == 0) {
        /* The router's own table with each route's access rule, for the tests that check
         * the OpenAPI document and the role x route matrix. */
        int n;
        const struct ar_route *const *tables = ar_server_tables(NULL, &n);
        for (int t = 0; t < n; t++)
            for (const struct ar_route *r = tables[t]; r->method; r++) {
                printf("%s %s\t%s\t", r->method, r->pattern, r->summary);
                if (r->access & AR_ROLE_PUBLIC)
                    printf("public");
                for (unsigned bit = AR_ROLE_REGISTRANT_BIT, first = 1; bit <= AR_ROLE_MAYOR_BIT;
                     bit <<= 1)
                    if (!(r->access & AR_ROLE_PUBLIC) && (r->access & bit)) {
                        printf("%s%s", first ? "" : ",", ar_auth_role_name(bit));
                        first = 0;
                    }
                putchar('\n');
            }
        return ar_server_check_routes(NULL) ? 1 : 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        if (argc > 1 && strcmp(argv[1], "--help") == 0) {
            puts("usage: algoreg version\nPrint the program version.");
            return 0;
        }
        printf("algoreg %s\n", ALGOREG_VERSION);
        return 0;
    }
    fprintf(stderr, "algoreg: unknown command '%s' (see algoreg --help)\n", cmd);
    return 2;
}
