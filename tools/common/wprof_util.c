/* Small helpers every subcommand uses: one-line errors, usage errors, strict integer parsing, times. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int wprof_option_index(const char *arg, const char *const *opts, size_t n, size_t *len) {
  for (size_t k = 0; k < n; k++) {
    *len = strlen(opts[k]);
    if (strncmp(arg, opts[k], *len) == 0 && (arg[*len] == '\0' || arg[*len] == '=')) return (int)k;
  }
  return -1;
}

const char *wprof_option_value(int argc, char **argv, int *i, const char *arg, size_t len) {
  if (arg[len] == '=') return arg + len + 1;
  if (arg[len] != '\0' || *i + 1 >= argc) return NULL;
  return argv[++*i];
}

const char *wprof_fmt_time(char *buf, size_t len, double ns) {
  wpio_format_time(buf, len, ns);
  return buf;
}
