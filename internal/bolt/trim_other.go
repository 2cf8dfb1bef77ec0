//go:build !linux

package bolt

// dontNeed does nothing outside Linux: the resident set keeps the pages
// the store has read until the kernel needs the memory.
func dontNeed(addr uintptr, size int64) {}
