/*
 * Client address: CIDR lists (trusted_proxies) and the walk of
 * X-Forwarded-For from the right while the hops are trusted.
 */
#include "http_addr.h"

#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include "base_num.h"

/* Parses a textual IPv4 or IPv6 address; the family, or 0 if neither. */
static int
ip_parse(const char *s, size_t len, unsigned char addr[16])
{
	char buf[AUTH_IP_MAX + 1];

	if (len == 0 || len > AUTH_IP_MAX)
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, buf, addr) == 1)
		return AF_INET6;
	return 0;
}

int
auth_http_cidr_parse_list(const char *s, struct auth_cidr *out,
    size_t max)
{
	size_t n = 0;

	while (*s != '\0') {
		const char *end, *slash;
		size_t len;
		unsigned long bits;
		char num[4];

		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		end = s + strcspn(s, ", ");
		len = (size_t)(end - s);
		slash = memchr(s, '/', len);
		if (n == max)
			return -1;
		out[n].family = ip_parse(s, slash ? (size_t)(slash - s) : len,
		    out[n].addr);
		if (out[n].family == 0)
			return -1;
		bits = out[n].family == AF_INET ? 32 : 128;
		if (slash != NULL) {
			size_t blen = (size_t)(end - slash - 1);
			unsigned long long b;

			if (blen == 0 || blen >= sizeof(num))
				return -1;
			memcpy(num, slash + 1, blen);
			num[blen] = '\0';
			if (auth_parse_num(num, 0, bits, &b, NULL) != 0)
				return -1;
			bits = b;
		}
		out[n].bits = (unsigned)bits;
		n++;
		s = end;
	}
	return (int)n;
}

static bool
cidr_contains(const struct auth_cidr *c, int family,
    const unsigned char addr[16])
{
	unsigned full = c->bits / 8, rest = c->bits % 8;
	unsigned char mask;

	if (c->family != family)
		return false;
	if (memcmp(c->addr, addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (c->addr[full] & mask) == (addr[full] & mask);
}

bool
auth_http_cidr_match(const struct auth_cidr *list, size_t n,
    const char *ip)
{
	unsigned char addr[16];
	int family;
	size_t i;

	if (ip == NULL || (family = ip_parse(ip, strlen(ip), addr)) == 0)
		return false;
	for (i = 0; i < n; i++)
		if (cidr_contains(&list[i], family, addr))
			return true;
	return false;
}

void
auth_http_client_ip(const struct auth_cidr *trusted, size_t n,
    const char *remote, const char *xff, char out[AUTH_IP_MAX + 1])
{
	unsigned char addr[16];
	const char *end, *start;
	size_t len;

	snprintf(out, AUTH_IP_MAX + 1, "%s", remote ? remote : "");
	if (xff == NULL || n == 0 || !auth_http_cidr_match(trusted, n, out))
		return;
	/* Walk right to left while the hops are our own proxies. */
	end = xff + strlen(xff);
	while (end > xff) {
		while (end > xff && (end[-1] == ' ' || end[-1] == ','))
			end--;
		start = end;
		while (start > xff && start[-1] != ',')
			start--;
		while (start < end && *start == ' ')
			start++;
		len = (size_t)(end - start);
		if (len == 0)
			break;
		if (ip_parse(start, len, addr) == 0)
			return;
		memcpy(out, start, len);
		out[len] = '\0';
		if (!auth_http_cidr_match(trusted, n, out))
			return;
		end = start;
	}
}

/* True if ip lies in one of the ranges of the CIDR list text. */
static bool
addr_in(const char *list, const char *ip)
{
	struct auth_cidr c[AUTH_CIDRS_MAX];
	int n;

	n = auth_http_cidr_parse_list(list, c, AUTH_CIDRS_MAX);
	return n > 0 && auth_http_cidr_match(c, (size_t)n, ip);
}

#define ADDR_LOOPBACK	"127.0.0.0/8, ::1/128, ::ffff:127.0.0.0/104"

bool
auth_http_addr_loopback(const char *ip)
{
	return addr_in(ADDR_LOOPBACK, ip);
}

bool
auth_http_addr_private(const char *ip)
{
	return addr_in(ADDR_LOOPBACK ", 10.0.0.0/8, 172.16.0.0/12, "
	    "192.168.0.0/16, 169.254.0.0/16, 100.64.0.0/10, fc00::/7, "
	    "fe80::/10, ::ffff:10.0.0.0/104, ::ffff:172.16.0.0/108, "
	    "::ffff:192.168.0.0/112", ip);
}
