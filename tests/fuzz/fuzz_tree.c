/* fuzz_tree.c — the decision-tree loader (beslishulp YAML through libyaml) and a run
 * over the loaded tree: any input loads or is refused with a reason. */
#include <stdint.h>
#include <string.h>

#include "aiact/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ar_tree *t = NULL;
    char why[300];
    if (ar_tree_load(&t, (const char *)data, size, why, sizeof why) == 0) {
        json_t *answers = json_object(), *out = NULL;
        if (ar_tree_run(t, answers, &out, why, sizeof why) == 0)
            json_decref(out);
        json_decref(answers);
        ar_tree_free(t);
    }
    return 0;
}
