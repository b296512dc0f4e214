/* test_sql.c — the statement layer the store is written against (src/store/sql.h), run
 * the same way on SQLite and on a real PostgreSQL 15: placeholders (numbered, bare, and
 * a '?' inside quoted text left alone), RETURNING, conflicts, NULLs, 64-bit integers,
 * blobs with zero bytes, column names and types, rebinding, rows changed, several
 * statements at once, scans read in batches, refused SQL, and a server that is not there. The
 * PostgreSQL half needs ALGOREG_TEST_PG (a libpq URI); scripts/run-tests.sh starts a throw-away
 * cluster (scripts/pg-tmp.sh) and sets it, and counts a cluster that does not start as a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "store/sql.h"

/* The state: the connection under test and, for SQLite, the handle it borrows. */
struct fx {
    sqlite3 *db;
    struct ar_sql *c;
};

static int open_sqlite(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    if (!f || sqlite3_open(":memory:", &f->db) != SQLITE_OK || !(f->c = ar_sql_sqlite(f->db)))
        return -1;
    *state = f;
    return 0;
}

static int open_pg(void **state)
{
    const char *uri = getenv("ALGOREG_TEST_PG");
    char why[256];
    struct fx *f = calloc(1, sizeof *f);
    *state = f;
    if (!f)
        return -1;
    if (!uri || !*uri)
        return 0;
    if (ar_sql_pg(&f->c, uri, why, sizeof why)) {
        fprintf(stderr, "PostgreSQL at %s: %s\n", uri, why);
        return -1;
    }
    /* a schema of its own, so a run starts empty */
    return ar_sql_exec(f->c, "DROP SCHEMA IF EXISTS sqltest CASCADE; CREATE SCHEMA sqltest;"
                             " SET search_path = sqltest")
               ? -1
               : 0;
}

static int close_fx(void **state)
{
    struct fx *f = *state;
    if (f) {
        ar_sql_close(f->c);
        if (f->db)
            sqlite3_close(f->db);
        free(f);
    }
    return 0;
}

static struct ar_sql *conn(void **state)
{
    struct fx *f = *state;
    if (!f->c)
        skip(); /* no ALGOREG_TEST_PG: run by scripts/run-tests.sh, which sets it */
    return f->c;
}

static void statements(void **state)
{
    struct ar_sql *c = conn(state);
    int pg = ar_sql_kind(c) == AR_SQL_PG;
    struct ar_sql_stmt *st = NULL;
    assert_int_equal(ar_sql_exec(c, pg ? "CREATE TABLE t (id BIGSERIAL PRIMARY KEY,"
                                         " name TEXT NOT NULL UNIQUE, n BIGINT, b BYTEA,"
                                         " ok BOOLEAN); CREATE INDEX t_n ON t(n)"
                                       : "CREATE TABLE t (id INTEGER PRIMARY KEY,"
                                         " name TEXT NOT NULL UNIQUE, n INTEGER, b BLOB,"
                                         " ok INTEGER); CREATE INDEX t_n ON t(n)"),
                     0);
    assert_int_equal(
        ar_sql_prepare(c, "INSERT INTO t(name, n, b) VALUES (?1, ?2, ?3) RETURNING id", &st), 0);
    static const unsigned char blob[] = {0, 1, 0xff, 0, 'x'};
    const char *names[] = {"één", "it's", "a?b"};
    for (int i = 0; i < 3; i++) {
        ar_sql_bind_text(st, 1, names[i]);
        ar_sql_bind_int64(st, 2, i == 0 ? (1LL << 40) + 7 : i);
        ar_sql_bind_blob(st, 3, blob, i == 0 ? sizeof blob : 0);
        assert_int_equal(ar_sql_step(st), AR_SQL_ROW);
        assert_int_equal(ar_sql_column_int64(st, 0), i + 1);
        assert_string_equal(ar_sql_column_name(st, 0), "id");
        assert_int_equal(ar_sql_step(st), AR_SQL_DONE);
    }
    /* the same name again breaks the unique constraint */
    ar_sql_bind_text(st, 1, "één");
    ar_sql_bind_null(st, 2);
    ar_sql_bind_null(st, 3);
    assert_int_equal(ar_sql_step(st), AR_ECONFLICT);
    ar_sql_finalize(st);

    /* a NULL parameter in "?1 IS NULL OR …" (typed with CAST for PostgreSQL), a '?' in
     * quoted text, columns by name and type, blobs with zero bytes */
    assert_int_equal(ar_sql_prepare(c,
                                    "SELECT id, name, n, b, '?' || name AS q, ok FROM t"
                                    " WHERE CAST(?1 AS TEXT) IS NULL OR name = ?1 ORDER BY id",
                                    &st),
                     0);
    ar_sql_bind_null(st, 1);
    int rows = 0;
    while (ar_sql_step(st) == AR_SQL_ROW)
        rows++;
    assert_int_equal(rows, 3);
    ar_sql_bind_text(st, 1, "één"); /* a new binding starts over */
    assert_int_equal(ar_sql_step(st), AR_SQL_ROW);
    assert_int_equal(ar_sql_column_count(st), 6);
    assert_string_equal(ar_sql_column_name(st, 4), "q");
    assert_string_equal(ar_sql_column_text(st, 1), "één");
    assert_string_equal(ar_sql_column_text(st, 4), "?één");
    assert_int_equal(ar_sql_column_type(st, 2), AR_SQL_INT);
    assert_int_equal(ar_sql_column_int64(st, 2), (1LL << 40) + 7);
    assert_int_equal(ar_sql_column_type(st, 3), AR_SQL_BLOB);
    size_t len = 0;
    const unsigned char *b = ar_sql_column_blob(st, 3, &len);
    assert_int_equal(len, sizeof blob);
    assert_memory_equal(b, blob, sizeof blob);
    assert_int_equal(ar_sql_column_type(st, 5), AR_SQL_NULL);
    assert_null(ar_sql_column_text(st, 5));
    assert_int_equal(ar_sql_step(st), AR_SQL_DONE);
    ar_sql_finalize(st);

    /* bare '?' count up; rows changed */
    assert_int_equal(ar_sql_prepare(c, "UPDATE t SET ok = ? WHERE n < ?", &st), 0);
    ar_sql_bind_int64(st, 1, 1);
    ar_sql_bind_int64(st, 2, 100);
    if (pg) { /* a boolean column takes true/false; the layer passes text through */
        ar_sql_bind_text(st, 1, "true");
    }
    assert_int_equal(ar_sql_step(st), AR_SQL_DONE);
    assert_int_equal(ar_sql_changes(st), 2);
    ar_sql_finalize(st);
    assert_int_equal(ar_sql_prepare(c, "SELECT count(*) AS n FROM t WHERE ok = ?1", &st), 0);
    ar_sql_bind_text(st, 1, pg ? "true" : "1");
    assert_int_equal(ar_sql_step(st), AR_SQL_ROW);
    assert_int_equal(ar_sql_column_int64(st, 0), 2);
    ar_sql_finalize(st);
    assert_int_equal(ar_sql_prepare(c, "SELECT ok FROM t WHERE name = 'a?b'", &st), 0);
    assert_int_equal(ar_sql_step(st), AR_SQL_ROW);
    assert_int_equal(ar_sql_column_type(st, 0), AR_SQL_INT); /* booleans read as 0/1 */
    assert_int_equal(ar_sql_column_int64(st, 0), 1);
    assert_string_equal(ar_sql_column_text(st, 0), "1");
    ar_sql_finalize(st);

    /* a transaction rolled back leaves nothing */
    assert_int_equal(ar_sql_exec(c, "BEGIN; DELETE FROM t; ROLLBACK"), 0);
    assert_int_equal(ar_sql_prepare(c, "SELECT count(*) FROM t", &st), 0);
    assert_int_equal(ar_sql_step(st), AR_SQL_ROW);
    assert_int_equal(ar_sql_column_int64(st, 0), 3);
    ar_sql_finalize(st);
}

/* Open stream cursors of the session (PostgreSQL; SQLite has none: 0). pg_cursors
 * also lists the portal of the query asking. */
static long long cursors(struct ar_sql *c)
{
    if (ar_sql_kind(c) != AR_SQL_PG)
        return 0;
    struct ar_sql_stmt *st = NULL;
    assert_int_equal(
        ar_sql_prepare(c, "SELECT count(*) FROM pg_cursors WHERE name LIKE 'arc%'", &st), 0);
    assert_int_equal(ar_sql_step(st), AR_SQL_ROW);
    long long n = ar_sql_column_int64(st, 0);
    ar_sql_finalize(st);
    return n;
}

static long long count_rows(struct ar_sql *c)
{
    struct ar_sql_stmt *st = NULL;
    assert_int_equal(ar_sql_prepare(c, "SELECT count(*) FROM s", &st), 0);
    assert_int_equal(ar_sql_step(st), AR_SQL_ROW);
    long long n = ar_sql_column_int64(st, 0);
    ar_sql_finalize(st);
    return n;
}

/* A scan read in batches (ar_sql_stream): every row once and in order across batch
 * boundaries, other statements between its steps, a cursor only while it runs, and a
 * scan given up inside a transaction that was rolled back never breaks the next one. */
static void streams(void **state)
{
    struct ar_sql *c = conn(state);
    int pg = ar_sql_kind(c) == AR_SQL_PG;
    const int n = 2 * AR_SQL_BATCH + 500;
    struct ar_sql_stmt *st = NULL, *ins = NULL;
    assert_int_equal(ar_sql_exec(c, "CREATE TABLE s (id INTEGER PRIMARY KEY, v TEXT); BEGIN"), 0);
    assert_int_equal(ar_sql_prepare(c, "INSERT INTO s(id, v) VALUES (?1, ?2)", &ins), 0);
    for (int i = 1; i <= n; i++) {
        char v[16];
        snprintf(v, sizeof v, "row %d", i);
        ar_sql_bind_int64(ins, 1, i);
        ar_sql_bind_text(ins, 2, v);
        assert_int_equal(ar_sql_step(ins), AR_SQL_DONE);
    }
    ar_sql_finalize(ins);
    assert_int_equal(ar_sql_exec(c, "COMMIT"), 0);

    assert_int_equal(ar_sql_prepare(c, "SELECT id, v FROM s WHERE id > ?1 ORDER BY id", &st), 0);
    ar_sql_stream(st);
    ar_sql_bind_int64(st, 1, 0);
    int seen = 0, r;
    while ((r = ar_sql_step(st)) == AR_SQL_ROW) {
        char v[16];
        snprintf(v, sizeof v, "row %d", ++seen);
        assert_int_equal(ar_sql_column_int64(st, 0), seen);
        assert_string_equal(ar_sql_column_text(st, 1), v);
        if (seen == AR_SQL_BATCH + 3) { /* the connection is free between steps */
            assert_int_equal(count_rows(c), n);
            assert_int_equal(cursors(c), pg ? 1 : 0);
        }
    }
    assert_int_equal(r, AR_SQL_DONE);
    assert_int_equal(seen, n);
    assert_int_equal(cursors(c), 0); /* closed at its end, before finalising */
    /* a new binding starts over */
    ar_sql_bind_int64(st, 1, n - 10);
    for (seen = 0; ar_sql_step(st) == AR_SQL_ROW; seen++)
        ;
    assert_int_equal(seen, 10);
    /* given up half way outside a transaction: finalising closes the cursor */
    ar_sql_bind_int64(st, 1, 0);
    assert_int_equal(ar_sql_step(st), AR_SQL_ROW);
    ar_sql_finalize(st);
    assert_int_equal(cursors(c), 0);

    /* given up inside a transaction that was rolled back (the cursor went with it),
     * finalised inside the next one: that transaction is unharmed */
    assert_int_equal(ar_sql_exec(c, "BEGIN"), 0);
    assert_int_equal(ar_sql_prepare(c, "SELECT id FROM s ORDER BY id", &st), 0);
    ar_sql_stream(st);
    assert_int_equal(ar_sql_step(st), AR_SQL_ROW);
    assert_int_equal(ar_sql_exec(c, "ROLLBACK; BEGIN"), 0);
    ar_sql_finalize(st);
    assert_int_equal(ar_sql_exec(c, "INSERT INTO s(id, v) VALUES (-1, 'after'); COMMIT"), 0);
    assert_int_equal(count_rows(c), n + 1);
    /* and a scan given up inside a transaction that goes on is closed there */
    assert_int_equal(ar_sql_exec(c, "BEGIN"), 0);
    assert_int_equal(ar_sql_prepare(c, "SELECT id FROM s ORDER BY id", &st), 0);
    ar_sql_stream(st);
    assert_int_equal(ar_sql_step(st), AR_SQL_ROW);
    ar_sql_finalize(st);
    assert_int_equal(cursors(c), 0);
    assert_int_equal(ar_sql_exec(c, "COMMIT"), 0);
}

static void refusals(void **state)
{
    struct ar_sql *c = conn(state);
    struct ar_sql_stmt *st = NULL;
    int rc = ar_sql_prepare(c, "SELEKT nonsense FROM nowhere", &st);
    if (rc == 0) /* PostgreSQL looks at the SQL when it runs */
        rc = ar_sql_step(st);
    ar_sql_finalize(st);
    assert_int_equal(rc, AR_EIO);
    assert_true(strlen(ar_sql_errmsg(c)) > 0);
    assert_int_equal(ar_sql_exec(c, "SELECT * FROM no_such_table"), AR_EIO);
    st = NULL;
    assert_int_equal(ar_sql_prepare(c, "SELECT ?65", &st),
                     ar_sql_kind(c) == AR_SQL_PG ? AR_EIO : 0);
    ar_sql_finalize(st);
}

static void unreachable_server(void **state)
{
    (void)state;
    struct ar_sql *c = NULL;
    char why[256];
    assert_int_equal(ar_sql_pg(&c, "postgresql://algoreg@127.0.0.1:1/algoreg?connect_timeout=2",
                               why, sizeof why),
                     AR_EUNAVAIL);
    assert_null(c);
    assert_non_null(strstr(why, "127.0.0.1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(statements, open_sqlite, close_fx),
        cmocka_unit_test_setup_teardown(refusals, open_sqlite, close_fx),
        cmocka_unit_test_setup_teardown(streams, open_sqlite, close_fx),
        cmocka_unit_test_setup_teardown(statements, open_pg, close_fx),
        cmocka_unit_test_setup_teardown(streams, open_pg, close_fx),
        cmocka_unit_test_setup_teardown(refusals, open_pg, close_fx),
        cmocka_unit_test(unreachable_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
