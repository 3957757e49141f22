/* An MPI program that knows nothing of wprof (no header, no link): a fixed mix of calls of the MPI
 * call table, whose counts and byte sizes mpi_intercept.py predicts, then `--iters` Allreduce steps.
 * Its results are checked, so a wrapper that changed them would fail the run. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failed;

static void expect(int ok, const char *what, int rank) {
  if (!ok) {
    fprintf(stderr, "mpi_app rank %d: wrong result of %s\n", rank, what);
    failed = 1;
  }
}

/* Point to point around a ring: Isend/Irecv + Waitall, Sendrecv, Send/Recv pairs. */
static void ring(int rank, int size) {
  int right = (rank + 1) % size, left = (rank + size - 1) % size;
  double out[8], in[8];
  for (int i = 0; i < 8; i++) out[i] = rank + i;
  MPI_Request rq[2];
  MPI_Irecv(in, 8, MPI_DOUBLE, left, 1, MPI_COMM_WORLD, &rq[0]);
  MPI_Isend(out, 8, MPI_DOUBLE, right, 1, MPI_COMM_WORLD, &rq[1]);
  MPI_Waitall(2, rq, MPI_STATUSES_IGNORE);
  expect(in[3] == left + 3, "Irecv", rank);
  int s[4] = {rank, rank, rank, rank}, r[4];
  MPI_Sendrecv(s, 4, MPI_INT, right, 2, r, 4, MPI_INT, left, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  expect(r[0] == left, "Sendrecv", rank);
  if (size > 1) { /* even ranks send first, odd ranks receive first: no deadlock on any size */
    int v = rank, got = -1;
    if (rank % 2 == 0) {
      MPI_Send(&v, 1, MPI_INT, right, 3, MPI_COMM_WORLD);
      MPI_Recv(&got, 1, MPI_INT, left, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(&got, 1, MPI_INT, left, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(&v, 1, MPI_INT, right, 3, MPI_COMM_WORLD);
    }
    expect(got == left, "Send/Recv", rank);
  }
}

static void collectives(int rank, int size) {
  int b[10] = {0};
  if (rank == 0) for (int i = 0; i < 10; i++) b[i] = 7;
  MPI_Bcast(b, 10, MPI_INT, 0, MPI_COMM_WORLD);
  expect(b[9] == 7, "Bcast", rank);
  int three[3] = {1, 2, 3}, sum3[3] = {0};
  MPI_Reduce(three, sum3, 3, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
  expect(rank != 0 || sum3[2] == 3 * size, "Reduce", rank);
  int two[2] = {rank, rank}, *all = calloc((size_t)size * 2, sizeof(int));
  int *counts = malloc((size_t)size * sizeof(int)), *displs = malloc((size_t)size * sizeof(int));
  for (int i = 0; i < size; i++) counts[i] = 1, displs[i] = i;
  MPI_Gather(two, 2, MPI_INT, all, 2, MPI_INT, 0, MPI_COMM_WORLD);
  expect(rank != 0 || all[2 * size - 1] == size - 1, "Gather", rank);
  MPI_Gatherv(two, 1, MPI_INT, all, counts, displs, MPI_INT, 0, MPI_COMM_WORLD);
  int got2[2] = {-1, -1};
  MPI_Scatter(all, 2, MPI_INT, got2, 2, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Allgather(&rank, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD);
  expect(all[size - 1] == size - 1, "Allgather", rank);
  all[rank] = rank;
  MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, 1, MPI_INT, MPI_COMM_WORLD);
  MPI_Allgatherv(&rank, 1, MPI_INT, all, counts, displs, MPI_INT, MPI_COMM_WORLD);
  int *a2a = calloc((size_t)size, sizeof(int)), *a2b = calloc((size_t)size, sizeof(int));
  for (int i = 0; i < size; i++) a2a[i] = rank * 100 + i;
  MPI_Alltoall(a2a, 1, MPI_INT, a2b, 1, MPI_INT, MPI_COMM_WORLD);
  expect(a2b[size - 1] == (size - 1) * 100 + rank, "Alltoall", rank);
  MPI_Alltoallv(a2a, counts, displs, MPI_INT, a2b, counts, displs, MPI_INT, MPI_COMM_WORLD);
  int rs = -1;
  MPI_Reduce_scatter(a2a, &rs, counts, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD);
  int two_in[2] = {1, 1}, two_out[2] = {0, 0};
  MPI_Request rq;
  MPI_Iallreduce(two_in, two_out, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &rq);
  MPI_Wait(&rq, MPI_STATUS_IGNORE);
  expect(two_out[1] == size, "Iallreduce", rank);
  free(all), free(counts), free(displs), free(a2a), free(a2b);
}

static void communicators(int rank) {
  MPI_Comm dup, half;
  MPI_Comm_dup(MPI_COMM_WORLD, &dup);
  MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
  MPI_Comm_free(&half);
  MPI_Comm_free(&dup);
}

int main(int argc, char **argv) {
  int iters = argc > 2 && strcmp(argv[1], "--iters") == 0 ? (int)strtol(argv[2], NULL, 10) : 6;
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  ring(rank, size);
  collectives(rank, size);
  communicators(rank);
  for (int i = 0; i < iters; i++) {
    double x = rank + 1, total = 0;
    MPI_Allreduce(&x, &total, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    expect(total == size * (size + 1) / 2.0, "Allreduce", rank);
  }
  MPI_Finalize();
  return failed;
}
