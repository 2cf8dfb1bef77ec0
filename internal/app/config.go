// Package app is deskplane's composition root: configuration (defaults,
// flags, environment) and the wiring of store, clock, engine, services and
// HTTP handlers. main and every end-to-end test start deskplane through it.
package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/deskplane/deskplane"
)

// Config is everything that can be set from outside. Each field has a flag
// and an environment variable DESKPLANE_<FLAG> (upper case, - as _).
type Config struct {
	Addr            string
	DataDir         string
	InMemory        bool
	Postgres        string
	CredentialsFile string
	Timing          string
	AdminToken      string
	AcceptAnyCreds  bool
	LogLevel        string
	LogFormat       string
	Regions         string
	Strict          bool
	Desktops        string
	NodeName        string
	DesktopDir      string
	DesktopUIDs     int
	NoVNCDir        string

	QuotaWorkspaces         int
	QuotaGraphicsWorkspaces int
	QuotaImages             int
	QuotaBundles            int
	QuotaPools              int
	QuotaSimpleAD           int
	QuotaMSAD               int
	QuotaConnectors         int
}

// DefaultAddr is where deskplane listens by default.
const DefaultAddr = "127.0.0.1:4599"

// Defaults returns the configuration deskplane runs with when nothing is set.
func Defaults(getenv func(string) string) Config {
	return Config{
		Addr:            DefaultAddr,
		DataDir:         defaultDataDir(getenv),
		Timing:          "fast",
		LogLevel:        "info",
		LogFormat:       "text",
		NoVNCDir:        "/usr/share/novnc",
		QuotaWorkspaces: 1000,
		QuotaImages:     40,
		QuotaBundles:    50,
		QuotaPools:      10,
		Desktops:        DesktopsNone,
		NodeName:        defaultNodeName(),
		DesktopUIDs:     1500000,
		QuotaSimpleAD:   10,
		QuotaMSAD:       20,
		QuotaConnectors: 10,
	}
}

// The values of -desktops.
const (
	DesktopsNone  = "none"  // no desktops: the lifecycle is timer-driven
	DesktopsLocal = "local" // real desktops on this host (internal/desktop/local)
)

// defaultNodeName is the host name, or "node" when it has none usable.
func defaultNodeName() string {
	h, err := os.Hostname()
	if err != nil || !nodeNamePattern.MatchString(h) {
		return "node"
	}
	return h
}

// nodeNamePattern is what a node name may be: it names the node's desktops
// in the store and in its records.
var nodeNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// DesktopDirectory is where the desktops' volumes, snapshots and images
// live: -desktop-dir, or "desktops" in the data directory.
func (c Config) DesktopDirectory() string {
	if c.DesktopDir != "" {
		return c.DesktopDir
	}
	return filepath.Join(c.DataDir, "desktops")
}

// defaultDataDir follows the XDG base directory convention.
func defaultDataDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "deskplane")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "deskplane")
	}
	return filepath.Join(os.TempDir(), "deskplane")
}

// flagSpec describes one setting for the flag set and the README table.
type flagSpec struct {
	name, usage string
	str         *string
	b           *bool
	i           *int
}

func (c *Config) specs() []flagSpec {
	return []flagSpec{
		{name: "addr", usage: "address to listen on (host:port; port 0 picks a free one)", str: &c.Addr},
		{name: "data-dir", usage: "directory of the embedded store", str: &c.DataDir},
		{name: "in-memory", usage: "keep state in memory only (lost at exit)", b: &c.InMemory},
		{name: "postgres", usage: "PostgreSQL DSN: share state with other nodes instead of the embedded store", str: &c.Postgres},
		{name: "credentials", usage: "file of 'ACCESS_KEY SECRET ACCOUNT_ID' lines: more accounts (test/test/000000000000 stays unless the file defines key test)", str: &c.CredentialsFile},
		{name: "timing", usage: "timing profile: instant, fast or realistic", str: &c.Timing},
		{name: "admin-token", usage: "token for the control API (default: generated and kept in the data directory)", str: &c.AdminToken},
		{name: "accept-any-credentials", usage: "accept unknown access keys and unsigned requests, unchecked, as account " + AnonymousAccount + " (INSECURE)", b: &c.AcceptAnyCreds},
		{name: "log-level", usage: "debug, info, warn or error (any case)", str: &c.LogLevel},
		{name: "log-format", usage: "text or json", str: &c.LogFormat},
		{name: "regions", usage: "comma-separated Regions to serve, e.g. us-east-1,eu-west-1 (default: any)", str: &c.Regions},
		{name: "strict", usage: "refuse what AWS refuses for want of resources deskplane otherwise takes on trust: registering a directory without the IAM role workspaces_DefaultRole, VPCs and subnets EC2 never saw", b: &c.Strict},
		{name: "desktops", usage: "what is behind a WorkSpace: none (the API only, timer-driven) or local (a real Linux desktop on this host; needs root and the packages of README, Real desktops)", str: &c.Desktops},
		{name: "node-name", usage: "this node's name: WorkSpaces launched here name it, and only this node acts on their desktops", str: &c.NodeName},
		{name: "desktop-dir", usage: "directory of the desktops' volumes, snapshots and images (default: desktops in the data directory)", str: &c.DesktopDir},
		{name: "desktop-uids", usage: "first of the host uids given to desktops, one each (100000 of them); no other deskplane on the host may use the same range", i: &c.DesktopUIDs},
		{name: "novnc-dir", usage: "directory of noVNC (Debian's novnc package) that the web client at /client/ serves", str: &c.NoVNCDir},
		{name: "quota-workspaces", usage: "WorkSpaces per account and region", i: &c.QuotaWorkspaces},
		{name: "quota-graphics-workspaces", usage: "Graphics, GraphicsPro, Graphics.g4dn and GraphicsPro.g4dn WorkSpaces per account and region (AWS's default: none)", i: &c.QuotaGraphicsWorkspaces},
		{name: "quota-images", usage: "images per account and region", i: &c.QuotaImages},
		{name: "quota-bundles", usage: "custom bundles per account and region", i: &c.QuotaBundles},
		{name: "quota-pools", usage: "pools per account and region", i: &c.QuotaPools},
		{name: "quota-simple-ad", usage: "Directory Service Simple AD directories per account and region", i: &c.QuotaSimpleAD},
		{name: "quota-microsoft-ad", usage: "Directory Service AWS Managed Microsoft AD directories per account and region", i: &c.QuotaMSAD},
		{name: "quota-ad-connectors", usage: "Directory Service AD Connectors per account and region", i: &c.QuotaConnectors},
	}
}

// EnvName returns the environment variable of a flag.
func EnvName(flagName string) string {
	return "DESKPLANE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ErrHelp is returned by Parse when -h or -help was asked for: the usage
// has been printed, and the program should exit with status 0.
var ErrHelp = flag.ErrHelp

// Parse builds the configuration from defaults, then the environment, then
// flags (the last wins). An error names the setting as it was given: the
// flag, or the environment variable when the value came from there.
func Parse(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	c := Defaults(getenv)
	fs := flag.NewFlagSet("deskplane", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(fs) }
	fromEnv := make(map[string]bool)
	for _, s := range c.specs() {
		env := getenv(EnvName(s.name))
		usage := s.usage + " (env " + EnvName(s.name) + ")"
		if env != "" {
			fromEnv[s.name] = true
		}
		switch {
		case s.str != nil:
			if env != "" {
				*s.str = env
			}
			fs.StringVar(s.str, s.name, *s.str, usage)
		case s.b != nil:
			if env != "" {
				v, err := strconv.ParseBool(env)
				if err != nil {
					return c, fmt.Errorf("%s: %q is not a boolean (true or false)", EnvName(s.name), env)
				}
				*s.b = v
			}
			fs.BoolVar(s.b, s.name, *s.b, usage)
		case s.i != nil:
			if env != "" {
				v, err := strconv.Atoi(env)
				if err != nil {
					return c, fmt.Errorf("%s: %q is not a whole number", EnvName(s.name), env)
				}
				*s.i = v
			}
			fs.IntVar(s.i, s.name, *s.i, usage)
		}
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (see deskplane -h)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { delete(fromEnv, f.Name) })
	err := c.Validate()
	var se *settingError
	if errors.As(err, &se) && fromEnv[se.name] {
		se.env = true
	}
	return c, err
}

// usage prints the help of the deskplane command.
func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprint(w, `Usage:
  deskplane [flags]      serve the Amazon WorkSpaces API (default http://127.0.0.1:4599)
  deskplane -version     print the version and exit
  deskplane -h           print this help and exit

Subcommands: none; the load generator is its own command, deskplane-load
(subcommands bench and baseline; see deskplane-load -h).

Every flag can also be set with its environment variable; a flag wins.

Flags:
`)
	fs.PrintDefaults()
}

// settingError is a setting that cannot work; it names the flag, or the
// environment variable the value came from.
type settingError struct {
	name string // flag name, without the dash
	env  bool
	msg  string
}

func (e *settingError) Error() string {
	if e.env {
		return EnvName(e.name) + e.msg
	}
	return "-" + e.name + e.msg
}

func settingErr(name, format string, args ...any) error {
	return &settingError{name: name, msg: fmt.Sprintf(format, args...)}
}

// AnonymousAccount is the account of the requests -accept-any-credentials
// lets in unverified; it may not be an account of the credentials
// (docs/decisions/0120-accept-any-credentials.md).
const AnonymousAccount = "999999999999"

// regionPattern is the shape of an AWS Region name: us-east-1,
// us-gov-west-1, cn-north-1, ap-southeast-2, eu-central-1, us-isob-east-1.
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// RegionList returns the Regions of -regions (nil: every Region), or why
// the list is not one.
func (c Config) RegionList() ([]string, error) {
	if strings.TrimSpace(c.Regions) == "" {
		return nil, nil
	}
	var out []string
	for _, r := range strings.Split(c.Regions, ",") {
		r = strings.TrimSpace(r)
		switch {
		case r == "":
			return nil, settingErr("regions", " %q: an empty Region in the list", c.Regions)
		case !regionPattern.MatchString(r):
			return nil, settingErr("regions", " %q: %q is not a Region name such as us-east-1 or eu-west-1", c.Regions, r)
		case slices.Contains(out, r):
			return nil, settingErr("regions", " %q: %s is listed twice", c.Regions, r)
		}
		out = append(out, r)
	}
	return out, nil
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return settingErr("addr", " %q: %v", c.Addr, err)
	}
	if _, err := deskplane.NamedProfile(c.Timing); err != nil {
		return settingErr("timing", ": %v", err)
	}
	if c.InMemory && c.Postgres != "" {
		return errors.New("-in-memory and -postgres exclude each other")
	}
	if !c.InMemory && c.Postgres == "" && c.DataDir == "" {
		return settingErr("data-dir", " is empty")
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		return settingErr("log-level", " %q: want debug, info, warn or error", c.LogLevel)
	}
	switch strings.ToLower(c.LogFormat) {
	case "text", "json":
	default:
		return settingErr("log-format", " %q: want text or json", c.LogFormat)
	}
	if _, err := c.RegionList(); err != nil {
		return err
	}
	switch c.Desktops {
	case DesktopsNone, DesktopsLocal:
	default:
		return settingErr("desktops", " %q: want none or local", c.Desktops)
	}
	if !nodeNamePattern.MatchString(c.NodeName) {
		return settingErr("node-name", " %q: want 1 to 63 letters, digits, dots, dashes or underscores", c.NodeName)
	}
	if c.Desktops == DesktopsLocal && c.DesktopDir == "" && c.DataDir == "" {
		return settingErr("desktop-dir", " is empty and so is -data-dir")
	}
	if c.DesktopUIDs < 1000 || c.DesktopUIDs > 1<<31-1-100000 {
		return settingErr("desktop-uids", " %d: want a uid from 1000 that leaves room for 100000 more", c.DesktopUIDs)
	}
	for _, q := range []struct {
		name string
		v    int
	}{{"quota-workspaces", c.QuotaWorkspaces}, {"quota-graphics-workspaces", c.QuotaGraphicsWorkspaces}, {"quota-images", c.QuotaImages}, {"quota-bundles", c.QuotaBundles}, {"quota-pools", c.QuotaPools},
		{"quota-simple-ad", c.QuotaSimpleAD}, {"quota-microsoft-ad", c.QuotaMSAD}, {"quota-ad-connectors", c.QuotaConnectors}} {
		if q.v < 0 {
			return settingErr(q.name, " %d must not be negative", q.v)
		}
	}
	return nil
}

// FlagTable returns the configuration table for README.md.
func FlagTable() string {
	c := Defaults(func(string) string { return "" })
	var b strings.Builder
	b.WriteString("| flag | environment | default | meaning |\n| --- | --- | --- | --- |\n")
	for _, s := range c.specs() {
		def := ""
		switch {
		case s.str != nil:
			def = *s.str
		case s.b != nil:
			def = strconv.FormatBool(*s.b)
		case s.i != nil:
			def = strconv.Itoa(*s.i)
		}
		if s.name == "data-dir" {
			def = "$XDG_DATA_HOME/deskplane or ~/.local/share/deskplane"
		}
		if s.name == "node-name" {
			def = "the host name"
		}
		if def != "" {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `-%s` | `%s` | %s | %s |\n", s.name, EnvName(s.name), def, s.usage)
	}
	return b.String()
}
