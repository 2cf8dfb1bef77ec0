package clientconfig

import (
	"context"
	"encoding/json"

	"github.com/deskplane/deskplane"
	"github.com/deskplane/deskplane/internal/service/env"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Client properties (MODEL ModifyClientProperties, DescribeClientProperties):
// the reconnect and log upload switches of a directory's clients, kept as
// the ClientProperties document of the directory's registration. A
// registration without one has both ENABLED.

func defaultClientProperties() wsapi.ClientProperties {
	return wsapi.ClientProperties{ReconnectEnabled: wsapi.ReconnectEnumEnabled, LogUploadEnabled: wsapi.LogUploadEnumEnabled}
}

// clientProperties decodes the registration's document, or answers the
// defaults when none was written.
func clientProperties(d *deskplane.Directory) wsapi.ClientProperties {
	cp := defaultClientProperties()
	if len(d.ClientProperties) > 0 {
		var kept wsapi.ClientProperties
		if err := json.Unmarshal(d.ClientProperties, &kept); err == nil {
			cp = kept
		}
	}
	return cp
}

// ModifyClientProperties changes the switches it names and keeps the others.
func (s *Service) ModifyClientProperties(ctx context.Context, in *wsapi.ModifyClientPropertiesRequest) (*wsapi.ModifyClientPropertiesResult, error) {
	sc, id, p := env.Scope(ctx), value(in.ResourceId), in.ClientProperties
	err := s.Store.Update(ctx, func(tx deskplane.Tx) error {
		return deskplane.Directories().Modify(tx, sc, id, func() error { return deskplane.DirectoryNotFound(id) }, func(d *deskplane.Directory) error {
			cur := clientProperties(d)
			if p.ReconnectEnabled != "" {
				cur.ReconnectEnabled = p.ReconnectEnabled
			}
			if p.LogUploadEnabled != "" {
				cur.LogUploadEnabled = p.LogUploadEnabled
			}
			b, err := json.Marshal(cur)
			d.ClientProperties = b
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.ModifyClientPropertiesResult{}, nil
}

// DescribeClientProperties answers the switches of each directory named,
// in the order named; one unknown directory fails the call.
func (s *Service) DescribeClientProperties(ctx context.Context, in *wsapi.DescribeClientPropertiesRequest) (*wsapi.DescribeClientPropertiesResult, error) {
	sc := env.Scope(ctx)
	var list []wsapi.ClientPropertiesResult
	err := s.Store.View(ctx, func(tx deskplane.Tx) error {
		list = make([]wsapi.ClientPropertiesResult, 0, len(in.ResourceIds))
		for _, id := range in.ResourceIds {
			d, err := registration(tx, sc, id)
			if err != nil {
				return err
			}
			cp := clientProperties(d)
			list = append(list, wsapi.ClientPropertiesResult{ResourceId: new(id), ClientProperties: &cp})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wsapi.DescribeClientPropertiesResult{ClientPropertiesList: list}, nil
}
