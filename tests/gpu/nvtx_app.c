/* An application whose ranges are plain NVTX (it includes only nvtx3 for them): push/pop nested,
 * wide names, start/end, a domain with registered strings, and one wprof_range_push around an NVTX
 * range, so double counting of wprof's own domain would show in the counts. wprof_* calls only open
 * the window. Usage: nvtx_app [iterations] */
#include <nvtx3/nvToolsExt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wprof/wprof.h"

static void spin_ms(double ms) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  do clock_gettime(CLOCK_MONOTONIC, &b);
  while ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6 < ms);
}

static nvtxEventAttributes_t attrs_ascii(const char *msg) {
  nvtxEventAttributes_t a;
  memset(&a, 0, sizeof a);
  a.version = NVTX_VERSION;
  a.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
  a.messageType = NVTX_MESSAGE_TYPE_ASCII;
  a.message.ascii = msg;
  return a;
}

static void iteration(nvtxDomainHandle_t domain, nvtxStringHandle_t registered) {
  nvtxRangePushA("nv.outer");
  spin_ms(1);
  nvtxRangePushW(L"nv.inner\u00e9");
  spin_ms(2);
  nvtxRangePop();
  nvtxRangePop();

  nvtxRangeId_t id = nvtxRangeStartA("nv.startend");
  spin_ms(1);
  nvtxRangeEnd(id);

  nvtxEventAttributes_t reg = attrs_ascii(NULL);
  reg.messageType = NVTX_MESSAGE_TYPE_REGISTERED;
  reg.message.registered = registered;
  nvtxDomainRangePushEx(domain, &reg);
  nvtxEventAttributes_t ex = attrs_ascii("nv.ex");
  nvtxRangePushEx(&ex);
  nvtxRangePop();
  nvtxDomainRangePop(domain);

  nvtxEventAttributes_t dse = attrs_ascii("nv.domain.startend");
  nvtxRangeId_t did = nvtxDomainRangeStartEx(domain, &dse);
  nvtxDomainRangeEnd(domain, did);

  wprof_range_push("wp.own");
  nvtxRangePushA("nv.in_wp");
  spin_ms(1);
  nvtxRangePop();
  wprof_range_pop();
}

int main(int argc, char **argv) {
  int iters = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 3;
  if (wprof_init() != WPROF_OK) fprintf(stderr, "nvtx_app: wprof_init failed\n");
  nvtxDomainHandle_t domain = nvtxDomainCreateA("app.domain");
  nvtxStringHandle_t registered = nvtxDomainRegisterStringA(domain, "nv.registered");
  wprof_start();
  for (int i = 0; i < iters; i++) iteration(domain, registered);
  wprof_stop();
  int rc = wprof_finalize();
  if (rc != WPROF_OK) fprintf(stderr, "nvtx_app: wprof_finalize: %s\n", wprof_strerror(rc));
  return rc == WPROF_OK ? 0 : 1;
}
