#!/bin/bash
# Checks, from what the build made, that the C library is what it claims to be:
#   1. the freestanding objects call nothing outside themselves (no glibc, no __stack_chk_fail);
#   2. the host objects define every name glibc also has only as parvus_<name>, so that a unit
#      test really compares our implementation with glibc's and not glibc's with itself;
#   3. each unit test calls our functions: its own code, disassembled, calls parvus_<name>.
# Run by `make test` (common/lib/tests.list) after the objects and test binaries are built.
set -euo pipefail
cd "$(dirname "$0")/../.."
free=build/libc-freestanding
host=build/host/libc
failed=0

fail() {
	echo "check_symbols: $*"
	failed=1
}

defined=$(nm --defined-only "$free"/*.o | awk '$2 ~ /^[TDRB]$/ { print $3 }' | sort -u)
for symbol in $(nm --undefined-only "$free"/*.o | awk '{ print $2 }' | sort -u); do
	grep -qx "$symbol" <<<"$defined" || fail "freestanding library calls out to $symbol"
done

host_defined=$(nm --defined-only "$host"/*.o | awk '$2 == "T" { print $3 }')
renamed=$(sed -n 's/^#define \([a-z]*\) parvus_[a-z]*$/\1/p' tests/unit/libc_rename.h)
[ -n "$renamed" ] || fail "no renamed names found in tests/unit/libc_rename.h"
for name in $renamed; do
	case $name in is* | to*) continue ;; esac # ctype: static inline, no symbol
	grep -qx "$name" <<<"$host_defined" && fail "host objects define $name itself"
	grep -qx "parvus_$name" <<<"$host_defined" || fail "host objects do not define parvus_$name"
done

# Only calls made from the test's own code count: the library's snprintf calling its
# vsnprintf proves nothing about the test. So functions defined by the library are skipped.
library_functions=$(nm --defined-only "$host"/*.o | awk '{ print $3 }' | sort -u)
expect_calls() {
	local binary=build/host/$1 listing
	shift
	listing=$(objdump -d --no-show-raw-insn "$binary" | LIBRARY="$library_functions" awk '
		BEGIN {
			n = split(ENVIRON["LIBRARY"], names, "\n")
			for (i = 1; i <= n; i++)
				library[names[i]] = 1
		}
		/^[0-9a-f]+ <.*>:$/ { name = $2; gsub(/[<>:]/, "", name); outside = !(name in library); next }
		outside')
	for function in "$@"; do
		grep -q "call.*<$function>" <<<"$listing" || fail "$binary never calls $function"
	done
}
expect_calls test_string parvus_memcpy parvus_memmove parvus_memset parvus_memcmp \
	parvus_memchr parvus_strlen parvus_strnlen parvus_strcmp parvus_strncmp parvus_strchr \
	parvus_strrchr parvus_strstr parvus_strspn parvus_strcspn parvus_strlcpy parvus_strlcat
expect_calls test_format parvus_snprintf parvus_vsnprintf vcbprintf
expect_calls test_number parvus_strtoul parvus_strtoull parvus_strtol parvus_strtoll \
	parse_size parse_size_bytes

[ "$failed" -eq 0 ] && echo "check_symbols: all good"
exit "$failed"
