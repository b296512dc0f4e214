/* fuzz_json.c — the JSON request parser with the intake limits (depth, size, UTF-8):
 * any input is parsed or refused with a reason, never a crash or leak. */
#include <stdint.h>
#include <string.h>

#include "json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    char why[200];
    if (ar_json_parse(&v, (const char *)data, size, NULL, why, sizeof why) == 0)
        json_decref(v);
    else if (!memchr(why, '\0', sizeof why))
        __builtin_trap(); /* the reason is always terminated */
    return 0;
}
