/* CLI subcommands and exit codes. SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef BAYESMAT_CLI_COMMANDS_H
#define BAYESMAT_CLI_COMMANDS_H

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED 1 /* a verification failed, or the library returned an error status */
#define CLI_EXIT_USAGE 2  /* bad command line */
#define CLI_EXIT_INPUT 3  /* malformed or unreadable input file */

/* BM_ENOMEM for an allocation of the CLI's own, with a message of its own:
 * the message printed beneath the status must not be an older one. */
#define CLI_NOMEM() bm_set_error(BM_ENOMEM, "bayesmat: out of memory")

int cli_cmd_logpdf_grad(const char *cmd, int argc, char **argv); /* logpdf, grad */
int cli_cmd_fisher_jeffreys(const char *cmd, int argc, char **argv); /* fisher, jeffreys */
int cli_cmd_sample(const char *cmd, int argc, char **argv);
int cli_cmd_check(int argc, char **argv); /* check: bm_check_dist on a parameter file */
int cli_cmd_conjugate(const char *cmd, int argc, char **argv); /* posterior, predictive, evidence */
int cli_cmd_check_posterior(int argc, char **argv); /* check-posterior (handles --help itself) */

#endif
