/* The own writer's link messages, read back by libhdf5: a group holding hard links with an ASCII, a
 * non-ASCII (UTF-8) and a long (> 255 bytes) name. libhdf5 must find each link by its name and say
 * the non-ASCII one is UTF-8; a wrong flag bit (link type instead of character set) makes it read a
 * link type where the character set is, and the link is lost or the file unreadable.
 * usage: h5write_link FILE */
#include <fcntl.h>
#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "h5f_msg.h"
#include "h5f_out.h"
#include "wptest_check.h"

static char long_name[300];
static const char *const names[] = {"ascii", "gr\xc3\xbc\xc3\x9f" "e \xe6\x97\xa5\xe6\x9c\xac", long_name};
enum { NLINKS = 3 };

static int write_file(const char *path) {
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  struct h5f_out o;
  h5f_out_init(&o, fd);
  h5f_alloc(&o, H5F_SUPERBLOCK_SIZE);
  struct h5f_oh root = {0};
  h5f_oh_group(&root);
  for (int i = 0; i < NLINKS; i++) {
    struct h5f_oh child = {0};
    h5f_oh_group(&child);
    uint64_t at = h5f_oh_write(&o, &child);
    CHECK(at != H5F_UNDEF);
    h5f_oh_link(&root, names[i], at);
  }
  uint64_t root_at = h5f_oh_write(&o, &root);
  CHECK(root_at != H5F_UNDEF);
  CHECK(h5f_superblock(&o, root_at) == 0 && h5f_flush(&o) == 0 && ftruncate(fd, (off_t)o.eof) == 0);
  h5f_out_free(&o);
  close(fd);
  return 0;
}

static int read_file(const char *path) {
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(f >= 0);
  hsize_t n = 0;
  H5G_info_t gi;
  CHECK(H5Gget_info(f, &gi) >= 0);
  n = gi.nlinks;
  CHECK(n == NLINKS);
  for (int i = 0; i < NLINKS; i++) {
    H5L_info_t li;
    CHECK(H5Lexists(f, names[i], H5P_DEFAULT) > 0);
    CHECK(H5Lget_info(f, names[i], &li, H5P_DEFAULT) >= 0);
    CHECK(li.type == H5L_TYPE_HARD);
    int ascii = strcmp(names[i], "ascii") == 0 || names[i] == long_name;
    if (li.cset != (ascii ? H5T_CSET_ASCII : H5T_CSET_UTF8)) {
      fprintf(stderr, "link %d: character set %d\n", i, (int)li.cset);
      return 1;
    }
    hid_t g = H5Gopen2(f, names[i], H5P_DEFAULT);
    CHECK(g >= 0);
    H5Gclose(g);
  }
  H5Fclose(f);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  memset(long_name, 'n', sizeof long_name - 1);
  if (write_file(argv[1]) || read_file(argv[1])) return 1;
  printf("ok: %d links read back by libhdf5\n", NLINKS);
  return 0;
}
