package deskplane

import "context"

// Caller is who made a request: the account and region the signature
// resolved to, and the request id answered in x-amzn-RequestId.
type Caller struct {
	Account   string
	Region    string
	AccessKey string
	RequestID string
	Operation string
	// Temporary is true when the request was signed with temporary
	// credentials that STS issued (AccessKey is their ASIA… key).
	Temporary bool
}

// Scope returns the caller's state partition.
func (c Caller) Scope() Scope { return Scope{Account: c.Account, Region: c.Region} }

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller carried by ctx.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
