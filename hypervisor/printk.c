/*
 * printk: format a message, put "[seconds.micro] " in front of each line, and hand it to the
 * console when its level passes loglvl=. A lock keeps lines from different CPUs whole; a CPU
 * that panics while holding it (a fault inside printk) breaks the lock rather than hang.
 */
#include <printk.h>
#include <console.h>
#include <spinlock.h>
#include <stdio.h>
#include <stdbool.h>
#include <system_time.h>
#include <machine.h>
#include <percpu.h>

static spinlock_t printk_lock = SPINLOCK_INIT;
static int printk_threshold = LEVEL_INFO;
static bool timestamps;
static bool at_line_start = true;
static int lock_owner = -1;

void printk_set_level(int level)
{
	printk_threshold = level;
}

void printk_enable_timestamps(void)
{
	timestamps = true;
}

struct line_state {
	bool printing;
};

static void emit_text(const char *text, size_t length)
{
	console_write(text, length);
}

static void emit_char(char c, void *arg)
{
	struct line_state *state = arg;

	if (!state->printing)
		return;
	if (at_line_start) {
		char stamp[24];
		uint64_t ns = timestamps ? now_ns() : 0;
		int n = snprintf(stamp, sizeof(stamp), "[%5lu.%06lu] ", (unsigned long)(ns / 1000000000),
				 (unsigned long)(ns / 1000 % 1000000));

		emit_text(stamp, (size_t)n);
		at_line_start = false;
	}
	emit_text(&c, 1);
	if (c == '\n')
		at_line_start = true;
}

static enum log_level take_level(const char **fmt)
{
	const char *f = *fmt;

	if (f[0] == '<' && f[1] >= '0' && f[1] <= '3' && f[2] == '>') {
		*fmt = f + 3;
		return (enum log_level)(f[1] - '0');
	}
	return LEVEL_INFO;
}

static void print_at(enum log_level level, const char *fmt, va_list ap)
{
	struct line_state state = {.printing = (int)level <= printk_threshold};
	int me = this_cpu_id();
	uint64_t flags = local_irq_save();
	bool nested = __atomic_load_n(&lock_owner, __ATOMIC_RELAXED) == me;

	if (!nested) {
		spin_lock(&printk_lock);
		lock_owner = me;
	}
	vcbprintf(emit_char, &state, fmt, ap);
	if (!nested) {
		lock_owner = -1;
		spin_unlock(&printk_lock);
	}
	local_irq_restore(flags);
}

void vprintk(const char *fmt, va_list ap)
{
	enum log_level level = take_level(&fmt);

	print_at(level, fmt, ap);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	local_irq_disable();
	printk(LOG_ERR "\n*** PANIC on CPU %d: ", this_cpu_id());
	va_start(ap, fmt);
	print_at(LEVEL_ERR, fmt, ap);
	va_end(ap);
	printk(LOG_ERR "\n");
	machine_fail();
}
