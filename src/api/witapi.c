/* witapi.c — the HTTP face of algoreg witness (c2sp.org/tlog-witness): add-checkpoint,
 * and a plain-text page naming the witness, its key and the logs it witnesses. */
#include "api/app.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "log/witness.h"

#include <string.h>

static void h_add(struct ar_req *r)
{
    const char *ctype = "text/plain; charset=utf-8";
    uint64_t now = (uint64_t)ar_clock_now();
    r->status = ar_witness_add_checkpoint(r->store, r->app->witness, r->body ? r->body : "",
                                          r->body_len, now, &r->out, &ctype);
    r->ctype = ctype;
    ar_req_header(r, "Cache-Control", "no-store");
}

static void h_info(struct ar_req *r)
{
    const struct ar_witness *w = r->app->witness;
    ar_buf_puts(&r->out, "algoreg witness (c2sp.org/tlog-witness)\nname ");
    ar_buf_puts(&r->out, w->name);
    ar_buf_puts(&r->out, "\nkey ");
    ar_note_cosigner_format(&r->out, w->name, w->pk);
    ar_buf_putc(&r->out, '\n');
    for (int i = 0; i < w->nlogs; i++) {
        ar_buf_puts(&r->out, "log ");
        ar_note_verifier_format(&r->out, w->logs[i].name, w->logs[i].pub);
        ar_buf_putc(&r->out, '\n');
    }
    r->status = 200;
    r->ctype = "text/plain; charset=utf-8";
}

static void h_none(struct ar_req *r)
{
    r->status = 404;
    r->ctype = "text/plain; charset=utf-8";
    ar_buf_puts(&r->out, "not found\n");
}

const struct ar_route ar_witness_routes[] = {
    {"POST", "/add-checkpoint", h_add, "Cosign a checkpoint (c2sp.org/tlog-witness)",
     AR_ROLE_PUBLIC},
    {"GET", "/", h_info, "The witness's name, key and logs", AR_ROLE_PUBLIC},
    {"GET", "/*", h_none, "Nothing else", AR_ROLE_PUBLIC},
    {NULL, NULL, NULL, NULL, 0},
};
