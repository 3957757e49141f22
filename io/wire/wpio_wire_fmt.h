/* Private to the wire encoder and decoder: header layout, section tags and fixed row sizes.
 * Everything is little-endian; see wpio_wire.h for the guarantees. */
#ifndef WPIO_WIRE_FMT_H
#define WPIO_WIRE_FMT_H

/* header: magic[4], u16 version, u16 flags, u64 payload length, u32 checksum(payload): CRC-32C from version 5, CRC-32 (IEEE) before */
#define WIRE_HEADER_SIZE 20u
/* section: u16 tag, u64 length of what follows (u32 row count + rows) */
#define WIRE_SECTION_HEAD 10u
#define WIRE_COUNT_SIZE 4u

enum wire_tag {
  WIRE_NAMES = 1, WIRE_ATTRS = 2, WIRE_RANKS = 3, WIRE_WINDOWS = 4,
  WIRE_KERNELS = 5, WIRE_RANGES = 6, WIRE_LITE = 7, WIRE_LITE_HIST = 8, WIRE_MPI = 9,
  WIRE_TIMELINE = 10, WIRE_MEMORY = 11, WIRE_STACKS = 12,
  /* issue 9 time breakdown, launch latency, CUPTI overhead (gpuanalysis) */
  WIRE_BREAKDOWN = 20, WIRE_LAUNCH_LATENCY = 21, WIRE_CUPTI_OVERHEAD = 22,
  WIRE_STRAG_EVENTS = 30, /* issue 9 stragglers' raw arrivals (stragglers) */
  WIRE_TAG_MAX = 30
};

/* Fixed row sizes, and the smallest possible row of the variable-width sections (all strings
 * empty): the decoder bounds a row count by them before allocating anything. */
/* version 6 window rows add cut_short */
#define WIRE_ROW_WINDOW_V5 (4 + 4 + 8 + 8 + 8)
#define WIRE_ROW_WINDOW (WIRE_ROW_WINDOW_V5 + 4)
/* version 3 kernel rows add the launch configuration (9 x u32) and graph_id */
#define WIRE_ROW_KERNEL_V2 (4 + 4 + 4 + 4 + 5 * 8)
#define WIRE_ROW_KERNEL (WIRE_ROW_KERNEL_V2 + 9 * 4 + 8)
#define WIRE_ROW_MEMORY (4 + 4 + 4 + 4 + 4 + 5 * 8 + 8)
#define WIRE_ROW_STACK_V3 (4 + 4 + 4 + 4 + 2 * 8)
#define WIRE_ROW_STACK (WIRE_ROW_STACK_V3 + 8)
#define WIRE_ROW_RANGE (4 + 4 + 4 + 5 * 8)
#define WIRE_ROW_LITE (4 + 4 + 7 * 8)
#define WIRE_ROW_HIST (4 + 4 + 4 + 8)
#define WIRE_ROW_MPI (4 + 4 + 4 + 5 * 8)
#define WIRE_ROW_TIMELINE (4 + 4 + 4 + 3 * 8)
#define WIRE_ROW_STRAG_EVENT (4 + 4 + 4 + 4 + 2 * 8)
#define WIRE_ROW_BREAKDOWN (4 + 4 + 7 * 8 + 8 + 2 * 8)
#define WIRE_ROW_LAUNCH_LATENCY (4 + 4 + 4 + 3 * 8)
#define WIRE_ROW_CUPTI_OVERHEAD (4 + 4 + 2 * 8)
#define WIRE_MIN_NAME 4
#define WIRE_MIN_ATTR (4 + 4 + 1 + 8)
/* version 1 ranks rows end at `collected`; version 2 adds clock_ref_ns and timeline_dropped */
#define WIRE_MIN_RANK (4 + 4 + 8 + 4 + 8 + 8 + 8 + 8 + 4 + 4)

#endif
