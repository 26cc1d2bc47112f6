/*
 * 16550 UART driver: just enough for a console. Output polls the line-status register, so
 * printk works before interrupts exist and from inside fault handlers; input is read from the
 * receive interrupt into the console's input ring.
 */
#include <arch/uart.h>
#include <arch/x86.h>

enum {
	UART_DATA = 0,	      /* receive/transmit; divisor low byte when DLAB is set */
	UART_IER = 1,	      /* interrupt enable; divisor high byte when DLAB is set */
	UART_FCR = 2,	      /* FIFO control */
	UART_LCR = 3,	      /* line control */
	UART_MCR = 4,	      /* modem control */
	UART_LSR = 5,	      /* line status */
	UART_SCRATCH = 7,
};

#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define MCR_DTR_RTS_OUT2 0x0b /* OUT2 gates the interrupt line on PCs */

bool uart_init(uint16_t port, uint32_t baud)
{
	/* A scratch register that keeps what we write tells us a UART is there. */
	outb(port + UART_SCRATCH, 0x5a);
	if (inb(port + UART_SCRATCH) != 0x5a)
		return false;

	uint16_t divisor = (uint16_t)(115200 / (baud ? baud : 115200));

	if (divisor == 0)
		divisor = 1;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DATA, divisor & 0xff);
	outb(port + UART_IER, divisor >> 8);
	outb(port + UART_LCR, LCR_8N1);
	/*
	 * FIFOs stay off. Turning them on empties them, and a byte that had already arrived
	 * (typed, or piped in by a test) would be lost; without them the UART holds one byte
	 * and the sender waits (QEMU) or, on hardware, a fast paste can overrun.
	 */
	outb(port + UART_FCR, 0x00);
	outb(port + UART_MCR, MCR_DTR_RTS_OUT2);
	return true;
}

void uart_putc(uint16_t port, char c)
{
	for (int spins = 0; spins < 100000; spins++) {
		if (inb(port + UART_LSR) & LSR_THR_EMPTY)
			break;
	}
	outb(port + UART_DATA, (uint8_t)c);
}

int uart_getc(uint16_t port)
{
	if (!(inb(port + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(port + UART_DATA);
}

void uart_enable_rx_interrupt(uint16_t port)
{
	outb(port + UART_IER, 0x01);
}
