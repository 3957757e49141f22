/* Shared pieces of the `wprof` command: the subcommand signature, usage errors, the forked report
 * reader and display names. */
#ifndef WPROF_CLI_H
#define WPROF_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "wpio_format.h"
#include "wpio_job.h"

#ifndef WPROF_VERSION
#define WPROF_VERSION "unknown"
#endif

/* Exit statuses: 0 ok, 1 the command ran but failed (e.g. output error), 2 bad usage or bad input. */
#define WPROF_EXIT_OK 0
#define WPROF_EXIT_FAIL 1
#define WPROF_EXIT_USAGE 2

struct wprof_command {
  const char *name;
  int (*run)(int argc, char **argv); /* argv[0] is the subcommand's name */
  const char *usage;                 /* "wprof report FILE [...]" */
  const char *summary;               /* one line for `wprof help` */
};

/* Prints "wprof: <message>" and the usage line to stderr; returns WPROF_EXIT_USAGE. */
int wprof_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "wprof: <message>" to stderr. */
void wprof_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Which of the n option names `opts` ("--top", ...) `arg` is, as "--top" or "--top=VALUE": its index
 * (*len = the name's length), or -1. */
int wprof_option_index(const char *arg, const char *const *opts, size_t n, size_t *len);
/* The value of the option `arg` (name of `len` bytes): after its '=', else the next argument (*i
 * advances), else NULL. */
const char *wprof_option_value(int argc, char **argv, int *i, const char *arg, size_t len);
/* Parses a whole decimal integer in [min, max]; 0, or -1 when `s` is not one. */
int wprof_parse_long(const char *s, long min, long max, long *out);
/* "1.234ms" (wpio_format_time) into buf; returns buf. */
const char *wprof_fmt_time(char *buf, size_t len, double ns);

/* Called in the reading child once every report is in memory; its return is the exit status. */
typedef int (*wprof_reports_fn)(const struct wpio_job *jobs, const char *const *paths, size_t n,
                                void *ctx);

/* Reads the reports in a forked child under a deadline (WPROF_OPEN_TIMEOUT_S, default 60 s), then
 * runs fn there. A read error, a crash or a hang of the HDF5 library becomes one line on stderr and
 * WPROF_EXIT_USAGE; otherwise fn's status is returned. Nothing is printed before the read is done. */
int wprof_with_reports(const char *const *paths, size_t n, wprof_reports_fn fn, void *ctx);

/* The same guard around any reader: read(ctx) then run(ctx) in a forked child under the deadline.
 * read returns 0, or -1 with one line in err; `what` names the input in the messages. */
typedef int (*wprof_guarded_read_fn)(void *ctx, char *err, size_t errlen);
typedef int (*wprof_guarded_run_fn)(void *ctx);
int wprof_guarded(const char *what, wprof_guarded_read_fn read, wprof_guarded_run_fn run, void *ctx);

/* The display form of a C++ (Itanium-ABI) mangled name, or NULL to show `raw` as it is; for
 * wpio_format_opts.display_name. */
const char *wprof_display_name(const char *raw, void *ctx);

#endif
