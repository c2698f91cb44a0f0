/*
 * vkmini: the system-call interface between the vkmini kernel and its user
 * programs. Where DragonFly has a call with the same meaning its number is
 * used; the calls init needs beyond that are vkmini's own (600 and up).
 * Arguments in rdi, rsi, rdx, r10, r8, r9; result in rax; carry set and a
 * DragonFly errno in rax on failure.
 */
#ifndef VKMINI_H
#define VKMINI_H

#define VKSYS_exit      1	/* exit(status) */
#define VKSYS_read      3	/* read(fd 0, buf, len): one console line */
#define VKSYS_write     4	/* write(fd 1|2, buf, len) */
#define VKSYS_wait4     7	/* wait4(pid|-1, &status, WNOHANG?, 0) */
#define VKSYS_brk      17	/* brk(addr): 0 = query; returns the new break */
#define VKSYS_getpid   20
#define VKSYS_kill     37	/* kill(pid, sig) */
#define VKSYS_reboot   55	/* reboot(howto): RB_HALT halts, else reboot */
#define VKSYS_munmap   73	/* munmap(addr, len) of a whole mmap'd region */
#define VKSYS_mmap    197	/* mmap(0, len, prot, MAP_ANON, -1, 0) */
#define VKSYS_clock_gettime 232	/* clock_gettime(CLOCK_MONOTONIC, &ts): the host's clock */
#define VKSYS_nanosleep 240	/* nanosleep(&ts, 0) */
#define VKSYS_yield   331	/* sched_yield() */
#define VKSYS_spawn   600	/* spawn(name, argv): new process, returns its pid */
#define VKSYS_ps      601	/* ps(buf, len): process table as text */
#define VKSYS_sysctl  602	/* sysctl(name|0, buf, len): "name: value" lines as text */
#define VKSYS_devinfo 603	/* devinfo(which, buf, len): DEVINFO_* as text */
#define VKSYS_fsdir   604	/* fsdir(fs, path, buf, len): "T SIZE NAME" lines of a directory */
#define VKSYS_fsread  605	/* fsread(fs, path, buf, len, off): bytes of a file */
#define VKSYS_diskio  606	/* diskio(dev, op, buf, len, off): raw sectors of vkdN (dev N) or vcdN (FS_VCD + N) */
#define VKSYS_netctl  607	/* netctl(unit, op, &struct vk_netreq): frames out of vkeN */

#define DEVINFO_DISKS 0		/* vkd and vcd units */
#define DEVINFO_NET   1		/* vke units */
#define FS_ROOT 0		/* fsdir/fsread: UFS on vkd0 */
#define FS_CD   0x100		/* ISO 9660 on vcd0 */
#define DISKIO_READ  0
#define DISKIO_WRITE 1
#define DISKIO_FLUSH 2
#define NETCTL_UDP  0		/* queue up to count UDP frames to ip:port; returns how many */
#define NETCTL_PING 1		/* one ICMP echo to ip, waited for (1 s); returns the round trip in ns */
#define NETCTL_DRAIN 2		/* wait until every queued frame has been written to the host */

struct vk_netreq {
	unsigned ip;		/* network order */
	unsigned short port;	/* host order */
	unsigned short size;	/* payload bytes */
	unsigned count;		/* frames (NETCTL_UDP) */
	unsigned seq;		/* first sequence number (UDP payload), or the echo's sequence */
};

#define RB_HALT 0x8
#define WNOHANG 1

/* DragonFly errno values used by vkmini */
#define VK_EPERM   1
#define VK_ENOENT  2
#define VK_ESRCH   3
#define VK_EINTR   4
#define VK_ENOEXEC 8
#define VK_ECHILD 10
#define VK_ENOMEM 12
#define VK_EFAULT 14
#define VK_EINVAL 22
#define VK_ENOTDIR 20
#define VK_EISDIR  21
#define VK_EIO     5
#define VK_ENXIO   6
#define VK_EROFS  30
#define VK_ETIMEDOUT 60
#define VK_EADDRNOTAVAIL 49
#define VK_EAGAIN 35
#define VK_ENOSYS 78

#endif
