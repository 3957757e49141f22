/* wprof with an explicit communicator: profile the ranks of `comm` instead of MPI_COMM_WORLD. */
#ifndef WPROF_MPI_H
#define WPROF_MPI_H

#include <mpi.h>
#include "wprof.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Like wprof_init, over the ranks of `comm` (collective over `comm`; wprof duplicates it). */
int wprof_init_comm(MPI_Comm comm);

#ifdef __cplusplus
}
#endif
#endif
