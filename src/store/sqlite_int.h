/* sqlite_int.h — shared between the SQLite store's files; not part of the contract. */
#ifndef AR_STORE_SQLITE_INT_H
#define AR_STORE_SQLITE_INT_H

#include <jansson.h>
#include <sqlite3.h>

#include "store/sql.h"
#include "store/store.h"

sqlite3 *ar_sqlite_db(struct ar_store *s);
/* A prepared statement kept for the connection's life in one of 16 slots; reset and
 * unbound on every call. Each slot must always be used with the same SQL. SQLite only
 * (NULL on PostgreSQL): for the files not yet on sql.h. */
sqlite3_stmt *ar_sqlite_cached(struct ar_store *s, int slot, const char *sql);

/* Shared by the store's files; what names the part in messages ("accounts"). prep: 0 or
 * AR_EIO with the SQLite message on stderr. bind_text: NULL binds NULL. finish: step a
 * write to completion and finalise it: 0, AR_ECONFLICT for a constraint, AR_EIO
 * (message on stderr); *changed (when given) gets the rows it touched. */
int ar_sqlite_prep(struct ar_store *s, const char *what, const char *sql, sqlite3_stmt **st);
void ar_sqlite_bind_text(sqlite3_stmt *st, int i, const char *v);
int ar_sqlite_finish(struct ar_store *s, const char *what, sqlite3_stmt *st, int *changed);

/* Step a query of at most one row and finalise it: *out gets row(st) of that row. 0,
 * AR_ENOTFOUND when there is none, AR_EIO on an error. */
int ar_sqlite_one(sqlite3_stmt *st, json_t *(*row)(sqlite3_stmt *), json_t **out);
/* Every row of a query as an array of row(st), the statement finalised: 0 or AR_EIO. */
int ar_sqlite_all(sqlite3_stmt *st, json_t *(*row)(sqlite3_stmt *), json_t **out);
/* A row as an object, column names as keys; integers stay integers, NULL is null. */
json_t *ar_sqlite_row(sqlite3_stmt *st);

/* The open transaction changed what pages show: bump meta.changes at its commit. */
void ar_sqlite_mark_dirty(struct ar_store *s);
/* The log size cached for the open write transaction (NULL outside one). */
long long *ar_sqlite_log_size(struct ar_store *s);

/* The same helpers over the two-database layer (sql.h), for store files written once for
 * SQLite and PostgreSQL: the connection, prepare (errors logged), a write stepped to its
 * end (RETURNING rows skipped) and finalised with the codes of ar_sql_step, a row as an
 * object (column names as keys, integers as integers) and every row of a query. */
struct ar_sql *ar_store_sql(struct ar_store *s);
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
