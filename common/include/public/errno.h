/*
 * The error numbers hypercalls return, negated, in rax. They are Xen's own numbering
 * (equal to Linux's on x86), so the hypervisor never depends on the host libc's errno.h.
 * Mirrors Xen's public/errno.h; every Parvus hypercall failure uses one of these.
 */
#ifndef PARVUS_PUBLIC_ERRNO_H
#define PARVUS_PUBLIC_ERRNO_H

enum xen_errno {
	XEN_EPERM = 1,	/* not allowed for this caller */
	XEN_ENOENT = 2, /* no such object */
	XEN_ESRCH = 3,	/* no such domain */
	XEN_EIO = 5,
	XEN_ENXIO = 6,	 /* no such device or address */
	XEN_E2BIG = 7,	 /* argument list too long */
	XEN_ENOEXEC = 8, /* bad executable format */
	XEN_EBADF = 9,
	XEN_ECHILD = 10,
	XEN_EAGAIN = 11,      /* try again later */
	XEN_EWOULDBLOCK = 11, /* the same number as XEN_EAGAIN */
	XEN_ENOMEM = 12,
	XEN_EACCES = 13,
	XEN_EFAULT = 14, /* a guest address could not be read or written */
	XEN_EBUSY = 16,
	XEN_EEXIST = 17,
	XEN_EXDEV = 18,
	XEN_ENODEV = 19,
	XEN_ENOTDIR = 20,
	XEN_EISDIR = 21,
	XEN_EINVAL = 22, /* a malformed argument */
	XEN_ENFILE = 23,
	XEN_EMFILE = 24,
	XEN_ENOSPC = 28, /* a table is full */
	XEN_EROFS = 30,
	XEN_EMLINK = 31,
	XEN_EDOM = 33,
	XEN_ERANGE = 34,
	XEN_EDEADLK = 35,
	XEN_EDEADLOCK = 35, /* the same number as XEN_EDEADLK */
	XEN_ENAMETOOLONG = 36,
	XEN_ENOLCK = 37,
	XEN_ENOSYS = 38, /* no such hypercall or sub-operation */
	XEN_ENOTEMPTY = 39,
	XEN_ENODATA = 61,
	XEN_ETIME = 62,
	XEN_EBADMSG = 74,
	XEN_EOVERFLOW = 75,
	XEN_EILSEQ = 84,
	XEN_ENOTSOCK = 88,
	XEN_EMSGSIZE = 90,
	XEN_EOPNOTSUPP = 95,
	XEN_EADDRINUSE = 98,
	XEN_EADDRNOTAVAIL = 99,
	XEN_ENOBUFS = 105,
	XEN_EISCONN = 106,
	XEN_ENOTCONN = 107,
	XEN_ETIMEDOUT = 110,
	XEN_ECONNREFUSED = 111,
};

#endif /* PARVUS_PUBLIC_ERRNO_H */
