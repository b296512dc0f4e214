/* sheet.c — see sheet.h. Columns come from the record model's field table, so a field
 * added to the model appears in every export without a change here. */
#include "sheet/sheet.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/msg.h"
#include "json/json.h"
#include "model/fields.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

int ar_sheet_format_parse(const char *name, enum ar_sheet_format *f)
{
    if (!strcmp(name, "csv"))
        *f = AR_SHEET_CSV;
    else if (!strcmp(name, "xlsx"))
        *f = AR_SHEET_XLSX;
    else
        return AR_EINVAL;
    return 0;
}

const char *ar_sheet_mime(enum ar_sheet_format f)
{
    return f == AR_SHEET_CSV ? "text/csv; charset=utf-8; header=present"
                             : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
}

const char *ar_sheet_ext(enum ar_sheet_format f)
{
    return f == AR_SHEET_CSV ? "csv" : "xlsx";
}

/* ---- columns ------------------------------------------------------------------------ */

/* The record's own "organization" field holds the organisation's name. */
enum { COL_ID, COL_ORG_ID, COL_VERSION, COL_UPDATED, COL_FIELD };

struct col {
    int kind;
    const struct ar_field *f;      /* COL_FIELD: the top-level field */
    const struct ar_field *member; /* an object's member, or NULL */
    char name[96];
};

#define MAX_COLS 256

static int columns(struct col *cols)
{
    static const char *const fixed[] = {"id", "organization_id", "version", "updated"};
    int n = 0;
    for (int i = 0; i < COL_FIELD; i++) {
        cols[n].kind = i;
        snprintf(cols[n++].name, sizeof cols[0].name, "%s", fixed[i]);
    }
    for (const struct ar_field *f = ar_record_fields; f->key && n < MAX_COLS; f++) {
        if (f->type == AR_FT_LARS)
            continue; /* the id column */
        if (f->type == AR_FT_OBJECT && f->children) {
            for (const struct ar_field *m = f->children; m->key && n < MAX_COLS; m++) {
                cols[n] = (struct col){COL_FIELD, f, m, ""};
                snprintf(cols[n++].name, sizeof cols[0].name, "%s.%s", f->key, m->key);
            }
            continue;
        }
        cols[n] = (struct col){COL_FIELD, f, NULL, ""};
        snprintf(cols[n++].name, sizeof cols[0].name, "%s", f->key);
    }
    return n;
}

/* ---- cell text -------------------------------------------------------------------- */

/* Sanitised HTML (the standard's few tags) as plain text: tags dropped, a line break
 * for each block and list item, the five entities the sanitiser writes decoded. */
static void html_text(struct ar_buf *b, const char *h)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
    size_t start = b->len;
    while (*h) {
        if (*h == '<') {
            const char *end = strchr(h, '>');
            if (!end)
                break;
            int block = !strncmp(h, "</p", 3) || !strncmp(h, "<br", 3) || !strncmp(h, "</li", 4) ||
                        !strncmp(h, "</div", 5);
            if (block && b->len > start && b->ptr[b->len - 1] != '\n')
                ar_buf_add(b, "\n", 1);
            h = end + 1;
            continue;
        }
        if (*h == '&') {
            size_t i;
            for (i = 0; i < sizeof ents / sizeof ents[0]; i++)
                if (!strncmp(h, ents[i].ent, strlen(ents[i].ent)))
                    break;
            if (i < sizeof ents / sizeof ents[0]) {
                ar_buf_add(b, &ents[i].c, 1);
                h += strlen(ents[i].ent);
                continue;
            }
        }
        ar_buf_add(b, h++, 1);
    }
    while (b->len > start && b->ptr[b->len - 1] == '\n')
        b->ptr[--b->len] = '\0';
}

static void value_text(struct ar_buf *b, const struct ar_field *f, const json_t *v)
{
    size_t i;
    const json_t *it;
    if (!v || json_is_null(v))
        return;
    if (json_is_string(v)) {
        if (f && f->type == AR_FT_HTML)
            html_text(b, json_string_value(v));
        else
            ar_buf_puts(b, json_string_value(v));
        return;
    }
    if (json_is_boolean(v)) {
        ar_buf_puts(b, json_is_true(v) ? "true" : "false");
        return;
    }
    if (json_is_array(v)) {
        json_array_foreach (v, i, it) {
            if (i)
                ar_buf_puts(b, "; ");
            const char *title = json_string_value(json_object_get(it, "title"));
            const char *link = json_string_value(json_object_get(it, "link"));
            if (json_is_object(it) && (title || link)) {
                ar_buf_puts(b, title ? title : "");
                if (link)
                    ar_buf_printf(b, "%s<%s>", title ? " " : "", link);
            } else {
                value_text(b, NULL, it);
            }
        }
        return;
    }
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
    if (s)
        ar_buf_puts(b, s);
    free(s);
}

/* The text of one cell of a row (reg: the version as ar_store_version_get gives it,
 * rec: its record). Returns 1 when the cell is free text (formula-guarded). */
static int cell(struct ar_buf *b, const struct col *c, const json_t *reg, const json_t *rec)
{
    ar_buf_reset(b);
    const json_t *org = json_object_get(reg, "organization");
    switch (c->kind) {
    case COL_ID: ar_buf_puts(b, json_string_value(json_object_get(reg, "id"))); return 0;
    case COL_ORG_ID: ar_buf_puts(b, json_string_value(json_object_get(org, "slug"))); return 0;
    case COL_VERSION:
        ar_buf_printf(b, "%lld", (long long)json_integer_value(json_object_get(reg, "version")));
        return 0;
    case COL_UPDATED: ar_buf_puts(b, json_string_value(json_object_get(reg, "created"))); return 0;
    default: break;
    }
    const json_t *v = json_object_get(rec, c->f->key);
    if (c->member)
        v = json_is_object(v) ? json_object_get(v, c->member->key) : NULL;
    value_text(b, c->member ? c->member : c->f, v);
    return 1;
}

/* Would a spreadsheet read this as a formula? */
static int formula_like(const char *s)
{
    return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
}

/* ---- CSV -------------------------------------------------------------------------- */

static void csv_cell(FILE *out, const char *s, int guard, int last)
{
    int quote = guard && formula_like(s);
    for (const char *p = s; *p && !quote; p++)
        quote = *p == '"' || *p == ',' || *p == '\n' || *p == '\r';
    if (quote) {
        fputc('"', out);
        if (guard && formula_like(s))
            fputc('\'', out);
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                fputc('"', out);
            fputc(*p, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
    fputs(last ? "\r\n" : ",", out);
}

/* ---- the rows --------------------------------------------------------------------- */

struct sink {
    enum ar_sheet_format f;
    FILE *out;
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *head;
    lxw_row_t row;
};

static int put(struct sink *k, int col, int ncols, const char *s, int guard, int numeric)
{
    if (k->f == AR_SHEET_CSV) {
        csv_cell(k->out, s, guard, col == ncols - 1);
        return ferror(k->out) ? AR_EIO : 0;
    }
    lxw_error e;
    if (numeric) {
        e = worksheet_write_number(k->ws, k->row, (lxw_col_t)col, strtod(s, NULL), NULL);
    } else if (!*s) {
        return 0;
    } else {
        size_t n = strlen(s);
        char *cut = NULL;
        if (n > AR_SHEET_XLSX_CELL_MAX - 3 || (guard && formula_like(s))) {
            size_t keep = n > AR_SHEET_XLSX_CELL_MAX - 4 ? AR_SHEET_XLSX_CELL_MAX - 4 : n;
            while (keep && ((unsigned char)s[keep] & 0xC0) == 0x80)
                keep--; /* not inside a character */
            cut = malloc(keep + 8);
            size_t at = 0;
            if (guard && formula_like(s))
                cut[at++] = '\'';
            memcpy(cut + at, s, keep);
            at += keep;
            if (keep < n)
                memcpy(cut + at, "\xe2\x80\xa6", 3), at += 3; /* … */
            cut[at] = '\0';
        }
        e = worksheet_write_string(k->ws, k->row, (lxw_col_t)col, cut ? cut : s, NULL);
        free(cut);
    }
    return e == LXW_NO_ERROR ? 0 : AR_EIO;
}

static int write_rows(struct ar_store *s, const json_t *ids, struct sink *k)
{
    struct col *cols = calloc(MAX_COLS, sizeof *cols);
    int ncols = columns(cols), rc = 0;
    struct ar_buf b;
    ar_buf_init(&b, 4u << 20);
    for (int c = 0; c < ncols && !rc; c++) {
        if (k->f == AR_SHEET_XLSX)
            rc = worksheet_write_string(k->ws, 0, (lxw_col_t)c, cols[c].name, k->head) ==
                         LXW_NO_ERROR
                     ? 0
                     : AR_EIO;
        else
            rc = put(k, c, ncols, cols[c].name, 0, 0);
    }
    k->row = 1;
    size_t i;
    const json_t *id;
    json_array_foreach (ids, i, id) {
        if (rc)
            break;
        json_t *reg = NULL, *rec = NULL;
        int g = ar_store_version_get(s, json_string_value(id), 0, &reg);
        if (g == AR_ENOTFOUND)
            continue;
        if (g || !(rec = json_loads(ar_json_str(reg, "doc"), 0, NULL))) {
            json_decref(reg);
            rc = AR_EIO;
            break;
        }
        for (int c = 0; c < ncols && !rc; c++) {
            int guard = cell(&b, &cols[c], reg, rec);
            if (!ar_buf_ok(&b)) {
                rc = AR_ETOOBIG;
                break;
            }
            rc = put(k, c, ncols, ar_buf_cstr(&b), guard, cols[c].kind == COL_VERSION);
        }
        json_decref(rec);
        json_decref(reg);
        k->row++;
    }
    if (!rc && k->f == AR_SHEET_XLSX) {
        worksheet_freeze_panes(k->ws, 1, 1);
        worksheet_autofilter(k->ws, 0, 0, k->row > 1 ? k->row - 1 : 0, (lxw_col_t)(ncols - 1));
        worksheet_set_column(k->ws, 0, 0, 10, NULL);
        worksheet_set_column(k->ws, 1, (lxw_col_t)(ncols - 1), 24, NULL);
    }
    ar_buf_free(&b);
    free(cols);
    return rc;
}

static int copy_file(const char *path, FILE *out)
{
    FILE *in = fopen(path, "rb");
    char chunk[65536];
    size_t n;
    int rc = in ? 0 : AR_EIO;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, in)) > 0)
        if (fwrite(chunk, 1, n, out) != n)
            rc = AR_EIO;
    if (in && ferror(in))
        rc = AR_EIO;
    if (in)
        fclose(in);
    return rc;
}

int ar_sheet_write(struct ar_store *s, const json_t *ids, enum ar_sheet_format f, FILE *out)
{
    struct sink k = {.f = f, .out = out};
    if (f == AR_SHEET_CSV) {
        fputs("\xef\xbb\xbf", out); /* UTF-8 byte-order mark */
        int rc = write_rows(s, ids, &k);
        return rc ? rc : ferror(out) ? AR_EIO : 0;
    }
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/algoreg-sheet-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        ar_msg(AR_MSG_ERR, "export: no temporary file for the spreadsheet in %s",
               dir && *dir ? dir : "/tmp");
        return AR_EIO;
    }
    close(fd);
    char tmpdir[4096]; /* libxlsxwriter's own scratch files, beside ours */
    snprintf(tmpdir, sizeof tmpdir, "%s", dir && *dir ? dir : "/tmp");
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = tmpdir};
    int rc = AR_EIO;
    k.wb = workbook_new_opt(path, &opt);
    if (k.wb && (k.ws = workbook_add_worksheet(k.wb, "algoreg"))) {
        k.head = workbook_add_format(k.wb);
        format_set_bold(k.head);
        rc = write_rows(s, ids, &k);
    }
    if (k.wb && workbook_close(k.wb) != LXW_NO_ERROR && !rc)
        rc = AR_EIO;
    if (!rc)
        rc = copy_file(path, out);
    unlink(path);
    if (rc)
        ar_msg(AR_MSG_ERR, "export: the spreadsheet could not be written");
    return rc;
}

int ar_sheet_ids(struct ar_store *s, const struct ar_query *q, json_t **ids, long long *total)
{
    struct ar_query all = *q;
    json_t *res = NULL;
    all.ids_only = 1;
    *ids = NULL;
    int rc = ar_store_search(s, &all, &res);
    if (rc)
        return rc;
    *ids = json_incref(json_object_get(res, "items"));
    if (total)
        *total = (long long)json_integer_value(json_object_get(res, "total"));
    json_decref(res);
    return 0;
}
