/* sqlite_int.h — shared between the store's files (SQLite and PostgreSQL alike, over
 * sql.h); not part of the contract. */
#ifndef AR_STORE_SQLITE_INT_H
#define AR_STORE_SQLITE_INT_H

#include <jansson.h>

#include "store/sql.h"
#include "store/store.h"

/* The open transaction changed what pages show: bump meta.changes at its commit. */
void ar_sqlite_mark_dirty(struct ar_store *s);
/* The log size cached for the open write transaction (NULL outside one). */
long long *ar_sqlite_log_size(struct ar_store *s);

/* Helpers over the two-database layer (sql.h), for store files written once for SQLite
 * and PostgreSQL: the connection, prepare (errors logged), a write stepped to its end
 * (RETURNING rows skipped) and finalised with the codes of ar_sql_step, a row as an
 * object (column names as keys, integers as integers) and every row of a query. */
struct ar_sql *ar_store_sql(struct ar_store *s);
/* Which database this is, for process-wide caches: the SQLite file or the PostgreSQL URI. */
const char *ar_store_db_id(struct ar_store *s);
int ar_store_sql_prep(struct ar_store *s, const char *what, const char *sql,
                      struct ar_sql_stmt **st);
int ar_store_sql_write(struct ar_store *s, const char *what, struct ar_sql_stmt *st, int *changed);
json_t *ar_store_sql_row(struct ar_sql_stmt *st);
/* A statement kept for the connection's life in one of 16 slots (SLOT_*), ready to bind;
 * each slot always with the same SQL. */
struct ar_sql_stmt *ar_store_sql_cached(struct ar_store *s, int slot, const char *sql);
/* An INSERT … RETURNING id stepped to its end and finalised, the new row's id in *id. */
int ar_store_sql_insert(struct ar_store *s, const char *what, struct ar_sql_stmt *st,
                        long long *id);
/* The first row as row(st) (AR_ENOTFOUND when none); the statement is finalised. */
int ar_store_sql_one(struct ar_store *s, struct ar_sql_stmt *st,
                     json_t *(*row)(struct ar_sql_stmt *), json_t **out);
int ar_store_sql_all(struct ar_store *s, struct ar_sql_stmt *st,
                     json_t *(*row)(struct ar_sql_stmt *), json_t **out);

enum {
    SLOT_LOG_SIZE,
    SLOT_LOG_APPEND,
    SLOT_LOG_HASH_PUT,
    SLOT_LOG_HASH_GET0,
    SLOT_LOG_HASH_GET,
    SLOT_REG_EXISTS,
};

#endif
