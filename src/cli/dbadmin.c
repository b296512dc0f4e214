/* dbadmin.c — the database's upkeep from the command line: algoreg migrate, backup and
 * restore. The work is the store's (src/store); here are the options and the one-line
 * messages an operator (or a package's maintainer script) reads. */
#include "base/err.h"
#include "cli/cli.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage_migrate[] =
    "usage: algoreg migrate --db PATH [--check]\n"
    "       algoreg migrate --db PATH --to DEST\n"
    "Bring the database at PATH to this algoreg's schema, each step in a transaction of\n"
    "its own (serve and init do the same when they open it). A database newer than this\n"
    "algoreg is refused, never changed. --check changes nothing and exits 1 when a\n"
    "migration is due. The Debian package runs this on upgrade.\n"
    "--to DEST copies the whole register into the new database DEST, SQLite to\n"
    "PostgreSQL (postgresql://USER@HOST:PORT/DB, an empty database) or back: every\n"
    "version, log leaf, checkpoint and signature as it is, so DEST serves the same log.\n"
    "Copy the keys with it (see algoreg init --help for where they are).\n";

static const char usage_backup[] =
    "usage: algoreg backup --db PATH FILE\n"
    "Copy the database at PATH into the new file FILE while servers keep running\n"
    "(SQLite's online backup; a PostgreSQL database is copied row by row from one\n"
    "consistent snapshot into a SQLite file), check the copy's integrity and make it\n"
    "durable before it gets its name. FILE is never overwritten. The keys (PATH.key, PATH.enc) are "
    "not in\n"
    "it: keep them apart, as secrets, and save a checkpoint (algoreg verify --save) to\n"
    "check a restore against.\n";

static const char usage_restore[] =
    "usage: algoreg restore --db PATH FILE\n"
    "Make a new database at PATH from the backup FILE: FILE must pass an integrity check\n"
    "and be an algoreg database no newer than this algoreg; PATH must not exist (or, for\n"
    "postgresql://…, be an empty database). The copy is migrated forward. Put the keys of the "
    "backed-up register beside it (PATH.key,\n"
    "PATH.enc) before serving, and check the restored log against a checkpoint saved\n"
    "before the backup (algoreg verify --checkpoint).\n";

/* --db PATH, optional --check, and at most one FILE; 2 on a usage error. */
static const char *g_to; /* migrate --to DEST */

static int args(int argc, char **argv, const char *usage, const char **db, int *check,
                const char **file)
{
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"check", no_argument, NULL, 'c'},
                                         {"to", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c;
    *db = NULL;
    if (file)
        *file = NULL;
    if (check)
        *check = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return 1;
        }
        if (c == 'd') {
            *db = optarg;
        } else if (c == 't' && check) { /* migrate only */
            g_to = optarg;
        } else if (c == 'c' && check) {
            *check = 1;
        } else {
            fprintf(stderr, "algoreg: %s: unknown option %s (see --help)\n", argv[0],
                    argv[optind - 1]);
            return 2;
        }
    }
    if (!*db) {
        fprintf(stderr, "algoreg: %s: --db PATH is required\n", argv[0]);
        return 2;
    }
    if (file && optind + 1 != argc) {
        fprintf(stderr, "algoreg: %s: name one FILE (see --help)\n", argv[0]);
        return 2;
    }
    if (!file && optind != argc) {
        fprintf(stderr, "algoreg: %s: unexpected argument %s\n", argv[0], argv[optind]);
        return 2;
    }
    if (file)
        *file = argv[optind];
    return 0;
}

/* The whole register of from into to (a new SQLite file, made under a temporary name
 * and renamed when complete, or an empty PostgreSQL database). */
static int copy_register(const char *from, const char *to)
{
    struct ar_store *src = NULL, *dst = NULL;
    char tmp[4200];
    long long rows = 0;
    int pg = ar_store_is_pg_uri(to), rc;
    if (!pg && access(to, F_OK) == 0) {
        fprintf(stderr, "algoreg: %s exists; the copy goes to a new file\n", to);
        return 1;
    }
    snprintf(tmp, sizeof tmp, "%s.part-%d", to, (int)getpid());
    if (ar_store_open(&src, from, 0))
        return 1; /* said why */
    rc = ar_store_open(&dst, pg ? to : tmp, 1);
    if (!rc)
        rc = ar_store_copy(src, dst, &rows);
    if (!rc && !pg)
        rc = ar_store_flush(dst);
    ar_store_close(dst);
    ar_store_close(src);
    if (!pg && !rc && rename(tmp, to) != 0)
        rc = AR_EIO;
    if (!pg && rc)
        ar_store_remove_file(tmp);
    if (rc) {
        fprintf(stderr, "algoreg: the copy into %s failed (above); nothing was kept\n",
                ar_cli_db_shown(tmp, sizeof tmp, to));
        return 1;
    }
    char a[4200], b[4200];
    printf("%s: %lld rows copied from %s\n", ar_cli_db_shown(a, sizeof a, to), rows,
           ar_cli_db_shown(b, sizeof b, from));
    return 0;
}

int ar_cli_migrate(int argc, char **argv)
{
    const char *db;
    g_to = NULL;
    int check, rc = args(argc, argv, usage_migrate, &db, &check, NULL);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (g_to)
        return check ? (fprintf(stderr, "algoreg: migrate: --check or --to, not both\n"), 2)
                     : copy_register(db, g_to);
    int have, latest = ar_store_schema_latest();
    char shown[4200];
    const char *name = ar_cli_db_shown(shown, sizeof shown, db);
    if (ar_store_file_version(db, &have))
        return 1; /* said why */
    if (have > latest) {
        fprintf(stderr,
                "algoreg: %s has schema version %d, newer than this algoreg knows (%d):"
                " refusing to downgrade\n",
                db, have, latest);
        return 1;
    }
    if (have == latest) {
        printf("%s: schema %d, up to date\n", name, have);
        return 0;
    }
    if (check) {
        printf("%s: schema %d, migration to %d due\n", name, have, latest);
        return 1;
    }
    struct ar_store *s = NULL;
    rc = ar_store_open(&s, db, 0);
    if (rc == 0)
        printf("%s: schema %d migrated to %d\n", name, have, ar_store_schema_version(s));
    /* a register from before accounts gets its first administrator, as init gives */
    if (rc == 0)
        rc = ar_cli_first_accounts(s, db, 0);
    ar_store_close(s);
    return rc ? 1 : 0;
}

int ar_cli_backup(int argc, char **argv)
{
    const char *db, *file;
    int rc = args(argc, argv, usage_backup, &db, NULL, &file);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (ar_store_is_pg_uri(db))
        return copy_register(db, file);
    if (ar_store_backup(db, file))
        return 1;
    printf("%s: backup of %s (the keys are not in it)\n", file, db);
    return 0;
}

int ar_cli_restore(int argc, char **argv)
{
    const char *db, *file;
    int rc = args(argc, argv, usage_restore, &db, NULL, &file);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (ar_store_is_pg_uri(db)) {
        /* the backup is checked and brought forward in a copy of its own, then copied in */
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.restore-%d", file, (int)getpid());
        rc = ar_store_restore(file, tmp) ? 1 : copy_register(tmp, db);
        ar_store_remove_file(tmp);
        return rc;
    }
    if (ar_store_restore(file, db))
        return 1;
    printf("%s: restored from %s; put its keys beside it (%s.key, %s.enc)\n", db, file, db, db);
    return 0;
}
