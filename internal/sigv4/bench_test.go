package sigv4

import "testing"

// BenchmarkVerify is the hot path: a ~300-byte CreateWorkspaces body signed
// by aws-sdk-go-v2, with the signing key already cached.
func BenchmarkVerify(b *testing.B) {
	r, body := signedRequest(b, credA, t0)
	v := newTestVerifier(b, t0, Options{})
	if _, err := v.Verify(r, body); err != nil { // warms the key cache
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyParallel is BenchmarkVerify from every P at once, to show
// the key cache does not serialise verifications.
func BenchmarkVerifyParallel(b *testing.B) {
	r, body := signedRequest(b, credA, t0)
	v := newTestVerifier(b, t0, Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(r, body); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVerifyRejected is a wrong signature: what a client with the
// wrong secret costs.
func BenchmarkVerifyRejected(b *testing.B) {
	r, body := signedRequest(b, Credential{AccessKeyID: credA.AccessKeyID, SecretAccessKey: "wrong"}, t0)
	v := newTestVerifier(b, t0, Options{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r, body); err == nil {
			b.Fatal("verified")
		}
	}
}

func BenchmarkSign(b *testing.B) {
	r := clientRequest(b, "https://workspaces.us-west-2.amazonaws.com/", testBody)
	body := []byte(testBody)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Sign(r, body, credA, "us-west-2", "workspaces", t0); err != nil {
			b.Fatal(err)
		}
	}
}
