/* Checksums of wire payloads (wpio_crc32.c); wpio_wire.h includes this for its users. */
#ifndef WPIO_CRC32_H
#define WPIO_CRC32_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The payload checksum of wire data of `version`: CRC-32C from version 5 on (hardware speed), CRC-32
 * (IEEE) before. */
uint32_t wpio_wire_checksum(unsigned version, const uint8_t *p, size_t n);
uint32_t wpio_crc32(const uint8_t *p, size_t n);
uint32_t wpio_crc32c(const uint8_t *p, size_t n);
uint32_t wpio_crc32c_portable(const uint8_t *p, size_t n); /* without the CPU's instruction (tests) */

#ifdef __cplusplus
}
#endif
#endif
