/* PNG backend of the drawing layer: a cairo image surface, written with cairo_surface_write_to_png. */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "wprof_draw.h"

struct png {
  cairo_surface_t *surface;
  cairo_t *cr;
};

#define CR(d) (((struct png *)(d)->impl)->cr)

static void set_rgb(cairo_t *cr, uint32_t rgb) {
  cairo_set_source_rgb(cr, ((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0,
                       (rgb & 0xFF) / 255.0);
}

static int png_begin(struct wprof_draw *d, double w, double h) {
  struct png *p = d->impl;
  p->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(w), (int)ceil(h));
  p->cr = cairo_create(p->surface);
  if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
    d->failed = 1;
    snprintf(d->err, sizeof d->err, "%s: cannot make a %.0fx%.0f image: %s", d->path, w, h,
             cairo_status_to_string(cairo_status(p->cr)));
    return -1;
  }
  set_rgb(p->cr, 0xFFFFFF);
  cairo_paint(p->cr);
  cairo_select_font_face(p->cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  return 0;
}

static void png_rect(struct wprof_draw *d, double x, double y, double w, double h, uint32_t rgb,
                     const char *cls, const char *tip) {
  (void)cls;
  (void)tip;
  if (d->failed) return;
  set_rgb(CR(d), rgb);
  cairo_rectangle(CR(d), x, y, w, h);
  cairo_fill(CR(d));
}

static void png_line(struct wprof_draw *d, double x1, double y1, double x2, double y2, uint32_t rgb,
                     double width) {
  if (d->failed) return;
  set_rgb(CR(d), rgb);
  cairo_set_line_width(CR(d), width);
  cairo_move_to(CR(d), x1, y1);
  cairo_line_to(CR(d), x2, y2);
  cairo_stroke(CR(d));
}

static void png_text(struct wprof_draw *d, double x, double y, double size, enum wprof_anchor anchor,
                     double rotate, uint32_t rgb, const char *cls, const char *str, const char *tip) {
  (void)cls;
  (void)tip;
  if (d->failed) return;
  cairo_t *cr = CR(d);
  cairo_save(cr);
  set_rgb(cr, rgb);
  cairo_set_font_size(cr, size);
  cairo_translate(cr, x, y);
  if (rotate != 0) cairo_rotate(cr, rotate * M_PI / 180.0);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, str, &ext);
  double dx = anchor == WPROF_ANCHOR_MIDDLE ? -ext.x_advance / 2
              : anchor == WPROF_ANCHOR_END  ? -ext.x_advance
                                            : 0;
  cairo_move_to(cr, dx, 0);
  cairo_show_text(cr, str);
  cairo_restore(cr);
}

static int png_end(struct wprof_draw *d) {
  struct png *p = d->impl;
  cairo_surface_flush(p->surface);
  cairo_status_t st = cairo_surface_write_to_png(p->surface, d->path);
  if (st != CAIRO_STATUS_SUCCESS) {
    snprintf(d->err, sizeof d->err, "%s: cannot write the PNG: %s", d->path,
             cairo_status_to_string(st));
    return -1;
  }
  return 0;
}

static void png_destroy(struct wprof_draw *d) {
  struct png *p = d->impl;
  if (p) {
    if (p->cr) cairo_destroy(p->cr);
    if (p->surface) cairo_surface_destroy(p->surface);
  }
  free(p);
  d->impl = NULL;
}

static const struct wprof_draw_ops png_ops = {
  .begin = png_begin, .rect = png_rect, .line = png_line, .text = png_text,
  .end = png_end, .destroy = png_destroy,
};

int wprof_draw_png_open(struct wprof_draw *d, const char *path) {
  struct png *p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(d->err, sizeof d->err, "out of memory");
    return -1;
  }
  d->ops = &png_ops;
  d->impl = p;
  return 0;
}
