/* A small drawing layer for the plots: each plot is written once against these primitives and drawn
 * by one of two backends, SVG through libxml2's xmlTextWriter (every label a real <text>, tooltips as
 * <title>) or PNG through cairo. */
#ifndef WPROF_DRAW_H
#define WPROF_DRAW_H

#include <stddef.h>
#include <stdint.h>

enum wprof_anchor { WPROF_ANCHOR_START = 0, WPROF_ANCHOR_MIDDLE = 1, WPROF_ANCHOR_END = 2 };

struct wprof_draw;

/* `cls` (a CSS class in SVG, e.g. "cell") and `tip` (a hover tooltip in SVG) may be NULL; the PNG
 * backend ignores both. Colors are 0xRRGGBB. A backend that fails sets d->failed and does nothing
 * afterwards, so plots draw without checking every call. */
struct wprof_draw_ops {
  int (*begin)(struct wprof_draw *d, double w, double h);
  void (*rect)(struct wprof_draw *d, double x, double y, double w, double h, uint32_t rgb,
               const char *cls, const char *tip);
  void (*line)(struct wprof_draw *d, double x1, double y1, double x2, double y2, uint32_t rgb,
               double width);
  /* rotate: degrees clockwise around (x, y); y is the baseline. */
  void (*text)(struct wprof_draw *d, double x, double y, double size, enum wprof_anchor anchor,
               double rotate, uint32_t rgb, const char *cls, const char *str, const char *tip);
  int (*end)(struct wprof_draw *d); /* writes the file; 0 or -1 */
  void (*destroy)(struct wprof_draw *d);
};

struct wprof_draw {
  const struct wprof_draw_ops *ops;
  const char *path;
  int failed;
  char err[256];
  void *impl; /* the backend's state */
};

/* Picks the backend from the extension of `path` (.svg or .png, any case): 0, or -1 when neither. */
int wprof_draw_open(struct wprof_draw *d, const char *path);
int wprof_draw_svg_open(struct wprof_draw *d, const char *path);
int wprof_draw_png_open(struct wprof_draw *d, const char *path);
/* Ends the drawing (writing the file) and frees the backend; 0, or -1 with a reason in d->err. */
int wprof_draw_finish(struct wprof_draw *d);

/* The width of `s` at font `size`, estimated the same way for both backends (layout must not depend
 * on the output format): 0.6 em per character, counted in UTF-8 code points. */
double wprof_text_width(const char *s, double size);
/* Copies `s` into buf, cut at a code point boundary with "..." so it fits `width` at `size`. */
void wprof_text_fit(char *buf, size_t len, const char *s, double size, double width);

/* A sequential color scale (light yellow -> dark red) for t in [0, 1]. */
uint32_t wprof_color_scale(double t);
/* A categorical color for series i. */
uint32_t wprof_color_series(size_t i);

#endif
