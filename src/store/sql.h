/* sql.h — one way to run a statement on either database the store supports: SQLite
 * (embedded) and PostgreSQL (libpq). Store-internal, not part of the contract.
 *
 * Why: the store's logic (which rows, in which transaction, what a conflict means) is
 * the same for both databases; only the connection and a few dialect details differ.
 * Code written against this API runs on both, so the PostgreSQL backend (issue 6) is
 * the same store files, not a second copy of them. The API follows SQLite's own
 * prepare/bind/step/column shape, so converting a *_sqlite.c file is mostly renaming.
 *
 * SQL is written in the common subset: placeholders ?1, ?2, … (turned into $1, $2, …
 * for PostgreSQL), CAST(? AS TEXT) where a type cannot be inferred, RETURNING instead
 * of last_insert_rowid, ON CONFLICT … DO NOTHING/UPDATE instead of INSERT OR IGNORE.
 * Where the dialects differ (full-text search, JSON paths, date arithmetic) the caller
 * asks ar_sql_kind() and passes the variant. */
#ifndef AR_STORE_SQL_H
#define AR_STORE_SQL_H

#include <sqlite3.h>
#include <stddef.h>

enum ar_sql_kind { AR_SQL_SQLITE, AR_SQL_PG };
/* What ar_sql_step answers besides an error code (AR_E*, negative). */
enum { AR_SQL_DONE = 0, AR_SQL_ROW = 1 };
/* Column types as the caller sees them: integers (PostgreSQL int2/4/8 and booleans),
 * text (text, varchar, json, numbers with a fraction), blobs (bytea), NULL. */
enum { AR_SQL_NULL, AR_SQL_INT, AR_SQL_TEXT, AR_SQL_BLOB };

struct ar_sql;
struct ar_sql_stmt;

/* A connection over an open SQLite handle (borrowed: closing this does not close db). */
struct ar_sql *ar_sql_sqlite(sqlite3 *db);
/* A PostgreSQL connection from a libpq URI (postgresql://…) or key=value string.
 * AR_EUNAVAIL with why when the server cannot be reached or refuses the login. */
int ar_sql_pg(struct ar_sql **out, const char *conninfo, char *why, size_t whylen);
void ar_sql_close(struct ar_sql *c); /* accepts NULL */
enum ar_sql_kind ar_sql_kind(const struct ar_sql *c);
/* The last error message of the connection (for logs; never shown to visitors). */
const char *ar_sql_errmsg(const struct ar_sql *c);

/* Statements without parameters or results, several separated by ';' (migrations,
 * BEGIN/COMMIT). 0 or an error code (see ar_sql_step). */
int ar_sql_exec(struct ar_sql *c, const char *sql);

/* Prepare one statement. 0, or AR_EIO (message in ar_sql_errmsg) for SQL the database
 * refuses. PostgreSQL checks the SQL at the first step instead. */
int ar_sql_prepare(struct ar_sql *c, const char *sql, struct ar_sql_stmt **out);
/* Parameters are numbered from 1; text NULL binds NULL. Binding again after a step
 * starts the statement over (like sqlite3_reset). */
void ar_sql_bind_text(struct ar_sql_stmt *st, int i, const char *v);
void ar_sql_bind_int64(struct ar_sql_stmt *st, int i, long long v);
void ar_sql_bind_blob(struct ar_sql_stmt *st, int i, const void *v, size_t len);
void ar_sql_bind_null(struct ar_sql_stmt *st, int i);
/* AR_SQL_ROW while there are rows, AR_SQL_DONE at the end (or for a statement without
 * rows); AR_ECONFLICT for a broken constraint (unique, foreign key, check),
 * AR_EUNAVAIL when the connection is lost, AR_EIO for anything else. */
int ar_sql_step(struct ar_sql_stmt *st);
/* Rows a finished INSERT, UPDATE or DELETE touched. */
long long ar_sql_changes(struct ar_sql_stmt *st);
int ar_sql_column_count(struct ar_sql_stmt *st);
const char *ar_sql_column_name(struct ar_sql_stmt *st, int i);
int ar_sql_column_type(struct ar_sql_stmt *st, int i);
/* Values of the current row; text is NULL for NULL and valid until the next step. */
const char *ar_sql_column_text(struct ar_sql_stmt *st, int i);
long long ar_sql_column_int64(struct ar_sql_stmt *st, int i);
const void *ar_sql_column_blob(struct ar_sql_stmt *st, int i, size_t *len);
void ar_sql_finalize(struct ar_sql_stmt *st); /* accepts NULL */
/* A statement the caller keeps and runs often: PostgreSQL parses and plans it once per
 * connection (a server-side prepared statement); SQLite's are prepared anyway. */
void ar_sql_keep(struct ar_sql_stmt *st);
/* A scan over the whole register (exports, copies, the search snapshot): PostgreSQL
 * hands its rows over AR_SQL_BATCH at a time through a cursor instead of all at once,
 * so a million documents never sit in memory together; other statements may run on
 * the connection between its steps. The cursor is WITH HOLD: outside a transaction
 * the server keeps the result (one consistent state) until the scan ends. SQLite reads
 * row by row anyway. Call before the first step. */
#define AR_SQL_BATCH 1000
void ar_sql_stream(struct ar_sql_stmt *st);
/* Ready a statement to run again: its rows are dropped and its parameters unbound
 * (kept statements of the store's hot paths). */
void ar_sql_reset(struct ar_sql_stmt *st);
/* Called with the time of every PostgreSQL round trip (statement metrics; SQLite's are
 * taken by its own profile hook). NULL for none. */
void ar_sql_set_timer(void (*fn)(unsigned long long ns));
/* PostgreSQL, after LISTEN on c: wait up to ms for a notification. 1 when one or more
 * came (all consumed), 0 when none did, AR_EUNAVAIL when the connection is lost. */
int ar_sql_wait_notify(struct ar_sql *c, int ms);
/* 1 inside an open transaction (BEGIN without COMMIT or ROLLBACK yet). */
int ar_sql_in_transaction(const struct ar_sql *c);

#endif
