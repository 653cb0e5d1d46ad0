/* libFuzzer harness: the CLI's input-file readers (cli/input.c) on
 * arbitrary bytes: parameter files (named entries, rows of numbers, comments,
 * CSV) and data files (blank-line separated blocks). The bytes are written to
 * a private temporary file and read back as a parameter file and as a data
 * file; every getter is then exercised on what was read. Any crash, leak,
 * sanitizer report, or an error message that is not NUL-terminated within
 * CLI_ERRLEN is a finding.
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "fuzz_check.h"
#include "input.h"

static char path[64];

static void check_err(int rc, const char *err)
{
  if (rc != 0) FZ_REQUIRE(memchr(err, '\0', CLI_ERRLEN) != NULL && err[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (!path[0]) {
    strcpy(path, "/tmp/bayesmat-fuzz-cli-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) abort();
    close(fd);
  }
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (size) fwrite(data, 1, size, f);
  fclose(f);

  char err[CLI_ERRLEN];
  memset(err, 'x', sizeof err);
  cli_params prm;
  int rc = cli_read_params(path, &prm, err);
  check_err(rc, err);
  if (rc == 0) {
    static const char *names[] = {"family", "nu", "mu", "Sigma", "Psi", "delta", "M", "U", "V", "Omega", "S", ""};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
      double x;
      gsl_matrix *A = NULL;
      gsl_vector *v = NULL;
      (void)cli_find(&prm, names[i]);
      memset(err, 'x', sizeof err);
      check_err(cli_get_scalar(&prm, names[i], &x, err), err);
      memset(err, 'x', sizeof err);
      check_err(cli_get_matrix(&prm, names[i], i % 3, i % 4, &A, err), err);
      memset(err, 'x', sizeof err);
      check_err(cli_get_vector(&prm, names[i], i % 3, &v, err), err);
      bm_matrix_free(A);
      bm_vector_free(v);
    }
    for (size_t i = 0; i < prm.n; i++) {
      double x;
      gsl_matrix *A = NULL;
      gsl_vector *v = NULL;
      const char *nm = prm.entries[i].name;
      FZ_REQUIRE(memchr(nm, '\0', sizeof prm.entries[i].name) != NULL);
      check_err(cli_get_scalar(&prm, nm, &x, err), err);
      check_err(cli_get_matrix(&prm, nm, 0, 0, &A, err), err);
      check_err(cli_get_vector(&prm, nm, 0, &v, err), err);
      bm_matrix_free(A);
      bm_vector_free(v);
    }
    memset(err, 'x', sizeof err);
    check_err(cli_check_unused(&prm, "family, nu", err), err); /* every entry was read above: 0 */
    cli_params_free(&prm);
  }
  /* each line of the bytes as an option value (--n, --seed, --idx) */
  char opt[64];
  for (size_t i = 0, j = 0; i <= size; i++) {
    if (i == size || data[i] == '\n' || j + 1 == sizeof opt) {
      opt[j] = '\0';
      size_t cnt, *idx = NULL, k;
      unsigned long seed;
      memset(err, 'x', sizeof err);
      check_err(cli_parse_count("--n", opt, 1, 1000000000, &cnt, err), err);
      memset(err, 'x', sizeof err);
      check_err(cli_parse_seed("--seed", opt, &seed, err), err);
      memset(err, 'x', sizeof err);
      int rc2 = cli_parse_indices("--idx", opt, 7, &idx, &k, err);
      check_err(rc2, err);
      if (rc2 == 0)
        for (size_t a = 0; a < k; a++) {
          FZ_REQUIRE(idx[a] < 7);
          for (size_t b = 0; b < a; b++) FZ_REQUIRE(idx[a] != idx[b]);
        }
      free(idx);
      j = 0;
    } else {
      opt[j++] = (char)data[i];
    }
  }
  cli_data dat;
  memset(err, 'x', sizeof err);
  rc = cli_read_data(path, &dat, err);
  check_err(rc, err);
  if (rc == 0) {
    for (size_t i = 0; i < dat.n; i++) FZ_REQUIRE(dat.blocks[i] != NULL);
    cli_data_free(&dat);
  }
  return 0;
}
