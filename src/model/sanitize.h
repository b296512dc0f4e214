/* sanitize.h — limited HTML for the standard's long text fields.
 *
 * The publication standard allows div, br, p, ul, ol and li in long text. Input is
 * parsed with a real HTML5 parser (gumbo) and re-serialised: allowed elements keep
 * no attributes, other elements are unwrapped to their text, script/style/template
 * contents are dropped, and all text is escaped. The output is therefore safe to
 * place in a page as HTML. */
#ifndef AR_MODEL_SANITIZE_H
#define AR_MODEL_SANITIZE_H

#include "base/buf.h"
#include <stddef.h>

/* Append the sanitised form of html[0..n) to out. 0, or AR_EINVAL if parsing failed. */
int ar_sanitize_html(struct ar_buf *out, const char *html, size_t n);
/* Append the plain text of sanitised HTML (tags removed, block ends as spaces). */
void ar_sanitize_text(struct ar_buf *out, const char *html, size_t n);

#endif
