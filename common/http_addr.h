/* Client address: CIDR lists and X-Forwarded-For from trusted proxies. */
#ifndef AUTH_HTTP_ADDR_H
#define AUTH_HTTP_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "http_req.h"

#define AUTH_CIDRS_MAX	32

/* What trusted_proxies is by default: the proxy on the same host. */
#define AUTH_TRUSTED_PROXIES_DEFAULT	"127.0.0.0/8, ::1/128"
/* What metrics_allow is by default: a scraper on the same host. */
#define AUTH_METRICS_ALLOW_DEFAULT	"127.0.0.0/8, ::1/128"

struct auth_cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	unsigned	bits;
};

/*
 * Parses a comma-separated CIDR list ("127.0.0.1/32, ::1/128"; a bare
 * address means a single host) into out. Returns the count, or -1 if an
 * entry is malformed or there are more than max.
 */
int	auth_http_cidr_parse_list(const char *s, struct auth_cidr *out,
	    size_t max);

/* True if the textual address ip lies in one of the n ranges. */
bool	auth_http_cidr_match(const struct auth_cidr *list, size_t n,
	    const char *ip);

/*
 * The client's address: remote (REMOTE_ADDR), unless it is a trusted
 * proxy; then the right-most X-Forwarded-For entry that is not trusted
 * (an unparsable entry stops the walk at the last trusted hop).
 */
void	auth_http_client_ip(const struct auth_cidr *trusted, size_t n,
	    const char *remote, const char *xff, char out[AUTH_IP_MAX + 1]);

/* True if ip is a loopback address (IPv4-mapped too). */
bool	auth_http_addr_loopback(const char *ip);

/*
 * True if ip is loopback, private (RFC 1918, RFC 4193), shared (RFC 6598)
 * or link-local: a peer that may well be a proxy.
 */
bool	auth_http_addr_private(const char *ip);

#endif
