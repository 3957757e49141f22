/* `wprof report` views of issue 10's tables: GPU memory (--memory), call stacks (--stacks), kernels by
 * launch configuration (--by-config) and the share of GPU time from CUDA graphs. Each is a small text
 * table or CSV (with the `table,scope` columns of the other views) built straight from the job. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wpio_format_internal.h"

#define GCOLS_MAX 12
#define GCELL 96

/* A table of preformatted cells: text for the table mode, raw numbers for CSV. */
struct gtab {
  const char *table;              /* CSV `table` column */
  const char *const *heads, *const *keys;
  size_t ncols, n, cap;
  unsigned left;                  /* bit per left-aligned (text) column; column 0 always */
  char (*cells)[GCOLS_MAX][GCELL];
  uint64_t *order;                /* sort key per row, descending */
};

static char (*gtab_row(struct gtab *t, uint64_t order))[GCELL] {
  if (t->n == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 32;
    void *c = realloc(t->cells, cap * sizeof *t->cells), *o = c ? realloc(t->order, cap * sizeof *t->order) : NULL;
    if (c) t->cells = c;
    if (!c || !o) return NULL;
    t->order = o;
    t->cap = cap;
  }
  memset(t->cells[t->n], 0, sizeof t->cells[t->n]);
  t->order[t->n] = order;
  return t->cells[t->n++];
}

static void gtab_free(struct gtab *t) {
  free(t->cells);
  free(t->order);
}

static void cell_num(char *c, uint64_t v) { snprintf(c, GCELL, "%" PRIu64, v); }
static void cell_time(char *c, uint64_t ns, int csv) {
  if (csv) cell_num(c, ns);
  else wpio_format_time(c, GCELL, (double)ns);
}
static void cell_bytes(char *c, uint64_t b, int csv) {
  if (csv || b < 1024) cell_num(c, b);
  else if (b < (1u << 20)) snprintf(c, GCELL, "%.1f KiB", (double)b / 1024);
  else if (b < (1u << 30)) snprintf(c, GCELL, "%.1f MiB", (double)b / (1 << 20));
  else snprintf(c, GCELL, "%.2f GiB", (double)b / (1u << 30));
}

static void print_scope(FILE *out, const char *what, const struct wpio_format_opts *o) {
  if (o->rank < 0) fprintf(out, "%s, all ranks", what);
  else fprintf(out, "%s, rank %d", what, o->rank);
  if (o->window >= 0) fprintf(out, " (window %d)\n", o->window);
  else fputs(" (all windows)\n", out);
}

/* Rows in descending `order` (stable by insertion), then the text table or CSV. */
static int gtab_print(FILE *out, struct gtab *t, const char *title, const struct wpio_format_opts *o) {
  size_t *idx = malloc((t->n ? t->n : 1) * sizeof *idx);
  if (!idx) return -1;
  for (size_t i = 0; i < t->n; i++) idx[i] = i;
  for (size_t i = 1; i < t->n; i++) /* insertion sort: these tables are short */
    for (size_t j = i; j > 0 && t->order[idx[j]] > t->order[idx[j - 1]]; j--) {
      size_t x = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = x;
    }
  size_t n = o->top && o->top < t->n ? o->top : t->n;
  if (o->format == WPIO_OUT_CSV) {
    char scope[32];
    if (o->rank < 0) snprintf(scope, sizeof scope, "summary");
    else snprintf(scope, sizeof scope, "rank %d", o->rank);
    fputs("table,scope", out);
    for (size_t c = 0; c < t->ncols; c++) fprintf(out, ",%s", t->keys[c]);
    fputc('\n', out);
    for (size_t r = 0; r < n; r++) {
      fprintf(out, "%s,%s", t->table, scope);
      for (size_t c = 0; c < t->ncols; c++) {
        fputc(',', out);
        wpio_csv_field(out, t->cells[idx[r]][c]);
      }
      fputc('\n', out);
    }
  } else {
    size_t w[GCOLS_MAX];
    print_scope(out, title, o);
    for (size_t c = 0; c < t->ncols; c++) {
      w[c] = strlen(t->heads[c]);
      for (size_t r = 0; r < n; r++)
        if (strlen(t->cells[idx[r]][c]) > w[c]) w[c] = strlen(t->cells[idx[r]][c]);
    }
    if (n == 0) fputs("(no rows)\n", out);
    for (size_t r = 0; n && r <= n; r++) {
      for (size_t c = 0; c < t->ncols; c++) {
        const char *s = r == 0 ? t->heads[c] : t->cells[idx[r - 1]][c];
        int left = c == 0 || (t->left >> c & 1u);
        fprintf(out, left ? "%s%-*s" : "%s%*s", c ? "  " : "", c + 1 == t->ncols && left ? 0 : (int)w[c], s);
      }
      fputc('\n', out);
    }
    if (n < t->n) fprintf(out, "(top %zu of %zu rows)\n", n, t->n);
    fputc('\n', out);
  }
  free(idx);
  return ferror(out) ? -1 : 0;
}

/* ---- memory ---- */

static int memory_summary(struct gtab *t, const struct wpio_job *job, int csv) {
  for (size_t i = 0; i < job->sum_memory.n; i++) {
    const struct wpio_memsum_row *s = &job->sum_memory.v[i];
    char (*c)[GCELL] = gtab_row(t, s->peak_bytes);
    if (!c) return -1;
    snprintf(c[0], GCELL, "%s", s->name_id < job->names.n ? job->names.s[s->name_id] : "?");
    cell_num(c[1], s->allocations);
    cell_num(c[2], s->frees);
    cell_bytes(c[3], s->bytes_allocated, csv);
    cell_bytes(c[4], s->bytes_freed, csv);
    cell_bytes(c[5], s->peak_bytes, csv);
    snprintf(c[6], GCELL, "%d", (int)s->peak_rank);
    cell_num(c[7], s->ranks_present);
  }
  return 0;
}

/* Per-rank rows (or all ranks' rows within one window), with the peak's time since its window began. */
static int memory_rows(struct gtab *t, const struct wpio_job *job, const struct wpio_format_opts *o, int csv) {
  for (size_t i = 0; i < job->memory.n; i++) {
    const struct wpio_memory_row *m = &job->memory.v[i];
    if (!wpio_in_scope(o, m->rank, m->window)) continue;
    int64_t start = 0;
    for (size_t w = 0; w < job->windows.n; w++)
      if (job->windows.v[w].rank == m->rank && job->windows.v[w].window == m->window) start = job->windows.v[w].start_ns;
    char (*c)[GCELL] = gtab_row(t, m->peak_bytes);
    if (!c) return -1;
    snprintf(c[0], GCELL, "%s", m->name_id < job->names.n ? job->names.s[m->name_id] : "?");
    snprintf(c[1], GCELL, "%d", (int)m->rank);
    snprintf(c[2], GCELL, "%d", (int)m->window);
    snprintf(c[3], GCELL, "%d", (int)m->device);
    snprintf(c[4], GCELL, "%s", wpio_mem_kind_name(m->kind));
    cell_num(c[5], m->allocations);
    cell_num(c[6], m->frees);
    cell_bytes(c[7], m->bytes_allocated, csv);
    cell_bytes(c[8], m->bytes_freed, csv);
    cell_bytes(c[9], m->peak_bytes, csv);
    cell_time(c[10], m->peak_time_ns > start ? (uint64_t)(m->peak_time_ns - start) : 0, csv);
  }
  return 0;
}

int wpio_format_memory(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o) {
  static const char *const sh[] = {"Range", "Allocs", "Frees", "Allocated", "Freed", "Peak", "Peak rank", "Ranks"};
  static const char *const sk[] = {"name", "allocations", "frees", "bytes_allocated", "bytes_freed",
                                   "peak_bytes", "peak_rank", "ranks"};
  static const char *const rh[] = {"Range", "Rank", "Window", "Device", "Kind", "Allocs", "Frees",
                                   "Allocated", "Freed", "Peak", "Peak at"};
  static const char *const rk[] = {"name", "rank", "window", "device", "kind", "allocations", "frees",
                                   "bytes_allocated", "bytes_freed", "peak_bytes", "peak_since_window_ns"};
  int csv = o->format == WPIO_OUT_CSV, summary = o->rank < 0 && o->window < 0;
  struct gtab t = {.table = "memory", .heads = summary ? sh : rh, .keys = summary ? sk : rk,
                   .ncols = summary ? WPIO_NCOLS(sh) : WPIO_NCOLS(rh), .left = summary ? 0 : 1u << 4};
  int rc = summary ? memory_summary(&t, job, csv) : memory_rows(&t, job, o, csv);
  if (rc == 0) rc = gtab_print(out, &t, "GPU memory by range", o);
  gtab_free(&t);
  return rc;
}

/* ---- stacks ---- */

int wpio_format_stacks(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o) {
  /* allocation rows (WPROF_MEMORY): kernel "(allocation)", calls = allocations, Bytes their size */
  static const char *const h[] = {"CUDA time", "Calls", "Bytes", "Kernel", "Stack (innermost first)"};
  static const char *const k[] = {"cuda_ns", "calls", "bytes", "kernel", "stack"};
  int csv = o->format == WPIO_OUT_CSV;
  struct gtab t = {.table = "stacks", .heads = h, .keys = k, .ncols = WPIO_NCOLS(h), .left = 1u << 3 | 1u << 4};
  int rc = 0;
  /* folded over ranks and windows in scope: same stack text and kernel -> one row */
  for (size_t i = 0; i < job->stacks.n && rc == 0; i++) {
    const struct wpio_stack_row *s = &job->stacks.v[i];
    if (!wpio_in_scope(o, s->rank, s->window) || s->stack_id >= job->names.n || s->name_id >= job->names.n) continue;
    size_t j = 0;
    for (; j < i; j++) {
      const struct wpio_stack_row *p = &job->stacks.v[j];
      if (wpio_in_scope(o, p->rank, p->window) && p->stack_id == s->stack_id && p->name_id == s->name_id) break;
    }
    if (j < i) continue; /* folded into the first row of this (stack, kernel) */
    uint64_t calls = 0, ns = 0, bytes = 0;
    for (size_t q = i; q < job->stacks.n; q++) {
      const struct wpio_stack_row *p = &job->stacks.v[q];
      if (wpio_in_scope(o, p->rank, p->window) && p->stack_id == s->stack_id && p->name_id == s->name_id)
        calls += p->calls, ns += p->cuda_ns, bytes += p->bytes;
    }
    char (*c)[GCELL] = gtab_row(&t, ns);
    if (!c) {
      rc = -1;
      break;
    }
    cell_time(c[0], ns, csv);
    cell_num(c[1], calls);
    if (bytes || csv) cell_bytes(c[2], bytes, csv);
    else snprintf(c[2], GCELL, "-");
    const char *kn = job->names.s[s->name_id];
    if (o->display_name) {
      const char *shown = o->display_name(kn, o->display_ctx);
      if (shown) kn = shown;
    }
    snprintf(c[3], GCELL, "%s", kn);
    snprintf(c[4], GCELL, "%s", job->names.s[s->stack_id]);
  }
  if (rc == 0) rc = gtab_print(out, &t, "GPU time by host call stack", o);
  gtab_free(&t);
  return rc;
}

/* ---- kernels by launch configuration ---- */

static int same_config(const struct wpio_kernel_row *a, const struct wpio_kernel_row *b) {
  return a->name_id == b->name_id && a->kind == b->kind && a->grid_x == b->grid_x && a->grid_y == b->grid_y &&
         a->grid_z == b->grid_z && a->block_x == b->block_x && a->block_y == b->block_y &&
         a->block_z == b->block_z && a->registers_per_thread == b->registers_per_thread &&
         a->static_shared_bytes == b->static_shared_bytes && a->dynamic_shared_bytes == b->dynamic_shared_bytes &&
         (a->graph_id > 0) == (b->graph_id > 0);
}

int wpio_format_kernel_configs(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o) {
  static const char *const h[] = {"Name", "Grid", "Block", "Regs", "Static smem", "Dyn smem", "Graph",
                                  "Calls", "Total", "Avg"};
  static const char *const k[] = {"name", "grid", "block", "registers_per_thread", "static_shared_bytes",
                                  "dynamic_shared_bytes", "from_graph", "calls", "total_ns", "avg_ns"};
  int csv = o->format == WPIO_OUT_CSV, rc = 0;
  struct gtab t = {.table = "kernel_configs", .heads = h, .keys = k, .ncols = WPIO_NCOLS(h)};
  for (size_t i = 0; i < job->kernels.n && rc == 0; i++) {
    const struct wpio_kernel_row *r = &job->kernels.v[i];
    if (r->kind != WPIO_KIND_KERNEL || !wpio_in_scope(o, r->rank, r->window) || r->name_id >= job->names.n) continue;
    size_t j = 0;
    for (; j < i; j++) {
      const struct wpio_kernel_row *p = &job->kernels.v[j];
      if (wpio_in_scope(o, p->rank, p->window) && same_config(p, r)) break;
    }
    if (j < i) continue;
    uint64_t calls = 0, ns = 0;
    for (size_t q = i; q < job->kernels.n; q++)
      if (wpio_in_scope(o, job->kernels.v[q].rank, job->kernels.v[q].window) && same_config(&job->kernels.v[q], r))
        calls += job->kernels.v[q].calls, ns += job->kernels.v[q].total_ns;
    char (*c)[GCELL] = gtab_row(&t, ns);
    if (!c) {
      rc = -1;
      break;
    }
    const char *kn = job->names.s[r->name_id];
    if (o->display_name) {
      const char *shown = o->display_name(kn, o->display_ctx);
      if (shown) kn = shown;
    }
    snprintf(c[0], GCELL, "%.*s", (int)(o->name_width ? o->name_width : GCELL - 1), kn);
    snprintf(c[1], GCELL, "%ux%ux%u", r->grid_x, r->grid_y, r->grid_z);
    snprintf(c[2], GCELL, "%ux%ux%u", r->block_x, r->block_y, r->block_z);
    cell_num(c[3], r->registers_per_thread);
    cell_bytes(c[4], r->static_shared_bytes, csv);
    cell_bytes(c[5], r->dynamic_shared_bytes, csv);
    snprintf(c[6], GCELL, "%s", r->graph_id > 0 ? "yes" : "no");
    cell_num(c[7], calls);
    cell_time(c[8], ns, csv);
    cell_time(c[9], calls ? ns / calls : 0, csv);
  }
  if (rc == 0) rc = gtab_print(out, &t, "GPU kernels by launch configuration", o);
  gtab_free(&t);
  return rc;
}

/* ---- CUDA graphs ---- */

void wpio_graph_share(const struct wpio_job *job, int rank, int window, uint64_t *graph_ns, uint64_t *gpu_ns) {
  *graph_ns = *gpu_ns = 0;
  for (size_t i = 0; i < job->kernels.n; i++) {
    const struct wpio_kernel_row *r = &job->kernels.v[i];
    if (r->kind == WPIO_KIND_SYNC || (rank >= 0 && r->rank != rank) || (window >= 0 && r->window != window)) continue;
    *gpu_ns += r->total_ns;
    if (r->graph_id > 0) *graph_ns += r->total_ns;
  }
}

int wpio_format_graph_share(FILE *out, const struct wpio_job *job, const struct wpio_format_opts *o) {
  uint64_t graph_ns, gpu_ns;
  wpio_graph_share(job, o->rank, o->window, &graph_ns, &gpu_ns);
  if (graph_ns == 0 || gpu_ns == 0) return 0;
  char a[32], b[32];
  wpio_format_time(a, sizeof a, (double)graph_ns);
  wpio_format_time(b, sizeof b, (double)gpu_ns);
  fprintf(out, "GPU time from CUDA graphs: %.1f%% (%s of %s)\n\n", 100.0 * (double)graph_ns / (double)gpu_ns, a, b);
  return ferror(out) ? -1 : 0;
}
