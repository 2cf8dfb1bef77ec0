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

	QuotaWorkspaces int
	QuotaImages     int
	QuotaBundles    int
	QuotaPools      int
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
		QuotaWorkspaces: 1000,
		QuotaImages:     40,
		QuotaBundles:    50,
		QuotaPools:      10,
	}
}

// defaultDataDir follows the XDG base directory convention.
func defaultDataDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "github.com/deskplane/deskplane")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "github.com/deskplane/deskplane")
	}
	return filepath.Join(os.TempDir(), "github.com/deskplane/deskplane")
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
		{name: "credentials", usage: "file of 'ACCESS_KEY SECRET ACCOUNT_ID' lines (default: test/test/000000000000)", str: &c.CredentialsFile},
		{name: "timing", usage: "timing profile: instant, fast or realistic", str: &c.Timing},
		{name: "admin-token", usage: "token for the control API (default: generated and kept in the data directory)", str: &c.AdminToken},
		{name: "accept-any-credentials", usage: "accept any access key without checking signatures (INSECURE)", b: &c.AcceptAnyCreds},
		{name: "log-level", usage: "debug, info, warn or error", str: &c.LogLevel},
		{name: "log-format", usage: "text or json", str: &c.LogFormat},
		{name: "regions", usage: "comma-separated regions to serve (default: any)", str: &c.Regions},
		{name: "quota-workspaces", usage: "WorkSpaces per account and region", i: &c.QuotaWorkspaces},
		{name: "quota-images", usage: "images per account and region", i: &c.QuotaImages},
		{name: "quota-bundles", usage: "custom bundles per account and region", i: &c.QuotaBundles},
		{name: "quota-pools", usage: "pools per account and region", i: &c.QuotaPools},
	}
}

// EnvName returns the environment variable of a flag.
func EnvName(flagName string) string {
	return "DESKPLANE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse builds the configuration from defaults, then the environment, then
// flags (the last wins).
func Parse(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	c := Defaults(getenv)
	fs := flag.NewFlagSet("github.com/deskplane/deskplane", flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range c.specs() {
		env := getenv(EnvName(s.name))
		usage := s.usage + " (env " + EnvName(s.name) + ")"
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
					return c, fmt.Errorf("%s: %q is not a boolean", EnvName(s.name), env)
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
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, c.Validate()
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("-addr %q: %v", c.Addr, err)
	}
	if _, err := deskplane.NamedProfile(c.Timing); err != nil {
		return fmt.Errorf("-timing: %v", err)
	}
	if c.InMemory && c.Postgres != "" {
		return errors.New("-in-memory and -postgres exclude each other")
	}
	if !c.InMemory && c.Postgres == "" && c.DataDir == "" {
		return errors.New("-data-dir is empty")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("-log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("-log-format %q: want text or json", c.LogFormat)
	}
	for name, v := range map[string]int{"quota-workspaces": c.QuotaWorkspaces, "quota-images": c.QuotaImages, "quota-bundles": c.QuotaBundles, "quota-pools": c.QuotaPools} {
		if v < 0 {
			return fmt.Errorf("-%s must not be negative", name)
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
		if def != "" {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `-%s` | `%s` | %s | %s |\n", s.name, EnvName(s.name), def, s.usage)
	}
	return b.String()
}
