/* libFuzzer harness for the rate_limits rule syntax. */
#include <stdlib.h>

#include "rl.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);

	(void)auth_rl_overrides_check(s);
	free(s);
	return 0;
}
