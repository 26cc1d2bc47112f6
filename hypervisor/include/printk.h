/*
 * printk: the hypervisor's log, with Xen's level prefixes and a timestamp on every line.
 *
 *     printk(LOG_INFO "memory: %lu MiB usable\n", mib);
 *
 * Lines below the level set by loglvl= are dropped (but still kept in the console ring).
 * panic() prints, then stops the machine with a failure code; BUG_ON() is for the
 * hypervisor's own invariants, never for checking what a guest sent.
 */
#ifndef PARVUS_PRINTK_H
#define PARVUS_PRINTK_H

#include <stdarg.h>

#define LOG_ERR "<0>"
#define LOG_WARNING "<1>"
#define LOG_INFO "<2>"
#define LOG_DEBUG "<3>"

enum log_level { LEVEL_ERR, LEVEL_WARNING, LEVEL_INFO, LEVEL_DEBUG };

void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap);
/* Show messages up to this level; -1 shows none. */
void printk_set_level(int level);
/* Called once time is calibrated, so that timestamps start counting. */
void printk_enable_timestamps(void);

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define BUG_ON(condition)                                                                          \
	do {                                                                                       \
		if (__builtin_expect(!!(condition), 0))                                            \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #condition);                 \
	} while (0)

#endif
