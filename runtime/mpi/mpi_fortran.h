/* The four names Fortran compilers give an MPI routine (mpi_send_, mpi_send__, mpi_send, MPI_SEND):
 * WPR_FORTRAN defines all four over one static wpr_f_<lower> that does the work. Used by the call
 * table's Fortran entry points (mpi_fortran.c) and the API's init and finalize (api/mpi_init.c). */
#ifndef WPR_MPI_FORTRAN_H
#define WPR_MPI_FORTRAN_H

#define WPR_FORTRAN(lower, UPPER, params, args)  \
  void lower##_ params;                          \
  void lower##__ params;                         \
  void lower params;                             \
  void UPPER params;                             \
  void lower##_ params { wpr_f_##lower args; }   \
  void lower##__ params { wpr_f_##lower args; }  \
  void lower params { wpr_f_##lower args; }      \
  void UPPER params { wpr_f_##lower args; }

#endif
