/* SVG backend of the drawing layer: libxml2's xmlTextWriter escapes every string, so labels are real
 * <text> elements (searchable, selectable) and names with any characters stay well-formed XML. */
#include <errno.h>
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wprof_draw.h"

struct svg {
  FILE *f; /* ours, so closing it says whether everything reached the disk */
  xmlTextWriterPtr w;
};

#define W(d) (((struct svg *)(d)->impl)->w)
#define X(s) ((const xmlChar *)(s))

/* Any negative return of the writer marks the drawing failed (disk full, out of memory). */
static void chk(struct wprof_draw *d, int rc) {
  if (rc < 0 && !d->failed) {
    d->failed = 1;
    snprintf(d->err, sizeof d->err, "%s: cannot write the SVG", d->path);
  }
}

static void attr_num(struct wprof_draw *d, const char *name, double v) {
  chk(d, xmlTextWriterWriteFormatAttribute(W(d), X(name), "%.2f", v));
}

static void attr_color(struct wprof_draw *d, const char *name, uint32_t rgb) {
  chk(d, xmlTextWriterWriteFormatAttribute(W(d), X(name), "#%06x", (unsigned)(rgb & 0xFFFFFF)));
}

static void title(struct wprof_draw *d, const char *tip) {
  if (tip) chk(d, xmlTextWriterWriteElement(W(d), X("title"), X(tip)));
}

static int svg_begin(struct wprof_draw *d, double w, double h) {
  chk(d, xmlTextWriterStartDocument(W(d), NULL, "UTF-8", NULL));
  chk(d, xmlTextWriterStartElement(W(d), X("svg")));
  chk(d, xmlTextWriterWriteAttribute(W(d), X("xmlns"), X("http://www.w3.org/2000/svg")));
  attr_num(d, "width", w);
  attr_num(d, "height", h);
  chk(d, xmlTextWriterWriteFormatAttribute(W(d), X("viewBox"), "0 0 %.2f %.2f", w, h));
  chk(d, xmlTextWriterWriteAttribute(W(d), X("font-family"), X("DejaVu Sans, Arial, sans-serif")));
  chk(d, xmlTextWriterWriteString(W(d), X("\n")));
  return d->failed ? -1 : 0;
}

static void svg_rect(struct wprof_draw *d, double x, double y, double w, double h, uint32_t rgb,
                     const char *cls, const char *tip) {
  if (d->failed) return;
  chk(d, xmlTextWriterStartElement(W(d), X("rect")));
  if (cls) chk(d, xmlTextWriterWriteAttribute(W(d), X("class"), X(cls)));
  attr_num(d, "x", x);
  attr_num(d, "y", y);
  attr_num(d, "width", w);
  attr_num(d, "height", h);
  attr_color(d, "fill", rgb);
  title(d, tip);
  chk(d, xmlTextWriterEndElement(W(d)));
  chk(d, xmlTextWriterWriteString(W(d), X("\n")));
}

static void svg_line(struct wprof_draw *d, double x1, double y1, double x2, double y2, uint32_t rgb,
                     double width) {
  if (d->failed) return;
  chk(d, xmlTextWriterStartElement(W(d), X("line")));
  attr_num(d, "x1", x1);
  attr_num(d, "y1", y1);
  attr_num(d, "x2", x2);
  attr_num(d, "y2", y2);
  attr_color(d, "stroke", rgb);
  attr_num(d, "stroke-width", width);
  chk(d, xmlTextWriterEndElement(W(d)));
  chk(d, xmlTextWriterWriteString(W(d), X("\n")));
}

static void svg_text(struct wprof_draw *d, double x, double y, double size, enum wprof_anchor anchor,
                     double rotate, uint32_t rgb, const char *cls, const char *str, const char *tip) {
  static const char *const anchors[] = { "start", "middle", "end" };
  if (d->failed) return;
  chk(d, xmlTextWriterStartElement(W(d), X("text")));
  if (cls) chk(d, xmlTextWriterWriteAttribute(W(d), X("class"), X(cls)));
  attr_num(d, "x", x);
  attr_num(d, "y", y);
  attr_num(d, "font-size", size);
  if (anchor != WPROF_ANCHOR_START)
    chk(d, xmlTextWriterWriteAttribute(W(d), X("text-anchor"), X(anchors[anchor])));
  if (rotate != 0)
    chk(d, xmlTextWriterWriteFormatAttribute(W(d), X("transform"), "rotate(%.1f %.2f %.2f)", rotate,
                                             x, y));
  if (rgb) attr_color(d, "fill", rgb);
  title(d, tip);
  chk(d, xmlTextWriterWriteString(W(d), X(str)));
  chk(d, xmlTextWriterEndElement(W(d)));
  chk(d, xmlTextWriterWriteString(W(d), X("\n")));
}

static int svg_end(struct wprof_draw *d) {
  struct svg *s = d->impl;
  chk(d, xmlTextWriterEndDocument(s->w));
  if (!d->failed) chk(d, xmlTextWriterFlush(s->w));
  xmlFreeTextWriter(s->w);
  s->w = NULL;
  int rc = fclose(s->f);
  s->f = NULL;
  if (rc != 0 && !d->failed) {
    d->failed = 1;
    snprintf(d->err, sizeof d->err, "%s: cannot write the SVG: %s", d->path, strerror(errno));
  }
  return d->failed ? -1 : 0;
}

static void svg_destroy(struct wprof_draw *d) {
  struct svg *s = d->impl;
  if (s && s->w) xmlFreeTextWriter(s->w);
  if (s && s->f) fclose(s->f);
  free(s);
  d->impl = NULL;
}

/* libxml2 would print its own lines on stderr; the command says what failed in one line. */
static void quiet(void *ctx, const char *msg, ...) {
  (void)ctx;
  (void)msg;
}

static const struct wprof_draw_ops svg_ops = {
  .begin = svg_begin, .rect = svg_rect, .line = svg_line, .text = svg_text,
  .end = svg_end, .destroy = svg_destroy,
};

int wprof_draw_svg_open(struct wprof_draw *d, const char *path) {
  xmlSetGenericErrorFunc(NULL, quiet);
  struct svg *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(d->err, sizeof d->err, "out of memory");
    return -1;
  }
  if (!(s->f = fopen(path, "w"))) {
    snprintf(d->err, sizeof d->err, "%s: cannot create the file: %s", path, strerror(errno));
    free(s);
    return -1;
  }
  xmlOutputBufferPtr buf = xmlOutputBufferCreateFile(s->f, NULL);
  if (!buf || !(s->w = xmlNewTextWriter(buf))) { /* the writer owns buf once made */
    if (buf) xmlOutputBufferClose(buf);
    fclose(s->f);
    free(s);
    snprintf(d->err, sizeof d->err, "out of memory");
    return -1;
  }
  d->ops = &svg_ops;
  d->impl = s;
  return 0;
}
