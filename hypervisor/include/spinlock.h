/*
 * Spinlocks: a ticket lock, so that waiting CPUs are served in arrival order.
 *
 * Plain C with GCC's atomic built-ins, so code that takes locks (the frame allocator, the heap)
 * also compiles and runs in host unit tests. Lock ordering, where it matters, is written down
 * beside the locks that take part in it.
 */
#ifndef PARVUS_SPINLOCK_H
#define PARVUS_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct spinlock {
	uint16_t next;    /* ticket handed to the next CPU that asks */
	uint16_t serving; /* ticket now holding the lock */
} spinlock_t;

#define SPINLOCK_INIT {0, 0}

static inline void cpu_relax(void)
{
	__builtin_ia32_pause();
}

static inline void spin_lock_init(spinlock_t *lock)
{
	lock->next = 0;
	lock->serving = 0;
}

#ifdef PARVUS_HOST_TEST
static inline void spin_wait_hook(void)
{
}
#else
/* Work a CPU must keep doing while it waits for a lock with interrupts off: answering TLB
 * flush requests, since the holder may be waiting for that answer (tlb_flush.c). */
void spin_wait_hook(void);
#endif

static inline void spin_lock(spinlock_t *lock)
{
	uint16_t ticket = __atomic_fetch_add(&lock->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&lock->serving, __ATOMIC_ACQUIRE) != ticket) {
		spin_wait_hook();
		cpu_relax();
	}
}

static inline bool spin_trylock(spinlock_t *lock)
{
	uint16_t serving = __atomic_load_n(&lock->serving, __ATOMIC_RELAXED);
	uint16_t expected = serving;

	return __atomic_compare_exchange_n(&lock->next, &expected, (uint16_t)(serving + 1), false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void spin_unlock(spinlock_t *lock)
{
	__atomic_store_n(&lock->serving, (uint16_t)(lock->serving + 1), __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(const spinlock_t *lock)
{
	return __atomic_load_n(&lock->serving, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&lock->next, __ATOMIC_RELAXED);
}

#endif
