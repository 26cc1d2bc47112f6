/*
 * The event callback's first instructions, for the event_channel test kernel: record where
 * the hypervisor put the bounce frame and its first eight words as they are, then go on as
 * the runtime's stub for vector 0xf0 does (common/guest/trap_entry.S: the frame becomes a
 * struct trap_frame for the C handler in upcall.c, which returns with HYPERVISOR_iret).
 *
 * And send_recording_rsp(struct evtchn_send *): EVTCHNOP_send called through the hypercall
 * page with the stack pointer at the call recorded, so that the test knows exactly what rsp
 * an upcall interrupting the hypercall must report.
 */
#define UPCALL_VECTOR 0xf0
#define TRAP_STUB_SIZE 16
#define HYPERCALL_EVENT_CHANNEL_OP 32
#define EVTCHNOP_SEND 4

	.text
	.globl upcall_entry
upcall_entry:
	movq	%rax, upcall_saved_rax(%rip)
	movq	%rsp, upcall_frame_at(%rip)
	.set	word, 0
	.rept	8
	movq	word * 8(%rsp), %rax
	movq	%rax, upcall_raw_frame + word * 8(%rip)
	.set	word, word + 1
	.endr
	movq	upcall_saved_rax(%rip), %rax
	jmp	trap_stubs + UPCALL_VECTOR * TRAP_STUB_SIZE

	.globl send_recording_rsp, send_return
send_recording_rsp:
	movq	%rdi, %rsi
	movl	$EVTCHNOP_SEND, %edi
	movq	%rsp, send_rsp(%rip)
	call	hypercall_page + HYPERCALL_EVENT_CHANNEL_OP * 32
send_return:
	ret

	.bss
	.balign 8
	.globl upcall_frame_at, upcall_raw_frame, send_rsp
upcall_saved_rax:
	.quad	0
upcall_frame_at:
	.quad	0
upcall_raw_frame:
	.fill	8, 8, 0
send_rsp:
	.quad	0
