/* Is a CUDA device usable here? Asked through the driver (libcuda, dlopen'ed: never linked) before
 * anything touches CUPTI, so `auto` picks host quickly and quietly on machines without a GPU. */
#ifndef WPR_CUDA_DETECT_H
#define WPR_CUDA_DETECT_H

/* 1 when cuInit succeeds and at least one device exists; cached after the first call. */
int wpr_cuda_device_usable(void);

#endif
