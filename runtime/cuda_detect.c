/* Placeholder until the GPU issue's detection lands: no device. */
#include "cuda_detect.h"

int wpr_cuda_device_usable(void) { return 0; }
