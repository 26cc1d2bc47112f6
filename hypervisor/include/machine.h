/*
 * Stopping the machine. Under QEMU with an isa-debug-exit device at port 0xf4 (the test
 * harness adds one), the exit status tells the harness how the run ended: machine_pass()
 * exits with status 1, machine_fail() with status 3. On real hardware, or without that device,
 * the CPUs just stop.
 */
#ifndef PARVUS_MACHINE_H
#define PARVUS_MACHINE_H

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PASS 0 /* QEMU exits with (value << 1) | 1 = 1 */
#define DEBUG_EXIT_FAIL 1 /* = 3 */

__attribute__((noreturn)) void machine_pass(void);
__attribute__((noreturn)) void machine_fail(void);
/* Stop this CPU for good (other CPUs are stopped by machine_pass/fail). */
__attribute__((noreturn)) void cpu_stop(void);

#endif
