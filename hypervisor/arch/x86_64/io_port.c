/*
 * Port I/O for PV guests. A guest's in/out, cli and sti run in ring 3, so the CPU raises #GP
 * and we decide, as Xen does: the guest has a virtual I/O privilege level (physdev_op
 * PHYSDEVOP_set_iopl); its kernel counts as ring 1 (ring 0 with the architectural_iopl
 * assist), its programs as ring 3. Allowed, a port dom0 owns is accessed for it; the ports the
 * hypervisor keeps (PICs, PIT, the console UART, QEMU's debug-exit port) read as all ones and
 * ignore writes. cli and sti, when allowed, do nothing: the guest's interrupt flag is its
 * event mask, in shared memory.
 */
#include <domain.h>
#include <hypercall.h>
#include <arch/guest.h>
#include <arch/uaccess.h>
#include <arch/x86.h>
#include <public/errno.h>
#include <public/physdev.h>
#include <public/xen.h>

static bool io_allowed(const struct vcpu *v)
{
	unsigned int ring = v->user_mode ? 3
			    : (v->domain->vm_assist & (1ull << VMASST_TYPE_architectural_iopl)) ? 0
											     : 1;

	return v->domain->is_privileged && ring <= v->iopl;
}

static bool hypervisor_port(uint16_t port)
{
	return (port >= 0x20 && port <= 0x21) || (port >= 0xa0 && port <= 0xa1) ||
	       (port >= 0x40 && port <= 0x43) || (port >= 0x3f8 && port <= 0x3ff) ||
	       (port >= 0xf4 && port <= 0xf7);
}

static uint32_t port_read(uint16_t port, unsigned int size)
{
	if (hypervisor_port(port))
		return size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffffu;
	if (size == 1)
		return inb(port);
	if (size == 2)
		return inw(port);
	return inl(port);
}

static void port_write(uint16_t port, unsigned int size, uint32_t value)
{
	if (hypervisor_port(port))
		return; /* dropped */
	if (size == 1)
		outb(port, (uint8_t)value);
	else if (size == 2)
		outw(port, (uint16_t)value);
	else
		outl(port, value);
}

bool emulate_io_instruction(struct cpu_regs *regs)
{
	struct vcpu *v = current_vcpu();
	uint8_t code[3] = {0};
	unsigned int at = 0, size = 4;

	if (!io_allowed(v) || copy_from_guest_raw(code, regs->rip, 1))
		return false;
	copy_from_guest_raw(code, regs->rip, sizeof(code)); /* the rest, if mapped */
	if (code[0] == 0x66) { /* operand size: 16 bits */
		size = 2;
		at = 1;
	}
	uint8_t opcode = code[at];
	uint16_t port = (uint16_t)regs->rdx;
	unsigned int length = at + 1;

	switch (opcode) {
	case 0xfa: /* cli */
	case 0xfb: /* sti */
		if (at)
			return false;
		regs->rip += 1;
		return true;
	case 0xe4: case 0xe5: case 0xe6: case 0xe7: /* with an immediate port */
		port = code[at + 1];
		length++;
		break;
	case 0xec: case 0xed: case 0xee: case 0xef: /* port in dx */
		break;
	default:
		return false;
	}
	if (!(opcode & 1))
		size = 1;
	uint32_t mask = size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffffu;

	if (opcode & 2) /* out */
		port_write(port, size, (uint32_t)regs->rax & mask);
	else if (size == 4)
		regs->rax = port_read(port, size); /* a 32-bit result clears the upper half */
	else
		regs->rax = (regs->rax & ~(uint64_t)mask) | port_read(port, size);
	regs->rip += length;
	return true;
}

/* physdev_op: the subset a PV dom0 needs first. */
long do_physdev_op(uint64_t cmd, uint64_t arg, uint64_t unused3, uint64_t unused4,
		   uint64_t unused5)
{
	struct vcpu *v = current_vcpu();

	(void)unused3, (void)unused4, (void)unused5;
	switch (cmd) {
	case PHYSDEVOP_set_iopl: {
		struct physdev_set_iopl request;

		if (copy_from_guest_raw(&request, arg, sizeof(request)))
			return -XEN_EFAULT;
		if (request.iopl > 3)
			return -XEN_EINVAL;
		v->iopl = request.iopl;
		return 0;
	}
	default:
		return -XEN_ENOSYS;
	}
}
