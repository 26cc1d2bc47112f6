/*
 * The legacy 8259 PICs. We never use them, but until told otherwise they deliver the timer
 * and keyboard on vectors 8 and 9, where exceptions live; so we move them to 0x20-0x2f and
 * mask every line. Devices reach us through the I/O APIC instead.
 */
#include <arch/apic.h>
#include <arch/x86.h>

#define PIC1_COMMAND 0x20
#define PIC1_DATA 0x21
#define PIC2_COMMAND 0xa0
#define PIC2_DATA 0xa1

void pic_disable(void)
{
	outb(PIC1_COMMAND, 0x11); /* initialise, expect ICW4 */
	outb(PIC2_COMMAND, 0x11);
	outb(PIC1_DATA, VECTOR_IRQ_BASE);     /* ICW2: vector base */
	outb(PIC2_DATA, VECTOR_IRQ_BASE + 8);
	outb(PIC1_DATA, 0x04); /* ICW3: the second PIC hangs off line 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff); /* mask everything */
	outb(PIC2_DATA, 0xff);
}
