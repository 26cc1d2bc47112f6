/*
 * console_io: the hypervisor console as the first domain sees it. CONSOLEIO_write prints and
 * returns 0, CONSOLEIO_read returns the number of bytes read (none are typed in these runs),
 * hostile buffers are -EFAULT, unknown commands -ENOSYS.
 *
 * What the writes print is checked by the harness: the run expects the marker lines below.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"

static void check_write(void)
{
	static char line[] = "console_io: marker line one\n";
	static char two_parts[] = "console_io: marker line two\nNOT-PRINTED";
	static char long_line[401];

	test_section("CONSOLEIO_write");
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_write, (int)strlen(line), line), 0,
		 "a write returns 0");
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_write,
				       (int)strlen("console_io: marker line two\n"), two_parts),
		 0, "a write prints count bytes, not up to a NUL");
	/* Longer than any one internal chunk: must arrive whole and in order. */
	memset(long_line, 0, sizeof(long_line));
	strlcpy(long_line, "console_io: long ", sizeof(long_line));
	for (size_t i = strlen(long_line); i < 380; i++)
		long_line[i] = (char)('a' + i % 26);
	strlcat(long_line, " end-of-long-line\n", sizeof(long_line));
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_write, (int)strlen(long_line), long_line), 0,
		 "a 398-byte write returns 0");
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_write, 0, line), 0, "an empty write returns 0");
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_write, 0, NULL), 0,
		 "an empty write does not look at its buffer");
}

static void check_write_faults(void)
{
	test_section("CONSOLEIO_write from hostile buffers");
	for (unsigned int b = 0; b < nr_bad_addresses; b++) {
		long rc =
			HYPERVISOR_console_io(CONSOLEIO_write, 8, (char *)bad_addresses[b].address);
		if (rc != -XEN_EFAULT)
			printf("write from %s: %ld\n", bad_addresses[b].name, rc);
		CHECK_EQ(rc, -XEN_EFAULT, "writing from a hostile buffer is -EFAULT");
	}
	/* A read-only page is fine to print from. */
	char *page = scratch_page(0);
	strlcpy(page, "console_io: from a read-only page\n", PAGE_SIZE);
	CHECK_EQ(map_page(page, virt_to_mfn(page), _PAGE_PRESENT | _PAGE_ACCESSED), 0,
		 "map a page of text read-only");
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_write, (int)strlen(page), page), 0,
		 "text in a read-only page may be written");
	CHECK_EQ(map_page(page, virt_to_mfn(page),
			  _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY),
		 0, "and the page is writable again");

	/*
	 * Text that runs off the end of the initial mapping: -EFAULT, whether or not a first
	 * part was printed before the hypervisor reached the unmapped page.
	 */
	char *end = (char *)initial_mapping_end();
	memcpy(end - 4, "abc\n", 4);
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_write, 8, end - 4), -XEN_EFAULT,
		 "text running into an unmapped page is -EFAULT");
	memset(end - 300, 'z', 300);
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_write, 600, end - 300), -XEN_EFAULT,
		 "600 bytes of which the last 300 are unmapped is -EFAULT");
	printf("\n"); /* Xen printed whole 127-byte chunks of the z's before it failed */
}

static void check_read(void)
{
	char buffer[64];

	test_section("CONSOLEIO_read");
	memset(buffer, 0x5a, sizeof(buffer));
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_read, sizeof(buffer), buffer), 0,
		 "with no input typed, a read returns 0 bytes");
	CHECK_EQ((unsigned char)buffer[0], 0x5a, "and writes nothing");
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_read, 0, buffer), 0, "a read of 0 bytes is 0");
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_read, -1, buffer), -XEN_E2BIG,
		 "a count above INT_MAX is -E2BIG (a result could not be told from an error)");
	CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_read, (int)0x80000000u, buffer), -XEN_E2BIG,
		 "count 0x80000000 is -E2BIG");
}

static void check_unknown(void)
{
	static char text[] = "x";

	test_section("unknown commands");
	CHECK_EQ(HYPERVISOR_console_io(2, 1, text), -XEN_ENOSYS, "command 2 is -ENOSYS");
	CHECK_EQ(HYPERVISOR_console_io(-1, 1, text), -XEN_ENOSYS, "command -1 is -ENOSYS");
	CHECK_EQ(HYPERVISOR_console_io(0x100, 1, text), -XEN_ENOSYS, "command 0x100 is -ENOSYS");
}

void guest_main(const struct start_info *si)
{
	(void)si;
	check_write();
	check_write_faults();
	check_read();
	check_unknown();
	test_finish("console_io");
}
