/* The API's calls below the public ones (session_api.c): what the PMPI init and finalize wrappers
 * (mpi_init.c) and the load-time constructor (preload.c) hand over to, and the session that
 * session_api.c holds. */
#ifndef WPR_ENTRY_POINTS_H
#define WPR_ENTRY_POINTS_H

#include "session.h"

extern struct wpr_session wpr_session;

/* The MPI_Init wrappers' hand-over: initialises wprof unless it already is. An explicit wprof_init
 * later, before any window was requested, starts the session again with the application's
 * communicator and environment. */
int wpr_init_from_mpi(void);

/* The session of a program started by `wprof run`, set up when libwprof is loaded: a world of one
 * that an MPI_Init later replaces (without a report); finalised at exit when nothing did. */
int wpr_init_provisional(void);
int wpr_finalize_provisional(void);

/* The MPI_Finalize wrapper's last word before PMPI_Finalize: a rank whose finalize data was still
 * waiting for rank 0 hands it over now (bounded). */
int wpr_finish_handover(void);

/* The MPI_Finalize wrapper's two halves around PMPI_Finalize: wprof's finalize (rank 0's report write
 * left to a thread, so it overlaps MPI's own teardown) and the hand-over; then that write joined, so
 * the report is there when MPI_Finalize returns. */
void wpr_finalize_from_mpi(void);
void wpr_after_mpi_finalize(void);

#endif
