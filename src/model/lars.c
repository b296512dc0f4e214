/* lars.c — see lars.h for the check-digit scheme. */
#include "model/lars.h"

#include <sodium.h>
#include <string.h>

char ar_lars_check(const char *d)
{
    int sum = 0;
    for (int i = 0; i < 7; i++)
        sum += (d[i] - '0') * (i % 2 == 0 ? 3 : 1);
    return (char)('0' + sum % 10);
}

int ar_lars_valid(const char *s)
{
    if (!s || strlen(s) != 8)
        return 0;
    for (int i = 0; i < 8; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return ar_lars_check(s) == s[7];
}

void ar_lars_generate(char out[9])
{
    /* First digit 1–9 so ids never start with 0 and always read as eight digits. */
    out[0] = (char)('1' + randombytes_uniform(9));
    for (int i = 1; i < 7; i++)
        out[i] = (char)('0' + randombytes_uniform(10));
    out[7] = ar_lars_check(out);
    out[8] = '\0';
}
