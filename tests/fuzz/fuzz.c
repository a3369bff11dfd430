/* What the libFuzzer harnesses share. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char	 dir[64];
static char	 made[8][32];	/* the names fuzz_file wrote */

/* Removes the files and the directory at exit. */
static void
fuzz_clean(void)
{
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(made) / sizeof(made[0]) && made[i][0]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, made[i]);
		unlink(path);
	}
	rmdir(dir);
}

const char *
fuzz_dir(void)
{

	/* memory-backed where there is one: a file is written per input */
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "%s/authd-fuzz-XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(fuzz_clean);
	}
	return dir;
}

const char *
fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[128];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		if (made[i][0] == '\0' || strcmp(made[i], name) == 0) {
			snprintf(made[i], sizeof(made[i]), "%s", name);
			break;
		}
	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	return path;
}

void
fuzz_split(const uint8_t *data, size_t size, char **a, char **b)
{
	size_t cut;

	*a = fuzz_str(data, size);
	cut = strlen(*a);
	*b = cut < size ? *a + cut + 1 : *a + size;
}
