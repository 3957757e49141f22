/* Pieces shared by the exporting subcommands (trace, diff): JSON strings from report text and an
 * output file that is plain, gzip-compressed (name ends in .gz) or stdout ("-"). */
#ifndef WPROF_EXPORT_H
#define WPROF_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_t;

/* A JSON string of `s` (NULL: ""); bytes that are not valid UTF-8 become '?', since jansson refuses
 * them and a report may hold any bytes in a name. Never NULL unless out of memory. */
struct json_t *wprof_json_text(const char *s);

/* An output being written: a file appears under its name only once it is complete (written to a
 * temporary name next to it, then renamed), so a failed export leaves no truncated file behind. */
struct wprof_sink {
  const char *path;  /* as given; "-" is stdout */
  char *tmp;         /* temporary name while writing, NULL for stdout */
  FILE *file;        /* plain output */
  void *gz;          /* gzFile for a .gz path */
  uint64_t bytes;    /* uncompressed bytes written so far */
  int failed;        /* a write failed: every later write is skipped */
  int error;         /* errno of that failure, 0 when unknown */
};

/* Opens `path` for writing. 0, or -1 with one line on stderr. */
int wprof_sink_open(struct wprof_sink *s, const char *path);
/* Writes n bytes; -1 once any write has failed (reported once, at close). */
int wprof_sink_write(struct wprof_sink *s, const char *buf, size_t n);
int wprof_sink_puts(struct wprof_sink *s, const char *text);
/* For json_dump_callback(): `data` is the sink. */
int wprof_sink_json_cb(const char *buf, size_t n, void *data);
/* Finishes the output: renamed into place when everything was written and `keep` is set, removed
 * otherwise. 0, or -1 with one line on stderr. */
int wprof_sink_close(struct wprof_sink *s, int keep);
/* Size of the finished output on disk (compressed size for .gz), or -1 for stdout / unknown. */
long long wprof_sink_disk_size(const struct wprof_sink *s);

#endif
