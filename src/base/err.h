/* err.h — the error codes every module returns, and their one mapping to HTTP.
 *
 * Functions return int: 0 on success, a negative AR_E* code on failure. The HTTP
 * layer maps codes to statuses through ar_err_http() so the table exists once. */
#ifndef AR_BASE_ERR_H
#define AR_BASE_ERR_H

enum {
    AR_OK = 0,
    AR_EINVAL = -1,    /* input broke a validation rule (400/422) */
    AR_ENOTFOUND = -2, /* no such object (404) */
    AR_ECONFLICT = -3, /* stale version or duplicate id (409) */
    AR_ETOOBIG = -4,   /* size limit exceeded (413) */
    AR_EIO = -5,       /* storage or OS failure (500) */
    AR_EDENIED = -6,   /* missing or wrong credentials (401) */
    AR_EMETHOD = -7,   /* method not allowed on this route (405) */
    AR_EUNAVAIL = -8,  /* backend unavailable (503) */
    AR_ELIMIT = -9,    /* too many requests (429) */
};

/* HTTP status for an error code; 500 for anything unknown. */
int ar_err_http(int code);
/* Short English name of the code, for logs and problem titles. */
const char *ar_err_str(int code);

#endif
