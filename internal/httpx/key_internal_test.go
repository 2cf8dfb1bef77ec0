package httpx

import (
	"net/http"
	"testing"
)

// TestRequestIDKeyCanonical pins the header key the chain sets the
// request id under to net/http's canonical form of RequestIDHeader.
func TestRequestIDKeyCanonical(t *testing.T) {
	if got := http.CanonicalHeaderKey(RequestIDHeader); got != requestIDKey {
		t.Fatalf("canonical form of %q is %q, the chain sets %q", RequestIDHeader, got, requestIDKey)
	}
}
