/* authctl's account commands: `authctl user ...` and `authctl audit ...`. */
#ifndef AUTHCTL_USER_H
#define AUTHCTL_USER_H

#include <stdio.h>

/* Runs argv[0] ("user" or "audit") with its arguments; the exit status. */
int	authctl_user_main(int argc, char **argv);

/* Prints the usage lines of these commands. */
void	authctl_user_usage(FILE *f);

#endif
