/* Output of the exporting subcommands: JSON strings from arbitrary report bytes, and a plain, gzip
 * or stdout sink that only shows a file under its final name once it is complete. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "wprof_cli.h"
#include "wprof_export.h"

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || len > n) return 0;
  for (size_t j = 1; j < len; j++)
    if ((p[j] & 0xC0) != 0x80) return 0;
  return len;
}

struct json_t *wprof_json_text(const char *s) {
  if (!s) s = "";
  json_t *j = json_string(s);
  if (j) return j;
  size_t n = strlen(s);
  char *clean = malloc(n + 1);
  if (!clean) return NULL;
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, k = 0;
  while (i < n) {
    size_t len = utf8_seq(p + i, n - i);
    if (len) memcpy(clean + k, s + i, len);
    else clean[k] = '?';
    k += len ? len : 1;
    i += len ? len : 1;
  }
  clean[k] = '\0';
  j = json_string(clean);
  if (!j) { /* still refused (overlong forms, surrogates): keep ASCII only */
    for (char *q = clean; *q; q++)
      if ((unsigned char)*q >= 0x80) *q = '?';
    j = json_string(clean);
  }
  free(clean);
  return j;
}

static int ends_with(const char *s, const char *tail) {
  size_t n = strlen(s), t = strlen(tail);
  return n >= t && strcmp(s + n - t, tail) == 0;
}

int wprof_sink_open(struct wprof_sink *s, const char *path) {
  memset(s, 0, sizeof(*s));
  s->path = path;
  if (strcmp(path, "-") == 0) {
    s->file = stdout;
    return 0;
  }
  size_t len = strlen(path) + 32;
  s->tmp = malloc(len);
  if (!s->tmp) {
    wprof_error("%s: out of memory", path);
    return -1;
  }
  snprintf(s->tmp, len, "%s.tmp.%ld", path, (long)getpid());
  if (ends_with(path, ".gz")) {
    gzFile gz = gzopen(s->tmp, "wb6");
    if (gz) gzbuffer(gz, 1 << 18);
    s->gz = gz;
  } else {
    s->file = fopen(s->tmp, "w");
  }
  if (!s->gz && !s->file) {
    wprof_error("cannot write %s: %s", path, strerror(errno));
    free(s->tmp);
    s->tmp = NULL;
    return -1;
  }
  return 0;
}

int wprof_sink_write(struct wprof_sink *s, const char *buf, size_t n) {
  if (s->failed) return -1;
  if (n == 0) return 0;
  if (s->gz) {
    while (n > 0 && !s->failed) { /* gzwrite takes an unsigned length */
      unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
      if (gzwrite((gzFile)s->gz, buf, chunk) != (int)chunk) s->failed = 1;
      buf += chunk;
      n -= chunk;
      s->bytes += chunk;
    }
  } else {
    errno = 0;
    if (fwrite(buf, 1, n, s->file) != n) {
      s->failed = 1;
      s->error = errno;
    }
    s->bytes += n;
  }
  return s->failed ? -1 : 0;
}

int wprof_sink_puts(struct wprof_sink *s, const char *text) {
  return wprof_sink_write(s, text, strlen(text));
}

int wprof_sink_json_cb(const char *buf, size_t n, void *data) {
  return wprof_sink_write(data, buf, n);
}

/* Closes the stream; 0, or -1 when a write or the close failed (errno-style text in why). */
static int close_stream(struct wprof_sink *s, const char **why) {
  int failed = s->failed;
  *why = s->error ? strerror(s->error) : "write error";
  if (s->gz) {
    int zrc = gzclose((gzFile)s->gz);
    if (zrc != Z_OK && !failed) {
      failed = 1;
      *why = zrc == Z_ERRNO ? strerror(errno) : "gzip error";
    }
  } else if (s->file == stdout) {
    if (fflush(stdout) != 0 && !failed) {
      failed = 1;
      *why = strerror(errno);
    }
  } else if (fclose(s->file) != 0 && !failed) {
    failed = 1;
    *why = strerror(errno);
  }
  s->gz = NULL;
  s->file = NULL;
  return failed ? -1 : 0;
}

int wprof_sink_close(struct wprof_sink *s, int keep) {
  const char *why = "";
  int rc = close_stream(s, &why);
  if (rc < 0) wprof_error("cannot write %s: %s", strcmp(s->path, "-") ? s->path : "the output", why);
  if (s->tmp) {
    if (rc == 0 && keep && rename(s->tmp, s->path) != 0) {
      wprof_error("cannot create %s: %s", s->path, strerror(errno));
      rc = -1;
    }
    if (rc < 0 || !keep) unlink(s->tmp);
    free(s->tmp);
    s->tmp = NULL;
  }
  return rc;
}

long long wprof_sink_disk_size(const struct wprof_sink *s) {
  struct stat st;
  if (strcmp(s->path, "-") == 0 || stat(s->path, &st) != 0) return -1;
  return (long long)st.st_size;
}
