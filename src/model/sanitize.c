/* sanitize.c — gumbo-based whitelist sanitiser; see sanitize.h. */
#include "model/sanitize.h"
#include "base/err.h"

#include <gumbo.h>
#include <string.h>

static int allowed(GumboTag t)
{
    return t == GUMBO_TAG_DIV || t == GUMBO_TAG_BR || t == GUMBO_TAG_P || t == GUMBO_TAG_UL ||
           t == GUMBO_TAG_OL || t == GUMBO_TAG_LI;
}

static int dropped(GumboTag t)
{
    return t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_TEMPLATE ||
           t == GUMBO_TAG_NOSCRIPT || t == GUMBO_TAG_IFRAME || t == GUMBO_TAG_OBJECT ||
           t == GUMBO_TAG_HEAD || t == GUMBO_TAG_TITLE;
}

static void walk(struct ar_buf *out, const GumboNode *node, int depth)
{
    if (depth > 64) /* gumbo already bounds nesting in practice; be explicit */
        return;
    switch (node->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_WHITESPACE:
    case GUMBO_NODE_CDATA: {
        const char *t = node->v.text.text;
        ar_buf_html(out, t, strlen(t));
        return;
    }
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE: {
        GumboTag tag = node->v.element.tag;
        if (dropped(tag))
            return;
        const char *name = gumbo_normalized_tagname(tag);
        int keep = allowed(tag);
        if (keep)
            ar_buf_printf(out, "<%s>", name);
        if (tag == GUMBO_TAG_BR)
            return;
        const GumboVector *kids = &node->v.element.children;
        for (unsigned i = 0; i < kids->length; i++)
            walk(out, kids->data[i], depth + 1);
        if (keep)
            ar_buf_printf(out, "</%s>", name);
        return;
    }
    default: return; /* comments, documents */
    }
}

static const GumboNode *find_body(const GumboNode *root)
{
    const GumboVector *kids = &root->v.element.children;
    for (unsigned i = 0; i < kids->length; i++) {
        const GumboNode *k = kids->data[i];
        if (k->type == GUMBO_NODE_ELEMENT && k->v.element.tag == GUMBO_TAG_BODY)
            return k;
    }
    return NULL;
}

int ar_sanitize_html(struct ar_buf *out, const char *html, size_t n)
{
    GumboOutput *g = gumbo_parse_with_options(&kGumboDefaultOptions, html, n);
    if (!g)
        return AR_EINVAL;
    const GumboNode *body = find_body(g->root);
    if (body) {
        const GumboVector *kids = &body->v.element.children;
        for (unsigned i = 0; i < kids->length; i++)
            walk(out, kids->data[i], 0);
    }
    gumbo_destroy_output(&kGumboDefaultOptions, g);
    return 0;
}

void ar_sanitize_text(struct ar_buf *out, const char *html, size_t n)
{
    int in_tag = 0, space = 0;
    for (size_t i = 0; i < n; i++) {
        char c = html[i];
        if (in_tag) {
            if (c == '>')
                in_tag = 0;
            continue;
        }
        if (c == '<') {
            in_tag = 1;
            space = 1;
            continue;
        }
        if (c == '&') { /* only the five entities ar_buf_html emits can occur */
            static const struct {
                const char *ent;
                char ch;
            } ents[] = {
                {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
            int matched = 0;
            for (unsigned k = 0; k < 5; k++) {
                size_t l = strlen(ents[k].ent);
                if (n - i >= l && memcmp(html + i, ents[k].ent, l) == 0) {
                    if (space && out->len)
                        ar_buf_putc(out, ' ');
                    space = 0;
                    ar_buf_putc(out, ents[k].ch);
                    i += l - 1;
                    matched = 1;
                    break;
                }
            }
            if (matched)
                continue;
        }
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = 1;
            continue;
        }
        if (space && out->len)
            ar_buf_putc(out, ' ');
        space = 0;
        ar_buf_putc(out, c);
    }
}
