/* The formatter's shared ground: the names of the tables, its error line, and text rendering
 * (durations, terminal widths of UTF-8 text, cut names, CSV fields) that every printer uses. Views are
 * built in wpio_format_view.c and printed in wpio_format_report.c. */
#include <string.h>

#include "wpio_format_internal.h"

const char *wpio_table_name(enum wpio_table t) {
  static const char *names[WPIO_TABLE_COUNT] = { "ranges", "kernels", "lite", "mpi" };
  return (unsigned)t < WPIO_TABLE_COUNT ? names[t] : "?";
}

int wpio_format_fail(char *err, size_t errlen, const char *msg) {
  if (err && errlen) snprintf(err, errlen, "%s", msg);
  return -1;
}

/* ---- text rendering ---- */

void wpio_format_time(char *buf, size_t len, double ns) {
  if (ns < 1e3) snprintf(buf, len, "%.0fns", ns);
  else if (ns < 1e6) snprintf(buf, len, "%.3fus", ns / 1e3);
  else if (ns < 1e9) snprintf(buf, len, "%.3fms", ns / 1e6);
  else snprintf(buf, len, "%.3fs", ns / 1e9);
}

/* Decodes one UTF-8 sequence at p (invalid bytes count as one character); returns its length. */
static size_t utf8_next(const unsigned char *p, uint32_t *cp) {
  size_t len = p[0] < 0x80 ? 1 : (p[0] >> 5) == 6 ? 2 : (p[0] >> 4) == 14 ? 3 : (p[0] >> 3) == 30 ? 4 : 0;
  if (len == 0) {
    *cp = 0xFFFD;
    return 1;
  }
  uint32_t c = len == 1 ? p[0] : p[0] & (0x7Fu >> len);
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return i;
    }
    c = (c << 6) | (p[i] & 0x3F);
  }
  *cp = c;
  return len;
}

/* Terminal columns of a code point: East Asian wide and emoji take two, so CJK names align. */
static size_t cp_width(uint32_t c) {
  if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
      (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
      (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
    return 2;
  return 1;
}

size_t wpio_text_width(const char *s) {
  size_t w = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    uint32_t c;
    p += utf8_next(p, &c);
    w += cp_width(c);
  }
  return w;
}

/* Copies `s` for a table cell: control characters become '?', and text wider than `width` is cut
 * on a character boundary and ends in "...". */
void wpio_fit_text(const char *s, size_t width, char *out, size_t outlen) {
  int cut = wpio_text_width(s) > width;
  size_t room = cut ? (width > 3 ? width - 3 : 0) : width, w = 0, o = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    uint32_t c;
    size_t len = utf8_next(p, &c), cw = cp_width(c);
    if (w + cw > room || o + len + 4 >= outlen) break;
    for (size_t i = 0; i < len; i++) out[o++] = (p[i] < 0x20 || p[i] == 0x7f) ? '?' : (char)p[i];
    w += cw;
    p += len;
  }
  if (cut) for (int i = 0; i < 3 && o + 1 < outlen; i++) out[o++] = '.';
  out[o] = '\0';
}

/* ---- CSV fields ---- */

void wpio_csv_field(FILE *out, const char *s) {
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(s, out);
    return;
  }
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"') fputc('"', out);
    fputc(*s, out);
  }
  fputc('"', out);
}
