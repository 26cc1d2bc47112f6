/*
 * The layout of the user data page (USER_DATA_VA) shared by user_mode.c and user_code.S:
 * word offsets of what the user programs record there.
 */
#ifndef USER_MODE_USER_DATA_H
#define USER_MODE_USER_DATA_H

/* USER_DATA_VA (user_mode.h; user_mode.c checks the two agree). */
#define UD_BASE 0x408000
#define UD(word) (UD_BASE + 8 * (word))

/* Registers at entry: the 15 general registers (rax first), then these. */
#define UD_ENTRY 0
#define UD_GPR_COUNT 15
#define UD_RSP 15
#define UD_RFLAGS 16
#define UD_CS 17
#define UD_SS 18
#define UD_DS 19
#define UD_ES 20
#define UD_FS 21
#define UD_GS 22
/* Registers after the first syscall returned (same layout, 17 words). */
#define UD_AFTER 32
/* A value read or a result. */
#define UD_VALUE 64
/* rflags after the second return. */
#define UD_AFTER2_RFLAGS 65

/* The order of the general registers in a record. */
#define GPR_RAX 0
#define GPR_RBX 1
#define GPR_RCX 2
#define GPR_RDX 3
#define GPR_RSI 4
#define GPR_RDI 5
#define GPR_RBP 6
#define GPR_R8 7
#define GPR_R9 8
#define GPR_R10 9
#define GPR_R11 10
#define GPR_R12 11
#define GPR_R13 12
#define GPR_R14 13
#define GPR_R15 14

#endif
