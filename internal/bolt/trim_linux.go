package bolt

import "syscall"

// dontNeed drops the pages of the mapping [addr, addr+size) from the
// resident set (madvise MADV_DONTNEED). On a shared file mapping the
// contents are kept by the file; the next access faults them in again.
func dontNeed(addr uintptr, size int64) {
	if size <= 0 {
		return
	}
	// Raw syscall: the address comes from bbolt as a uintptr, and the
	// range is that of bbolt's live map, held by the caller's transaction.
	_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, addr, uintptr(size), syscall.MADV_DONTNEED)
}
