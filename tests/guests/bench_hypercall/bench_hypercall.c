/*
 * A benchmark kernel, not a test: the round trip of a null hypercall as a 64-bit PV kernel
 * sees it (the stub in the hypercall page, SYSCALL into the hypervisor, dispatch, the return
 * to the guest), on Parvus or on Xen, unchanged. tests/bench/hypercall-compare boots it on
 * both and compares; `make bench-hypercall` runs that.
 *
 * The null hypercall is xen_version(XENVER_version, NULL): both hypervisors answer it from a
 * constant, without touching guest memory, taking a lock or entering the scheduler, so what
 * is left is the entry and exit path itself. (sched_op(SCHEDOP_yield) would run the scheduler;
 * an unknown hypercall number would time an error path instead of the normal one.)
 *
 * Each round times ITERATIONS calls twice over: with the TSC (lfence; rdtsc) and with the PV
 * clock (vcpu_time_info of vCPU 0 in shared_info, read with Xen's version protocol). A
 * baseline round runs the very same loop with the call instruction replaced by a register
 * move, so its cost per iteration (loop counter, argument set-up, result check) can be
 * subtracted. After ROUNDS rounds it prints the median round, and the fastest round less the
 * fastest baseline ("best_", for noisy hosts). Every line it prints for a harness starts with
 * "bench "; values carry two decimals.
 *
 * Command line: "test_pass=reboot" makes it end by rebooting (Xen halts the machine when dom0
 * powers off, which would leave QEMU running; a reboot ends QEMU under -no-reboot).
 */
#include <stdint.h>
#include <parvus/guest.h>
#include <parvus/hypercall.h>

#define WARMUP 2000UL
#define ITERATIONS 100000UL
#define ROUNDS 5

static inline uint64_t rdtsc_ordered(void)
{
	uint32_t low, high;

	__asm__ volatile("lfence; rdtsc" : "=a"(low), "=d"(high) : : "memory");
	return (uint64_t)high << 32 | low;
}

/* One reading of the PV clock: nanoseconds of system time and the TSC it was computed from. */
struct clock_reading {
	uint64_t ns;
	uint64_t tsc;
};

static struct clock_reading pv_clock_read(void)
{
	volatile struct vcpu_time_info *t = &HYPERVISOR_shared_info->vcpu_info[0].time;
	struct clock_reading r;
	uint32_t version, mul;
	uint64_t system_time, stamp;
	int8_t shift;

	do {
		version = t->version;
		__asm__ volatile("" ::: "memory");
		stamp = t->tsc_timestamp;
		system_time = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		r.tsc = rdtsc_ordered();
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != t->version);

	uint64_t delta = r.tsc - stamp;

	delta = shift < 0 ? delta >> -shift : delta << shift;
	r.ns = system_time + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
	return r;
}

/* The TSC frequency the PV clock's scale implies: ns = ((tsc << shift) * mul) >> 32. */
static uint64_t pv_clock_tsc_hz(void)
{
	volatile struct vcpu_time_info *t = &HYPERVISOR_shared_info->vcpu_info[0].time;
	uint32_t mul = t->tsc_to_system_mul;
	int8_t shift = t->tsc_shift;

	if (mul == 0)
		return 0;
	uint64_t hz = (1000000000ULL << 32) / mul;

	return shift < 0 ? hz << -shift : hz >> shift;
}

/*
 * The loop, once with the hypercall and once without. The asm statement has the same operands
 * in both (the five argument registers, the stub's address, the same clobbers), so the
 * compiler emits the same loop around it; only the one instruction differs. The baseline
 * "returns" the expected value so that both loops take the same branches.
 */
#define NULL_LOOP(INSTRUCTION, count, expected)                                                   \
	({                                                                                        \
		unsigned long bad_ = 0;                                                           \
		for (unsigned long i_ = 0; i_ < (count); i_++) {                                  \
			register unsigned long rdi __asm__("rdi") = XENVER_version;               \
			register unsigned long rsi __asm__("rsi") = 0;                            \
			register unsigned long rdx __asm__("rdx") = 0;                            \
			register unsigned long r10 __asm__("r10") = 0;                            \
			register unsigned long r8 __asm__("r8") = 0;                              \
			long result_;                                                             \
			__asm__ volatile(INSTRUCTION                                              \
					 : "=a"(result_), "+r"(rdi), "+r"(rsi), "+r"(rdx),        \
					   "+r"(r10), "+r"(r8)                                    \
					 : [stub] "r"(hypercall_page +                            \
						      __HYPERVISOR_xen_version * HYPERCALL_STUB_SIZE), \
					   [expected] "r"(expected)                               \
					 : "rcx", "r11", "r9", "memory");                         \
			bad_ += result_ != (expected);                                            \
		}                                                                                 \
		bad_;                                                                             \
	})

static __attribute__((noinline)) unsigned long hypercall_loop(unsigned long count, long expected)
{
	return NULL_LOOP("call *%[stub]", count, expected);
}

static __attribute__((noinline)) unsigned long baseline_loop(unsigned long count, long expected)
{
	return NULL_LOOP("mov %[expected], %%rax", count, expected);
}

struct round {
	uint64_t tsc, ns;
	unsigned long errors;
};

static struct round time_loop(bool with_hypercall, unsigned long count, long expected)
{
	struct round r;
	struct clock_reading start = pv_clock_read();

	r.errors = with_hypercall ? hypercall_loop(count, expected) : baseline_loop(count, expected);
	struct clock_reading end = pv_clock_read();

	r.tsc = end.tsc - start.tsc;
	r.ns = end.ns - start.ns;
	return r;
}

/* Print " name=total/count" with two decimals, rounded; a negative total keeps its sign. */
static void print_per(const char *name, int64_t total, unsigned long count)
{
	const char *sign = "";

	if (total < 0) {
		sign = "-";
		total = -total;
	}
	uint64_t hundredths = ((uint64_t)total * 100 + count / 2) / count;

	printf(" %s=%s%lu.%02lu", name, sign, hundredths / 100, hundredths % 100);
}

static uint64_t median(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t swap = v[j];
			v[j] = v[j - 1];
			v[j - 1] = swap;
		}
	return v[n / 2];
}

/* The cost of one lfence; rdtsc pair: tells whether the TSC is read natively or emulated. */
static void measure_rdtsc(void)
{
	uint64_t start = rdtsc_ordered();

	for (int i = 0; i < 1000; i++)
		rdtsc_ordered();
	uint64_t total = rdtsc_ordered() - start;

	printf("bench rdtsc reads=1000");
	print_per("tsc_per_read", (int64_t)total, 1001);
	printf("\n");
}

void guest_main(const struct start_info *si)
{
	char extra[sizeof(xen_extraversion_t)] = "";
	long version = HYPERVISOR_xen_version(XENVER_version, NULL);
	unsigned long errors = 0;

	(void)si;
	HYPERVISOR_xen_version(XENVER_extraversion, extra);
	extra[sizeof(extra) - 1] = 0;
	printf("bench info version=%ld.%ld%s pv_clock_tsc_hz=%lu\n", version >> 16,
	       version & 0xffff, extra, pv_clock_tsc_hz());
	if (pv_clock_tsc_hz() == 0)
		guest_crash("the PV clock has no scale (tsc_to_system_mul is 0)");
	measure_rdtsc();

	/* Warm-up: under TCG the first pass also translates the code. */
	errors += hypercall_loop(WARMUP, version);
	baseline_loop(WARMUP, version);

	uint64_t call_tsc[ROUNDS], call_ns[ROUNDS], base_tsc[ROUNDS], base_ns[ROUNDS];

	for (int i = 0; i < ROUNDS; i++) {
		struct round base = time_loop(false, ITERATIONS, version);
		struct round call = time_loop(true, ITERATIONS, version);

		errors += base.errors + call.errors;
		base_tsc[i] = base.tsc;
		base_ns[i] = base.ns;
		call_tsc[i] = call.tsc;
		call_ns[i] = call.ns;
		printf("bench round=%d iterations=%lu", i, ITERATIONS);
		print_per("tsc_per_call", (int64_t)call.tsc, ITERATIONS);
		print_per("ns_per_call", (int64_t)call.ns, ITERATIONS);
		print_per("baseline_tsc_per_iter", (int64_t)base.tsc, ITERATIONS);
		print_per("baseline_ns_per_iter", (int64_t)base.ns, ITERATIONS);
		printf("\n");
	}

	/* median() sorts, so the fastest round of each is then at index 0. */
	uint64_t ct = median(call_tsc, ROUNDS), cn = median(call_ns, ROUNDS);
	uint64_t bt = median(base_tsc, ROUNDS), bn = median(base_ns, ROUNDS);

	printf("bench baseline iterations=%lu", ITERATIONS);
	print_per("tsc_per_iter", (int64_t)bt, ITERATIONS);
	print_per("ns_per_iter", (int64_t)bn, ITERATIONS);
	printf("\n");
	printf("bench null_hypercall iterations=%lu", ITERATIONS);
	print_per("tsc_per_call", (int64_t)ct, ITERATIONS);
	print_per("ns_per_call", (int64_t)cn, ITERATIONS);
	print_per("net_tsc_per_call", (int64_t)(ct - bt), ITERATIONS);
	print_per("net_ns_per_call", (int64_t)(cn - bn), ITERATIONS);
	print_per("best_net_tsc_per_call", (int64_t)(call_tsc[0] - base_tsc[0]), ITERATIONS);
	print_per("best_net_ns_per_call", (int64_t)(call_ns[0] - base_ns[0]), ITERATIONS);
	printf(" errors=%lu\n", errors);
	printf("bench done\n");

	if (errors != 0)
		guest_crash("%lu calls did not return the version", errors);
	if (guest_cmdline_has("test_pass=reboot"))
		guest_shutdown(SHUTDOWN_reboot);
	guest_poweroff();
}
