/* cli.h — the subcommands that live in files of their own, and what they share. */
#ifndef AR_CLI_CLI_H
#define AR_CLI_CLI_H

#include "store/store.h"

int ar_cli_user(int argc, char **argv);    /* user.c */
int ar_cli_mail(int argc, char **argv);    /* mail.c */
int ar_cli_verify(int argc, char **argv);  /* verify.c */
int ar_cli_migrate(int argc, char **argv); /* dbadmin.c */
int ar_cli_backup(int argc, char **argv);
int ar_cli_restore(int argc, char **argv);

/* db as it may be printed: a PostgreSQL URI's password replaced by "…" (messages go
 * to logs and terminals; keep passwords in ~/.pgpass or PGPASSWORD anyway). */
const char *ar_cli_db_shown(char *buf, size_t n, const char *db);
/* Where the files a database owns (keys, accounts, tokens) live, without the extension:
 * the SQLite file's own path, or ALGOREG_STATE_DIR/DBNAME for a PostgreSQL URI. */
const char *ar_cli_db_base(char *buf, size_t n, const char *db);

/* A register without accounts gets the administrator 'admin' (with demo also one
 * account per working role); passwords and API tokens go to db.accounts (mode 0600,
 * never overwritten; see ar_cli_db_base). Nothing when accounts exist. Non-zero, said why, on
 * failure. */
int ar_cli_first_accounts(struct ar_store *s, const char *db, int demo);

#endif
