/* Unit test of the job model's plumbing: the name dictionary (growth, long names, explicit lengths,
 * its strings' blocks, kept by a clear), growable arrays, attributes, placeholder ranks, kind names, and the name ids
 * of an appended job when the two dictionaries differ. */
#include <stdlib.h>
#include <string.h>

#include "wptest_check.h"
#include "wpio_job.h"

static int test_strtab(void) {
  struct wpio_strtab t;
  char buf[64];
  wpio_strtab_init(&t);
  CHECK(wpio_strtab_find(&t, "nothing") == UINT32_MAX);
  for (uint32_t i = 0; i < 100000; i++) {
    snprintf(buf, sizeof buf, "name-%u", i);
    CHECK(wpio_strtab_intern(&t, buf, strlen(buf)) == i);
  }
  for (uint32_t i = 0; i < 100000; i += 7) {
    snprintf(buf, sizeof buf, "name-%u", i);
    CHECK(wpio_strtab_find(&t, buf) == i);
    CHECK(wpio_strtab_intern(&t, buf, strlen(buf)) == i);
  }
  CHECK(t.n == 100000 && t.nslots >= 2 * t.n);
  /* long names sharing a long prefix */
  size_t len = 8000;
  char *a = malloc(len + 1), *b = malloc(len + 1);
  CHECK(a && b);
  memset(a, 'k', len), memset(b, 'k', len);
  a[len] = b[len] = '\0';
  b[len - 1] = 'q';
  uint32_t ia = wpio_strtab_intern(&t, a, len), ib = wpio_strtab_intern(&t, b, len);
  CHECK(ia != ib && wpio_strtab_find(&t, a) == ia && wpio_strtab_find(&t, b) == ib);
  CHECK(strlen(t.s[ib]) == len);
  /* explicit length: a prefix of a is its own name; a NUL ends a name */
  uint32_t ip = wpio_strtab_intern(&t, a, 10);
  CHECK(ip != ia && strlen(t.s[ip]) == 10 && wpio_strtab_find(&t, "kkkkkkkkkk") == ip);
  CHECK(wpio_strtab_intern(&t, "name-5\0junk", 11) == 5);
  CHECK(wpio_strtab_intern(&t, "", 0) == wpio_strtab_find(&t, ""));
  CHECK(wpio_strtab_intern(&t, "\xff\xfe bytes \x01", 10) == wpio_strtab_find(&t, "\xff\xfe bytes \x01"));
  free(a), free(b);
  wpio_strtab_free(&t);
  CHECK(t.n == 0 && t.s == NULL);
  return 0;
}

/* The strings live in blocks (4 KiB doubling to 1 MiB): every string intact across many blocks, a
 * name longer than the largest block, names ending exactly at a block's end, and a cleared table
 * refilled from nothing. */
static int test_strtab_blocks(void) {
  struct wpio_strtab t;
  wpio_strtab_init(&t);
  enum { N = 70000 };
  static char want[N][24];
  size_t huge_len = (size_t)2 << 20;
  char *huge = malloc(huge_len + 1);
  CHECK(huge);
  memset(huge, 'h', huge_len);
  huge[huge_len] = '\0';
  for (uint32_t i = 0; i < N; i++) {
    /* lengths 1..23, so that names fall on every offset of a block, one of them at its very end */
    snprintf(want[i], sizeof want[i], "%u%.*s", i, (int)(i % 17), "abcdefghijklmnopq");
    uint32_t id = i + (i > 5000); /* the huge name takes id 5001, amid the others */
    CHECK(wpio_strtab_intern(&t, want[i], strlen(want[i])) == id);
    if (i == 5000) CHECK(wpio_strtab_intern(&t, huge, huge_len) == 5001);
  }
  CHECK(wpio_strtab_intern(&t, "", 0) == N + 1);
  for (uint32_t i = 0; i < N; i++) {
    uint32_t id = i + (i > 5000);
    CHECK(strcmp(t.s[id], want[i]) == 0 && wpio_strtab_find(&t, want[i]) == id);
  }
  CHECK(strlen(t.s[5001]) == huge_len && t.s[5001][huge_len - 1] == 'h' && wpio_strtab_find(&t, huge) == 5001);
  CHECK(t.s[N + 1][0] == '\0' && wpio_strtab_find(&t, "") == N + 1);
  wpio_strtab_clear(&t);
  CHECK(t.n == 0 && wpio_strtab_find(&t, want[3]) == UINT32_MAX);
  for (uint32_t i = 0; i < 3000; i++) CHECK(wpio_strtab_intern(&t, want[N - 1 - i], strlen(want[N - 1 - i])) == i);
  for (uint32_t i = 0; i < 3000; i++) CHECK(strcmp(t.s[i], want[N - 1 - i]) == 0);
  free(huge);
  wpio_strtab_free(&t);
  return 0;
}

/* A cleared table keeps its strings' blocks: filled again with the same names it puts them where they
 * were, even when other allocations came in between (a table that freed its blocks would see them
 * handed to those), and filled with more it grows as a new one would, every string intact. */
static int test_strtab_clear_keeps_blocks(void) {
  struct wpio_strtab t;
  wpio_strtab_init(&t);
  enum { N = 20000, OTHERS = 64 }; /* ~250 KiB of names: blocks of 4 KiB up to 128 KiB */
  static const char *before[N];
  char name[32];
  for (uint32_t i = 0; i < N; i++) {
    snprintf(name, sizeof name, "scope_%05u_%.*s", i, (int)(i % 9), "xxxxxxxxx");
    CHECK(wpio_strtab_intern(&t, name, strlen(name)) == i);
    before[i] = t.s[i];
  }
  char **s_before = t.s;
  uint32_t *slots_before = t.slots;
  wpio_strtab_clear(&t);
  CHECK(t.n == 0 && t.s == s_before && t.slots == slots_before && wpio_strtab_find(&t, "scope_00001_x") == UINT32_MAX);
  void *others[OTHERS];
  for (int k = 0; k < OTHERS; k++) CHECK((others[k] = malloc((size_t)4096 << (k % 7))) != NULL);
  for (uint32_t i = 0; i < N; i++) {
    snprintf(name, sizeof name, "scope_%05u_%.*s", i, (int)(i % 9), "xxxxxxxxx");
    CHECK(wpio_strtab_intern(&t, name, strlen(name)) == i);
    CHECK(t.s[i] == before[i] && strcmp(t.s[i], name) == 0);
  }
  for (int k = 0; k < OTHERS; k++) free(others[k]);
  wpio_strtab_clear(&t);
  for (uint32_t i = 0; i < 3 * N; i++) {
    snprintf(name, sizeof name, "more_%06u", i);
    CHECK(wpio_strtab_intern(&t, name, strlen(name)) == i);
  }
  for (uint32_t i = 0; i < 3 * N; i += 13) {
    snprintf(name, sizeof name, "more_%06u", i);
    CHECK(strcmp(t.s[i], name) == 0 && wpio_strtab_find(&t, name) == i);
  }
  wpio_strtab_free(&t);
  CHECK(t.n == 0 && t.s == NULL && t.blocks == NULL && t.spare == NULL);
  return 0;
}

/* Appending takes a source name at its own id when the destination has the same name there, and
 * interns it otherwise: rows must keep their names when the two tables differ in order and content. */
static int test_append_names(void) {
  struct wpio_job dst, src;
  wpio_job_init(&dst);
  wpio_job_init(&src);
  const char *dn[] = {"a", "b", "c", "", "e"}, *sn[] = {"b", "a", "c", "", "x", "e", "b2", "a"};
  for (int i = 0; i < 5; i++) {
    struct wpio_lite_row *r = WPIO_VEC_PUSH(dst.lite);
    CHECK(r);
    *r = (struct wpio_lite_row){.rank = 0, .name_id = wpio_strtab_intern(&dst.names, dn[i], strlen(dn[i])), .calls = 1};
  }
  for (int i = 0; i < 8; i++) {
    struct wpio_lite_row *r = WPIO_VEC_PUSH(src.lite);
    CHECK(r);
    *r = (struct wpio_lite_row){.rank = 1, .name_id = wpio_strtab_intern(&src.names, sn[i], strlen(sn[i])), .calls = 2};
  }
  CHECK(wpio_job_append(&dst, &src) == 0);
  CHECK(dst.lite.n == 13 && dst.names.n == 7); /* a b c "" e, then x b2 */
  for (int i = 0; i < 5; i++) CHECK(strcmp(dst.names.s[dst.lite.v[i].name_id], dn[i]) == 0);
  for (int i = 0; i < 8; i++) CHECK(strcmp(dst.names.s[dst.lite.v[5 + i].name_id], sn[i]) == 0);
  wpio_job_free(&dst);
  wpio_job_free(&src);
  return 0;
}

static int test_vec(void) {
  WPIO_VEC(struct wpio_window_row) v = {0};
  for (int i = 0; i < 1000; i++) {
    struct wpio_window_row *w = WPIO_VEC_PUSH(v);
    CHECK(w && w->rank == 0 && w->steps == 0); /* zeroed */
    w->rank = i;
    w->steps = -1;
  }
  CHECK(v.n == 1000 && v.cap >= 1000 && v.v[999].rank == 999);
  CHECK(WPIO_VEC_RESERVE(v, 5000) == 0 && v.cap >= 5000 && v.n == 1000 && v.v[500].rank == 500);
  free(v.v);
  return 0;
}

static int test_attrs_and_ranks(void) {
  struct wpio_job j;
  wpio_job_init(&j);
  CHECK(wpio_job_attr(&j, "backend") == NULL);
  CHECK(wpio_job_set_attr(&j, "backend", "auto") == 0);
  CHECK(wpio_job_set_attr(&j, "backend", "host") == 0);
  CHECK(wpio_job_set_attr_int(&j, "delay_iters", -3) == 0);
  CHECK(j.attrs.n == 2 && strcmp(wpio_job_attr(&j, "backend")->value, "host") == 0);
  const struct wpio_attr *d = wpio_job_attr(&j, "delay_iters");
  CHECK(d->is_int && d->ival == -3 && strcmp(d->value, "-3") == 0);
  CHECK(wpio_job_set_attr(&j, "delay_iters", "none") == 0);
  d = wpio_job_attr(&j, "delay_iters");
  CHECK(!d->is_int && strcmp(d->value, "none") == 0 && j.attrs.n == 2);
  CHECK(wpio_job_add_placeholder_rank(&j, 3, WPIO_STATUS_MISSING) == 0);
  const struct wpio_rank_row *r = &j.ranks.v[0];
  CHECK(r->rank == 3 && strcmp(r->hostname, "") == 0 && r->pid == -1 && r->device == -1);
  CHECK(strcmp(r->status, "missing") == 0 && r->collected == 0);
  wpio_job_free(&j);
  CHECK(j.attrs.n == 0 && j.ranks.n == 0 && j.names.n == 0);
  wpio_job_free(&j); /* freeing twice is harmless: free leaves an initialised job */
  return 0;
}

static int test_kind_names(void) {
  CHECK(strcmp(wpio_kind_name(WPIO_KIND_KERNEL), "kernel") == 0);
  CHECK(strcmp(wpio_kind_name(WPIO_KIND_MEMCPY), "memcpy") == 0);
  CHECK(strcmp(wpio_kind_name(WPIO_KIND_MEMSET), "memset") == 0);
  CHECK(strcmp(wpio_kind_name(WPIO_KIND_SYNC), "sync") == 0);
  CHECK(strcmp(wpio_kind_name(WPIO_KIND_OTHER), "other") == 0);
  CHECK(strcmp(wpio_kind_name(-1), "other") == 0 && strcmp(wpio_kind_name(99), "other") == 0);
  return 0;
}

int main(void) {
  int fails = 0;
  RUN(fails, test_strtab);
  RUN(fails, test_strtab_blocks);
  RUN(fails, test_strtab_clear_keeps_blocks);
  RUN(fails, test_append_names);
  RUN(fails, test_vec);
  RUN(fails, test_attrs_and_ranks);
  RUN(fails, test_kind_names);
  return fails ? 1 : 0;
}
