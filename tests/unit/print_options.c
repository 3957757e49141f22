/* Prints docs/user-guide.md's table of environment variables from the option table (its source). */
#include <stdio.h>
#include "config.h"

int main(void) {
  wpr_config_write_markdown(stdout);
  return 0;
}
