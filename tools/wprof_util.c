/* Small helpers every subcommand uses: one-line errors, usage errors, strict integer parsing. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "wprof_cli.h"

static void print_error(const char *fmt, va_list ap) {
  fputs("wprof: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

void wprof_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  print_error(fmt, ap);
  va_end(ap);
}

int wprof_usage_error(const char *usage, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  print_error(fmt, ap);
  va_end(ap);
  fprintf(stderr, "usage: %s\n", usage);
  return WPROF_EXIT_USAGE;
}

int wprof_parse_long(const char *s, long min, long max, long *out) {
  if (!s || !*s) return -1;
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || !end || *end || v < min || v > max) return -1;
  *out = v;
  return 0;
}
