/* The driver interface of the fake libcupti: a test program dlopen()s the same libfakecupti.so that
 * wprof loaded (WPROF_CUPTI_LIBRARY) and resolves these to "run" GPU work. All return 0 or -1.
 * The fake's own environment switches: FAKECUPTI_ASYNC=1 (buffers completed on the fake's thread),
 * FAKECUPTI_API_VERSION=<n> (cuptiGetVersion's answer), FAKECUPTI_NO_TIMESTAMP_CALLBACK=1 (as a
 * CUPTI without cuptiActivityRegisterTimestampCallback), FAKECUPTI_OTHER_SUBSCRIBER=1 (below),
 * FAKECUPTI_INCOMPLETE=invalid_kind (cuptiActivityGetNextRecord refuses an incomplete record with
 * CUPTI_ERROR_INVALID_KIND, which ends the walk of its buffer). */
#ifndef FAKECUPTI_H
#define FAKECUPTI_H

#include <stdint.h>

/* A kernel launch: runtime-API enter/exit callbacks on the calling thread with a new correlation id,
 * and a kernel record that starts when the stream is free (or now) and lasts exactly duration_ns. */
int fakecupti_launch(const char *kernel, uint64_t duration_ns);
/* The same through the API `api` names, with the callback id CUPTI uses for it: "cudaLaunchKernel",
 * "cudaLaunchKernel_ptsz", "__cudaLaunchKernel" (nvcc 13's <<<>>>), "__cudaLaunchKernel_ptsz",
 * "cudaLaunchKernelExC", "cudaLaunchCooperativeKernel" (and _ptsz, MultiDevice), "cudaGraphLaunch"
 * (one node), "cuLaunchKernel", "cuLaunchKernelEx", "cuLaunchCooperativeKernel" (and _ptsz),
 * "cuLaunchGrid", "cuLaunchGridAsync", "cuLaunch", "cuGraphLaunch", ..., also with the callback id's
 * version suffix ("__cudaLaunchKernel_v13000"). A runtime call makes its driver call inside
 * (callbacks with an id of its own), as the CUDA runtime does. -1: unknown name. */
int fakecupti_launch_api(const char *api, const char *kernel, uint64_t duration_ns);
/* A kernel that lasts exactly duration_ns, queued like fakecupti_launch, whose record stays
 * incomplete until its end has passed in real time: a plain flush leaves it (and the records after
 * it) for later, a forced flush before then hands it over with start = end = 0, once. */
int fakecupti_launch_running(const char *kernel, uint64_t duration_ns);
/* A cudaLaunchKernel made while its stream is being captured into a graph: enter and exit callbacks
 * with a correlation id, as CUPTI gives them, and no record ever (the kernel does not run). */
int fakecupti_launch_captured(const char *kernel);
/* A kernel launched through a call the subscriber has no callback for: a record whose correlation id
 * wprof never saw. */
int fakecupti_launch_unseen(const char *kernel, uint64_t duration_ns);
/* A cudaGraphLaunch of nkernels nodes: the first run duration_ns each, the last nrunning run
 * running_ns each and stay incomplete until their end has passed in real time (as
 * fakecupti_launch_running), so the graph's records arrive in two deliveries. */
int fakecupti_graph_launch_split(const char *kernel, uint64_t duration_ns, unsigned nkernels, unsigned nrunning,
                                 uint64_t running_ns);
/* A cudaLaunchKernel that fails (its exit callback returns an error): no record comes. */
int fakecupti_launch_failed(const char *kernel);
/* n runtime-API calls without GPU work (cudaGetLastError): each takes a correlation id, as in CUPTI. */
int fakecupti_api_calls(unsigned n);
/* Steps CUPTI's default timebase (CLOCK_REALTIME) by ns, as an NTP step would. Timestamps from a
 * registered timestamp callback are not affected. */
int fakecupti_clock_step(int64_t ns);
/* A peer copy (cudaMemcpyPeerAsync, a MEMCPY2 record PtoP) of `bytes`. */
int fakecupti_memcpy_peer(uint64_t bytes, uint64_t duration_ns);
/* Driver-API copies and sets: cuMemcpyHtoDAsync_v2 (an HtoD record), cuMemsetD32Async. */
int fakecupti_memcpy_driver(uint64_t bytes, uint64_t duration_ns);
int fakecupti_memset_driver(uint64_t bytes, uint64_t duration_ns);
/* A host-to-device cudaMemcpy of `bytes`, with callbacks like a launch. */
int fakecupti_memcpy(uint64_t bytes, uint64_t duration_ns);
/* A cudaMemset of `bytes`, with callbacks like a launch. */
int fakecupti_memset(uint64_t bytes, uint64_t duration_ns);
/* A kernel launch with this grid and block (registers 32, no shared memory), else as fakecupti_launch. */
int fakecupti_launch_config(const char *kernel, uint64_t duration_ns, unsigned gx, unsigned gy, unsigned gz,
                            unsigned bx, unsigned by, unsigned bz);
/* One cudaGraphLaunch (callbacks with one correlation id) whose graph runs `nkernels` kernels named
 * `kernel`, each lasting duration_ns, with the graph's id and a node id each. */
int fakecupti_graph_launch(const char *kernel, uint64_t duration_ns, unsigned nkernels);
/* cudaMalloc of `bytes` on device 0 (callbacks like a launch, a MEMORY2 allocation record). */
int fakecupti_alloc(uint64_t bytes);
/* cudaFree of the most recent live allocation of `bytes` (a MEMORY2 release record); -1 when none. */
int fakecupti_free(uint64_t bytes);
/* Delivers the queued records in reverse order (as if buffers completed out of order) at the next flush. */
int fakecupti_reverse(int on);
/* n more records reported dropped by cuptiActivityGetNumDroppedRecords. */
int fakecupti_drop(uint64_t n);
/* cudaDeviceSynchronize: waits until the stream's queued work has "run" (a synchronization record). */
int fakecupti_sync(void);
/* While on, flushes deliver nothing: records stay queued as if the GPU had not finished them. */
int fakecupti_hold(int on);
/* Delivers every queued record from a new thread (late delivery); fakecupti_join waits for it. */
int fakecupti_deliver_async(void);
int fakecupti_join(void);

/* ---- issue 9 (launch latency, time breakdown, CUPTI overhead) ---- */
/* A kernel launch whose kernel starts launch_delay_ns after the launch call's enter callback
 * returned (regardless of the stream's queue) and lasts duration_ns. */
int fakecupti_launch_delayed(const char *kernel, uint64_t duration_ns, uint64_t launch_delay_ns);
/* Sets the anchor of the *_at calls to the GPU clock now. */
int fakecupti_anchor(void);
/* A kernel launch (or an HtoD cudaMemcpy of `bytes`) that runs on `stream` exactly from anchor +
 * offset_ns for duration_ns, whatever else runs then: known overlaps between streams. */
int fakecupti_launch_at(const char *kernel, uint32_t stream, uint64_t offset_ns, uint64_t duration_ns);
int fakecupti_memcpy_at(uint64_t bytes, uint32_t stream, uint64_t offset_ns, uint64_t duration_ns);
/* A cudaGraphLaunch of `nkernels` nodes lasting duration_ns each: the first starts launch_delay_ns
 * after the call, the others back to back after it. */
int fakecupti_graph_launch_delayed(const char *kernel, uint64_t duration_ns, unsigned nkernels,
                                   uint64_t launch_delay_ns);
/* An OVERHEAD record (CUpti_ActivityOverhead3) of `kind` (CUpti_ActivityOverheadKind) lasting duration_ns. */
int fakecupti_overhead(int kind, uint64_t duration_ns);
/* With FAKECUPTI_OTHER_SUBSCRIBER=1 in the environment, cuptiSubscribe answers
 * CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED, as when another tool holds CUPTI. */

#endif
