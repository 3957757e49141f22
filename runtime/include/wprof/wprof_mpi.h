/* wprof with an explicit communicator: profile the ranks of `comm` instead of MPI_COMM_WORLD. */
#ifndef WPROF_MPI_H
#define WPROF_MPI_H

#include <mpi.h>
#include "wprof.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Like wprof_init, over the ranks of `comm`: collective over `comm` (wprof duplicates it); when not every
 * rank of it calls it within WPROF_SYNC_TIMEOUT_MS it returns WPROF_ETIMEOUT and the automatic session of
 * MPI_Init goes on. It replaces that session on the ranks that call it (the replaced one writes no report
 * and nobody waits for it). Ranks are numbered within `comm`, the report's world_size is its size, and
 * over a communicator other than MPI_COMM_WORLD (or a duplicate) WPROF_OUTPUT=<stem>.h5 becomes
 * <stem>-<world rank of comm's rank 0>.h5, so two sessions of one job never write one file. */
int wprof_init_comm(MPI_Comm comm);

#ifdef __cplusplus
}
#endif
#endif
