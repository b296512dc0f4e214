/* user.c — `algoreg user`: accounts on the command line, for the first administrator
 * and for scripts. Passwords are read from a file or standard input, never from the
 * command line (where ps and shell history would keep them). */
#include "auth/auth.h"
#include "base/err.h"
#include "store/store.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int ar_cli_user(int argc, char **argv);

static const char usage[] =
    "usage: algoreg user add --db PATH --name NAME --role ROLE [--org SLUG]\n"
    "                        [--email ADDR] [--password-file FILE|-]\n"
    "       algoreg user email --db PATH --name NAME --email ADDR|\"\"\n"
    "       algoreg user list --db PATH\n"
    "       algoreg user disable|enable --db PATH --name NAME\n"
    "       algoreg user password --db PATH --name NAME --password-file FILE|-\n"
    "       algoreg user token --db PATH --name NAME [--label TEXT]\n"
    "       algoreg user revoke --db PATH --name NAME --token ID\n"
    "       algoreg user audit --db PATH [--name NAME] [--limit N]\n"
    "Manage accounts. Roles: registrant and approver (with --org, the organisation's\n"
    "slug), supervisor, authorising_authority, review_committee, police_chief, prosecutor,\n"
    "mayor, admin (accounts only, no access to withheld content). A password is read\n"
    "from FILE (not readable by group or others) or standard input (-); without one the\n"
    "account signs in with API tokens only. token prints a new API token once; only its\n"
    "hash is kept. email sets (or with \"\" clears) the address notices go to.\n";

static int fail(const char *what, const char *why)
{
    fprintf(stderr, "algoreg: user %s: %s\n", what, why);
    return 1;
}

/* The first line of FILE or stdin, without its newline. */
static int read_password(const char *file, char *out, size_t n)
{
    FILE *f = stdin;
    if (strcmp(file, "-") != 0) {
        struct stat st;
        if (stat(file, &st) != 0)
            return fail("password", "the password file cannot be read");
        if (st.st_mode & 077)
            return fail("password", "the password file must not be readable by group or others"
                                    " (chmod 600)");
        if (!(f = fopen(file, "r")))
            return fail("password", "the password file cannot be read");
    }
    int ok = fgets(out, (int)n, f) != NULL;
    if (f != stdin)
        fclose(f);
    if (!ok)
        return fail("password", "no password given");
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

int ar_cli_user(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"name", required_argument, NULL, 'n'},
        {"role", required_argument, NULL, 'r'},
        {"org", required_argument, NULL, 'o'},
        {"label", required_argument, NULL, 'l'},
        {"password-file", required_argument, NULL, 'p'},
        {"token", required_argument, NULL, 't'},
        {"limit", required_argument, NULL, 'L'},
        {"email", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *name = NULL, *role = NULL, *org = NULL, *label = NULL, *pwfile = NULL,
               *email = NULL;
    long long token = 0;
    int limit = 50, c;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *verb = argv[1];
    argc--;
    argv++;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'n': name = optarg; break;
        case 'r': role = optarg; break;
        case 'o': org = optarg; break;
        case 'l': label = optarg; break;
        case 'p': pwfile = optarg; break;
        case 't': token = strtoll(optarg, NULL, 10); break;
        case 'L': limit = atoi(optarg); break;
        case 'e': email = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: return 2;
        }
    }
    if (optind < argc)
        return fail(verb, "unexpected argument; see algoreg user --help");
    if (!db)
        return fail(verb, "--db PATH is required");
    int needs_name = strcmp(verb, "list") && strcmp(verb, "audit");
    if (needs_name && !name)
        return fail(verb, "--name NAME is required");
    struct ar_store *s = NULL;
    if (ar_store_open(&s, db, 0))
        return 1; /* the store said why, in one line */
    char why[256] = "", pw[300] = "";
    int rc = 1;
    if (!strcmp(verb, "add")) {
        if (!role) {
            fail(verb, "--role ROLE is required");
        } else if (!pwfile || !read_password(pwfile, pw, sizeof pw)) {
            int r = ar_auth_account_add(s, name, role, org, email, pwfile ? pw : NULL, "cli", why,
                                        sizeof why);
            rc = r ? fail(verb, r == AR_EIO ? "the account could not be stored" : why) : 0;
            if (!rc)
                printf("added %s (%s%s%s)\n", name, role, org ? ", " : "", org ? org : "");
        }
    } else if (!strcmp(verb, "email")) {
        int r = email ? ar_auth_email_set(s, name, email, "cli", why, sizeof why) : AR_EINVAL;
        if (!email)
            snprintf(why, sizeof why, "--email ADDR (or \"\" to clear) is required");
        rc = r ? fail(verb, r == AR_EIO ? "nothing was changed" : why) : 0;
        if (!rc)
            printf("%s: %s\n", name, *email ? email : "no address");
    } else if (!strcmp(verb, "list")) {
        json_t *list = NULL, *a;
        size_t i;
        if (ar_store_acct_list(s, &list) == 0) {
            json_array_foreach (list, i, a)
                printf("%s\t%s\t%s\t%s\t%lld token(s)\t%s\n",
                       json_string_value(json_object_get(a, "name")),
                       json_string_value(json_object_get(a, "role")),
                       json_string_value(json_object_get(a, "org"))
                           ? json_string_value(json_object_get(a, "org"))
                           : "-",
                       json_integer_value(json_object_get(a, "disabled")) ? "disabled" : "active",
                       (long long)json_integer_value(json_object_get(a, "tokens")),
                       json_string_value(json_object_get(a, "email"))
                           ? json_string_value(json_object_get(a, "email"))
                           : "-");
            rc = 0;
        }
        json_decref(list);
    } else if (!strcmp(verb, "disable") || !strcmp(verb, "enable")) {
        int r = ar_auth_account_disable(s, name, verb[0] == 'd', "cli");
        rc = r ? fail(verb, r == AR_ENOTFOUND ? "no such account" : "nothing was changed") : 0;
        if (!rc)
            printf("%sd %s\n", verb, name);
    } else if (!strcmp(verb, "password")) {
        if (!pwfile) {
            fail(verb, "--password-file FILE|- is required");
        } else if (!read_password(pwfile, pw, sizeof pw)) {
            int r = ar_auth_password_set(s, name, pw, "cli", why, sizeof why);
            rc = r ? fail(verb, r == AR_EIO ? "nothing was changed" : why) : 0;
        }
    } else if (!strcmp(verb, "token")) {
        char tok[AR_AUTH_SECRET_LEN + 1];
        long long id;
        int r = ar_auth_token_issue(s, name, label, "cli", tok, &id);
        if (r)
            fail(verb, r == AR_ENOTFOUND ? "no such account"
                       : r == AR_EDENIED ? "the account is disabled"
                                         : "no token was made");
        else
            printf("%s\n", tok), fprintf(stderr, "algoreg: token %lld for %s\n", id, name), rc = 0;
        sodium_memzero(tok, sizeof tok);
    } else if (!strcmp(verb, "revoke")) {
        int r = token > 0 ? ar_auth_token_revoke(s, name, token, "cli") : AR_EINVAL;
        rc = r ? fail(verb, r == AR_EINVAL ? "--token ID (a number from user list) is required"
                                           : "no such active token of that account")
               : 0;
    } else if (!strcmp(verb, "audit")) {
        json_t *rows = NULL, *a;
        size_t i;
        if (limit < 1 || limit > 10000) {
            fail(verb, "--limit is 1 to 10000");
        } else if (ar_store_audit_list(s, name, 0, limit, &rows) == 0) {
            json_array_foreach (rows, i, a) {
                const char *k[] = {"at", "actor", "role", "action", "target", "address"};
                for (int j = 0; j < 6; j++) {
                    const char *v = json_string_value(json_object_get(a, k[j]));
                    printf("%s%s", j ? "\t" : "", v ? v : "-");
                }
                printf("\t%lld\n", (long long)json_integer_value(json_object_get(a, "outcome")));
            }
            rc = 0;
        }
        json_decref(rows);
    } else {
        fputs(usage, stderr);
        rc = 2;
    }
    sodium_memzero(pw, sizeof pw);
    ar_store_close(s);
    return rc;
}
