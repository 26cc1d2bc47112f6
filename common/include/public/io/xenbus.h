/*
 * The states a split-driver frontend and backend move through, each published in its
 * XenStore "state" node, while they connect, reconfigure and disconnect. Both ends watch
 * the other's state and react. Mirrors Xen's public/io/xenbus.h.
 */
#ifndef PARVUS_PUBLIC_IO_XENBUS_H
#define PARVUS_PUBLIC_IO_XENBUS_H

enum xenbus_state {
	XenbusStateUnknown = 0,	      /* no state node yet */
	XenbusStateInitialising = 1,  /* setting itself up */
	XenbusStateInitWait = 2,      /* backend: waiting for the frontend's details */
	XenbusStateInitialised = 3,   /* frontend: rings and channels published */
	XenbusStateConnected = 4,     /* working */
	XenbusStateClosing = 5,	      /* asked to go away; finishing what is in flight */
	XenbusStateClosed = 6,	      /* gone; the device may be removed */
	XenbusStateReconfiguring = 7, /* changing its configuration */
	XenbusStateReconfigured = 8,
};
typedef enum xenbus_state XenbusState;

#endif /* PARVUS_PUBLIC_IO_XENBUS_H */
