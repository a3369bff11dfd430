/* libFuzzer harness for configuration files (every module's keys). */
#include <stdlib.h>
#include <string.h>

#include "endpoint_config.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_config cfg;
	char err[512];
	const char *path = fuzz_file("auth.conf", data, size);

	err[0] = '\0';
	if (auth_config_load(&cfg, path, err, sizeof(err)) != 0 &&
	    err[0] == '\0')
		abort();	/* a refusal always says why */
	return 0;
}
