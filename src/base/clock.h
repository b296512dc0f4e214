/* clock.h — the one source of "now".
 *
 * Every deadline and timestamp in algoreg reads the time here, so tests can set it:
 * when the environment variable ALGOREG_NOW holds an RFC 3339 time, that is "now"
 * (re-read on each call, so a test may change it between calls); otherwise the
 * system clock. All times are UTC. */
#ifndef AR_BASE_CLOCK_H
#define AR_BASE_CLOCK_H

#include <stddef.h>
#include <time.h>

time_t ar_clock_now(void);
/* Parse RFC 3339 ("2026-11-23T10:00:00Z", offsets and fractions allowed) into *out. */
int ar_clock_parse(time_t *out, const char *s);
/* Format t as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void ar_clock_fmt(char *out, size_t n, time_t t);

#endif
