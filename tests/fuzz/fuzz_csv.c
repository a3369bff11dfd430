/* libFuzzer harness for the CSV records of `authctl user import`. */
#include <stdlib.h>
#include <string.h>

#include "authctl_csv.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_str(data, size), *f[5];
	int i, n;

	n = authctl_csv_record(line, size, size > 0 && data[0] == 0xef, f, 5);
	if (n > 5 || n < AUTHCTL_CSV_LONG)
		abort();
	for (i = 0; i < n; i++) {
		if (f[i] < line || f[i] > line + size)
			abort();
		(void)authctl_csv_bool(f[i]);
	}
	free(line);
	return 0;
}
