/* fuzz_form.c — form bodies (application/x-www-form-urlencoded) and the Cookie header:
 * the first bytes up to a NUL are the cookie, the rest the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "auth/auth.h"
#include "base/arena.h"
#include "http/req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ar_app app;
    struct ar_req r;
    memset(&r, 0, sizeof r);
    r.arena = ar_arena_new();
    r.app = &app;
    r.method = "POST";
    r.path = "/login";
    const uint8_t *nul = memchr(data, 0, size);
    size_t clen = nul ? (size_t)(nul - data) : 0;
    r.cookie = ar_arena_strndup(r.arena, (const char *)data, clen);
    r.body = ar_arena_strndup(r.arena, (const char *)data + clen, size - clen);
    r.body_len = size - clen;
    r.content_type = "application/x-www-form-urlencoded";
    if (ar_req_parse_form(&r) == 0)
        for (int i = 0; i < r.nargs; i++)
            if (!r.args[i].key || !r.args[i].value || strlen(r.args[i].value) > 10000)
                __builtin_trap();
    (void)ar_req_arg(&r, "csrf");
    (void)ar_app_principal(&r); /* no store: parses the cookie, finds nobody */
    ar_arena_free(r.arena);
    return 0;
}
