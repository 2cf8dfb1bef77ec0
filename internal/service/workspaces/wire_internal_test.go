package workspaces

import (
	"testing"
	"unsafe"
)

// TestViewSizeCounted checks that the views cache counts a view's struct
// at its real size, so that its bound in bytes holds.
func TestViewSizeCounted(t *testing.T) {
	if n := unsafe.Sizeof(workspaceView{}); uintptr(viewStructSize) < n {
		t.Fatalf("viewStructSize = %d, a workspaceView is %d bytes", viewStructSize, n)
	}
}
