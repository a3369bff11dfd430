/*
 * libFuzzer harness for CIDR lists (trusted_proxies) and the client
 * address from REMOTE_ADDR and X-Forwarded-For: input is "list\0remote\0xff".
 */
#include <stdlib.h>
#include <string.h>

#include "http_addr.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct auth_cidr list[AUTH_CIDRS_MAX];
	char *a, *b, *xff, ip[AUTH_IP_MAX + 1];
	int n;

	fuzz_split(data, size, &a, &b);
	xff = b + strlen(b);
	if (xff < (char *)a + size)
		*xff++ = '\0';
	if ((n = auth_http_cidr_parse_list(a, list, AUTH_CIDRS_MAX)) < 0)
		n = 0;
	if (n > AUTH_CIDRS_MAX)
		abort();
	(void)auth_http_cidr_match(list, (size_t)n, b);
	auth_http_client_ip(list, (size_t)n, b, xff, ip);
	if (strlen(ip) > AUTH_IP_MAX)
		abort();
	free(a);
	return 0;
}
