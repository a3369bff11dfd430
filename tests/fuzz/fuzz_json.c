/* libFuzzer harness for the JSON body parser: an object or nothing. */
#include <stdlib.h>

#include "http_json.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	json_object *j;

	if ((j = auth_json_parse(s, size)) != NULL &&
	    !json_object_is_type(j, json_type_object))
		abort();
	auth_json_burn(j);
	json_object_put(j);
	free(s);
	return 0;
}
