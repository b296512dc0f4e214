/* fuzz_tmpl.c — the template compiler and renderer: any template text compiles or is
 * refused with a reason; a compiled one renders against a fixed context. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "web/tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *ctx;
    if (!ctx)
        ctx =
            json_pack("{s:s, s:s, s:[{s:s}, {s:s}], s:{s:b, s:s}, s:s, s:s}", "lang", "nl", "title",
                      "<b>t</b>", "items", "name", "a&b", "name", "\"q\"", "obj", "on", 1, "html",
                      "<p>x</p>", "when", "2026-11-23T10:00:00Z", "snip", "a \x01match\x02 b");
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct ar_tmpl_set *set = ar_tmpl_set_new();
    char why[200];
    if (ar_tmpl_compile_one(set, "fuzz", text, why, sizeof why) == 0) {
        struct ar_buf out;
        ar_buf_init(&out, 1u << 20);
        ar_tmpl_render(set, "fuzz", ctx, &out);
        ar_buf_free(&out);
    }
    ar_tmpl_free(set);
    free(text);
    return 0;
}
