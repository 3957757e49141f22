/* Unit test of the wire format: a full round trip compared field by field, then hostile input —
 * every truncation, byte flips, structural mutations with a valid CRC, a newer version, lying row
 * counts, bad ids — each refused with one line (and, under ASan, without a bad read); a job cleared and
 * reused, encoded into a kept buffer, gives a fresh job's bytes. Older versions
 * and optional sections: test_io_wire_compat.c. */
#include <stdlib.h>
#include <string.h>

#include "wptest_wire.h"

static struct wpio_job g_job;
static uint8_t *g_buf;
static size_t g_len;

static int test_round_trip(void) {
  wpio_job_init(&g_job);
  CHECK(build_job(&g_job) == 0);
  CHECK(wpio_encode(&g_job, &g_buf, &g_len) == 0);
  CHECK(g_len > 9000 && memcmp(g_buf, "WPRK", 4) == 0);
  struct wpio_job back;
  char err[256];
  wpio_job_init(&back);
  CHECK(wpio_decode(g_buf, g_len, &back, err, sizeof err) == 0);
  CHECK(compare_jobs(&g_job, &back) == 0);
  CHECK(wpio_job_attr(&back, "world_size")->is_int && wpio_job_attr(&back, "world_size")->ival == 3);
  CHECK(strlen(back.names.s[1]) == 5000);
  /* re-encoding the decoded job gives the same bytes */
  uint8_t *again;
  size_t again_len;
  CHECK(wpio_encode(&back, &again, &again_len) == 0);
  CHECK(again_len == g_len && memcmp(again, g_buf, g_len) == 0);
  free(again);
  wpio_job_free(&back);
  return 0;
}

/* A larger job than build_job's: more names and rows, and straggler arrivals merged in (which give it
 * the summary's accumulator, which a clear must release). */
static int build_larger_job(struct wpio_job *job) {
  CHECK(build_job(job) == 0);
  char name[32];
  for (uint32_t i = 0; i < 3000; i++) {
    snprintf(name, sizeof name, "extra_range_%u", i);
    uint32_t id = wpio_strtab_intern(&job->names, name, strlen(name));
    struct wpio_range_row *g = WPIO_VEC_PUSH(job->ranges);
    CHECK(id != UINT32_MAX && g);
    *g = (struct wpio_range_row){0, (int32_t)(i % 3), id, 1 + i, 9000 + i, 8000 + i, 0, 0};
  }
  struct wpio_job arrivals;
  wpio_job_init(&arrivals);
  for (int32_t r = 0; r < 2; r++) {
    struct wpio_strag_event *e = WPIO_VEC_PUSH(arrivals.strag_events);
    CHECK(e);
    *e = (struct wpio_strag_event){r, 0, WPIO_STRAG_SYNC, 0, 1000 + 10 * r, 2000};
  }
  CHECK(wpio_job_merge(job, &arrivals) == 0 && job->strag_acc != NULL);
  wpio_job_free(&arrivals);
  return 0;
}

/* A job cleared and filled again, encoded into a buffer kept from the last encode, gives the bytes
 * of a fresh job's encode: whether it is smaller than before (the buffer is not reallocated), larger
 * (it grows), or follows a failed encode (a name the decoder would refuse); and a cleared job decodes
 * like a fresh one. Under ASan this also checks that a clear frees what rows own. */
static int test_reused_job_and_buffer(void) {
  struct wpio_job reused, fresh;
  wpio_job_init(&reused);
  wpio_job_init(&fresh);
  uint8_t *kept = NULL, *big_buf;
  size_t cap = 0, len = 1, big_len;
  CHECK(build_larger_job(&fresh) == 0 && wpio_encode(&fresh, &big_buf, &big_len) == 0 && big_len > g_len);
  CHECK(build_larger_job(&reused) == 0 && wpio_encode_into(&reused, &kept, &cap, &len) == 0);
  CHECK(len == big_len && cap >= len && memcmp(kept, big_buf, len) == 0);
  /* smaller: the same bytes as the fresh job's, in the same buffer */
  uint8_t *kept_at = kept;
  size_t kept_cap = cap;
  wpio_job_clear(&reused);
  CHECK(reused.names.n == 0 && reused.ranges.n == 0 && reused.attrs.n == 0 && reused.strag_acc == NULL);
  CHECK(build_job(&reused) == 0 && wpio_encode_into(&reused, &kept, &cap, &len) == 0);
  CHECK(kept == kept_at && cap == kept_cap && len == g_len && memcmp(kept, g_buf, g_len) == 0);
  /* larger again, after a clear */
  wpio_job_clear(&reused);
  CHECK(build_larger_job(&reused) == 0 && wpio_encode_into(&reused, &kept, &cap, &len) == 0);
  CHECK(len == big_len && memcmp(kept, big_buf, len) == 0);
  /* a failed encode leaves the buffer to its owner, and the next one is whole */
  wpio_job_clear(&reused);
  char *huge = long_name('h', WPIO_WIRE_MAX_STRING + 1);
  CHECK(huge && wpio_strtab_intern(&reused.names, huge, strlen(huge)) == 0);
  free(huge);
  CHECK(wpio_encode_into(&reused, &kept, &cap, &len) == -1 && len == 0 && kept != NULL && cap > 0);
  wpio_job_clear(&reused);
  CHECK(build_job(&reused) == 0 && wpio_encode_into(&reused, &kept, &cap, &len) == 0);
  CHECK(len == g_len && memcmp(kept, g_buf, g_len) == 0);
  /* decoded into a cleared job: the same job as decoded into a fresh one */
  char err[256];
  wpio_job_clear(&reused);
  CHECK(wpio_decode(g_buf, g_len, &reused, err, sizeof err) == 0 && compare_jobs(&g_job, &reused) == 0);
  free(kept);
  free(big_buf);
  wpio_job_free(&reused);
  wpio_job_free(&fresh);
  return 0;
}

static int test_empty_job(void) {
  struct wpio_job a, b;
  uint8_t *buf;
  size_t len;
  char err[256];
  wpio_job_init(&a);
  wpio_job_init(&b);
  CHECK(wpio_encode(&a, &buf, &len) == 0);
  CHECK(wpio_decode(buf, len, &b, err, sizeof err) == 0);
  CHECK(is_empty(&b));
  free(buf);
  return 0;
}

static int test_crc_known_value(void) {
  CHECK(wpio_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u);
  CHECK(wpio_crc32(NULL, 0) == 0);
  /* CRC-32C (wire version 5 on): the check value of RFC 3720, with and without the CPU's instruction,
   * at every length and alignment the 8-byte loops and their tails see */
  CHECK(wpio_crc32c((const uint8_t *)"123456789", 9) == 0xE3069283u);
  CHECK(wpio_crc32c_portable((const uint8_t *)"123456789", 9) == 0xE3069283u);
  CHECK(wpio_crc32c(NULL, 0) == 0);
  uint8_t bytes[64];
  for (size_t i = 0; i < sizeof bytes; i++) bytes[i] = (uint8_t)(i * 37u + 11u);
  for (size_t off = 0; off < 8; off++)
    for (size_t n = 0; off + n <= sizeof bytes; n++)
      CHECK(wpio_crc32c(bytes + off, n) == wpio_crc32c_portable(bytes + off, n));
  /* lengths around the three-block paths (3 x 256 and 3 x 8192 bytes) and well past them */
  static uint8_t big[3 * 8192 * 2 + 777];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)(i * 2654435761u >> 13);
  static const size_t lens[] = {767, 768, 769, 775, 776, 1536, 2000, 24575, 24576, 24577, 24584, 25344,
                                49152, 49929, sizeof big};
  for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++)
    for (size_t off = 0; off < 3 && off + lens[k] <= sizeof big; off++)
      CHECK(wpio_crc32c(big + off, lens[k]) == wpio_crc32c_portable(big + off, lens[k]));
  /* every length through two short three-block rounds, at every alignment; and around one and two
   * long rounds, with a short round and a tail after them */
  for (size_t n = 0; n <= 2 * 3 * 256 + 24; n++)
    for (size_t off = 0; off < 8; off++) CHECK(wpio_crc32c(big + off, n) == wpio_crc32c_portable(big + off, n));
  for (size_t rounds = 1; rounds <= 2; rounds++)
    for (size_t extra = 0; extra <= 3 * 256 + 8; extra += 3 * 256 / 2 + 1)
      for (size_t d = 0; d < 9; d++) {
        size_t n = rounds * 3 * 8192 + extra + d - 4;
        for (size_t off = 0; off < 8 && off + n <= sizeof big; off++)
          CHECK(wpio_crc32c(big + off, n) == wpio_crc32c_portable(big + off, n));
      }
  CHECK(wpio_wire_checksum(4, (const uint8_t *)"123456789", 9) == 0xCBF43926u);
  CHECK(wpio_wire_checksum(5, (const uint8_t *)"123456789", 9) == 0xE3069283u);
  return 0;
}

static int test_truncations(void) {
  for (size_t l = 0; l < g_len; l++)
    if (expect_fail(g_buf, l, NULL)) return 1;
  CHECK(expect_fail(NULL, 0, NULL) == 0);
  return 0;
}

/* Every byte flipped: the header fields are checked directly, the payload by the CRC. Only the
 * two flag bytes (reserved, ignored by version 1) may still decode. */
static int test_byte_flips(void) {
  uint8_t *m = malloc(g_len);
  CHECK(m);
  for (size_t i = 0; i < g_len; i++) {
    memcpy(m, g_buf, g_len);
    m[i] ^= (uint8_t)(1u << (i % 8));
    if (i == 6 || i == 7) continue;
    if (expect_fail(m, g_len, NULL)) return 1;
  }
  free(m);
  return 0;
}

/* Random mutations with the CRC fixed up, so the structural checks themselves are exercised; they
 * must never crash or read out of bounds (ASan), whatever they conclude. */
static int test_fuzz_valid_crc(void) {
  uint8_t *m = malloc(g_len);
  uint64_t seed = 12345;
  CHECK(m);
  int decoded = 0;
  /* half of the runs spare the long name strings, so most mutations hit lengths, counts and ids */
  size_t names_end = find_section(g_buf, g_len, 1) + SEC_HEAD + (size_t)load_le(g_buf + HDR + 2, 8);
  CHECK(find_section(g_buf, g_len, 1) == HDR && names_end < g_len);
  for (int it = 0; it < 4000; it++) {
    memcpy(m, g_buf, g_len);
    int flips = 1 + (int)(wptest_rand(&seed) % 8);
    size_t from = (it & 2) ? names_end : HDR;
    for (int f = 0; f < flips; f++) {
      size_t at = from + wptest_rand(&seed) % (g_len - from);
      m[at] = (it & 1) ? (uint8_t)wptest_rand(&seed) : (uint8_t)(m[at] ^ 0xff);
    }
    fix_crc(m, g_len);
    struct wpio_job j;
    char err[256];
    wpio_job_init(&j);
    if (wpio_decode(m, g_len, &j, err, sizeof err) == 0) decoded++;
    else CHECK(err[0] && is_empty(&j));
    wpio_job_free(&j);
  }
  printf("     %d of 4000 structural mutations still decoded (values changed, structure intact)\n", decoded);
  free(m);
  return 0;
}

static int test_newer_version(void) {
  uint8_t *m = malloc(g_len);
  CHECK(m);
  memcpy(m, g_buf, g_len);
  store_le(m + 4, WPIO_WIRE_VERSION + 1, 2);
  char want[64];
  snprintf(want, sizeof want, "unsupported wire version %u", WPIO_WIRE_VERSION + 1);
  CHECK(expect_fail(m, g_len, want) == 0);
  m[0] = 'X';
  CHECK(expect_fail(m, g_len, "magic") == 0);
  free(m);
  return 0;
}

/* A row count that lies while the CRC is valid: the fixed tables check length == count * size,
 * the variable ones bound the count by the bytes present before allocating anything. */
static int test_lying_counts(void) {
  static const unsigned tags[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  static const uint32_t lies[] = {0, 1, 0x7fffffffu, 0xffffffffu};
  uint8_t *m = malloc(g_len);
  CHECK(m);
  for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
    size_t at = find_section(g_buf, g_len, tags[t]);
    CHECK(at != 0);
    uint32_t real = (uint32_t)load_le(g_buf + at + SEC_HEAD, 4);
    for (size_t k = 0; k < sizeof lies / sizeof lies[0]; k++) {
      uint32_t lie = lies[k] == 1 ? real + 1 : lies[k];
      if (lie == real) continue;
      memcpy(m, g_buf, g_len);
      store_le(m + at + SEC_HEAD, lie, 4);
      fix_crc(m, g_len);
      if (expect_fail(m, g_len, NULL)) return 1;
    }
    /* a section length that runs past the payload */
    memcpy(m, g_buf, g_len);
    store_le(m + at + 2, UINT64_MAX - 3, 8);
    fix_crc(m, g_len);
    if (expect_fail(m, g_len, "runs past")) return 1;
  }
  free(m);
  return 0;
}

/* Ids and enums are checked after all sections are read. */
static int test_bad_ids(void) {
  uint8_t *m = malloc(g_len);
  CHECK(m);
  size_t k = find_section(g_buf, g_len, 5) + SEC_HEAD + 4; /* first kernel row */
  memcpy(m, g_buf, g_len);
  store_le(m + k + 8, 5, 4); /* name_id == number of names */
  fix_crc(m, g_len);
  CHECK(expect_fail(m, g_len, "name_id 5") == 0);
  memcpy(m, g_buf, g_len);
  store_le(m + k + 12, WPIO_KIND_COUNT, 4);
  fix_crc(m, g_len);
  CHECK(expect_fail(m, g_len, "kind") == 0);
  size_t h = find_section(g_buf, g_len, 8) + SEC_HEAD + 4; /* first hist row */
  memcpy(m, g_buf, g_len);
  store_le(m + h + 8, WPIO_HIST_BUCKETS, 4);
  fix_crc(m, g_len);
  CHECK(expect_fail(m, g_len, "bucket") == 0);
  size_t mp = find_section(g_buf, g_len, 9) + SEC_HEAD + 4; /* first mpi row */
  memcpy(m, g_buf, g_len);
  store_le(m + mp + 8, 5, 4);
  fix_crc(m, g_len);
  CHECK(expect_fail(m, g_len, "mpi row 0: name_id 5") == 0);
  /* a name string whose length exceeds the limit */
  size_t n = find_section(g_buf, g_len, 1) + SEC_HEAD + 4;
  memcpy(m, g_buf, g_len);
  store_le(m + n, WPIO_WIRE_MAX_STRING + 1, 4);
  fix_crc(m, g_len);
  CHECK(expect_fail(m, g_len, "exceeds") == 0);
  free(m);
  return 0;
}

/* A job whose two names are equal on the wire is refused. */
static int test_duplicate_names(void) {
  struct wpio_job a;
  uint8_t *buf;
  size_t len;
  wpio_job_init(&a);
  CHECK(wpio_strtab_intern(&a.names, "abc", 3) == 0);
  CHECK(wpio_strtab_intern(&a.names, "abd", 3) == 1);
  CHECK(wpio_encode(&a, &buf, &len) == 0);
  wpio_job_free(&a);
  size_t n = find_section(buf, len, 1) + SEC_HEAD + 4;
  CHECK(buf[n + 4 + 2] == 'c' && buf[n + 4 + 3 + 4 + 2] == 'd');
  buf[n + 4 + 3 + 4 + 2] = 'c';
  fix_crc(buf, len);
  CHECK(expect_fail(buf, len, "repeats") == 0);
  free(buf);
  return 0;
}

/* A section with an unknown tag (from a newer writer) is skipped. */
static int test_unknown_section(void) {
  size_t extra = SEC_HEAD + 7, len = g_len + extra;
  uint8_t *m = malloc(len);
  CHECK(m);
  memcpy(m, g_buf, g_len);
  store_le(m + g_len, 999, 2);
  store_le(m + g_len + 2, 7, 8);
  memcpy(m + g_len + SEC_HEAD, "future!", 7);
  store_le(m + 8, len - HDR, 8);
  fix_crc(m, len);
  struct wpio_job j;
  char err[256];
  wpio_job_init(&j);
  CHECK(wpio_decode(m, len, &j, err, sizeof err) == 0);
  CHECK(compare_jobs(&g_job, &j) == 0);
  wpio_job_free(&j);
  /* the same section duplicated is refused */
  size_t at = find_section(g_buf, g_len, 4), slen = SEC_HEAD + (size_t)load_le(g_buf + at + 2, 8);
  uint8_t *d = malloc(g_len + slen);
  CHECK(d);
  memcpy(d, g_buf, g_len);
  memcpy(d + g_len, g_buf + at, slen);
  store_le(d + 8, g_len + slen - HDR, 8);
  fix_crc(d, g_len + slen);
  CHECK(expect_fail(d, g_len + slen, "twice") == 0);
  free(d);
  free(m);
  return 0;
}

int main(void) {
  int fails = 0;
  RUN(fails, test_crc_known_value);
  RUN(fails, test_round_trip);
  if (fails) return 1; /* everything below mutates the round-trip buffer */
  RUN(fails, test_reused_job_and_buffer);
  RUN(fails, test_empty_job);
  RUN(fails, test_truncations);
  RUN(fails, test_byte_flips);
  RUN(fails, test_fuzz_valid_crc);
  RUN(fails, test_newer_version);
  RUN(fails, test_lying_counts);
  RUN(fails, test_bad_ids);
  RUN(fails, test_duplicate_names);
  RUN(fails, test_unknown_section);
  free(g_buf);
  wpio_job_free(&g_job);
  return fails ? 1 : 0;
}
