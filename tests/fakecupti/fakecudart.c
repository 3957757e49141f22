/* A stand-in libcudart.so.77 for the test of which libcupti wprof picks: loaded by the application, it
 * makes "the libcupti of the loaded CUDA runtime" libcupti.so.77 (a link to the fake libcupti). */
int cudaRuntimeGetVersion(int *version) {
  if (version) *version = 77000;
  return 0;
}
