/*
 * The one request of a CGI process as an FCGX_Request: libfcgi's streams
 * are a buffer and two callbacks (fcgiapp.h), here read(2) of standard
 * input and write(2) of standard output.
 */
#include "endpoint_cgi.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "base_clock.h"

/* What is left of a body once the answer is decided is read and dropped,
 * up to this many bytes for at most this long. */
#define CGI_DRAIN_MAX	(1 << 20)
#define CGI_DRAIN_US	2000000

bool
auth_cgi_mode(void)
{
	return FCGX_IsCGI() != 0;
}

/* Refills a reader; at the end of input or on an error, closes it. */
static void
cgi_fill(FCGX_Stream *s)
{
	struct auth_cgi_io *io = s->data;
	ssize_t n;

	do
		n = read(io->fd, io->buf, sizeof(io->buf));
	while (n < 0 && errno == EINTR);
	s->rdNext = s->stopUnget = io->buf;
	if (n <= 0) {
		s->stop = io->buf;
		s->isClosed = 1;
		if (n < 0)
			s->FCGI_errno = errno;
		return;
	}
	s->stop = io->buf + n;
}

/* Writes out a writer's buffer and empties it; an error closes it. */
static void
cgi_empty(FCGX_Stream *s, int closing)
{
	struct auth_cgi_io *io = s->data;
	const unsigned char *p = io->buf;
	ssize_t n;

	(void)closing;
	while (p < s->wrNext && !s->isClosed) {
		n = write(io->fd, p, (size_t)(s->wrNext - p));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->isClosed = 1;
			s->FCGI_errno = n < 0 ? errno : EIO;
			break;
		}
		p += n;
	}
	s->wrNext = io->buf;
	s->stop = s->rdNext = io->buf + sizeof(io->buf);
}

static void
cgi_io_init(struct auth_cgi_io *io, int fd, bool reader)
{
	FCGX_Stream *s = &io->stream;

	memset(s, 0, sizeof(*s));
	io->fd = fd;
	s->data = io;
	s->isReader = reader;
	if (reader) {
		s->fillBuffProc = cgi_fill;
		s->rdNext = s->stop = s->stopUnget = s->wrNext = io->buf;
	} else {
		s->emptyBuffProc = cgi_empty;
		s->wrNext = io->buf;
		s->stop = s->rdNext = io->buf + sizeof(io->buf);
	}
}

void
auth_cgi_request(struct auth_cgi *c, int in_fd, int out_fd, char **envp,
    FCGX_Request *fr)
{
	cgi_io_init(&c->in, in_fd, true);
	cgi_io_init(&c->out, out_fd, false);
	memset(fr, 0, sizeof(*fr));
	fr->in = &c->in.stream;
	fr->out = &c->out.stream;
	fr->err = NULL;
	fr->envp = envp;
}

/*
 * Reads what the answer left of the input, bounded in bytes and time. A web
 * server that hands the body over a socket (mod_cgid) sees the connection
 * reset, and loses the answer, when the process exits with input unread
 * (an early 413, 415, 405); and it may be blocked writing the rest of the
 * body while the answer waits to be read.
 */
static void
cgi_drain(struct auth_cgi_io *io)
{
	struct pollfd p = { .fd = io->fd, .events = POLLIN };
	int64_t end = auth_clock_mono_us() + CGI_DRAIN_US, left;
	size_t total = 0;
	ssize_t n;
	int r;

	if (io->stream.isClosed || isatty(io->fd))
		return;
	while (total < CGI_DRAIN_MAX &&
	    (left = end - auth_clock_mono_us()) > 0) {
		if ((r = poll(&p, 1, (int)(left / 1000) + 1)) < 0 &&
		    errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if ((n = read(io->fd, io->buf, sizeof(io->buf))) < 0 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += (size_t)n;
	}
}

int
auth_cgi_finish(struct auth_cgi *c)
{
	cgi_drain(&c->in);
	return FCGX_FClose(&c->out.stream) == 0 ? 0 : -1;
}
