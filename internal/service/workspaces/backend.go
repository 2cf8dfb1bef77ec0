package workspaces

import (
	"context"

	"github.com/deskplane/deskplane/internal/smithy"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Backend is what the AWS JSON protocol invokes for the WorkSpaces API:
// the generated dispatcher, except for DescribeWorkspaces, whose answer it
// makes by concatenating cached encodings of WorkSpaces (describeEncoded)
// instead of building wire structures to encode. Its input is decoded as
// the dispatcher decodes it (the usual bodies without reflection:
// decodeDescribeSimple) and validated by the dispatcher.
type Backend struct {
	d *wsapi.Dispatcher
	s *Service
}

// Backend returns the WorkSpaces API's backend: d, the dispatcher of the
// composed WorkSpaces service, whose DescribeWorkspaces is s's.
func (s *Service) Backend(d *wsapi.Dispatcher) *Backend { return &Backend{d: d, s: s} }

// Invoke runs the operation op with the request body.
func (b *Backend) Invoke(ctx context.Context, op string, body []byte) (any, error) {
	if op != "DescribeWorkspaces" {
		return b.d.Invoke(ctx, op, body)
	}
	in := new(wsapi.DescribeWorkspacesRequest)
	if !decodeDescribeSimple(body, in) {
		*in = wsapi.DescribeWorkspacesRequest{}
		if err := smithy.DecodeJSON(body, in); err != nil {
			return nil, err
		}
	}
	if err := b.d.Validate(in); err != nil {
		return nil, err
	}
	return b.s.describeEncoded(ctx, in)
}
