/* The count of late row updates (late_rows.h). */
#include "late_rows.h"

uint64_t wpr_late_rows;
