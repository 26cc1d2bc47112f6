/*
 * xen_version: every sub-operation, its answer for the first domain, and its error for bad
 * buffers, sizes and unknown commands. Buffers are surrounded by guard bytes: the hypervisor
 * must write exactly the size the ABI gives and no more.
 */
#include <string.h>
#include <parvus/guest.h>
#include <parvus/guest_test.h>
#include <parvus/hypercall.h>
#include <public/errno.h>
#include "guest_lib.h"

#define GUARD 0x5a

/* A buffer with guard bytes on both sides of the part the hypervisor may write. */
static struct {
	unsigned char before[64];
	unsigned char data[2048];
	unsigned char after[64];
} area;

static void *fresh_buffer(void)
{
	memset(&area, GUARD, sizeof(area));
	return area.data;
}

/* The guards are intact and nothing past size bytes of data was written. */
static bool guards_intact(size_t size)
{
	for (size_t i = 0; i < sizeof(area.before); i++)
		if (area.before[i] != GUARD)
			return false;
	for (size_t i = size; i < sizeof(area.data); i++)
		if (area.data[i] != GUARD)
			return false;
	return true;
}

static bool terminated(const char *text, size_t size)
{
	return memchr(text, 0, size) != NULL;
}

static void check_version(void)
{
	test_section("XENVER_version");
	long version = HYPERVISOR_xen_version(XENVER_version, NULL);
	printf("version %ld.%ld\n", version >> 16, version & 0xffff);
	CHECK_EQ(version, (4 << 16) | 17, "version is 4.17, the interface Parvus implements");
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_version, (void *)0x1000), version,
		 "XENVER_version ignores its argument");
}

/* The string sub-operations: copy exactly size bytes, a NUL-terminated string. */
static void check_string(int cmd, const char *name, size_t size, const char *must_contain)
{
	char *buffer = fresh_buffer();

	test_section(name);
	CHECK_EQ(HYPERVISOR_xen_version(cmd, buffer), 0, "succeeds");
	CHECK(terminated(buffer, size), "the string is NUL-terminated within its size");
	CHECK(guards_intact(size), "exactly the ABI's size is written");
	if (must_contain)
		CHECK(strstr(buffer, must_contain) != NULL, must_contain);
	if (terminated(buffer, size))
		printf("%s: '%s'\n", name, buffer);
}

static void check_compile_info(void)
{
	struct xen_compile_info *info = fresh_buffer();

	test_section("XENVER_compile_info");
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_compile_info, info), 0, "succeeds");
	CHECK(terminated(info->compiler, sizeof(info->compiler)), "compiler is NUL-terminated");
	CHECK(terminated(info->compile_by, sizeof(info->compile_by)), "compile_by terminated");
	CHECK(terminated(info->compile_domain, sizeof(info->compile_domain)),
	      "compile_domain is NUL-terminated");
	CHECK(terminated(info->compile_date, sizeof(info->compile_date)),
	      "compile_date is NUL-terminated");
	CHECK(guards_intact(sizeof(*info)), "exactly sizeof(xen_compile_info_t) is written");
}

static void check_platform_parameters(void)
{
	struct xen_platform_parameters *parameters = fresh_buffer();

	test_section("XENVER_platform_parameters");
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_platform_parameters, parameters), 0, "succeeds");
	CHECK_EQ(parameters->virt_start, HYPERVISOR_VIRT_START,
		 "virt_start is where the hypervisor's hole begins");
	CHECK(guards_intact(sizeof(*parameters)), "exactly 8 bytes are written");
}

static void check_features(void)
{
	struct xen_feature_info *info = fresh_buffer();
	const uint32_t expected =
		1u << XENFEAT_mmu_pt_update_preserve_ad | 1u << XENFEAT_highmem_assist |
		1u << XENFEAT_gnttab_map_avail_bits | 1u << XENFEAT_dom0 |
		1u << XENFEAT_memory_op_vnode_supported | 1u << XENFEAT_direct_mapped;

	test_section("XENVER_get_features");
	info->submap_idx = 0;
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_get_features, info), 0, "submap 0 succeeds");
	printf("features submap 0: %#x\n", info->submap);
	CHECK_EQ(info->submap, expected,
		 "a PV dom0 has preserve_ad, highmem_assist, gnttab_map_avail_bits, dom0, "
		 "memory_op_vnode_supported, direct_mapped and nothing else");
	CHECK_EQ(info->submap_idx, 0, "submap_idx is left as given");
	CHECK(guards_intact(sizeof(*info)), "exactly sizeof(xen_feature_info_t) is written");

	info->submap_idx = XENFEAT_NR_SUBMAPS;
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_get_features, info), -XEN_EINVAL,
		 "a submap past the last is -EINVAL");
	info->submap_idx = 0xffffffffu;
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_get_features, info), -XEN_EINVAL,
		 "submap 0xffffffff is -EINVAL");
}

static void check_pagesize_and_handle(void)
{
	test_section("XENVER_pagesize");
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_pagesize, NULL), 4096, "the page size is 4096");
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_pagesize, fresh_buffer()), -XEN_EINVAL,
		 "pagesize with a non-null argument is -EINVAL");

	test_section("XENVER_guest_handle");
	unsigned char *handle = fresh_buffer();
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_guest_handle, handle), 0, "succeeds");
	unsigned int nonzero = 0;
	for (unsigned int i = 0; i < sizeof(xen_domain_handle_t); i++)
		nonzero += handle[i] != 0;
	CHECK_EQ(nonzero, 0, "dom0's handle (UUID) is all zeros");
	CHECK(guards_intact(sizeof(xen_domain_handle_t)), "exactly 16 bytes are written");
}

static void check_build_id(void)
{
	struct xen_build_id *id = fresh_buffer();

	test_section("XENVER_build_id");
	long size = HYPERVISOR_xen_version(XENVER_build_id, NULL);
	printf("build id: %ld bytes\n", size);
	CHECK(size > 0 && size <= 64, "a NULL buffer asks for the size of the build id");

	id->len = 64;
	long written = HYPERVISOR_xen_version(XENVER_build_id, id);
	CHECK_EQ(written, size, "the id is returned with its length");
	CHECK_EQ(id->len, 64, "len is left as given");
	CHECK(guards_intact(sizeof(*id) + (size > 0 ? (size_t)size : 0)),
	      "only the id's bytes are written");

	id = fresh_buffer();
	id->len = 0;
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_build_id, id), -XEN_EINVAL, "len 0 is -EINVAL");
	id->len = (uint32_t)(size - 1);
	CHECK_EQ(HYPERVISOR_xen_version(XENVER_build_id, id), -XEN_ENOBUFS,
		 "a buffer one byte short is -ENOBUFS");
	CHECK(guards_intact(sizeof(*id)), "nothing is written on -ENOBUFS");
}

static void check_unknown(void)
{
	test_section("unknown sub-operations");
	CHECK_EQ(HYPERVISOR_xen_version(11, fresh_buffer()), -XEN_ENOSYS, "command 11 is -ENOSYS");
	CHECK_EQ(HYPERVISOR_xen_version(64, fresh_buffer()), -XEN_ENOSYS, "command 64 is -ENOSYS");
	CHECK_EQ(HYPERVISOR_xen_version(-1, fresh_buffer()), -XEN_ENOSYS, "command -1 is -ENOSYS");
	CHECK(guards_intact(0), "an unknown command writes nothing");
}

/* Every sub-operation that copies out (or in) must refuse each hostile buffer. */
static void check_bad_buffers(void)
{
	static const struct {
		int cmd;
		const char *name;
	} buffered[] = {
		{XENVER_extraversion, "extraversion"},
		{XENVER_compile_info, "compile_info"},
		{XENVER_capabilities, "capabilities"},
		{XENVER_changeset, "changeset"},
		{XENVER_platform_parameters, "platform_parameters"},
		{XENVER_get_features, "get_features"},
		{XENVER_guest_handle, "guest_handle"},
		{XENVER_commandline, "commandline"},
	};

	test_section("bad buffers");
	for (unsigned int c = 0; c < sizeof(buffered) / sizeof(buffered[0]); c++) {
		for (unsigned int b = 0; b < nr_bad_addresses; b++) {
			long rc = HYPERVISOR_xen_version(buffered[c].cmd,
							 (void *)bad_addresses[b].address);
			if (rc != -XEN_EFAULT)
				printf("%s into %s: %ld\n", buffered[c].name, bad_addresses[b].name,
				       rc);
			CHECK_EQ(rc, -XEN_EFAULT, "a hostile buffer is -EFAULT");
		}
		/* A read-only page of our own: readable input, but no room for output. */
		long rc = HYPERVISOR_xen_version(buffered[c].cmd, read_only_page());
		if (rc != -XEN_EFAULT)
			printf("%s into a read-only page: %ld\n", buffered[c].name, rc);
		CHECK_EQ(rc, -XEN_EFAULT, "output into a read-only page is -EFAULT");
	}
	for (unsigned int b = 0; b < nr_bad_addresses; b++) {
		if (bad_addresses[b].address == 0)
			continue; /* NULL asks for the size */
		CHECK_EQ(HYPERVISOR_xen_version(XENVER_build_id, (void *)bad_addresses[b].address),
			 -XEN_EFAULT, "build_id from a hostile buffer is -EFAULT");
	}
}

void guest_main(const struct start_info *si)
{
	(void)si;
	check_version();
	check_string(XENVER_extraversion, "XENVER_extraversion", sizeof(xen_extraversion_t), NULL);
	check_compile_info();
	check_string(XENVER_capabilities, "XENVER_capabilities", sizeof(xen_capabilities_info_t),
		     "xen-3.0-x86_64");
	check_string(XENVER_changeset, "XENVER_changeset", sizeof(xen_changeset_info_t), NULL);
	check_platform_parameters();
	check_features();
	check_pagesize_and_handle();
	check_string(XENVER_commandline, "XENVER_commandline", sizeof(xen_commandline_t),
		     "dom0_mem=");
	check_build_id();
	check_unknown();
	check_bad_buffers();
	test_finish("xen_version");
}
