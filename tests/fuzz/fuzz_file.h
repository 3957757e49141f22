/* The fuzz targets that read files (spill reader, HDF5 report reader) write each input to a scratch
 * file of their own process first. */
#ifndef WPROF_FUZZ_FILE_H
#define WPROF_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>

/* 0 when `data` is in `path`, -1 when it could not be written (the input is then skipped). */
static inline int fuzz_write_file(const char *path, const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  int ok = !size || fwrite(data, 1, size, f) == size;
  return fclose(f) == 0 && ok ? 0 : -1;
}

#endif
