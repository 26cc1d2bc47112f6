/*
 * Boot-time memory set-up. Usable RAM is every "usable" range of the memory map, minus:
 * the first megabyte (firmware data, the CPU start-up trampoline), the hypervisor image, the
 * boot modules (dom0's kernel and ramdisk, kept for the domain builder) and the frame table
 * itself. Ranges are handled in sorted order and clipped, so an overlapping or unsorted map
 * cannot give the allocator a frame twice. RAM below 4 GiB is already mapped by the boot page
 * tables; RAM above is mapped (direct_map_extend) with frames from below, then freed too.
 */
#include <boot_memory.h>
#include <direct_map.h>
#include <page_alloc.h>
#include <heap.h>
#include <printk.h>
#include <string.h>

#define LOW_MEMORY_END (1ull << 20)
#define MAX_EXCLUDED (BOOT_MAX_MODULES + 4)

struct range {
	uint64_t start, end; /* end exclusive */
};

extern const char image_start[], image_bss_end[];

static struct range excluded[MAX_EXCLUDED];
static unsigned int nr_excluded;
static uint64_t frames_added;
static uint64_t page_table_frames; /* taken back from the allocator to map RAM above 4 GiB */

static uint64_t align_down(uint64_t value, uint64_t to)
{
	return value & ~(to - 1);
}

static uint64_t align_up(uint64_t value, uint64_t to)
{
	return (value + to - 1) & ~(to - 1);
}

static void exclude(uint64_t start, uint64_t end)
{
	BUG_ON(nr_excluded == MAX_EXCLUDED);
	excluded[nr_excluded++] = (struct range){align_down(start, PAGE_SIZE),
						 align_up(end, PAGE_SIZE)};
}

/* Usable ranges of the map, sorted and without overlaps, clipped to what we can reach. */
static unsigned int usable_ranges(const struct boot_info *info, struct range *out)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < info->nr_regions; i++) {
		const struct memory_region *r = &info->regions[i];
		uint64_t start = align_up(r->start, PAGE_SIZE);
		uint64_t end = align_down(r->start + r->length, PAGE_SIZE);

		if (r->type != MEMORY_USABLE || end <= start)
			continue;
		if (end > DIRECT_MAP_MAX)
			end = DIRECT_MAP_MAX;
		if (end <= start)
			continue;
		out[n++] = (struct range){start, end};
	}
	/* Insertion sort: maps have tens of entries. */
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && out[j].start < out[j - 1].start; j--) {
			struct range t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	/* A usable range that a reserved range overlaps loses the overlap. */
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int k = 0; k < info->nr_regions; k++) {
			const struct memory_region *r = &info->regions[k];

			if (r->type == MEMORY_USABLE)
				continue;
			uint64_t rs = align_down(r->start, PAGE_SIZE);
			uint64_t re = align_up(r->start + r->length, PAGE_SIZE);

			if (rs <= out[i].start && re > out[i].start)
				out[i].start = re < out[i].end ? re : out[i].end;
			if (rs > out[i].start && rs < out[i].end)
				out[i].end = rs; /* keep the part below; rarely matters */
		}
	return n;
}

/* Give [start, end) to the allocator, less the excluded ranges. */
static void add_free(uint64_t start, uint64_t end)
{
	for (unsigned int i = 0; i < nr_excluded && start < end; i++) {
		const struct range *x = &excluded[i];

		if (x->end <= start || x->start >= end)
			continue;
		if (x->start > start)
			add_free(start, x->start);
		start = x->end;
	}
	if (start < end) {
		page_alloc_add_range(start >> PAGE_SHIFT, (end - start) >> PAGE_SHIFT);
		frames_added += (end - start) >> PAGE_SHIFT;
	}
}

static bool overlaps_excluded(uint64_t start, uint64_t end)
{
	for (unsigned int i = 0; i < nr_excluded; i++)
		if (excluded[i].start < end && excluded[i].end > start)
			return true;
	return false;
}

/*
 * The highest page-aligned place of `size` bytes in usable RAM below 4 GiB (mapped since
 * boot) that nothing else claims. Like Xen, the hypervisor keeps its boot-time structures at
 * the top of memory, so the domains' frames come from below them whatever the CPU count.
 */
static uint64_t find_space(const struct range *usable, unsigned int n, uint64_t size)
{
	for (unsigned int i = n; i-- > 0;) {
		uint64_t end = usable[i].end < DIRECT_MAP_LIMIT ? usable[i].end : DIRECT_MAP_LIMIT;

		if (end < usable[i].start + size)
			continue;
		for (uint64_t at = align_down(end - size, PAGE_SIZE); at >= usable[i].start;
		     at -= PAGE_SIZE) {
			if (!overlaps_excluded(at, at + size))
				return at;
			if (at < PAGE_SIZE)
				break;
		}
	}
	return 0;
}

void memory_init(const struct boot_info *info)
{
	static struct range usable[BOOT_MAX_REGIONS];
	uint64_t total = 0, highest = 0, ignored = 0;

	printk(LOG_INFO "Memory map (%s):\n", info->protocol);
	for (unsigned int i = 0; i < info->nr_regions; i++) {
		const struct memory_region *r = &info->regions[i];

		printk(LOG_INFO "  %016lx - %016lx  %s\n", r->start, r->start + r->length,
		       memory_type_name(r->type));
		if (r->type == MEMORY_USABLE && r->start + r->length > DIRECT_MAP_MAX)
			ignored += r->start + r->length -
				   (r->start > DIRECT_MAP_MAX ? r->start : DIRECT_MAP_MAX);
	}
	if (info->regions_truncated)
		printk(LOG_WARNING "memory map: more than %d entries; the rest are ignored\n",
		       BOOT_MAX_REGIONS);
	if (ignored)
		printk(LOG_WARNING "memory: %lu MiB of RAM above 512 GiB is not used\n",
		       ignored >> 20);

	unsigned int n = usable_ranges(info, usable);

	for (unsigned int i = 0; i < n; i++) {
		if (usable[i].end > usable[i].start) {
			total += usable[i].end - usable[i].start;
			if (usable[i].end > highest)
				highest = usable[i].end;
		}
	}
	if (total == 0)
		panic("the memory map lists no usable RAM");

	exclude(0, LOW_MEMORY_END);
	exclude((uint64_t)image_start - IMAGE_VIRT_OFFSET, (uint64_t)image_bss_end - IMAGE_VIRT_OFFSET);
	for (unsigned int i = 0; i < info->nr_modules; i++)
		exclude(info->modules[i].start, info->modules[i].end);

	unsigned long nr_frames = highest >> PAGE_SHIFT;
	uint64_t table_bytes = align_up(nr_frames * sizeof(struct page_info), PAGE_SIZE);
	uint64_t table_phys = find_space(usable, n, table_bytes);

	if (!table_phys)
		panic("no room for the frame table (%lu KiB)", table_bytes >> 10);
	exclude(table_phys, table_phys + table_bytes);
	page_alloc_init(phys_to_virt(table_phys), nr_frames);
	for (unsigned int i = 0; i < n; i++) /* the part below 4 GiB: mapped since boot */
		if (usable[i].start < DIRECT_MAP_LIMIT)
			add_free(usable[i].start, usable[i].end < DIRECT_MAP_LIMIT
							  ? usable[i].end
							  : DIRECT_MAP_LIMIT);

	uint64_t high = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint64_t start = usable[i].start > DIRECT_MAP_LIMIT ? usable[i].start
								   : DIRECT_MAP_LIMIT;

		if (usable[i].end <= DIRECT_MAP_LIMIT || usable[i].end <= start)
			continue;
		int tables = direct_map_extend(start, usable[i].end);

		if (tables < 0) {
			printk(LOG_WARNING "memory: cannot map %#lx-%#lx; left unused\n", start,
			       usable[i].end);
			continue;
		}
		page_table_frames += (uint64_t)tables;
		add_free(start, usable[i].end);
		high += usable[i].end - start;
	}
	if (high) {
		/* Prove the new mappings: write and read back the last frame of RAM. */
		volatile uint64_t *last = phys_to_virt(highest - 8);

		*last = 0x5061727675732121ull;
		BUG_ON(*last != 0x5061727675732121ull);
		printk(LOG_INFO "Memory: %lu MiB above 4 GiB mapped at the direct map\n", high >> 20);
	}
	heap_init();

	uint64_t image_bytes = (uint64_t)(image_bss_end - image_start);
	uint64_t module_bytes = 0;

	for (unsigned int i = 0; i < info->nr_modules; i++)
		module_bytes += info->modules[i].end - info->modules[i].start;
	printk(LOG_INFO "Memory: %lu KiB usable RAM; hypervisor image %lu KiB, modules %lu KiB, "
			"frame table %lu KiB (%lu frames); %lu KiB free\n",
	       total >> 10, image_bytes >> 10, module_bytes >> 10, table_bytes >> 10, nr_frames,
	       (uint64_t)page_alloc_free_frames() << (PAGE_SHIFT - 10));
	BUG_ON(page_alloc_free_frames() + page_table_frames != frames_added);
}
