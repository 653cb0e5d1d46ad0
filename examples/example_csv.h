/* Small helper shared by the examples that write CSV for docs/plots/.
 * The directory is argv[1] when given, else $BAYESMAT_CSV_DIR; with neither,
 * nothing is written (an example writes only where it is told). Writing is
 * best effort: an example never fails because a CSV file could not be opened
 * (it says so and carries on).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_EXAMPLE_CSV_H
#define BAYESMAT_EXAMPLE_CSV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *example_csv_open(int argc, char **argv, const char *name)
{
  const char *dir = argc > 1 ? argv[1] : getenv("BAYESMAT_CSV_DIR");
  char path[4096];
  if (!dir || !*dir) {
    printf("note: %s not written (give an output directory as the first argument)\n", name);
    return NULL;
  }
  if (strlen(dir) + strlen(name) + 2 > sizeof path) return NULL;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f)
    fprintf(stderr, "note: cannot write %s (CSV skipped)\n", path);
  else
    printf("wrote %s\n", path);
  return f;
}

#endif
