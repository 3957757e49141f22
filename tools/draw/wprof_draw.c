/* The drawing layer's shared parts: backend choice by file extension, text measure, colors. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wprof_draw.h"

static int has_ext(const char *path, const char *ext) {
  size_t n = strlen(path), e = strlen(ext);
  return n > e && strcasecmp(path + n - e, ext) == 0;
}

int wprof_draw_open(struct wprof_draw *d, const char *path) {
  memset(d, 0, sizeof *d);
  d->path = path;
  if (has_ext(path, ".svg")) return wprof_draw_svg_open(d, path);
  if (has_ext(path, ".png")) return wprof_draw_png_open(d, path);
  snprintf(d->err, sizeof d->err, "%s: the output must end in .svg or .png", path);
  return -1;
}

int wprof_draw_finish(struct wprof_draw *d) {
  int rc = d->failed ? -1 : d->ops->end(d);
  d->ops->destroy(d);
  if (rc < 0 && !d->err[0]) snprintf(d->err, sizeof d->err, "%s: cannot write the plot", d->path);
  return rc;
}

static size_t code_points(const char *s) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if ((*p & 0xC0) != 0x80) n++;
  return n;
}

double wprof_text_width(const char *s, double size) { return 0.6 * size * (double)code_points(s); }

void wprof_text_fit(char *buf, size_t len, const char *s, double size, double width) {
  if (len == 0) return;
  size_t fit = width > 0 ? (size_t)(width / (0.6 * size)) : 0;
  if (code_points(s) <= fit) {
    snprintf(buf, len, "%s", s);
    return;
  }
  size_t keep = fit > 3 ? fit - 3 : 0, cps = 0, i = 0;
  const unsigned char *p = (const unsigned char *)s;
  for (; p[i]; i++) {
    if ((p[i] & 0xC0) != 0x80 && cps++ == keep) break;
  }
  if (i + 4 > len) i = len > 4 ? len - 4 : 0;
  while (i > 0 && (p[i] & 0xC0) == 0x80) i--; /* never cut inside a code point */
  memcpy(buf, s, i);
  snprintf(buf + i, len - i, "...");
}

static uint32_t mix(uint32_t a, uint32_t b, double t) {
  uint32_t out = 0;
  for (int sh = 16; sh >= 0; sh -= 8) {
    double x = ((a >> sh) & 0xFF) * (1 - t) + ((b >> sh) & 0xFF) * t;
    out |= (uint32_t)lround(x) << sh;
  }
  return out;
}

uint32_t wprof_color_scale(double t) {
  static const uint32_t stops[] = { 0xFFFFCC, 0xFED976, 0xFD8D3C, 0xE31A1C, 0x800026 };
  const size_t n = sizeof stops / sizeof stops[0];
  if (!(t > 0)) return stops[0];
  if (t >= 1) return stops[n - 1];
  double x = t * (double)(n - 1);
  size_t i = (size_t)x;
  return mix(stops[i], stops[i + 1], x - (double)i);
}

uint32_t wprof_color_series(size_t i) {
  static const uint32_t pal[] = { 0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD,
                                  0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF };
  return pal[i % (sizeof pal / sizeof pal[0])];
}
