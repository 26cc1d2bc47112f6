/*
 * Fuzz the domain builder's image side: a byte string is opened as an ELF image, its notes and
 * sections walked, its Xen notes parsed and checked; if that all passes it is "loaded" through
 * callbacks and laid out as dom0 and as a domU with a few memory sizes.
 *
 * Beyond "no out-of-bounds access" (ASan, UBSan) it checks what the builder relies on: every
 * byte the loader writes lands inside [virt_kstart, virt_kend), the loader copies exactly the
 * file bytes and zeroes exactly the rest, and every accepted layout is ordered, page aligned and
 * mapped by exactly the page-table frames it claims.
 */
#include <parvus/pv_layout.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)              \
	do {                     \
		if (!(cond))     \
			abort(); \
	} while (0)

struct bounds {
	uint64_t low, high; /* where the loader may write: [low, high) */
	uint64_t copied, zeroed;
};

static void in_bounds(const struct bounds *b, uint64_t addr, uint64_t len)
{
	CHECK(addr >= b->low && addr <= b->high && len <= b->high - addr);
}

static int check_write(void *ctx, uint64_t addr, const void *src, uint64_t len)
{
	struct bounds *b = ctx;
	volatile uint8_t sink;

	in_bounds(b, addr, len);
	/* Touch the first and last source bytes: ASan checks they are inside the input. */
	sink = ((const uint8_t *)src)[0];
	sink = ((const uint8_t *)src)[len - 1];
	(void)sink;
	b->copied += len;
	return 0;
}

static int check_zero(void *ctx, uint64_t addr, uint64_t len)
{
	struct bounds *b = ctx;

	in_bounds(b, addr, len);
	b->zeroed += len;
	return 0;
}

static int count_note(void *ctx, const struct elf_note *note)
{
	volatile uint8_t sink;

	/* Read the ends of the name and descriptor: they must be inside the input. */
	if (note->namesz)
		sink = note->name[note->namesz - 1];
	if (note->descsz)
		sink = note->desc[note->descsz - 1];
	(void)sink;
	++*(unsigned *)ctx;
	return ELF_OK;
}

static void check_layout(const struct pv_layout *l)
{
	CHECK(l->nr_pt_frames == l->nr_l4 + l->nr_l3 + l->nr_l2 + l->nr_l1);
	CHECK(l->v_end % (4ULL << 20) == 0 && l->v_end - l->stack.end >= 512 * 1024);
	CHECK(l->v_start <= l->kernel.start && l->kernel.start <= l->kernel.end);
	CHECK(l->kernel.end <= l->start_info.start);
	CHECK(l->start_info.end <= l->page_tables.start && l->page_tables.end == l->stack.start);
	CHECK(l->start_info.start % PV_PAGE_SIZE == 0 && l->page_tables.start % PV_PAGE_SIZE == 0);
	CHECK(l->page_tables.end - l->page_tables.start == l->nr_pt_frames * PV_PAGE_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t memory[] = {1024, 16384, 262144};
	struct elf_image image;
	struct xen_elfnote_info info;
	struct elf_section sec;
	struct bounds b;
	struct elf_load_target target = {check_write, check_zero, &b};
	uint64_t filesz = 0, memsz = 0;
	unsigned notes = 0, i;
	char message[256];
	uint8_t *copy;

	/* An exact-size copy, so a read one byte past the input is caught. */
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (elf_image_open(&image, copy, size) != ELF_OK)
		goto out;

	elf_image_walk_notes(&image, ELF_NOTES_SEGMENTS, count_note, &notes, NULL);
	elf_image_walk_notes(&image, ELF_NOTES_SECTIONS, count_note, &notes, NULL);
	elf_image_find_section(&image, "__xen_guest", &sec);

	enum xen_elfnote_status status = xen_elfnote_parse(&image, &info);
	xen_elfnote_describe(&info, status, message, sizeof(message));
	if (status != XEN_NOTES_OK)
		goto out;
	xen_elfnote_check_pv(&info, true);
	xen_elfnote_check_pv(&info, false);

	/* Everything loaded lands in the kernel's range, and exactly the right amount of it. */
	b.low = info.virt_kstart;
	b.high = info.virt_kend;
	b.copied = b.zeroed = 0;
	CHECK(elf_image_load(&image, info.virt_offset, &target, NULL) == ELF_OK);
	for (i = 0; i < image.nr_load; i++) {
		filesz += image.load[i].filesz;
		memsz += image.load[i].memsz;
	}
	CHECK(b.copied == filesz && b.zeroed == memsz - filesz);

	for (i = 0; i < sizeof(memory) / sizeof(memory[0]); i++) {
		struct pv_layout_params params;
		struct pv_layout layout;

		pv_layout_params_from_notes(&params, &info, memory[i], i * 1000000);
		if (pv_layout_dom0(&params, &layout) == PV_LAYOUT_OK)
			check_layout(&layout);
		if (pv_layout_domu(&params, &layout) == PV_LAYOUT_OK) {
			check_layout(&layout);
			CHECK(layout.pages_allocated <= memory[i]);
			CHECK(layout.page_tables.start == layout.console.end);
		}
	}
out:
	free(copy);
	return 0;
}
