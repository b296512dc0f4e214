/* exportapi.c — exports.
 *
 * Any search result as a spreadsheet: GET /api/v1/registrations.csv and .xlsx take the
 * search's own parameters (q, organization, status, publication_category, theme, ai,
 * sort) and answer with every match, 5,000 rows a page (page=N; a Link rel="next" header
 * while more follow; X-Total-Count says how many match). The search page links to them
 * with its current query.
 *
 * One registration as an entry of the national register's publication standard
 * v1.0.0: GET /api/v1/registrations/{id}/standard, or 422 naming every field the
 * standard needs and the record does not give. */
#include "api/api.h"
#include "auth/auth.h"
#include "base/err.h"
#include "model/record.h"
#include "model/standard.h"
#include "sheet/sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sheet(struct ar_req *r, enum ar_sheet_format f)
{
    struct ar_query q;
    json_t *pr = json_array(), *ids = NULL;
    char *mem = NULL;
    size_t len = 0;
    long long total = 0;
    if (ar_req_arg(r, "per_page")) {
        ar_problem_add(pr, "per_page", "not_allowed", "exports come in pages of %d rows; use page",
                       AR_SHEET_HTTP_ROWS);
        ar_resp_problem(r, 400, "bad-query", "Invalid search parameters", NULL, pr);
        goto out;
    }
    if (ar_api_parse_query(r, &q, pr)) {
        ar_resp_problem(r, 400, "bad-query", "Invalid search parameters", NULL, pr);
        goto out;
    }
    q.per_page = AR_SHEET_HTTP_ROWS;
    int rc = ar_sheet_ids(r->store, &q, &ids, &total);
    FILE *m = rc ? NULL : open_memstream(&mem, &len);
    if (!rc && !m)
        rc = AR_EIO;
    if (!rc)
        rc = ar_sheet_write(r->store, ids, f, m);
    if (m && fclose(m) && !rc)
        rc = AR_EIO;
    if (rc) {
        ar_resp_problem(r, ar_err_http(rc), "export", "The export could not be made", NULL, NULL);
        goto out;
    }
    ar_buf_add(&r->out, mem, len);
    if (!ar_buf_ok(&r->out)) {
        r->out.len = 0;
        ar_resp_problem(r, 413, "too-large", "The export is too large",
                        "narrow the search, or export with algoreg export --format", NULL);
        goto out;
    }
    r->status = 200;
    r->ctype = ar_sheet_mime(f);
    ar_req_header(r, "Content-Disposition",
                  ar_arena_printf(r->arena, "attachment; filename=\"algoreg-%d.%s\"", q.page,
                                  ar_sheet_ext(f)));
    ar_req_header(r, "X-Total-Count", ar_arena_printf(r->arena, "%lld", total));
    if ((long long)q.page * AR_SHEET_HTTP_ROWS < total) {
        /* the same query, the next page */
        char page[24];
        snprintf(page, sizeof page, "%d", q.page + 1);
        ar_req_header(
            r, "Link",
            ar_arena_printf(r->arena, "<%s>; rel=\"next\"", ar_req_href(r, r->path, "page", page)));
    }
out:
    free(mem);
    json_decref(ids);
    json_decref(pr);
}

static void h_csv(struct ar_req *r)
{
    sheet(r, AR_SHEET_CSV);
}

static void h_xlsx(struct ar_req *r)
{
    sheet(r, AR_SHEET_XLSX);
}

static void h_standard(struct ar_req *r)
{
    json_t *v = NULL, *rec = NULL, *entry = NULL, *pr = json_array();
    if (ar_api_check_id(r, r->params[0]))
        goto out;
    int rc = ar_store_version_get(r->store, r->params[0], 0, &v);
    if (rc) {
        ar_resp_problem(r, ar_err_http(rc), rc == AR_ENOTFOUND ? "not-found" : "internal",
                        ar_err_str(rc), rc == AR_ENOTFOUND ? "no registration has this id" : NULL,
                        NULL);
        goto out;
    }
    if (!(rec = json_loads(json_string_value(json_object_get(v, "doc")), 0, NULL))) {
        ar_resp_problem(r, 500, "internal", "Internal error", NULL, NULL);
        goto out;
    }
    if (ar_standard_from_record(rec, &entry, pr)) {
        ar_resp_problem(r, 422, "standard",
                        "This registration cannot be expressed in the publication standard "
                        "v" AR_STANDARD_VERSION,
                        NULL, pr);
        goto out;
    }
    json_object_set(entry, "lars", json_object_get(v, "id")); /* the register's public id */
    ar_resp_json(r, 200, entry);
out:
    json_decref(entry);
    json_decref(rec);
    json_decref(v);
    json_decref(pr);
}

const struct ar_route ar_export_routes[] = {
    {"GET", "/api/v1/registrations/{id}/standard", h_standard,
     "One registration as an entry of the publication standard v1.0.0", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations.csv", h_csv,
     "Search result as CSV (RFC 4180, UTF-8 with BOM), 5,000 rows a page", AR_ROLE_PUBLIC},
    {"GET", "/api/v1/registrations.xlsx", h_xlsx, "Search result as XLSX, 5,000 rows a page",
     AR_ROLE_PUBLIC},
    {NULL, NULL, NULL, NULL, 0},
};
