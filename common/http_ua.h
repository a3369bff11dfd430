/* A person-readable device name from a User-Agent ("Chrome on Linux"). */
#ifndef AUTH_HTTP_UA_H
#define AUTH_HTTP_UA_H

#include <stddef.h>

/* Writes the browser and operating system ua names into out, "Unknown
 * device" if it names neither (ua may be NULL or ""). */
void	auth_http_device(const char *ua, char *out, size_t outsz);

#endif
