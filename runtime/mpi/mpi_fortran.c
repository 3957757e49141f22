/* Fortran entry points (mpif.h and `use mpi`): Open MPI's Fortran bindings call PMPI_* directly, so
 * these take their place, convert the handles and count the call through the same C wrappers. Each
 * is defined under the four names Fortran compilers use (mpi_send_, mpi_send__, mpi_send, MPI_SEND).
 * MPI_INIT, MPI_INIT_THREAD and MPI_FINALIZE are the API's (api/mpi_init.c). */
#include <mpi.h>
#include <stdlib.h>

#include "mpi_fortran.h"
#include "mpi_wrap.h"

/* MPI-4 names it; Open MPI 4 sizes a Fortran status as the C struct in Fortran integers. */
#ifndef MPI_F_STATUS_SIZE
#define MPI_F_STATUS_SIZE ((int)(sizeof(MPI_Status) / sizeof(MPI_Fint)))
#endif

/* Open MPI's Fortran constants are the addresses of these (weak: absent from other MPIs). */
extern int mpi_fortran_in_place_ __attribute__((weak));
extern int mpi_fortran_bottom_ __attribute__((weak));
extern MPI_Fint mpi_fortran_status_ignore_ __attribute__((weak));
extern MPI_Fint mpi_fortran_statuses_ignore_ __attribute__((weak));

static void *cbuf(void *p) {
  if (&mpi_fortran_in_place_ && p == (void *)&mpi_fortran_in_place_) return MPI_IN_PLACE;
  if (&mpi_fortran_bottom_ && p == (void *)&mpi_fortran_bottom_) return MPI_BOTTOM;
  return p;
}

static int status_ignored(const MPI_Fint *f) {
  return !f || (&mpi_fortran_status_ignore_ && f == &mpi_fortran_status_ignore_);
}

static int statuses_ignored(const MPI_Fint *f) {
  return !f || (&mpi_fortran_statuses_ignore_ && f == &mpi_fortran_statuses_ignore_);
}

#define COMM(f) PMPI_Comm_f2c(*(f))
#define TYPE(f) PMPI_Type_f2c(*(f))
#define OP(f) PMPI_Op_f2c(*(f))
#define SET(ierr, rc) \
  do {                \
    if (ierr) *(ierr) = (MPI_Fint)(rc); \
  } while (0)

/* A call with one status: into a C status, copied out unless the caller ignores it. */
#define WITH_STATUS(fstatus, call)                                       \
  MPI_Status st_;                                                        \
  int ign_ = status_ignored(fstatus);                                    \
  MPI_Status *cst_ = ign_ ? MPI_STATUS_IGNORE : &st_;                    \
  int rc_ = (call);                                                      \
  if (rc_ == MPI_SUCCESS && !ign_) PMPI_Status_c2f(&st_, (fstatus));

/* ---- communicators ---- */

static void wpr_f_mpi_comm_rank(MPI_Fint *comm, MPI_Fint *rank, MPI_Fint *ierr) {
  int r = 0, rc = wpr_mpi_c_Comm_rank(COMM(comm), &r);
  if (rc == MPI_SUCCESS) *rank = (MPI_Fint)r;
  SET(ierr, rc);
}

static void wpr_f_mpi_comm_size(MPI_Fint *comm, MPI_Fint *size, MPI_Fint *ierr) {
  int n = 0, rc = wpr_mpi_c_Comm_size(COMM(comm), &n);
  if (rc == MPI_SUCCESS) *size = (MPI_Fint)n;
  SET(ierr, rc);
}

static void wpr_f_mpi_barrier(MPI_Fint *comm, MPI_Fint *ierr) { SET(ierr, wpr_mpi_c_Barrier(COMM(comm))); }

WPR_FORTRAN(mpi_comm_rank, MPI_COMM_RANK, (MPI_Fint *comm, MPI_Fint *rank, MPI_Fint *ierr), (comm, rank, ierr))
WPR_FORTRAN(mpi_comm_size, MPI_COMM_SIZE, (MPI_Fint *comm, MPI_Fint *size, MPI_Fint *ierr), (comm, size, ierr))
WPR_FORTRAN(mpi_barrier, MPI_BARRIER, (MPI_Fint *comm, MPI_Fint *ierr), (comm, ierr))

/* ---- point to point ---- */

static void wpr_f_mpi_send(void *buf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *dest, MPI_Fint *tag,
                           MPI_Fint *comm, MPI_Fint *ierr) {
  SET(ierr, wpr_mpi_c_Send(cbuf(buf), (int)*count, TYPE(type), (int)*dest, (int)*tag, COMM(comm)));
}

static void wpr_f_mpi_recv(void *buf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *source, MPI_Fint *tag,
                           MPI_Fint *comm, MPI_Fint *status, MPI_Fint *ierr) {
  WITH_STATUS(status, wpr_mpi_c_Recv(cbuf(buf), (int)*count, TYPE(type), (int)*source, (int)*tag, COMM(comm), cst_))
  SET(ierr, rc_);
}

static void wpr_f_mpi_isend(void *buf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *dest, MPI_Fint *tag,
                            MPI_Fint *comm, MPI_Fint *request, MPI_Fint *ierr) {
  MPI_Request req;
  int rc = wpr_mpi_c_Isend(cbuf(buf), (int)*count, TYPE(type), (int)*dest, (int)*tag, COMM(comm), &req);
  if (rc == MPI_SUCCESS) *request = PMPI_Request_c2f(req);
  SET(ierr, rc);
}

static void wpr_f_mpi_irecv(void *buf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *source, MPI_Fint *tag,
                            MPI_Fint *comm, MPI_Fint *request, MPI_Fint *ierr) {
  MPI_Request req;
  int rc = wpr_mpi_c_Irecv(cbuf(buf), (int)*count, TYPE(type), (int)*source, (int)*tag, COMM(comm), &req);
  if (rc == MPI_SUCCESS) *request = PMPI_Request_c2f(req);
  SET(ierr, rc);
}

static void wpr_f_mpi_sendrecv(void *sbuf, MPI_Fint *scount, MPI_Fint *stype, MPI_Fint *dest, MPI_Fint *stag,
                               void *rbuf, MPI_Fint *rcount, MPI_Fint *rtype, MPI_Fint *source, MPI_Fint *rtag,
                               MPI_Fint *comm, MPI_Fint *status, MPI_Fint *ierr) {
  WITH_STATUS(status, wpr_mpi_c_Sendrecv(cbuf(sbuf), (int)*scount, TYPE(stype), (int)*dest, (int)*stag, cbuf(rbuf),
                                         (int)*rcount, TYPE(rtype), (int)*source, (int)*rtag, COMM(comm), cst_))
  SET(ierr, rc_);
}

static void wpr_f_mpi_wait(MPI_Fint *request, MPI_Fint *status, MPI_Fint *ierr) {
  MPI_Request req = PMPI_Request_f2c(*request);
  WITH_STATUS(status, wpr_mpi_c_Wait(&req, cst_))
  if (rc_ == MPI_SUCCESS) *request = PMPI_Request_c2f(req);
  SET(ierr, rc_);
}

/* Waitall converts arrays: on the stack when small, else on the heap. */
#define WAITALL_STACK 32

static void wpr_f_mpi_waitall(MPI_Fint *count, MPI_Fint *requests, MPI_Fint *statuses, MPI_Fint *ierr) {
  int n = *count > 0 ? (int)*count : 0, ign = statuses_ignored(statuses);
  MPI_Request rq_stack[WAITALL_STACK];
  MPI_Status st_stack[WAITALL_STACK];
  MPI_Request *rq = n <= WAITALL_STACK ? rq_stack : malloc((size_t)n * sizeof *rq);
  MPI_Status *st = ign ? MPI_STATUSES_IGNORE : n <= WAITALL_STACK ? st_stack : malloc((size_t)n * sizeof *st);
  int rc = MPI_ERR_NO_MEM; /* only when a very long request array cannot be converted */
  if (rq && (ign || st)) {
    for (int i = 0; i < n; i++) rq[i] = PMPI_Request_f2c(requests[i]);
    rc = wpr_mpi_c_Waitall(n, rq, st);
    for (int i = 0; i < n; i++) requests[i] = PMPI_Request_c2f(rq[i]);
    for (int i = 0; !ign && i < n; i++) PMPI_Status_c2f(&st[i], &statuses[i * MPI_F_STATUS_SIZE]);
  }
  if (rq != rq_stack) free(rq);
  if (!ign && st != st_stack) free(st);
  SET(ierr, rc);
}

WPR_FORTRAN(mpi_send, MPI_SEND,
            (void *buf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *dest, MPI_Fint *tag, MPI_Fint *comm, MPI_Fint *ierr),
            (buf, count, type, dest, tag, comm, ierr))
WPR_FORTRAN(mpi_recv, MPI_RECV,
            (void *buf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *source, MPI_Fint *tag, MPI_Fint *comm,
             MPI_Fint *status, MPI_Fint *ierr),
            (buf, count, type, source, tag, comm, status, ierr))
WPR_FORTRAN(mpi_isend, MPI_ISEND,
            (void *buf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *dest, MPI_Fint *tag, MPI_Fint *comm,
             MPI_Fint *request, MPI_Fint *ierr),
            (buf, count, type, dest, tag, comm, request, ierr))
WPR_FORTRAN(mpi_irecv, MPI_IRECV,
            (void *buf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *source, MPI_Fint *tag, MPI_Fint *comm,
             MPI_Fint *request, MPI_Fint *ierr),
            (buf, count, type, source, tag, comm, request, ierr))
WPR_FORTRAN(mpi_sendrecv, MPI_SENDRECV,
            (void *sbuf, MPI_Fint *scount, MPI_Fint *stype, MPI_Fint *dest, MPI_Fint *stag, void *rbuf,
             MPI_Fint *rcount, MPI_Fint *rtype, MPI_Fint *source, MPI_Fint *rtag, MPI_Fint *comm,
             MPI_Fint *status, MPI_Fint *ierr),
            (sbuf, scount, stype, dest, stag, rbuf, rcount, rtype, source, rtag, comm, status, ierr))
WPR_FORTRAN(mpi_wait, MPI_WAIT, (MPI_Fint *request, MPI_Fint *status, MPI_Fint *ierr), (request, status, ierr))
WPR_FORTRAN(mpi_waitall, MPI_WAITALL, (MPI_Fint *count, MPI_Fint *requests, MPI_Fint *statuses, MPI_Fint *ierr),
            (count, requests, statuses, ierr))

/* ---- collectives ---- */

static void wpr_f_mpi_bcast(void *buf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *root, MPI_Fint *comm,
                            MPI_Fint *ierr) {
  SET(ierr, wpr_mpi_c_Bcast(cbuf(buf), (int)*count, TYPE(type), (int)*root, COMM(comm)));
}

static void wpr_f_mpi_reduce(void *sbuf, void *rbuf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *op,
                             MPI_Fint *root, MPI_Fint *comm, MPI_Fint *ierr) {
  SET(ierr, wpr_mpi_c_Reduce(cbuf(sbuf), cbuf(rbuf), (int)*count, TYPE(type), OP(op), (int)*root, COMM(comm)));
}

static void wpr_f_mpi_allreduce(void *sbuf, void *rbuf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *op,
                                MPI_Fint *comm, MPI_Fint *ierr) {
  SET(ierr, wpr_mpi_c_Allreduce(cbuf(sbuf), cbuf(rbuf), (int)*count, TYPE(type), OP(op), COMM(comm)));
}

static void wpr_f_mpi_gather(void *sbuf, MPI_Fint *scount, MPI_Fint *stype, void *rbuf, MPI_Fint *rcount,
                             MPI_Fint *rtype, MPI_Fint *root, MPI_Fint *comm, MPI_Fint *ierr) {
  SET(ierr, wpr_mpi_c_Gather(cbuf(sbuf), (int)*scount, TYPE(stype), cbuf(rbuf), (int)*rcount, TYPE(rtype),
                             (int)*root, COMM(comm)));
}

static void wpr_f_mpi_scatter(void *sbuf, MPI_Fint *scount, MPI_Fint *stype, void *rbuf, MPI_Fint *rcount,
                              MPI_Fint *rtype, MPI_Fint *root, MPI_Fint *comm, MPI_Fint *ierr) {
  SET(ierr, wpr_mpi_c_Scatter(cbuf(sbuf), (int)*scount, TYPE(stype), cbuf(rbuf), (int)*rcount, TYPE(rtype),
                              (int)*root, COMM(comm)));
}

static void wpr_f_mpi_allgather(void *sbuf, MPI_Fint *scount, MPI_Fint *stype, void *rbuf, MPI_Fint *rcount,
                                MPI_Fint *rtype, MPI_Fint *comm, MPI_Fint *ierr) {
  SET(ierr, wpr_mpi_c_Allgather(cbuf(sbuf), (int)*scount, TYPE(stype), cbuf(rbuf), (int)*rcount, TYPE(rtype),
                                COMM(comm)));
}

static void wpr_f_mpi_alltoall(void *sbuf, MPI_Fint *scount, MPI_Fint *stype, void *rbuf, MPI_Fint *rcount,
                               MPI_Fint *rtype, MPI_Fint *comm, MPI_Fint *ierr) {
  SET(ierr, wpr_mpi_c_Alltoall(cbuf(sbuf), (int)*scount, TYPE(stype), cbuf(rbuf), (int)*rcount, TYPE(rtype),
                               COMM(comm)));
}

WPR_FORTRAN(mpi_bcast, MPI_BCAST,
            (void *buf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *root, MPI_Fint *comm, MPI_Fint *ierr),
            (buf, count, type, root, comm, ierr))
WPR_FORTRAN(mpi_reduce, MPI_REDUCE,
            (void *sbuf, void *rbuf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *op, MPI_Fint *root, MPI_Fint *comm,
             MPI_Fint *ierr),
            (sbuf, rbuf, count, type, op, root, comm, ierr))
WPR_FORTRAN(mpi_allreduce, MPI_ALLREDUCE,
            (void *sbuf, void *rbuf, MPI_Fint *count, MPI_Fint *type, MPI_Fint *op, MPI_Fint *comm, MPI_Fint *ierr),
            (sbuf, rbuf, count, type, op, comm, ierr))
WPR_FORTRAN(mpi_gather, MPI_GATHER,
            (void *sbuf, MPI_Fint *scount, MPI_Fint *stype, void *rbuf, MPI_Fint *rcount, MPI_Fint *rtype,
             MPI_Fint *root, MPI_Fint *comm, MPI_Fint *ierr),
            (sbuf, scount, stype, rbuf, rcount, rtype, root, comm, ierr))
WPR_FORTRAN(mpi_scatter, MPI_SCATTER,
            (void *sbuf, MPI_Fint *scount, MPI_Fint *stype, void *rbuf, MPI_Fint *rcount, MPI_Fint *rtype,
             MPI_Fint *root, MPI_Fint *comm, MPI_Fint *ierr),
            (sbuf, scount, stype, rbuf, rcount, rtype, root, comm, ierr))
WPR_FORTRAN(mpi_allgather, MPI_ALLGATHER,
            (void *sbuf, MPI_Fint *scount, MPI_Fint *stype, void *rbuf, MPI_Fint *rcount, MPI_Fint *rtype,
             MPI_Fint *comm, MPI_Fint *ierr),
            (sbuf, scount, stype, rbuf, rcount, rtype, comm, ierr))
WPR_FORTRAN(mpi_alltoall, MPI_ALLTOALL,
            (void *sbuf, MPI_Fint *scount, MPI_Fint *stype, void *rbuf, MPI_Fint *rcount, MPI_Fint *rtype,
             MPI_Fint *comm, MPI_Fint *ierr),
            (sbuf, scount, stype, rbuf, rcount, rtype, comm, ierr))
