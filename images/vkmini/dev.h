/*
 * vkmini devices: vkd disks, vcd CD-ROMs and vke network interfaces, driven
 * through the host as vkernel-host-abi.md §6 describes, and the two file
 * system readers (UFS1 on vkd, ISO 9660 on vcd) that sit on top of them.
 */
#ifndef DEV_H
#define DEV_H
#include "kern.h"

#define NVKD 16
#define NVCD 16
#define NVKE 16
#define VKD_SECSIZE 512
#define VCD_SECSIZE 2048
#define MAXXFER     (128 * 1024)	/* largest request (vkd's min(MAXPHYS, 256 KiB)) */
#define IOBUF_SIZE  MAXXFER

/* The option arguments, collected by main.c (-r, -c, -I). */
extern char *vkd_opt[NVKD], *vcd_opt[NVCD], *vke_opt[NVKE];
extern int nvkd_opt, nvcd_opt, nvke_opt;

/* A block request. The data buffer is KVA; b_done is set by the completion interrupt. */
enum { BIO_READ, BIO_WRITE, BIO_FLUSH };
struct bio {
	struct bio *b_next;
	int b_cmd;
	char *b_data;
	unsigned long b_bcount, b_offset;
	int b_error;		/* DragonFly errno for the guest (EIO), 0 if fine */
	int b_hosterr;		/* what the host said, for messages */
	int b_cpu;		/* the vCPU waiting for it */
	volatile int b_done;
};

/* vkd.c */
void vkd_open_all(void);		/* before boot: open, flock, fstat (§6.1 init_disk) */
void vkd_attach_all(void);		/* at boot: cothreads; completions go to this vCPU */
int vkd_count(void);
unsigned long vkd_size(int unit);
int vkd_io(int unit, int cmd, char *kbuf, unsigned long len, unsigned long off);
void vkd_intr(void);
int vkd_text(char *buf, unsigned long len);

/* vcd.c */
void vcd_open_all(void);
void vcd_attach_all(void);
int vcd_count(void);
unsigned long vcd_size(int unit);
int vcd_io(int unit, int cmd, char *kbuf, unsigned long len, unsigned long off);
int vcd_text(char *buf, unsigned long len);

/* vke.c */
void vke_open_all(void);		/* before boot: open the taps, configure the host side */
void vke_attach_all(void);		/* at boot: MAC, rings, RX/TX cothreads */
void vke_intr(void);
int vke_count(void);
int vke_text(char *buf, unsigned long len);
int vke_sysctl(int unit, const char **name, int *tap_unit);
long sys_netctl(struct proc *p, int unit, int op, unsigned long uarg);

/* File systems: fs 0..15 = UFS1 on vkdN partition a, 0x100 + N = ISO 9660 on vcdN. */
#define FS_VCD 0x100
struct kfile {
	int fs;
	char type;		/* 'd' directory, '-' file, 'l' symlink, '?' other */
	unsigned long size;
	unsigned long loc;	/* UFS: inode number; ISO: extent (sector) */
	int db[12], ib[3];	/* UFS block pointers */
};
typedef int (*dirent_fn)(void *arg, const char *name, int namelen, const struct kfile *f);

/* ufs.c */
int ufs_mount(int unit);
int ufs_lookup(int unit, const char *path, struct kfile *f);
long ufs_read(struct kfile *f, char *dst, unsigned long off, unsigned long len);
int ufs_readdir(struct kfile *dir, dirent_fn fn, void *arg);

/* iso.c */
int iso_mount(int unit);
int iso_lookup(int unit, const char *path, struct kfile *f);
long iso_read(struct kfile *f, char *dst, unsigned long off, unsigned long len);
int iso_readdir(struct kfile *dir, dirent_fn fn, void *arg);

/* sysdev.c: the device and file system calls of user programs */
int fs_lookup(int fs, const char *path, struct kfile *f);
long fs_read(struct kfile *f, char *dst, unsigned long off, unsigned long len);
extern int rootfs;		/* fs of the root (0 when vkd0 holds UFS), -1: programs come from the host */
long sys_device(struct proc *p, long num, unsigned long *a);

#endif
