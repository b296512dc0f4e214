/* test_sheet.c — spreadsheets: columns from the record model, RFC 4180 quoting, the
 * formula guard, HTML as text, XLSX written and removed from the temporary folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "model/registry.h"
#include "sheet/sheet.h"
#include "store/store.h"
#include "unit/storefx.h"

static int setup(void **state)
{
    struct ar_store *s = NULL;
    if (storefx_open(state, "sheet", "2026-11-23T12:00:00Z"))
        return -1;
    s = *state;
    json_t *pr = json_array();
    char id[9];
    json_t *a = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "name",
                          "-1 + \"quoted\", and a comma", "description_short", "Kort.",
                          "organization", "Politie", "status", "In gebruik", "contact_email",
                          "a@b.nl", "publication_category", "Overige algoritmes", "goal",
                          "<p>Eerste &amp; alinea</p><ul><li>een</li><li>twee</li></ul>",
                          "lawful_basis_grouping", "title", "Politiewet", "link",
                          "https://wetten.overheid.nl/BWBR0031788", "title", "Wpg", "link",
                          "https://wetten.overheid.nl/BWBR0022463");
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", "Tweede", "description_short",
                          "Regel een\nregel twee", "organization", "Gemeente Utrecht", "status",
                          "In gebruik", "contact_email", "a@b.nl", "publication_category",
                          "Overige algoritmes");
    int rc = ar_registry_create(s, a, "t", NULL, pr, id, NULL) ||
             ar_registry_create(s, b, "t", NULL, pr, id, NULL);
    if (rc) {
        char *why = json_dumps(pr, 0);
        fprintf(stderr, "setup: %s\n", why);
        free(why);
        ar_store_close(s);
        s = NULL;
    }
    json_decref(a);
    json_decref(b);
    json_decref(pr);
    *state = s;
    return rc ? -1 : 0;
}

static int teardown(void **state)
{
    return storefx_close(state);
}

static char *csv_of(struct ar_store *s, const struct ar_query *q, long long *total)
{
    json_t *ids = NULL;
    char *mem = NULL;
    size_t len = 0;
    assert_int_equal(ar_sheet_ids(s, q, &ids, total), 0);
    FILE *m = open_memstream(&mem, &len);
    assert_int_equal(ar_sheet_write(s, ids, AR_SHEET_CSV, m), 0);
    fclose(m);
    json_decref(ids);
    return mem;
}

static void csv_rows(void **state)
{
    struct ar_store *s = *state;
    struct ar_query q = {.is_ai = -1, .page = 1, .per_page = 1000, .sort = "name"};
    long long total = 0;
    char *csv = csv_of(s, &q, &total);
    assert_int_equal(total, 2);
    static const char head[] = "\xef\xbb\xbfid,organization_id,version,updated,name,";
    assert_memory_equal(csv, head, sizeof head - 1);
    /* quoted, doubled quotes, the formula guard inside the quotes */
    assert_non_null(strstr(csv, ",\"'-1 + \"\"quoted\"\", and a comma\","));
    /* HTML as text, one line per block; lists joined */
    assert_non_null(strstr(csv, ",\"Eerste & alinea\neen\ntwee\","));
    assert_non_null(strstr(csv, ",Politiewet <https://wetten.overheid.nl/BWBR0031788>; Wpg "
                                "<https://wetten.overheid.nl/BWBR0022463>,"));
    /* a line break inside a cell is quoted; rows end in CRLF */
    assert_non_null(strstr(csv, "\"Regel een\nregel twee\""));
    int crlf = 0;
    for (const char *p = csv; (p = strstr(p, "\r\n")); p += 2)
        crlf++;
    assert_int_equal(crlf, 3); /* header and two rows */
    assert_non_null(strstr(csv, ",gemeente-utrecht,1,"));
    free(csv);
    /* a filter narrows the rows */
    q.org = "politie";
    csv = csv_of(s, &q, &total);
    assert_int_equal(total, 1);
    assert_null(strstr(csv, "gemeente-utrecht"));
    free(csv);
}

static int count_sheet_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strncmp(e->d_name, "algoreg-sheet-", 14) == 0;
    if (d)
        closedir(d);
    return n;
}

static void xlsx_file(void **state)
{
    struct ar_store *s = *state;
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/algoreg-sheet-tmp-%d", (int)getpid());
    mkdir(dir, 0700);
    setenv("TMPDIR", dir, 1);
    struct ar_query q = {.is_ai = -1, .page = 1, .per_page = 1000};
    json_t *ids = NULL;
    char *mem = NULL;
    size_t len = 0;
    assert_int_equal(ar_sheet_ids(s, &q, &ids, NULL), 0);
    FILE *m = open_memstream(&mem, &len);
    assert_int_equal(ar_sheet_write(s, ids, AR_SHEET_XLSX, m), 0);
    fclose(m);
    assert_true(len > 1000);
    assert_memory_equal(mem, "PK\x03\x04", 4);
    assert_int_equal(count_sheet_files(dir), 0); /* the temporary file is gone */
    unsetenv("TMPDIR");
    rmdir(dir);
    free(mem);
    json_decref(ids);
    enum ar_sheet_format f;
    assert_int_equal(ar_sheet_format_parse("ods", &f), AR_EINVAL);
    assert_int_equal(ar_sheet_format_parse("xlsx", &f), 0);
    assert_int_equal(f, AR_SHEET_XLSX);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(csv_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(xlsx_file, setup, teardown),
    };
    return cmocka_run_group_tests_name("sheet", tests, NULL, NULL);
}
