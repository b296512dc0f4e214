/* err.c — the single table from error code to HTTP status. */
#include "base/err.h"

static const struct {
    int code;
    int http;
    const char *str;
} table[] = {
    {AR_OK, 200, "ok"},
    {AR_EINVAL, 422, "Invalid input"},
    {AR_ENOTFOUND, 404, "Not found"},
    {AR_ECONFLICT, 409, "Conflict"},
    {AR_ETOOBIG, 413, "Content too large"},
    {AR_EIO, 500, "Internal error"},
    {AR_EDENIED, 401, "Unauthorized"},
    {AR_EMETHOD, 405, "Method not allowed"},
    {AR_EUNAVAIL, 503, "Service unavailable"},
    {AR_ELIMIT, 429, "Too many requests"},
};

int ar_err_http(int code)
{
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].code == code)
            return table[i].http;
    return 500;
}

const char *ar_err_str(int code)
{
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].code == code)
            return table[i].str;
    return "Internal error";
}
