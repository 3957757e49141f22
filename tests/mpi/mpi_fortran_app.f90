! A Fortran MPI program that knows nothing of wprof: its calls go through Open MPI's Fortran bindings
! (which call PMPI_* directly), so only wprof's Fortran entry points can count them.
program mpi_fortran_app
  use mpi
  implicit none
  integer :: ierr, rank, nranks, i, left, right
  integer :: b(10), reqs(2)
  double precision :: x, total, sbuf(4), rbuf(4), red
  call MPI_INIT(ierr)
  call MPI_COMM_RANK(MPI_COMM_WORLD, rank, ierr)
  call MPI_COMM_SIZE(MPI_COMM_WORLD, nranks, ierr)
  b = 0
  if (rank == 0) b = 7
  call MPI_BCAST(b, 10, MPI_INTEGER, 0, MPI_COMM_WORLD, ierr)
  if (b(10) /= 7) stop 2
  call MPI_BARRIER(MPI_COMM_WORLD, ierr)
  right = mod(rank + 1, nranks)
  left = mod(rank + nranks - 1, nranks)
  sbuf = rank
  call MPI_IRECV(rbuf, 4, MPI_DOUBLE_PRECISION, left, 1, MPI_COMM_WORLD, reqs(1), ierr)
  call MPI_ISEND(sbuf, 4, MPI_DOUBLE_PRECISION, right, 1, MPI_COMM_WORLD, reqs(2), ierr)
  call MPI_WAITALL(2, reqs, MPI_STATUSES_IGNORE, ierr)
  if (rbuf(4) /= left) stop 3
  do i = 1, 5
    x = rank + 1
    call MPI_ALLREDUCE(x, total, 1, MPI_DOUBLE_PRECISION, MPI_SUM, MPI_COMM_WORLD, ierr)
    if (total /= nranks * (nranks + 1) / 2.0d0) stop 4
  end do
  x = 1
  call MPI_REDUCE(x, red, 1, MPI_DOUBLE_PRECISION, MPI_SUM, 0, MPI_COMM_WORLD, ierr)
  if (rank == 0 .and. red /= nranks) stop 5
  call MPI_ALLREDUCE(MPI_IN_PLACE, x, 1, MPI_DOUBLE_PRECISION, MPI_SUM, MPI_COMM_WORLD, ierr)
  if (x /= nranks) stop 6
  call MPI_FINALIZE(ierr)
end program mpi_fortran_app
