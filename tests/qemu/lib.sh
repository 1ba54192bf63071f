# tests/qemu/lib.sh -- shared by the QEMU firmware tests (POSIX sh; source
# it with `. tests/qemu/lib.sh`).
#
#   fw_netns SCRIPT ARGS...   re-run SCRIPT inside a private network
#                             namespace (only loopback, brought up), unless
#                             already inside one (FW_NETNS=1).  Returns 1
#                             when no namespace can be made.  With
#                             FW_NETNS_MOUNT=1 also a private mount
#                             namespace, so the script may bind-mount
#                             files such as /etc/resolv.conf.
#   fw_qemu DIR SECS NET ELF [QEMU ARGS...]
#                             boot ELF on QEMU's mps2-an385 in directory DIR
#                             (the semihosting files are relative to it),
#                             UART and semihosting console on stdout, for at
#                             most SECS seconds.  NET is "user" (LAN9118 on
#                             user-mode networking: the guest is 10.0.2.15
#                             by DHCP and reaches the namespace's 127.0.0.1
#                             as 10.0.2.2) or "none".  Returns QEMU's exit
#                             status: the firmware's semihosting exit code,
#                             124 on timeout.  FW_HOSTFWD=tcp:ADDR:PORT-:PORT
#                             forwards a host port to the guest (QEMU's
#                             hostfwd), e.g. for the http-01 responder.
#                             The user-mode netdev is "fwnet" (for
#                             -object filter-dump,id=F,netdev=fwnet,file=X).

fw_netns() {
	if [ "${FW_NETNS:-}" = 1 ]; then
		ip link set lo up || return 1
		return 0
	fi
	_fw_script=$1
	shift
	if [ "$(id -u)" -eq 0 ]; then
		_fw_unshare="unshare -n"
	else
		_fw_unshare="unshare -rn"
	fi
	[ "${FW_NETNS_MOUNT:-0}" = 1 ] && _fw_unshare="$_fw_unshare -m"
	if ! $_fw_unshare true 2>/dev/null; then
		echo "fw_netns: cannot create a network namespace" \
		    "($_fw_unshare)" >&2
		return 1
	fi
	FW_NETNS=1 exec $_fw_unshare sh "$_fw_script" "$@"
}

fw_qemu() {
	_fw_dir=$1 _fw_secs=$2 _fw_net=$3 _fw_elf=$4
	shift 4
	case $_fw_net in
	user) _fw_nic="user,id=fwnet,model=lan9118,restrict=off${FW_HOSTFWD:+,hostfwd=$FW_HOSTFWD}" ;;
	*) _fw_nic=none ;;
	esac
	(cd "$_fw_dir" && exec timeout ${FW_QEMU_SIGNAL:+-s "$FW_QEMU_SIGNAL"} \
	    "$_fw_secs" qemu-system-arm \
	    -M mps2-an385 -display none -monitor none \
	    -chardev stdio,id=con,mux=on -serial chardev:con \
	    -semihosting-config enable=on,target=native,chardev=con \
	    -nic "$_fw_nic" -kernel "$_fw_elf" "$@" </dev/null)
}
