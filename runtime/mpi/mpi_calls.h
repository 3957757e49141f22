/* The MPI call table: every intercepted C call once, as X(name, parameters, arguments, bytes). The
 * wrappers (mpi_wrap.c), the function ids and the names in the report are all generated from it.
 * `bytes` is evaluated after a successful call, over the call's own parameters:
 *  - sends, receives, Bcast, reductions: count x type size (receives: the buffer's capacity);
 *  - Sendrecv: both halves; gathers: what this rank contributes; scatters: what it receives;
 *    Alltoall(v) and Reduce_scatter: the whole send vector (v-variants sum their counts);
 *    with MPI_IN_PLACE the contribution is sized from the receive-side arguments;
 *  - waits, tests, probes, barriers and communicator management: 0. */
#ifndef WPR_MPI_CALLS_H
#define WPR_MPI_CALLS_H

/* clang-format off */
#define WPR_MPI_CALLS(X) \
  X(Send, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm), \
    (buf, count, datatype, dest, tag, comm), B(count, datatype)) \
  X(Ssend, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm), \
    (buf, count, datatype, dest, tag, comm), B(count, datatype)) \
  X(Recv, (void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm, MPI_Status *status), \
    (buf, count, datatype, source, tag, comm, status), B(count, datatype)) \
  X(Isend, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request), \
    (buf, count, datatype, dest, tag, comm, request), B(count, datatype)) \
  X(Issend, (const void *buf, int count, MPI_Datatype datatype, int dest, int tag, MPI_Comm comm, MPI_Request *request), \
    (buf, count, datatype, dest, tag, comm, request), B(count, datatype)) \
  X(Irecv, (void *buf, int count, MPI_Datatype datatype, int source, int tag, MPI_Comm comm, MPI_Request *request), \
    (buf, count, datatype, source, tag, comm, request), B(count, datatype)) \
  X(Sendrecv, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, int dest, int sendtag, void *recvbuf, \
               int recvcount, MPI_Datatype recvtype, int source, int recvtag, MPI_Comm comm, MPI_Status *status), \
    (sendbuf, sendcount, sendtype, dest, sendtag, recvbuf, recvcount, recvtype, source, recvtag, comm, status), \
    B(sendcount, sendtype) + B(recvcount, recvtype)) \
  X(Probe, (int source, int tag, MPI_Comm comm, MPI_Status *status), (source, tag, comm, status), 0) \
  X(Iprobe, (int source, int tag, MPI_Comm comm, int *flag, MPI_Status *status), \
    (source, tag, comm, flag, status), 0) \
  X(Wait, (MPI_Request *request, MPI_Status *status), (request, status), 0) \
  X(Waitall, (int count, MPI_Request array_of_requests[], MPI_Status *array_of_statuses), \
    (count, array_of_requests, array_of_statuses), 0) \
  X(Waitany, (int count, MPI_Request array_of_requests[], int *index, MPI_Status *status), \
    (count, array_of_requests, index, status), 0) \
  X(Waitsome, (int incount, MPI_Request array_of_requests[], int *outcount, int array_of_indices[], \
               MPI_Status array_of_statuses[]), \
    (incount, array_of_requests, outcount, array_of_indices, array_of_statuses), 0) \
  X(Test, (MPI_Request *request, int *flag, MPI_Status *status), (request, flag, status), 0) \
  X(Testall, (int count, MPI_Request array_of_requests[], int *flag, MPI_Status array_of_statuses[]), \
    (count, array_of_requests, flag, array_of_statuses), 0) \
  X(Testany, (int count, MPI_Request array_of_requests[], int *index, int *flag, MPI_Status *status), \
    (count, array_of_requests, index, flag, status), 0) \
  X(Barrier, (MPI_Comm comm), (comm), 0) \
  X(Bcast, (void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm), \
    (buffer, count, datatype, root, comm), B(count, datatype)) \
  X(Reduce, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, int root, MPI_Comm comm), \
    (sendbuf, recvbuf, count, datatype, op, root, comm), B(count, datatype)) \
  X(Allreduce, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm), \
    (sendbuf, recvbuf, count, datatype, op, comm), B(count, datatype)) \
  X(Scan, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm), \
    (sendbuf, recvbuf, count, datatype, op, comm), B(count, datatype)) \
  X(Gather, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, \
             MPI_Datatype recvtype, int root, MPI_Comm comm), \
    (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm), \
    SEND_SIDE(sendbuf, B(sendcount, sendtype), B(recvcount, recvtype))) \
  X(Gatherv, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], \
              const int displs[], MPI_Datatype recvtype, int root, MPI_Comm comm), \
    (sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, root, comm), \
    SEND_SIDE(sendbuf, B(sendcount, sendtype), OWN(recvcounts, recvtype, comm))) \
  X(Scatter, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, \
              MPI_Datatype recvtype, int root, MPI_Comm comm), \
    (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm), \
    SEND_SIDE(recvbuf, B(recvcount, recvtype), B(sendcount, sendtype))) \
  X(Scatterv, (const void *sendbuf, const int sendcounts[], const int displs[], MPI_Datatype sendtype, \
               void *recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm), \
    (sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype, root, comm), \
    SEND_SIDE(recvbuf, B(recvcount, recvtype), OWN(sendcounts, sendtype, comm))) \
  X(Allgather, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, \
                MPI_Datatype recvtype, MPI_Comm comm), \
    (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm), \
    SEND_SIDE(sendbuf, B(sendcount, sendtype), B(recvcount, recvtype))) \
  X(Allgatherv, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, const int recvcounts[], \
                 const int displs[], MPI_Datatype recvtype, MPI_Comm comm), \
    (sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype, comm), \
    SEND_SIDE(sendbuf, B(sendcount, sendtype), OWN(recvcounts, recvtype, comm))) \
  X(Alltoall, (const void *sendbuf, int sendcount, MPI_Datatype sendtype, void *recvbuf, int recvcount, \
               MPI_Datatype recvtype, MPI_Comm comm), \
    (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm), \
    PEERS(comm) * SEND_SIDE(sendbuf, B(sendcount, sendtype), B(recvcount, recvtype))) \
  X(Alltoallv, (const void *sendbuf, const int sendcounts[], const int sdispls[], MPI_Datatype sendtype, \
                void *recvbuf, const int recvcounts[], const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm), \
    (sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls, recvtype, comm), \
    SEND_SIDE(sendbuf, VEC(sendcounts, sendtype, PEERS(comm)), VEC(recvcounts, recvtype, PEERS(comm)))) \
  X(Reduce_scatter, (const void *sendbuf, void *recvbuf, const int recvcounts[], MPI_Datatype datatype, MPI_Op op, \
                     MPI_Comm comm), \
    (sendbuf, recvbuf, recvcounts, datatype, op, comm), VEC(recvcounts, datatype, LOCAL(comm))) \
  X(Ibarrier, (MPI_Comm comm, MPI_Request *request), (comm, request), 0) \
  X(Ibcast, (void *buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm, MPI_Request *request), \
    (buffer, count, datatype, root, comm, request), B(count, datatype)) \
  X(Ireduce, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, int root, \
              MPI_Comm comm, MPI_Request *request), \
    (sendbuf, recvbuf, count, datatype, op, root, comm, request), B(count, datatype)) \
  X(Iallreduce, (const void *sendbuf, void *recvbuf, int count, MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, \
                 MPI_Request *request), \
    (sendbuf, recvbuf, count, datatype, op, comm, request), B(count, datatype)) \
  X(Comm_dup, (MPI_Comm comm, MPI_Comm *newcomm), (comm, newcomm), 0) \
  X(Comm_split, (MPI_Comm comm, int color, int key, MPI_Comm *newcomm), (comm, color, key, newcomm), 0) \
  X(Comm_free, (MPI_Comm *comm), (comm), 0) \
  X(Comm_rank, (MPI_Comm comm, int *rank), (comm, rank), 0) \
  X(Comm_size, (MPI_Comm comm, int *size), (comm, size), 0)
/* clang-format on */

/* Function ids: WPR_MPI_ID_Send, ...; WPR_MPI_NFUNCS of them. */
#define WPR_MPI_ID_ENUM(name, params, args, bytes) WPR_MPI_ID_##name,
enum wpr_mpi_id { WPR_MPI_CALLS(WPR_MPI_ID_ENUM) WPR_MPI_NFUNCS };
#undef WPR_MPI_ID_ENUM

#endif
