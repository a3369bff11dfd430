/* What the libFuzzer harnesses share (tests/fuzz/fuzz.c). */
#ifndef AUTH_FUZZ_H
#define AUTH_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd NUL-terminated copy of data (aborts when out of memory). */
char	*fuzz_str(const uint8_t *data, size_t size);

/* A directory of the process's own (/dev/shm or /tmp), made on first use. */
const char *fuzz_dir(void);

/* Writes data to fuzz_dir()/name (replaced); returns its path (static). */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);

/*
 * Splits data at the first NUL byte: *a is before it, *b after it (both
 * NUL-terminated, malloc'd; free *a only: *b points into it).
 */
void	fuzz_split(const uint8_t *data, size_t size, char **a, char **b);

#endif
