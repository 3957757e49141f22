/* `wprof recover DIR -o REPORT`: rebuilds the report of a job that died from its ranks' crash spills
 * (DIR/rank-N.wpb, written at every real stop): ranks without a spill are `missing`, damaged ones
 * `corrupt`, and the report says it was recovered. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "wpio_h5.h"
#include "wpio_spill.h"
#include "wprof_cli.h"

const char wprof_recover_usage[] = "wprof recover DIR -o REPORT.h5 [--world-size N] [--overwrite]";

struct recover_args {
  const char *dir, *out;
  long world_size;  /* 0: from the spills */
  unsigned flags;
};

/* What became of each rank of the world. */
enum rank_fate { FATE_MISSING = 0, FATE_OK, FATE_CORRUPT };

struct spills {
  int *ranks;        /* ranks that have a spill file, ascending */
  size_t n;
  long world_size;   /* the largest world_size a good spill recorded (0: none did) */
  int world_differs; /* good spills disagree on world_size: maybe spills of different jobs */
};

static int env_overwrite(void) {
  const char *v = getenv("WPROF_OVERWRITE");
  return v && (!strcmp(v, "1") || !strcasecmp(v, "on") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"));
}

static int parse_args(int argc, char **argv, struct recover_args *a) {
  memset(a, 0, sizeof *a);
  if (env_overwrite()) a->flags |= WPIO_H5_OVERWRITE;
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
      if (++i >= argc) return wprof_usage_error(wprof_recover_usage, "%s needs a path", s);
      a->out = argv[i];
    } else if (!strcmp(s, "--world-size")) {
      if (++i >= argc || wprof_parse_long(argv[i], 1, 1L << 30, &a->world_size) < 0)
        return wprof_usage_error(wprof_recover_usage, "--world-size needs a number of ranks >= 1");
    } else if (!strcmp(s, "--overwrite")) {
      a->flags |= WPIO_H5_OVERWRITE;
    } else if (s[0] == '-' && s[1]) {
      return wprof_usage_error(wprof_recover_usage, "unknown option %s", s);
    } else if (!a->dir) {
      a->dir = s;
    } else {
      return wprof_usage_error(wprof_recover_usage, "one spill directory only (got %s too)", s);
    }
  }
  if (!a->dir) return wprof_usage_error(wprof_recover_usage, "no spill directory given");
  if (!a->out) return wprof_usage_error(wprof_recover_usage, "no report path given (-o REPORT.h5)");
  return 0;
}

/* The ranks that have a spill file in dir, sorted. 0, or the exit status after saying why not. */
static int list_spills(const char *dir, struct spills *sp) {
  char err[1024];
  int rc = wpio_spill_list(dir, &sp->ranks, &sp->n, err, sizeof err);
  if (rc < 0) {
    wprof_error("%s", err);
    return rc == -2 ? WPROF_EXIT_FAIL : WPROF_EXIT_USAGE;
  }
  if (sp->n == 0) {
    wprof_error("%s holds no spill files (rank-N.wpb)", dir);
    return WPROF_EXIT_USAGE;
  }
  return 0;
}

static void note_world_size(struct spills *sp, const struct wpio_job *part) {
  const struct wpio_attr *w = wpio_job_attr(part, "world_size");
  if (!w || !w->is_int || w->ival < 1) return;
  if (sp->world_size && w->ival != sp->world_size) sp->world_differs = 1;
  if (w->ival > sp->world_size) sp->world_size = (long)w->ival;
}

/* Reads one rank's spill and merges it into job; its fate is returned. */
static enum rank_fate recover_rank(const char *dir, int rank, struct wpio_job *job, struct spills *sp) {
  char err[1024];
  struct wpio_job part;
  wpio_job_init(&part);
  enum rank_fate fate = FATE_OK;
  if (wpio_spill_read_in(dir, rank, &part, err, sizeof err) < 0) {
    wprof_error("rank %d is marked corrupt: %s", rank, err);
    fate = FATE_CORRUPT;
  } else if (wpio_job_merge(job, &part) < 0) {
    char name[64] = "";
    wpio_spill_name(rank, name, sizeof name);
    wprof_error("rank %d is marked corrupt: its spill %s/%s does not merge (bad name ids)", rank, dir, name);
    fate = FATE_CORRUPT;
  } else {
    note_world_size(sp, &part);
    for (size_t i = 0; i < part.windows.n; i++) /* from its last open-window spill: the rank died in it */
      if (part.windows.v[i].cut_short)
        printf("rank %d: window %d cut short (recovered up to its last spill: %" PRId64 " steps)\n", rank,
               (int)part.windows.v[i].window, part.windows.v[i].steps);
  }
  wpio_job_free(&part);
  return fate;
}

/* "2,5,7" (at most a few dozen named, then a count) of the ranks with `want` fate. */
static void list_ranks(const unsigned char *fate, long world, enum rank_fate want, char *buf, size_t len) {
  size_t used = 0;
  long count = 0;
  buf[0] = '\0';
  for (long r = 0; r < world; r++) {
    if (fate[r] != want) continue;
    if (count++ < 32 && used + 16 < len)
      used += (size_t)snprintf(buf + used, len - used, "%s%ld", used ? "," : "", r);
  }
  if (count > 32) snprintf(buf + used, len - used, ",... (%ld in all)", count);
  if (count == 0) snprintf(buf, len, "none");
}

static int set_recovered_attrs(struct wpio_job *job, const char *dir, const unsigned char *fate, long world) {
  char missing[512], corrupt[512], text[1200];
  list_ranks(fate, world, FATE_MISSING, missing, sizeof missing);
  list_ranks(fate, world, FATE_CORRUPT, corrupt, sizeof corrupt);
  snprintf(text, sizeof text, "missing: %s; corrupt: %s", missing, corrupt);
  time_t now = time(NULL);
  struct tm tm;
  char when[64];
  gmtime_r(&now, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (wpio_job_set_attr(job, "recovered_from", dir) < 0 || wpio_job_set_attr(job, "recovered_at", when) < 0 ||
      wpio_job_set_attr(job, "recovered_ranks", text) < 0 || wpio_job_set_attr(job, "created", when) < 0 ||
      wpio_job_set_attr_int(job, "world_size", world) < 0)
    return -1;
  printf("recovered %s: %s\n", dir, text);
  return 0;
}

/* The world: --world-size, else the spills' own world_size, else one past the highest rank seen. */
static long world_of(const struct recover_args *a, const struct spills *sp) {
  if (a->world_size) return a->world_size;
  long w = (long)sp->ranks[sp->n - 1] + 1;
  if (sp->world_differs)
    wprof_error("warning: the spills disagree on world_size (they may come from different jobs)");
  return sp->world_size > w ? sp->world_size : w;
}

static int build_job(const struct recover_args *a, struct spills *sp, struct wpio_job *job) {
  unsigned char *fate = calloc(sp->n, 1);
  if (!fate) return -1;
  size_t good = 0;
  for (size_t i = 0; i < sp->n; i++) {
    if (a->world_size && sp->ranks[i] >= a->world_size) continue;
    fate[i] = (unsigned char)recover_rank(a->dir, sp->ranks[i], job, sp);
    good += fate[i] == FATE_OK;
  }
  long world = world_of(a, sp);
  unsigned char *by_rank = calloc((size_t)world, 1);
  int rc = by_rank ? 0 : -1;
  for (size_t i = 0; by_rank && i < sp->n; i++) {
    if (sp->ranks[i] < world) by_rank[sp->ranks[i]] = fate[i];
    else wprof_error("warning: ignoring the spill of rank %d (world size %ld)", sp->ranks[i], world);
  }
  for (long r = 0; rc == 0 && r < world; r++)
    if (by_rank[r] != FATE_OK)
      rc = wpio_job_add_placeholder_rank(job, (int32_t)r,
                                         by_rank[r] == FATE_CORRUPT ? WPIO_STATUS_CORRUPT : WPIO_STATUS_MISSING);
  if (rc == 0) rc = set_recovered_attrs(job, a->dir, by_rank, world);
  free(by_rank);
  free(fate);
  return rc < 0 ? -1 : (int)(good > 0);
}

int wprof_cmd_recover(int argc, char **argv) {
  struct recover_args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc;
  struct spills sp = { 0 };
  if ((rc = list_spills(a.dir, &sp)) != 0) {
    free(sp.ranks);
    return rc;
  }
  struct wpio_job job;
  wpio_job_init(&job);
  int built = build_job(&a, &sp, &job);
  char err[1024] = "";
  if (built < 0) {
    wprof_error("out of memory recovering %s", a.dir);
    rc = WPROF_EXIT_FAIL;
  } else if (built == 0) {
    wprof_error("%s: no spill could be read; no report written", a.dir);
    rc = WPROF_EXIT_USAGE;
  } else if (wpio_job_stragglers(&job) < 0 || wpio_job_summarize(&job) < 0) {
    wprof_error("out of memory summarizing the recovered job");
    rc = WPROF_EXIT_FAIL;
  } else if (wpio_h5_write_report(&job, a.out, a.flags, err, sizeof err) < 0) {
    wprof_error("no report written: %s", err);
    rc = WPROF_EXIT_FAIL;
  } else {
    printf("report written to %s\n", a.out);
  }
  wpio_job_free(&job);
  free(sp.ranks);
  return rc;
}
