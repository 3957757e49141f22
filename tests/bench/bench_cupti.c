/* Benchmark: CUPTI activity records through the cupti backend's real buffer-completed callback and
 * aggregation (the fake libcupti's record iterator), on synthetic buffers of real
 * CUpti_ActivityKernel10 records, against a memcpy of the same bytes measured in the same run.
 * Target: >= 30 M records/s on one core, i.e. <= 33.3 ns per record. */
#include <string.h>

#include <cupti.h>

#include "bench_common.h"
#include "backend.h"
#include "config.h"
#include "cupti_corr.h"
#include "cupti_session.h"
#include "wprof/wprof.h"

#define BUFFER_KB 4096
#define N_NAMES 16
#define ROUNDS 20

static const char *const names[N_NAMES] = {
    "void at::native::vectorized_elementwise_kernel<4, at::native::CUDAFunctor_add<float>>",
    "ampere_sgemm_128x64_tn", "ampere_sgemm_64x64_nn", "void cutlass::Kernel<cutlass_80_tensorop_s1688gemm>",
    "ncclDevKernel_AllReduce_Sum_f32_RING_LL", "void at::native::reduce_kernel<512, 1>",
    "softmax_warp_forward", "layer_norm_kernel", "dropout_kernel", "embedding_backward_kernel",
    "adam_update_kernel", "copy_kernel", "fill_kernel", "gelu_kernel", "attention_fwd", "attention_bwd"};

static size_t record_bytes(void) { return (sizeof(CUpti_ActivityKernel10) + 7) & ~(size_t)7; }

/* A buffer as CUPTI fills it: back-to-back kernel records of a few kernels, launched in window 0. */
static size_t fill_template(uint8_t *buf, size_t size) {
  size_t n = size / record_bytes();
  for (size_t i = 0; i < n; i++) {
    CUpti_ActivityKernel10 k;
    memset(&k, 0, sizeof k);
    k.kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
    k.start = 1000000 + i * 2000;
    k.end = k.start + 1000 + (i % 97);
    k.correlationId = (uint32_t)(i + 1);
    k.name = names[(i * 7) % N_NAMES];
    memcpy(buf + i * record_bytes(), &k, sizeof k);
    wpr_cupti_corr_put(k.correlationId, (struct wpr_launch_ctx){.window = 0, .node = 0});
  }
  return n * record_bytes();
}

/* Each buffer's records run later than the last buffer's, as a GPU's do: the template's times moved
 * on by one buffer's span each time (the time breakdown's interval lists see a real run's order,
 * not the same intervals again and again). */
static void move_on(uint8_t *buf, size_t n_records) {
  static uint64_t shift;
  for (size_t i = 0; i < n_records; i++) {
    CUpti_ActivityKernel10 *k = (CUpti_ActivityKernel10 *)(buf + i * record_bytes());
    k->start += shift;
    k->end += shift;
  }
  shift += n_records * 2000;
}

/* ns per record through completed + aggregation; the copy into CUPTI's buffer is not timed. */
static double records_ns(const uint8_t *tmpl, size_t valid, size_t n_records) {
  uint64_t spent = 0;
  for (int r = 0; r < ROUNDS; r++) {
    uint8_t *buf = NULL;
    size_t size = 0, max_records = 0;
    wpr_cupti_buffer_requested(&buf, &size, &max_records);
    if (!buf || size < valid) return -1;
    memcpy(buf, tmpl, valid);
    move_on(buf, n_records);
    uint64_t t0 = bench_now_ns();
    wpr_cupti_buffer_completed(NULL, 0, buf, size, valid);
    wpr_cupti_drain();
    spent += bench_now_ns() - t0;
  }
  return (double)spent / ((double)n_records * ROUNDS);
}

static double memcpy_ns(uint8_t *dst, const uint8_t *src, size_t valid, size_t n_records) {
  uint64_t t0 = bench_now_ns();
  for (int r = 0; r < ROUNDS; r++) {
    memcpy(dst, src, valid);
    __asm__ volatile("" : : "r"(dst) : "memory");
  }
  return (double)(bench_now_ns() - t0) / ((double)n_records * ROUNDS);
}

int main(void) {
  struct wpr_config cfg;
  wpr_config_defaults(&cfg);
  snprintf(cfg.cupti_library, sizeof cfg.cupti_library, "%s", WPROF_FAKECUPTI_PATH);
  cfg.cupti_buffer_kb = BUFFER_KB;
  if (wpr_backend_cupti.init(&cfg) != WPROF_OK) {
    fprintf(stderr, "bench_cupti: the cupti backend did not load %s\n", WPROF_FAKECUPTI_PATH);
    return 1;
  }
  size_t size = (size_t)BUFFER_KB * 1024;
  uint8_t *tmpl = malloc(size), *dst = malloc(size);
  if (!tmpl || !dst) return 1;
  size_t valid = fill_template(tmpl, size), n = valid / record_bytes();
  records_ns(tmpl, valid, n); /* warm-up: names interned, rows created, pages touched */
  memcpy_ns(dst, tmpl, valid, n);
  double v[BENCH_REPS], b[BENCH_REPS];
  for (int r = 0; r < BENCH_REPS; r++) {
    v[r] = records_ns(tmpl, valid, n);
    b[r] = memcpy_ns(dst, tmpl, valid, n);
  }
  double per_record = bench_median(v, BENCH_REPS), per_copy = bench_median(b, BENCH_REPS);
  bench_report("cupti records: completed + aggregation per record (30 M/s = 33.3 ns) vs memcpy of its bytes",
               per_record, per_copy, 1e9 / 30e6, 0);
  free(tmpl);
  free(dst);
  return 0;
}
