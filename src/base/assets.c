/* assets.c — lookup over the generated asset table. */
#include "base/assets.h"

#include <string.h>

const struct ar_asset *ar_asset_find(const char *name)
{
    for (const struct ar_asset *a = ar_assets; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}
