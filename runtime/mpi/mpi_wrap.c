/* PMPI interposition: the C wrappers of every call of the MPI call table (mpi_calls.h), generated
 * here. Each times the real PMPI_ call with the TSC and hands the result to the table (mpi_table.h). */
#include "mpi_wrap.h"

#include <stdint.h>

#include "mpi_table.h"
#include "stragglers.h"
#include "timeline.h"
#include "timer.h"

/* ---- byte counts (the `bytes` column of mpi_calls.h); only called after a successful call, so the
 * datatypes and communicators they query are valid ---- */

static uint64_t B(int count, MPI_Datatype type) {
  int size = 0;
  if (count <= 0 || type == MPI_DATATYPE_NULL || PMPI_Type_size(type, &size) != MPI_SUCCESS || size <= 0)
    return 0;
  return (uint64_t)count * (uint64_t)size;
}

/* The ranks a rooted or all-to-all call exchanges with: the remote group of an intercommunicator. */
static uint64_t PEERS(MPI_Comm comm) {
  int inter = 0, n = 0;
  if (PMPI_Comm_test_inter(comm, &inter) != MPI_SUCCESS) return 0;
  if ((inter ? PMPI_Comm_remote_size(comm, &n) : PMPI_Comm_size(comm, &n)) != MPI_SUCCESS || n < 0) return 0;
  return (uint64_t)n;
}

static uint64_t LOCAL(MPI_Comm comm) {
  int n = 0;
  return PMPI_Comm_size(comm, &n) == MPI_SUCCESS && n > 0 ? (uint64_t)n : 0;
}

static uint64_t VEC(const int *counts, MPI_Datatype type, uint64_t n) {
  uint64_t sum = 0;
  for (uint64_t i = 0; counts && i < n; i++) sum += counts[i] > 0 ? (uint64_t)counts[i] : 0;
  return sum > INT32_MAX ? sum * B(1, type) : B((int)sum, type);
}

/* This rank's own entry of a v-variant's counts (MPI_IN_PLACE at the root). */
static uint64_t OWN(const int *counts, MPI_Datatype type, MPI_Comm comm) {
  int rank = -1;
  if (!counts || PMPI_Comm_rank(comm, &rank) != MPI_SUCCESS || rank < 0) return 0;
  return B(counts[rank], type);
}

#define SEND_SIDE(buf, normal, in_place) ((buf) == MPI_IN_PLACE ? (in_place) : (normal))

/* ---- the wrappers ---- */

/* An MPI call inside a window, on the timeline (off the wrappers' fast path). */
static __attribute__((noinline)) void wpr_timeline_mpi(int id, uint64_t t0, uint64_t t1) {
  wpr_timeline_host(WPIO_EV_MPI, wpr_mpi_name(id), t0, t1);
}

#define WPR_MPI_WRAPPER(name, params, args, bytes)                                   \
  int wpr_mpi_c_##name params {                                                      \
    struct wpr_mpi_block *wb_ = wpr_mpi_enter();                                     \
    uint64_t t0_ = wpr_ticks();                                                      \
    int rc_ = PMPI_##name args;                                                      \
    uint64_t t1_ = wpr_ticks();                                                      \
    uint64_t ns_ = wpr_ticks_to_ns(t1_ - t0_);                                       \
    if (wpr_timeline_is_active()) wpr_timeline_mpi(WPR_MPI_ID_##name, t0_, t1_);     \
    wpr_strag_note(WPR_MPI_ID_##name, t0_, t1_);                                     \
    wpr_mpi_leave(wb_, WPR_MPI_ID_##name, ns_, rc_ == MPI_SUCCESS ? (bytes) : 0);    \
    return rc_;                                                                      \
  }                                                                                  \
  int MPI_##name params { return wpr_mpi_c_##name args; }

WPR_MPI_CALLS(WPR_MPI_WRAPPER)
