package deskplane

import (
	"encoding/base64"
	"encoding/json"
	"time"
)

// A WorkSpace record is read and written once or more by every lifecycle
// transition, and encoding/json's reflection was the largest cost of a
// launch (docs/decisions/0344-workspace-record-codec.md). AppendJSON and
// DecodeWorkspace are the same encoding written out by hand: AppendJSON
// produces the very bytes json.Marshal does, and DecodeWorkspace decodes
// the form json.Marshal produces, handing anything else (escaped strings,
// unknown or repeated keys, nulls, numbers that are not plain integers)
// to json.Unmarshal, so both agree with encoding/json on every input.
// workspace_json_test.go checks both against encoding/json, field by
// field, so a field added to Workspace without a line here fails it.

// AppendJSON appends ws as json.Marshal encodes it.
func (ws *Workspace) AppendJSON(b []byte) ([]byte, error) {
	out, ok := ws.appendJSON(b)
	if ok {
		return out, nil
	}
	// A string or time the fast path does not write: encoding/json writes
	// it (or returns its error).
	v, err := json.Marshal(ws)
	if err != nil {
		return b, err
	}
	return append(b, v...), nil
}

func (ws *Workspace) appendJSON(b []byte) ([]byte, bool) {
	e := wsEncoder{b: b, ok: true}
	e.b = append(e.b, '{')
	e.str(`"id":`, ws.ID)
	e.str(`,"directoryId":`, ws.DirectoryID)
	e.str(`,"userName":`, ws.UserName)
	e.strOmit(`,"workspaceName":`, ws.WorkspaceName)
	e.str(`,"bundleId":`, ws.BundleID)
	e.str(`,"state":`, string(ws.State))
	e.b = append(e.b, `,"gen":`...)
	e.b = appendInt(e.b, ws.Generation)
	e.time(`,"stateChanged":`, ws.StateChanged)
	e.time(`,"created":`, ws.Created)
	e.strOmit(`,"ip":`, ws.IPAddress)
	e.strOmit(`,"subnetId":`, ws.SubnetID)
	e.strOmit(`,"computerName":`, ws.ComputerName)
	e.strOmit(`,"errorCode":`, ws.ErrorCode)
	e.strOmit(`,"errorMessage":`, ws.ErrorMessage)
	e.strOmit(`,"kmsKey":`, ws.VolumeEncryptionKey)
	e.boolOmit(`,"userEncrypted":true`, ws.UserVolumeEncryptionEnabled)
	e.boolOmit(`,"rootEncrypted":true`, ws.RootVolumeEncryptionEnabled)
	e.str(`,"runningMode":`, string(ws.RunningMode))
	if ws.AutoStopTimeoutInMinutes != 0 {
		e.b = append(e.b, `,"autoStopMinutes":`...)
		e.b = appendInt(e.b, int64(ws.AutoStopTimeoutInMinutes))
	}
	e.b = append(e.b, `,"rootGb":`...)
	e.b = appendInt(e.b, int64(ws.RootVolumeSizeGib))
	e.b = append(e.b, `,"userGb":`...)
	e.b = appendInt(e.b, int64(ws.UserVolumeSizeGib))
	e.str(`,"computeType":`, string(ws.ComputeType))
	e.b = append(e.b, `,"protocols":`...)
	if ws.Protocols == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.b = append(e.b, '[')
		for i, p := range ws.Protocols {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.quoted(string(p))
		}
		e.b = append(e.b, ']')
	}
	e.str(`,"os":`, string(ws.OperatingSystemName))
	if len(ws.GlobalAccelerator) > 0 {
		e.b = append(e.b, `,"globalAccelerator":"`...)
		e.b = base64.StdEncoding.AppendEncode(e.b, ws.GlobalAccelerator)
		e.b = append(e.b, '"')
	}
	if len(ws.Modifications) > 0 {
		e.b = append(e.b, `,"mods":[`...)
		for i, m := range ws.Modifications {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.b = append(e.b, '{')
			e.str(`"resource":`, string(m.Resource))
			e.str(`,"state":`, string(m.State))
			e.time(`,"started":`, m.Started)
			e.timeOmit(`,"inProgress":`, m.InProgress)
			e.timeOmit(`,"ends":`, m.Ends)
			e.b = append(e.b, '}')
		}
		e.b = append(e.b, ']')
	}
	e.timeOmit(`,"lastRootResize":`, ws.LastRootResize)
	e.timeOmit(`,"lastUserResize":`, ws.LastUserResize)
	e.timeOmit(`,"lastComputeChange":`, ws.LastComputeChange)
	e.timeOmit(`,"lastComputeUpsize":`, ws.LastComputeUpsize)
	e.timeOmit(`,"lastComputeDownsize":`, ws.LastComputeDownsize)
	e.times(`,"rebuildSnaps":`, ws.RebuildSnapshots)
	e.times(`,"restoreSnaps":`, ws.RestoreSnapshots)
	e.strOmit(`,"connState":`, ws.ConnectionState)
	e.timeOmit(`,"connChanged":`, ws.ConnectionStateChanged)
	e.timeOmit(`,"lastConn":`, ws.LastKnownUserConnection)
	e.strOmit(`,"stateBeforeAdmin":`, string(ws.StateBeforeAdmin))
	e.strOmit(`,"imageCapture":`, ws.ImageCapture)
	e.strOmit(`,"standbyOf":`, ws.StandbyOf)
	e.strOmit(`,"standbyRegion":`, ws.StandbyRegion)
	e.strOmit(`,"dataReplication":`, ws.DataReplication)
	if len(ws.Standbys) > 0 {
		e.b = append(e.b, `,"standbys":[`...)
		for i, l := range ws.Standbys {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.str(`{"id":`, l.ID)
			e.str(`,"region":`, l.Region)
			e.b = append(e.b, '}')
		}
		e.b = append(e.b, ']')
	}
	e.boolOmit(`,"protoSwitch":true`, ws.ProtocolSwitchable)
	e.strOmit(`,"migratingTo":`, ws.MigratingTo)
	e.strOmit(`,"migratedFrom":`, ws.MigratedFrom)
	e.strOmit(`,"node":`, ws.Node)
	e.b = append(e.b, '}')
	return e.b, e.ok
}

// wsEncoder appends; ok turns false at the first value it does not write
// exactly as encoding/json would.
type wsEncoder struct {
	b  []byte
	ok bool
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		u := uint64(-n)
		if n == -n { // the smallest int64
			u = uint64(1) << 63
		}
		return appendUint(b, u)
	}
	return appendUint(b, uint64(n))
}

func appendUint(b []byte, u uint64) []byte {
	var buf [20]byte
	i := len(buf)
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return append(b, buf[i:]...)
}

// quoted writes s as a JSON string if no byte of it needs escaping (HTML
// characters included, as encoding/json escapes them).
func (e *wsEncoder) quoted(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			e.ok = false
			return
		}
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, s...)
	e.b = append(e.b, '"')
}

func (e *wsEncoder) str(key, s string) {
	e.b = append(e.b, key...)
	e.quoted(s)
}

func (e *wsEncoder) strOmit(key, s string) {
	if s != "" {
		e.str(key, s)
	}
}

func (e *wsEncoder) boolOmit(keyTrue string, v bool) {
	if v {
		e.b = append(e.b, keyTrue...)
	}
}

func (e *wsEncoder) timeValue(t time.Time) {
	e.b = append(e.b, '"')
	b, err := t.AppendText(e.b)
	if err != nil {
		e.ok = false
		return
	}
	e.b = append(b, '"')
}

func (e *wsEncoder) time(key string, t time.Time) {
	e.b = append(e.b, key...)
	e.timeValue(t)
}

func (e *wsEncoder) timeOmit(key string, t time.Time) {
	if !t.IsZero() {
		e.time(key, t)
	}
}

func (e *wsEncoder) times(key string, ts []time.Time) {
	if len(ts) == 0 {
		return
	}
	e.b = append(e.b, key...)
	e.b = append(e.b, '[')
	for i, t := range ts {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.timeValue(t)
	}
	e.b = append(e.b, ']')
}

// DecodeWorkspace decodes data into ws as json.Unmarshal(data, ws) does
// when ws is the zero Workspace.
func DecodeWorkspace(data []byte, ws *Workspace) error {
	d := wsDecoder{data: data, ok: true}
	d.workspace(ws)
	if d.ok {
		d.space()
		if d.i == len(d.data) {
			return nil
		}
	}
	*ws = Workspace{}
	return json.Unmarshal(data, ws)
}

// wsDecoder reads the form encoding/json writes; ok turns false at the
// first byte it does not decode as json.Unmarshal would, and the caller
// then hands the whole record to json.Unmarshal.
type wsDecoder struct {
	data []byte
	i    int
	ok   bool
}

func (d *wsDecoder) fail() { d.ok = false }

func (d *wsDecoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next skips white space and reports the next byte (0 at the end).
func (d *wsDecoder) next() byte {
	d.space()
	if d.i >= len(d.data) {
		return 0
	}
	return d.data[d.i]
}

func (d *wsDecoder) expect(c byte) {
	if d.ok && d.next() == c {
		d.i++
		return
	}
	d.fail()
}

// rawString returns a string's bytes without its quotes; a string with
// escapes, control characters or non-ASCII bytes fails the fast path.
func (d *wsDecoder) rawString() []byte {
	if !d.ok || d.next() != '"' {
		d.fail()
		return nil
	}
	start := d.i + 1
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.i = i + 1
			return d.data[start:i]
		case c == '\\' || c < 0x20 || c >= 0x80:
			d.fail()
			return nil
		}
	}
	d.fail()
	return nil
}

func (d *wsDecoder) string() string {
	return string(d.rawString())
}

func (d *wsDecoder) int() int64 {
	if !d.ok {
		return 0
	}
	d.space()
	i, neg := d.i, false
	if i < len(d.data) && d.data[i] == '-' {
		neg = true
		i++
	}
	start := i
	var n int64
	for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
		n = n*10 + int64(d.data[i]-'0')
		i++
	}
	digits := i - start
	if digits == 0 || digits > 18 || (digits > 1 && d.data[start] == '0') ||
		(i < len(d.data) && (d.data[i] == '.' || d.data[i] == 'e' || d.data[i] == 'E')) {
		d.fail() // not a plain integer that surely fits: encoding/json decides
		return 0
	}
	d.i = i
	if neg {
		return -n
	}
	return n
}

func (d *wsDecoder) bool() bool {
	if !d.ok {
		return false
	}
	d.space()
	switch {
	case len(d.data)-d.i >= 4 && string(d.data[d.i:d.i+4]) == "true":
		d.i += 4
		return true
	case len(d.data)-d.i >= 5 && string(d.data[d.i:d.i+5]) == "false":
		d.i += 5
		return false
	}
	d.fail()
	return false
}

// null consumes a null, if that is what comes next.
func (d *wsDecoder) null() bool {
	if d.ok && d.next() == 'n' && len(d.data)-d.i >= 4 && string(d.data[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

func (d *wsDecoder) time() time.Time {
	if !d.ok || d.next() != '"' {
		d.fail()
		return time.Time{}
	}
	start := d.i
	if d.rawString(); !d.ok {
		return time.Time{}
	}
	var t time.Time
	if err := t.UnmarshalJSON(d.data[start:d.i]); err != nil {
		d.fail()
	}
	return t
}

// array calls elem for each element of an array; a null fails the fast
// path (see null).
func (d *wsDecoder) array(elem func()) {
	d.expect('[')
	if !d.ok {
		return
	}
	if d.next() == ']' {
		d.i++
		return
	}
	for d.ok {
		elem()
		switch d.next() {
		case ',':
			d.i++
		case ']':
			d.i++
			return
		default:
			d.fail()
		}
	}
}

// object calls field with each key of an object; field fails the fast
// path on a key it does not know. A key seen twice fails it too (bit is
// the key's number, below 64).
func (d *wsDecoder) object(field func(key []byte) (bit int)) {
	d.expect('{')
	if !d.ok {
		return
	}
	if d.next() == '}' {
		d.i++
		return
	}
	var seen uint64
	for d.ok {
		key := d.rawString()
		d.expect(':')
		if !d.ok {
			return
		}
		// A null fails every decoder but the one for protocols, which
		// json.Marshal writes as null when there are none.
		bit := field(key)
		if bit < 0 || seen&(1<<bit) != 0 {
			d.fail()
			return
		}
		seen |= 1 << bit
		switch d.next() {
		case ',':
			d.i++
		case '}':
			d.i++
			return
		default:
			d.fail()
		}
	}
}

func (d *wsDecoder) workspace(ws *Workspace) {
	d.object(func(key []byte) int {
		switch string(key) {
		case "id":
			ws.ID = d.string()
			return 0
		case "directoryId":
			ws.DirectoryID = d.string()
			return 1
		case "userName":
			ws.UserName = d.string()
			return 2
		case "workspaceName":
			ws.WorkspaceName = d.string()
			return 3
		case "bundleId":
			ws.BundleID = d.string()
			return 4
		case "state":
			ws.State = WorkspaceState(d.string())
			return 5
		case "gen":
			ws.Generation = d.int()
			return 6
		case "stateChanged":
			ws.StateChanged = d.time()
			return 7
		case "created":
			ws.Created = d.time()
			return 8
		case "ip":
			ws.IPAddress = d.string()
			return 9
		case "subnetId":
			ws.SubnetID = d.string()
			return 10
		case "computerName":
			ws.ComputerName = d.string()
			return 11
		case "errorCode":
			ws.ErrorCode = d.string()
			return 12
		case "errorMessage":
			ws.ErrorMessage = d.string()
			return 13
		case "kmsKey":
			ws.VolumeEncryptionKey = d.string()
			return 14
		case "userEncrypted":
			ws.UserVolumeEncryptionEnabled = d.bool()
			return 15
		case "rootEncrypted":
			ws.RootVolumeEncryptionEnabled = d.bool()
			return 16
		case "runningMode":
			ws.RunningMode = RunningMode(d.string())
			return 17
		case "autoStopMinutes":
			ws.AutoStopTimeoutInMinutes = d.intValue()
			return 18
		case "rootGb":
			ws.RootVolumeSizeGib = d.intValue()
			return 19
		case "userGb":
			ws.UserVolumeSizeGib = d.intValue()
			return 20
		case "computeType":
			ws.ComputeType = Compute(d.string())
			return 21
		case "protocols":
			if d.null() {
				ws.Protocols = nil
				return 22
			}
			ws.Protocols = []Protocol{}
			d.array(func() { ws.Protocols = append(ws.Protocols, Protocol(d.string())) })
			return 22
		case "os":
			ws.OperatingSystemName = OperatingSystemName(d.string())
			return 23
		case "globalAccelerator":
			raw := d.rawString()
			if d.ok {
				b, err := base64.StdEncoding.AppendDecode([]byte{}, raw)
				if err != nil {
					d.fail()
				}
				ws.GlobalAccelerator = b
			}
			return 24
		case "mods":
			ws.Modifications = []Modification{}
			d.array(func() {
				var m Modification
				d.modification(&m)
				ws.Modifications = append(ws.Modifications, m)
			})
			return 25
		case "lastRootResize":
			ws.LastRootResize = d.time()
			return 26
		case "lastUserResize":
			ws.LastUserResize = d.time()
			return 27
		case "lastComputeChange":
			ws.LastComputeChange = d.time()
			return 28
		case "lastComputeUpsize":
			ws.LastComputeUpsize = d.time()
			return 29
		case "lastComputeDownsize":
			ws.LastComputeDownsize = d.time()
			return 30
		case "rebuildSnaps":
			ws.RebuildSnapshots = d.times()
			return 31
		case "restoreSnaps":
			ws.RestoreSnapshots = d.times()
			return 32
		case "connState":
			ws.ConnectionState = d.string()
			return 33
		case "connChanged":
			ws.ConnectionStateChanged = d.time()
			return 34
		case "lastConn":
			ws.LastKnownUserConnection = d.time()
			return 35
		case "stateBeforeAdmin":
			ws.StateBeforeAdmin = WorkspaceState(d.string())
			return 36
		case "imageCapture":
			ws.ImageCapture = d.string()
			return 37
		case "standbyOf":
			ws.StandbyOf = d.string()
			return 38
		case "standbyRegion":
			ws.StandbyRegion = d.string()
			return 39
		case "dataReplication":
			ws.DataReplication = d.string()
			return 40
		case "standbys":
			ws.Standbys = []WorkspaceLink{}
			d.array(func() {
				var l WorkspaceLink
				d.object(func(key []byte) int {
					switch string(key) {
					case "id":
						l.ID = d.string()
						return 0
					case "region":
						l.Region = d.string()
						return 1
					}
					return -1
				})
				ws.Standbys = append(ws.Standbys, l)
			})
			return 41
		case "protoSwitch":
			ws.ProtocolSwitchable = d.bool()
			return 42
		case "migratingTo":
			ws.MigratingTo = d.string()
			return 43
		case "migratedFrom":
			ws.MigratedFrom = d.string()
			return 44
		case "node":
			ws.Node = d.string()
			return 45
		}
		return -1
	})
}

// intValue is int for an int field: 18 digits fit on every platform Go
// builds deskplane for (64-bit int).
func (d *wsDecoder) intValue() int {
	n := d.int()
	if int64(int(n)) != n {
		d.fail()
	}
	return int(n)
}

func (d *wsDecoder) times() []time.Time {
	ts := []time.Time{}
	d.array(func() { ts = append(ts, d.time()) })
	return ts
}

func (d *wsDecoder) modification(m *Modification) {
	d.object(func(key []byte) int {
		switch string(key) {
		case "resource":
			m.Resource = ModificationResource(d.string())
			return 0
		case "state":
			m.State = ModificationState(d.string())
			return 1
		case "started":
			m.Started = d.time()
			return 2
		case "inProgress":
			m.InProgress = d.time()
			return 3
		case "ends":
			m.Ends = d.time()
			return 4
		}
		return -1
	})
}
