/* sheet.h — search results as spreadsheets for people who work in Excel or LibreOffice:
 * CSV (RFC 4180, UTF-8 with a byte-order mark so Excel reads the accents, CRLF lines)
 * and XLSX (libxlsxwriter).
 *
 * One row per registration, its latest public version: the registration's public id,
 * the organisation's id, the version and when it was stored, then one column
 * per field of the record model (ar_record_fields; an object's members as
 * "parent.member"), headed by the field keys so a sheet can be read back by program.
 * Lists are joined with "; ", links as "title <url>", HTML as plain text. Only what
 * the public sees: a withheld registration's row is its public placeholder. A text
 * cell that a spreadsheet would take for a formula (= + - @ at the start) gets a
 * leading apostrophe, so opening an export never runs anything. */
#ifndef AR_SHEET_SHEET_H
#define AR_SHEET_SHEET_H

#include <jansson.h>
#include <stdio.h>

#include "store/store.h"

enum ar_sheet_format { AR_SHEET_CSV, AR_SHEET_XLSX };

/* Rows per HTTP export page: larger results are fetched page by page. */
#define AR_SHEET_HTTP_ROWS 5000
/* Excel's limit for the text of one cell; longer text is cut there in XLSX (marked
 * with an ellipsis), never in CSV. */
#define AR_SHEET_XLSX_CELL_MAX 32767

/* "csv" or "xlsx" into *f; AR_EINVAL otherwise. */
int ar_sheet_format_parse(const char *name, enum ar_sheet_format *f);
/* The MIME type and file extension of a format. */
const char *ar_sheet_mime(enum ar_sheet_format f);
const char *ar_sheet_ext(enum ar_sheet_format f);

/* Write the registrations whose public ids are in ids (a JSON array of strings), in
 * that order, to out. An id that no longer exists is skipped. XLSX goes through a
 * temporary file (libxlsxwriter writes files) in TMPDIR or /tmp, removed afterwards. */
int ar_sheet_write(struct ar_store *s, const json_t *ids, enum ar_sheet_format f, FILE *out);

/* The whole result of q (every page) as public ids in result order, for exports. */
int ar_sheet_ids(struct ar_store *s, const struct ar_query *q, json_t **ids, long long *total);

#endif
