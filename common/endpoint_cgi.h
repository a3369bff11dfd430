/*
 * Plain CGI: an endpoint executable started without a FastCGI listen
 * socket on standard input serves one request, the one of its environment,
 * standard input and standard output, through the FastCGI request
 * structure the accept loop uses (same pipeline, same answers).
 */
#ifndef AUTH_ENDPOINT_CGI_H
#define AUTH_ENDPOINT_CGI_H

#include <stdbool.h>

#include <fcgiapp.h>

#define AUTH_CGI_BUF	8192

/* A stream on one file descriptor, with its buffer. */
struct auth_cgi_io {
	FCGX_Stream	 stream;
	int		 fd;
	unsigned char	 buf[AUTH_CGI_BUF];
};

/* The one request of a CGI process. */
struct auth_cgi {
	struct auth_cgi_io	 in;	/* standard input: the body */
	struct auth_cgi_io	 out;	/* standard output: the answer */
};

/* True if standard input is not a FastCGI listen socket (RFC 3875 CGI). */
bool	auth_cgi_mode(void);

/*
 * Sets up c on file descriptors in_fd and out_fd and fills fr (zeroed
 * first) with the environment envp and c's two streams, as FCGX_Accept_r
 * fills it for a FastCGI request.
 */
void	auth_cgi_request(struct auth_cgi *c, int in_fd, int out_fd,
	    char **envp, FCGX_Request *fr);

/* Reads and drops what is left of the input (bounded), then writes out
 * what is buffered; 0, or -1 if the answer did not get out. */
int	auth_cgi_finish(struct auth_cgi *c);

#endif
