/*
 * The PC's CMOS real-time clock (MC146818 registers through ports 0x70/0x71), read once at
 * boot for the wallclock. Its fields may be BCD or binary and the hour 12- or 24-hour, as
 * status register B says; we read until two passes agree so that no update tears the value.
 */
#include <system_time.h>
#include <arch/x86.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define RTC_STATUS_A 0x0a
#define RTC_STATUS_B 0x0b
#define RTC_UPDATE_IN_PROGRESS 0x80
#define RTC_24_HOUR 0x02
#define RTC_BINARY 0x04
#define RTC_PM 0x80

struct rtc_time {
	unsigned int second, minute, hour, day, month, year, century;
};

static uint8_t cmos_read(uint8_t index)
{
	outb(CMOS_INDEX, index); /* bit 7 clear: NMIs stay enabled */
	return inb(CMOS_DATA);
}

static void read_raw(struct rtc_time *t)
{
	for (unsigned int spins = 0; spins < 1000000; spins++)
		if (!(cmos_read(RTC_STATUS_A) & RTC_UPDATE_IN_PROGRESS))
			break;
	t->second = cmos_read(0x00);
	t->minute = cmos_read(0x02);
	t->hour = cmos_read(0x04);
	t->day = cmos_read(0x07);
	t->month = cmos_read(0x08);
	t->year = cmos_read(0x09);
	t->century = cmos_read(0x32); /* QEMU and most PCs keep the century here */
}

static unsigned int from_bcd(unsigned int value)
{
	return (value >> 4) * 10 + (value & 0x0f);
}

/* Days from 1970-01-01 to a date of the proleptic Gregorian calendar. */
static uint64_t days_since_epoch(unsigned int year, unsigned int month, unsigned int day)
{
	/* Count years from March, so that the leap day is the last day of a year. */
	if (month <= 2) {
		year--;
		month += 12;
	}
	uint64_t days = 365ull * year + year / 4 - year / 100 + year / 400;

	days += (153 * (month - 3) + 2) / 5 + day - 1;
	return days - 719468; /* the same count for 1970-01-01 */
}

uint64_t rtc_read_seconds(void)
{
	struct rtc_time a, b;
	unsigned int tries = 0;

	do {
		read_raw(&a);
		read_raw(&b);
	} while ((a.second != b.second || a.minute != b.minute || a.hour != b.hour ||
		  a.day != b.day) &&
		 ++tries < 10);
	uint8_t status = cmos_read(RTC_STATUS_B);
	bool pm = !(status & RTC_24_HOUR) && (a.hour & RTC_PM);

	a.hour &= ~RTC_PM;
	if (!(status & RTC_BINARY)) {
		a.second = from_bcd(a.second);
		a.minute = from_bcd(a.minute);
		a.hour = from_bcd(a.hour);
		a.day = from_bcd(a.day);
		a.month = from_bcd(a.month);
		a.year = from_bcd(a.year);
		a.century = from_bcd(a.century);
	}
	if (!(status & RTC_24_HOUR))
		a.hour = (a.hour % 12) + (pm ? 12 : 0);
	unsigned int year = a.century >= 19 && a.century <= 99 ? a.century * 100 + a.year
								 : 2000 + a.year;

	if (a.month < 1 || a.month > 12 || a.day < 1 || a.day > 31 || a.hour > 23 ||
	    a.minute > 59 || a.second > 60)
		return 0;
	return days_since_epoch(year, a.month, a.day) * 86400 + a.hour * 3600 + a.minute * 60 +
	       a.second;
}
