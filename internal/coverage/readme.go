package coverage

import (
	"github.com/deskplane/deskplane/internal/app"
	"github.com/deskplane/deskplane/internal/dsapi"
	"github.com/deskplane/deskplane/internal/dsdataapi"
	"github.com/deskplane/deskplane/internal/wsapi"
)

// Services lists the served APIs with their implementation types.
func Services() []Service {
	return []Service{
		{Name: "Amazon WorkSpaces", Receiver: "wsService", Operations: wsapi.OperationNames()},
		{Name: "AWS Directory Service (the subset WorkSpaces needs)", Receiver: "dsService", Operations: dsapi.OperationNames()},
		{Name: "AWS Directory Service Data (users)", Receiver: "dsDataService", Operations: dsdataapi.OperationNames()},
	}
}

// Sections computes every generated README section from the repository
// root dir.
func Sections(root string) (map[string]string, error) {
	impl, err := Implemented(root + "/internal/api")
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"coverage": Table(Services(), impl),
		"config":   app.FlagTable(),
	}, nil
}
